"""One analysis run of a model: stability per decision maker, equilibria per concept, coalitions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from guarantor.negotiate.coalition import Improvement, coalition_unstable, coalitions_to_check
from guarantor.negotiate.concepts import CONCEPTS, Concept
from guarantor.negotiate.graph import BoolArray, Graph, yn_label
from guarantor.negotiate.stability import Engine


@dataclass(frozen=True)
class Analysis:
    """Stability tables (DM × state) per concept for one graph, and coalitional improvements."""

    graph: Graph
    tables: dict[Concept, BoolArray | None]  # None: concept not available for this model
    # per equilibrium (state index) of any concept, the coalitional moves that leave it;
    # None when coalitions were not analysed
    coalition_moves: dict[int, tuple[Improvement, ...]] | None = field(default=None)

    @property
    def concepts(self) -> tuple[Concept, ...]:
        """The concepts analysed, in the order asked for."""
        return tuple(self.tables)

    def equilibria(self, concept: Concept) -> list[int] | None:
        """State indices stable for all DMs, or None when the concept does not apply."""
        t = self.tables.get(concept)
        return None if t is None else np.nonzero(t.all(axis=0))[0].tolist()

    def stable_for(self, concept: Concept, state: int) -> list[int] | None:
        """Indices of the decision makers for whom a state is stable (None: not applicable)."""
        t = self.tables.get(concept)
        return None if t is None else np.nonzero(t[:, state])[0].tolist()

    def coalition_stable(self, concept: Concept) -> list[int] | None:
        """The equilibria of a concept that no coalition can improve on (None: not applicable)."""
        eq = self.equilibria(concept)
        if eq is None or self.coalition_moves is None:
            return None
        return [i for i in eq if not self.coalition_moves[i]]

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape: states, equilibria, stability per DM (and coalitions)."""
        g = self.graph
        states = []
        for k in range(g.n):
            entry: dict[str, Any] = {"decimal": int(g.codes[k]), "ordered": k + 1}
            if g.options is not None:
                entry["options"] = (
                    g.labels[k] if g.labels else yn_label(int(g.codes[k]), len(g.options.names))
                )
            else:
                entry["options"] = None
                entry["name"] = g.labels[k]
            states.append(entry)
        codes = g.codes.tolist()
        equilibria = {
            str(c): (None if (e := self.equilibria(c)) is None else [codes[i] for i in e])
            for c in self.tables
        }
        stability: dict[str, dict[str, list[int] | None]] = {}
        for d, name in enumerate(g.dms):
            stability[name] = {}
            for c, t in self.tables.items():
                stability[name][str(c)] = (
                    None if t is None else [codes[i] for i in np.nonzero(t[d])[0].tolist()]
                )
        doc: dict[str, Any] = {"states": states, "equilibria": equilibria, "stability": stability}
        if self.coalition_moves is not None:
            doc["coalition_improvements"] = {
                str(codes[s]): [im.to_json(g) for im in ims]
                for s, ims in sorted(self.coalition_moves.items())
            }
            doc["coalition_stable"] = {
                str(c): None if (e := self.coalition_stable(c)) is None else [codes[i] for i in e]
                for c in self.tables
            }
        return doc


def analyse(
    g: Graph,
    concepts: tuple[Concept, ...] = CONCEPTS,
    progress: Callable[[Concept], None] | None = None,
    coalitions: bool = False,
) -> Analysis:
    """Run the named stability concepts on a graph; with `coalitions`, test the equilibria too."""
    eng = Engine(g)
    tables: dict[Concept, BoolArray | None] = {}
    for c in concepts:
        if progress:
            progress(c)
        if c.needs_options and g.options is None:
            tables[c] = None
            continue
        tables[c] = eng.table(c)
    result = Analysis(g, tables)
    if not coalitions:
        return result
    candidates = sorted({i for c in concepts if (e := result.equilibria(c)) for i in e})
    found = coalition_unstable(g, coalitions_to_check(g), candidates)
    return Analysis(g, tables, {s: tuple(ims) for s, ims in found.items()})
