"""One analysis run of a model: stability per decision maker and equilibria per concept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from guarantor.negotiate.graph import BoolArray, Graph, yn_label
from guarantor.negotiate.stability import CONCEPTS, Engine


@dataclass
class Analysis:
    """Stability tables (DM × state) per concept for one graph."""

    graph: Graph
    tables: dict[str, BoolArray | None]  # None: concept not available for this model

    def equilibria(self, concept: str) -> list[int] | None:
        """State indices stable for all DMs, or None when the concept does not apply."""
        t = self.tables.get(concept)
        return None if t is None else np.nonzero(t.all(axis=0))[0].tolist()

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape: states, equilibria, stability per decision maker."""
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
            c: (None if (e := self.equilibria(c)) is None else [codes[i] for i in e])
            for c in self.tables
        }
        stability: dict[str, dict[str, list[int] | None]] = {}
        for d, name in enumerate(g.dms):
            stability[name] = {}
            for c, t in self.tables.items():
                stability[name][c] = (
                    None if t is None else [codes[i] for i in np.nonzero(t[d])[0].tolist()]
                )
        return {"states": states, "equilibria": equilibria, "stability": stability}


def analyse(
    g: Graph,
    concepts: tuple[str, ...] = CONCEPTS,
    progress: Callable[[str], None] | None = None,
) -> Analysis:
    """Run the named stability concepts on a graph."""
    eng = Engine(g)
    tables: dict[str, BoolArray | None] = {}
    for c in concepts:
        if progress:
            progress(c)
        if c in ("sim", "seq+sim") and g.options is None:
            tables[c] = None
            continue
        tables[c] = eng.table(c)
    return Analysis(g, tables)
