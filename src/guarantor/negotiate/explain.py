"""Why a state is or is not stable for a decision maker: each improvement and what deters it."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from guarantor.negotiate.concepts import Concept, ConceptKind
from guarantor.negotiate.graph import Graph
from guarantor.negotiate.stability import Engine


class Deterrent(StrEnum):
    """How an improvement is deterred."""

    sequential = "sequential"  # the others reply in turn
    no_escape = "sequential, no escape"  # ... and the mover cannot escape the reply (SMR)
    simultaneous = "simultaneous"  # the others reply at the same time (SIM)


@dataclass(frozen=True)
class Reply:
    """One move of a sanctioning decision maker (state indices; `source` is -1 in a joint reply)."""

    dm: int
    source: int
    target: int


@dataclass(frozen=True)
class Temptation:
    """A unilateral improvement of the focal decision maker and what, if anything, deters it."""

    target: int  # state index the focal DM could move to
    deterrent: Deterrent | None  # None: nothing the others can do deters it
    replies: tuple[Reply, ...] = ()  # the sanction: a sequence, or the joint replies
    outcome: int | None = None  # the state the sanction ends in


@dataclass(frozen=True)
class Explanation:
    """Why one state is (un)stable for one decision maker under one concept."""

    dm: int
    state: int  # state index
    concept: Concept
    stable: bool
    temptations: tuple[Temptation, ...]

    def to_json(self, g: Graph) -> dict[str, Any]:
        """Decision maker, state code, concept, verdict and each improvement with its sanction."""
        items = []
        for t in self.temptations:
            sanction: list[dict[str, Any]] | None = None
            if t.deterrent is Deterrent.simultaneous:
                sanction = [{"dm": g.dms[r.dm], "to": int(g.codes[r.target])} for r in t.replies]
            elif t.deterrent is not None:
                sanction = [
                    {
                        "dm": g.dms[r.dm],
                        "from": int(g.codes[r.source]),
                        "to": int(g.codes[r.target]),
                    }
                    for r in t.replies
                ]
            items.append(
                {
                    "to": int(g.codes[t.target]),
                    "kind": None if t.deterrent is None else t.deterrent.value,
                    "sanction": sanction,
                    "outcome": None if t.outcome is None else int(g.codes[t.outcome]),
                }
            )
        return {
            "dm": g.dms[self.dm],
            "state": int(g.codes[self.state]),
            "concept": str(self.concept),
            "stable": self.stable,
            "improvements": items,
        }


def _sanction_path(
    g: Graph, movers: list[int], start: int, improving: bool, ok: Callable[[int], bool]
) -> list[Reply] | None:
    """Shortest legal sequence from `start` by `movers` ending in a state where ok(state) holds."""
    ups = {d: g.ui(d) for d in movers} if improving else {}
    prev: dict[tuple[int, int], tuple[tuple[int, int], int]] = {}
    queue: deque[tuple[int, int]] = deque([(start, -1)])
    seen = {(start, -1)}
    while queue:
        state, last = queue.popleft()
        for d in movers:
            if d == last:
                continue
            targets = ups[d].of(state) if improving else g.moves[d].of(state)
            here = int(g.codes[state])
            # smallest changes first, so the sanction shown is the plainest one
            targets = sorted(
                targets, key=lambda x: (bin(here ^ int(g.codes[x])).count("1"), int(g.codes[x]))
            )
            for t in targets:
                node = (t, d)
                if node in seen:
                    continue
                seen.add(node)
                prev[node] = ((state, last), d)
                if ok(t):
                    path = []
                    cur = node
                    while cur[1] != -1:
                        (ps, pl), who = prev[cur]
                        path.append(Reply(who, ps, cur[0]))
                        cur = (ps, pl)
                    return list(reversed(path))
                queue.append(node)
    return None


def _sim_response(g: Graph, dm: int, s: int, s1: int) -> tuple[list[Reply], int] | None:
    """Joint replies of the others (each staying or taking one own UI from s) that deter s -> s1."""
    info = g.options
    if info is None:
        return None
    others = [d for d in range(len(g.dms)) if d != dm]
    choices = [[None, *g.ui(d).of(s)] for d in others]
    p = g.payoff[dm]
    for combo in itertools.product(*choices):
        if all(c is None for c in combo):
            continue
        code = int(g.codes[s1])
        for d, t in zip(others, combo, strict=True):
            if t is not None:
                mask = info.mask(d)
                code = (code & ~mask) | (int(g.codes[t]) & mask)
        k = g.index_of(code)
        if k >= 0 and p[k] <= p[s]:
            joint = [Reply(d, -1, t) for d, t in zip(others, combo, strict=True) if t is not None]
            return joint, k
    return None


def explain(
    g: Graph, dm: int, s: int, concept: Concept, engine: Engine | None = None
) -> Explanation:
    """Each unilateral improvement of one decision maker from a state, and what deters it."""
    eng = engine or Engine(g)
    p = g.payoff[dm]
    others = [d for d in range(len(g.dms)) if d != dm]
    stable = bool(eng.stable(concept, dm)[s])
    if concept.two_dms_only:  # anticipation, not sanctions: see `reach`
        return Explanation(dm, s, concept, stable, ())
    kind = concept.kind
    items = []
    for t in sorted(eng.ui(dm).of(s), key=lambda x: -int(p[x])):
        path = None
        if kind in (ConceptKind.gmr, ConceptKind.seq, ConceptKind.seq_sim):
            path = _sanction_path(
                g, others, t, kind is not ConceptKind.gmr, lambda x: bool(p[x] <= p[s])
            )
            deterrent = Deterrent.sequential
        elif kind is ConceptKind.smr:

            def ok(x: int) -> bool:
                return bool(p[x] <= p[s] and all(p[y] <= p[s] for y in g.moves[dm].of(x)))

            path = _sanction_path(g, others, t, False, ok)
            deterrent = Deterrent.no_escape
        if path:
            items.append(Temptation(t, deterrent, tuple(path), path[-1].target))
            continue
        if kind in (ConceptKind.sim, ConceptKind.seq_sim):
            found = _sim_response(g, dm, s, t)
            if found is not None:
                items.append(Temptation(t, Deterrent.simultaneous, tuple(found[0]), found[1]))
                continue
        items.append(Temptation(t, None))
    return Explanation(dm, s, concept, stable, tuple(items))
