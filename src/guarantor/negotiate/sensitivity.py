"""Sensitivity analysis: equilibria across alternative preferences, irreversibility and concepts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from guarantor.errors import UserError
from guarantor.negotiate.concepts import CONCEPTS, Concept
from guarantor.negotiate.conflict import Conflict
from guarantor.negotiate.graph import Direction, Graph, IntArray
from guarantor.negotiate.stability import Engine

MAX_SCENARIOS = 4096
BASE = "base"  # the name of a decision maker's preference as written (not an alternative)


@dataclass(frozen=True)
class Axis:
    """One uncertain assumption and the values tried: a DM's preferences or an option's direction."""

    name: str  # a decision maker or an option
    values: tuple[str, ...]  # preference names ("base" first) or directions (as written first)
    option: bool = False  # an option's direction rather than a decision maker's preferences


@dataclass(frozen=True)
class PreferenceScenario:
    """One combination: an alternative preference per DM (where not base) and reversed options."""

    alternatives: tuple[tuple[str, str], ...]  # (decision maker, alternative)
    directions: tuple[tuple[str, Direction], ...]  # (option, direction used instead)

    @property
    def label(self) -> str:
        """A short name such as `US=pressure, ua_withdraw:both` (`base` for the model as written)."""
        parts = [f"{dm}={alt}" for dm, alt in self.alternatives]
        parts += [f"{option}:{d.value}" for option, d in self.directions]
        return ", ".join(parts) or BASE


@dataclass(frozen=True)
class Run:
    """The equilibria (decimal codes) of one scenario, per concept."""

    scenario: PreferenceScenario
    equilibria: dict[Concept, tuple[int, ...]]


@dataclass(frozen=True)
class Robustness:
    """How often one state is an equilibrium, per concept, over all scenarios."""

    state: int  # decimal code
    label: str  # Y/N string or the state's name
    counts: dict[Concept, int]
    robust: tuple[Concept, ...]  # concepts under which it is an equilibrium in every scenario


@dataclass(frozen=True)
class Sensitivity:
    """Equilibria over every scenario, and per state how robust it is."""

    concepts: tuple[Concept, ...]
    axes: tuple[Axis, ...]
    runs: tuple[Run, ...]
    states: tuple[Robustness, ...]  # by state code

    def row(self, state: int, label: str) -> Robustness:
        """The counts of one state (decimal code): zero where it is never an equilibrium."""
        for r in self.states:
            if r.state == state:
                return r
        never = dict.fromkeys(self.concepts, 0)
        return Robustness(state, label, never, ())

    def ranked(self) -> list[Robustness]:
        """States most often in equilibrium under the first concept, then the next, ..."""
        return sorted(self.states, key=lambda r: ([-r.counts[c] for c in self.concepts], r.state))

    def to_json(self) -> dict[str, Any]:
        """PreferenceScenario count, each run's equilibria, and the counts per state."""
        return {
            "scenarios": len(self.runs),
            "runs": [
                {
                    "scenario": r.scenario.label,
                    "alternatives": dict(r.scenario.alternatives),
                    "directions": {o: d.value for o, d in r.scenario.directions},
                    "equilibria": {str(c): list(e) for c, e in r.equilibria.items()},
                }
                for r in self.runs
            ],
            "states": [
                {
                    "state": st.state,
                    "label": st.label,
                    "counts": {str(c): n for c, n in st.counts.items()},
                    "robust": sorted(str(c) for c in st.robust),
                }
                for st in self.states
            ],
        }


def scenarios(
    conflict: Conflict, flip: list[str]
) -> tuple[tuple[Axis, ...], list[PreferenceScenario]]:
    """Every combination of preference alternatives and direction assumptions."""
    if flip and conflict.options is None:
        raise UserError("--flip needs a model written with options")
    names = list(conflict.options.names) if conflict.options else []
    for f in flip:
        if f not in names:
            raise UserError(f"--flip names unknown option {f!r}")
    axes = [
        Axis(dm.name, (BASE, *(a for a, _ in dm.alternatives)))
        for dm in conflict.dms
        if dm.alternatives
    ]
    written = (
        {f: conflict.options.directions[names.index(f)] for f in flip} if conflict.options else {}
    )
    axes += [Axis(f, (written[f].value, written[f].reversed().value), option=True) for f in flip]
    choices = [[BASE, *(a for a, _ in dm.alternatives)] for dm in conflict.dms]
    out = []
    for pref_combo in itertools.product(*choices):
        for flips in itertools.product([False, True], repeat=len(flip)):
            out.append(
                PreferenceScenario(
                    tuple(
                        (dm.name, alt)
                        for dm, alt in zip(conflict.dms, pref_combo, strict=True)
                        if alt != BASE
                    ),
                    tuple(
                        (f, written[f].reversed()) for f, on in zip(flip, flips, strict=True) if on
                    ),
                )
            )
    if len(out) > MAX_SCENARIOS:
        raise UserError(f"{len(out)} scenarios: at most {MAX_SCENARIOS}")
    return tuple(axes), out


def sensitivity(
    conflict: Conflict, concepts: tuple[Concept, ...] = CONCEPTS, flip: list[str] | None = None
) -> Sensitivity:
    """Equilibria per scenario and concept, and for each state how often it is an equilibrium."""
    runs = []
    axes, combos = scenarios(conflict, flip or [])
    graphs: dict[tuple[tuple[str, Direction], ...], Graph] = {}  # moves depend only on these
    counts: np.ndarray | None = None  # (concept, state index): how often an equilibrium
    ranked: dict[tuple[object, ...], IntArray] = {}
    for sc in combos:
        if sc.directions not in graphs:
            c = conflict
            if sc.directions:
                assert conflict.options is not None
                dirs = list(conflict.options.directions)
                for option, d in sc.directions:
                    dirs[conflict.options.names.index(option)] = d
                c = conflict.with_directions(tuple(dirs))
            graphs[sc.directions] = c.compile()
        base = graphs[sc.directions]  # the same feasible states in every scenario
        if counts is None:
            counts = np.zeros((len(concepts), base.n), dtype=np.int64)
        chosen = dict(sc.alternatives)
        rows = []
        for dm in conflict.dms:  # each preference ranked once, not once per scenario
            key = (sc.directions, dm.name, chosen.get(dm.name))
            if key not in ranked:
                pref = conflict.preference(dm, chosen.get(dm.name))
                ranked[key] = pref.payoff(base.codes, f"preferences of {dm.name}")
            rows.append(ranked[key])
        g = base.with_payoff(np.stack(rows))
        eng = Engine(g)
        eq: dict[Concept, tuple[int, ...]] = {}
        for k, concept in enumerate(concepts):
            if concept.needs_options and g.options is None:
                continue
            idx = eng.equilibria(concept)
            counts[k, idx] += 1
            eq[concept] = tuple(g.codes[idx].tolist())
        runs.append(Run(sc, eq))
    n = len(runs)
    assert counts is not None and graphs
    g0 = next(iter(graphs.values()))
    states = tuple(
        Robustness(
            int(g0.codes[i]),
            g0.labels[i] if g0.labels else str(int(g0.codes[i])),
            {c: int(counts[k, i]) for k, c in enumerate(concepts)},
            tuple(c for k, c in enumerate(concepts) if counts[k, i] == n),
        )
        for i in np.nonzero(counts.any(axis=0))[0].tolist()
    )
    return Sensitivity(concepts, axes, tuple(runs), states)
