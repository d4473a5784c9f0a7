"""Inverse analysis: which preference orders (within a slice of a ranking) make a chosen state stable."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from guarantor.errors import UserError
from guarantor.negotiate.concepts import Concept
from guarantor.negotiate.graph import Graph, IntArray
from guarantor.negotiate.oracle import Oracle

MAX_PROFILES = 2_000_000


@dataclass(frozen=True)
class Slice:
    """Positions first..last (1-based, inclusive) of a decision maker's ranking, to be permuted."""

    dm: int
    first: int
    last: int


def ranking_order(payoff: IntArray, codes: IntArray) -> list[int]:
    """State indices best first (ties by lower code)."""
    return sorted(range(payoff.size), key=lambda i: (-int(payoff[i]), int(codes[i])))


@dataclass(frozen=True)
class Ordering:
    """A decision maker prefers one state to another (state indices)."""

    dm: int
    prefers: int
    to: int


@dataclass(frozen=True)
class Ranking:
    """One decision maker's order of the states of its slice, best first (state indices)."""

    dm: int
    states: tuple[int, ...]


@dataclass(frozen=True)
class Condition:
    """The definition unrolled at one state, for one possible move of one decision maker.

    The state is stable only if the DM does not prefer `move_to` to it or, for concepts with
    sanctions, the sanction that follows leaves it no better off; `candidate_sanctions` are the
    states the others can reach from `move_to` (None for Nash, which has no sanctions).
    """

    dm: int
    move_to: int
    candidate_sanctions: tuple[int, ...] | None


@dataclass(frozen=True)
class InverseResult:
    """Which preference profiles (permutations of ranking slices) make a state stable."""

    graph: Graph
    target: int  # state index
    concept: Concept
    profiles: int
    stable_profiles: int
    necessary: tuple[Ordering, ...]  # orderings shared by every stable profile
    example: tuple[Ranking, ...] | None  # the first stable profile found
    conditions: tuple[Condition, ...]

    def to_json(self) -> dict[str, Any]:
        """Counts, necessary orderings, an example and the conditions, in decimal state codes."""
        g = self.graph

        def code(i: int) -> int:
            return int(g.codes[i])

        return {
            "target": code(self.target),
            "concept": str(self.concept),
            "profiles": self.profiles,
            "stable_profiles": self.stable_profiles,
            "necessary": [
                {"dm": g.dms[n.dm], "prefers": code(n.prefers), "to": code(n.to)}
                for n in self.necessary
            ],
            "example": None
            if self.example is None
            else [
                {"dm": g.dms[r.dm], "ranking": [code(x) for x in r.states]} for r in self.example
            ],
            "conditions": [
                {
                    "dm": g.dms[c.dm],
                    "move_to": code(c.move_to),
                    "candidate_sanctions": None
                    if c.candidate_sanctions is None
                    else [code(x) for x in c.candidate_sanctions],
                }
                for c in self.conditions
            ],
        }


def _state_stable(orc: Oracle, s: int, concept: Concept) -> bool:
    return all(orc.stable(concept, i, s) for i in range(len(orc.g.dms)))


def inverse(g: Graph, target: int, concept: Concept, slices: list[Slice]) -> InverseResult:
    """Enumerate the permutations of each slice; report counts, necessary orderings and conditions."""
    if concept.two_dms_only:
        raise UserError(
            f"inverse analysis supports nash, gmr, smr, seq, sim and seq+sim, not {concept}"
        )
    if concept.needs_options and g.options is None:
        raise UserError(f"{concept} needs a model written with options")
    blocks = []
    total = 1
    for sl in slices:
        order = ranking_order(g.payoff[sl.dm], g.codes)
        if not 1 <= sl.first <= sl.last <= len(order):
            raise UserError(
                f"slice {sl.first}-{sl.last} is outside 1-{len(order)} for {g.dms[sl.dm]}"
            )
        states = order[sl.first - 1 : sl.last]
        values = sorted((int(g.payoff[sl.dm][i]) for i in states), reverse=True)
        if len(set(values)) != len(values):
            raise UserError(
                f"the slice of {g.dms[sl.dm]}'s ranking contains tied states; inverse analysis permutes strict orders"
            )
        blocks.append((sl.dm, states, values))
        total *= math.factorial(len(states))
    if total > MAX_PROFILES:
        raise UserError(
            f"{total:,} preference profiles: at most {MAX_PROFILES:,}; narrow the slices"
        )
    payoff = g.payoff.copy()
    orc = Oracle(g.with_payoff(payoff))
    count = 0
    # before[(dm, a, b)] counts stable profiles in which dm prefers a to b
    before: dict[tuple[int, int, int], int] = {}
    example: tuple[Ranking, ...] | None = None
    for combo in itertools.product(*[itertools.permutations(states) for _, states, _ in blocks]):
        for (dm, _, values), perm in zip(blocks, combo, strict=True):
            for state, v in zip(perm, values, strict=True):
                payoff[dm, state] = v
        orc.set_payoff([[int(x) for x in row] for row in payoff])
        if not _state_stable(orc, target, concept):
            continue
        count += 1
        for (dm, _, _), perm in zip(blocks, combo, strict=True):
            for a, b in itertools.combinations(perm, 2):
                before[(dm, a, b)] = before.get((dm, a, b), 0) + 1
        if example is None:
            example = tuple(
                Ranking(dm, tuple(perm)) for (dm, _, _), perm in zip(blocks, combo, strict=True)
            )
    necessary = [
        Ordering(dm, a, b)
        for dm, states, _ in blocks
        for a, b in itertools.permutations(states, 2)
        if count and before.get((dm, a, b), 0) == count
    ]
    return InverseResult(
        g,
        target,
        concept,
        total,
        count,
        tuple(necessary),
        example,
        conditions(g, target, concept),
    )


def conditions(g: Graph, s: int, concept: Concept) -> tuple[Condition, ...]:
    """The definition unrolled at one state: per DM and possible move, what must hold for stability."""
    orc = Oracle(g)
    out = []
    for i in range(len(g.dms)):
        others = [d for d in range(len(g.dms)) if d != i]
        for t in sorted(orc.r[i][s]):
            sanctions = None
            if concept.sanctioned:
                sanctions = tuple(
                    sorted(orc.reach(others, t, False), key=lambda x: int(g.codes[x]))
                )
            out.append(Condition(i, t, sanctions))
    return tuple(out)


def parse_slice(text: str, g: Graph) -> Slice:
    """Read `DM` or `DM:FIRST-LAST` (1-based ranking positions)."""
    name, _, span = text.partition(":")
    if name not in g.dms:
        raise UserError(f"--vary names unknown decision maker {name!r}; known: {', '.join(g.dms)}")
    dm = g.dms.index(name)
    if not span:
        return Slice(dm, 1, g.n)
    try:
        a, b = (int(x) for x in span.split("-"))
    except ValueError:
        raise UserError(f"--vary {text!r}: write DM or DM:FIRST-LAST, e.g. Syria:1-6") from None
    return Slice(dm, a, b)
