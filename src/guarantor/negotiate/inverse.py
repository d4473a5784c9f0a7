"""Inverse analysis: which preference orders (within a slice of a ranking) make a chosen state stable."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from guarantor.errors import UserError
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


def _state_stable(orc: Oracle, s: int, concept: str) -> bool:
    return all(orc.stable(concept, i, s) for i in range(len(orc.g.dms)))


def inverse(g: Graph, target: int, concept: str, slices: list[Slice]) -> dict[str, Any]:
    """Enumerate the permutations of each slice; report counts, necessary orderings and conditions."""
    if concept not in ("nash", "gmr", "smr", "seq", "sim", "seq+sim"):
        raise UserError(
            f"inverse analysis supports nash, gmr, smr, seq, sim and seq+sim, not {concept!r}"
        )
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
    example: list[dict[str, Any]] | None = None
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
            example = [
                {"dm": g.dms[dm], "ranking": [int(g.codes[x]) for x in perm]}
                for (dm, _, _), perm in zip(blocks, combo, strict=True)
            ]
    necessary = []
    for dm, states, _ in blocks:
        for a, b in itertools.permutations(states, 2):
            if count and before.get((dm, a, b), 0) == count:
                necessary.append(
                    {"dm": g.dms[dm], "prefers": int(g.codes[a]), "to": int(g.codes[b])}
                )
    return {
        "target": int(g.codes[target]),
        "concept": concept,
        "profiles": total,
        "stable_profiles": count,
        "necessary": necessary,
        "example": example,
        "conditions": conditions(g, target, concept),
    }


def conditions(g: Graph, s: int, concept: str) -> list[dict[str, Any]]:
    """The definition unrolled at one state: per DM and possible move, what must hold for stability."""
    orc = Oracle(g)
    out = []
    for i in range(len(g.dms)):
        others = [d for d in range(len(g.dms)) if d != i]
        for t in sorted(orc.r[i][s]):
            item: dict[str, Any] = {
                "dm": g.dms[i],
                "move_to": int(g.codes[t]),
                "either": f"{g.dms[i]} does not prefer {int(g.codes[t])} to {int(g.codes[s])}",
            }
            if concept != "nash":
                sanctions = sorted(int(g.codes[x]) for x in orc.reach(others, t, False))
                kind = {
                    "gmr": "some state the others can reach from it",
                    "smr": "some state the others can reach from it, from which it cannot escape to a better one",
                    "seq": "some state the others reach from it by moves each of them prefers",
                    "sim": "a state the others' simultaneous improvements lead to",
                    "seq+sim": "a state the others reach by improvements, in turn or at once",
                }[concept]
                item["or"] = (
                    f"{g.dms[i]} does not prefer {int(g.codes[t])}'s sanction — {kind} — to {int(g.codes[s])}"
                )
                item["candidate_sanctions"] = sanctions
            out.append(item)
    return out


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
