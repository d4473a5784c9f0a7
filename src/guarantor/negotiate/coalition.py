"""Coalitional improvements: legal sequences of members' moves that leave every member better off."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from guarantor.errors import UserError
from guarantor.negotiate.graph import Graph

MAX_WORK = 40_000_000  # start states × model states searched: about 10 s of breadth-first search


@dataclass(frozen=True)
class Step:
    """One move in a path: who moved, from which state index to which."""

    dm: int
    source: int
    target: int

    def to_json(self, g: Graph) -> dict[str, Any]:
        """The move with the decision maker's name and decimal state codes."""
        return {
            "dm": g.dms[self.dm],
            "from": int(g.codes[self.source]),
            "to": int(g.codes[self.target]),
        }


@dataclass(frozen=True)
class Improvement:
    """A coalitional improvement: the coalition, start, end and one legal sequence of moves."""

    coalition: tuple[int, ...]
    source: int
    target: int
    path: tuple[Step, ...]

    def to_json(self, g: Graph) -> dict[str, Any]:
        """The coalition's names, start and end codes and the members' moves."""
        return {
            "coalition": [g.dms[d] for d in self.coalition],
            "from": int(g.codes[self.source]),
            "to": int(g.codes[self.target]),
            "moves": [s.to_json(g) for s in self.path],
        }


def _product_graph(g: Graph, members: tuple[int, ...]) -> csr_matrix:
    """Nodes: 0..n-1 start states; n + j*n + t = at t after member j moved. Edges respect legality."""
    n = g.n
    k = len(members)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for j, dm in enumerate(members):
        mv = g.moves[dm]
        src = mv.sources
        dst = mv.targets.astype(np.int64)
        rows.append(src)  # from a start state
        cols.append(n + j * n + dst)
        for x in range(k):
            if x != j:  # member j may move after x, never after itself
                rows.append(n + x * n + src)
                cols.append(n + j * n + dst)
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    size = n + k * n
    return csr_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(size, size))


class CoalitionMoves:
    """Coalitional improvements in one graph; each coalition's product graph is built once."""

    def __init__(self, g: Graph) -> None:
        self.graph = g
        self._product: dict[tuple[int, ...], csr_matrix] = {}

    def improvements(self, members: tuple[int, ...], sources: list[int]) -> list[Improvement]:
        """Every coalitional improvement of `members` (all strictly better off) from `sources`."""
        g = self.graph
        n = g.n
        if members not in self._product:
            self._product[members] = _product_graph(g, members)
        prod = self._product[members]
        pay = g.payoff[list(members)]
        out: list[Improvement] = []
        for s in sources:
            order, pred = breadth_first_order(prod, s, directed=True, return_predecessors=True)
            reached = order[order >= n]
            states = (reached - n) % n
            better = np.all(pay[:, states] > pay[:, [s]], axis=0)
            seen: set[int] = set()
            for node, t in zip(reached[better].tolist(), states[better].tolist(), strict=True):
                if t in seen or t == s:
                    continue
                seen.add(t)
                steps: list[Step] = []
                cur = node
                while cur >= n:
                    prev = int(pred[cur])
                    j = (cur - n) // n
                    steps.append(
                        Step(members[j], prev if prev < n else (prev - n) % n, (cur - n) % n)
                    )
                    cur = prev
                out.append(Improvement(members, s, t, tuple(reversed(steps))))
        return sorted(out, key=lambda im: (im.source, im.target))


def coalition_improvements(
    g: Graph, members: tuple[int, ...], sources: list[int] | None = None
) -> list[Improvement]:
    """Every coalitional improvement of `members` (all strictly better off) from the given states."""
    check_size(g, g.n if sources is None else len(sources))
    return CoalitionMoves(g).improvements(members, list(range(g.n)) if sources is None else sources)


def check_size(g: Graph, sources: int) -> None:
    """Refuse a coalition search whose breadth-first searches would visit too many states."""
    if sources * g.n > MAX_WORK:
        raise UserError(
            f"coalition analysis from {sources:,} states of a {g.n:,}-state model is too large "
            f"(at most {MAX_WORK:,} states visited); check fewer equilibria (e.g. --concepts "
            "nash) or, in `reach`, use --unilateral"
        )


def coalitions_to_check(g: Graph) -> list[tuple[int, ...]]:
    """Coalitions of two or more decision makers: every subset when there are at most 6 DMs."""
    k = len(g.dms)
    if g.coalitions and any(len(c) > 1 for c in g.coalitions):
        return [c for c in g.coalitions if len(c) > 1]
    if k > 6:
        raise UserError(
            "with more than 6 decision makers, name the coalitions in the model ('coalitions')"
        )
    return [c for size in range(2, k + 1) for c in itertools.combinations(range(k), size)]


def coalition_unstable(
    g: Graph, coalitions: list[tuple[int, ...]], candidates: list[int]
) -> dict[int, list[Improvement]]:
    """For each candidate state, the coalitional improvements that leave it."""
    check_size(g, len(candidates) * len(coalitions))
    search = CoalitionMoves(g)
    found: dict[int, list[Improvement]] = {s: [] for s in candidates}
    for c in coalitions:
        for im in search.improvements(c, candidates):
            found[im.source].append(im)
    return found
