"""Brute-force stability written straight from the definitions: slow, explicit, for testing.

Independent of the fast engine: moves are re-derived from the option definitions by comparing
every pair of states, and sanctions are found by explicit search over legal sequences.
"""

from __future__ import annotations

import itertools
from collections import deque

from guarantor.negotiate.concepts import Concept, ConceptKind
from guarantor.negotiate.graph import Direction, Graph


def unilateral_moves(g: Graph) -> list[dict[int, set[int]]]:
    """R_i(s) for every DM i and state index s, from the definitions."""
    n = g.n
    out: list[dict[int, set[int]]] = [dict() for _ in g.dms]
    if g.options is None:
        for i in range(len(g.dms)):
            for s in range(n):
                out[i][s] = set(g.moves[i].of(s))
        return out
    info = g.options
    for i in range(len(g.dms)):
        mine = [k for k, o in enumerate(info.owners) if o == i]
        for s in range(n):
            cs = int(g.codes[s])
            targets = set()
            for t in range(n):
                ct = int(g.codes[t])
                if ct == cs:
                    continue
                ok = True
                for k in range(len(info.owners)):
                    a, b = (cs >> k) & 1, (ct >> k) & 1
                    if a == b:
                        continue
                    if (
                        k not in mine
                        or (info.directions[k] is Direction.fwd and a == 1)
                        or (info.directions[k] is Direction.back and a == 0)
                    ):
                        ok = False
                if ok:
                    targets.add(t)
            out[i][s] = targets
    return out


class Oracle:
    """Explicit-definition stability analysis of a small graph."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.r = unilateral_moves(g)
        self.p = [[int(x) for x in row] for row in g.payoff]
        self._reach: dict[tuple[tuple[int, ...], int, bool], set[int]] = {}

    def set_payoff(self, payoff: list[list[int]]) -> None:
        """Replace the preferences (clears cached improvement reach sets)."""
        self.p = payoff
        self._reach = {k: v for k, v in self._reach.items() if not k[2]}

    def r_plus(self, i: int, s: int) -> set[int]:
        """Unilateral improvements of i from s."""
        return {t for t in self.r[i][s] if self.p[i][t] > self.p[i][s]}

    def reach(self, movers: list[int], s: int, improving: bool) -> set[int]:
        """States reachable from s by legal sequences of the movers (of UIs if `improving`)."""
        key = (tuple(movers), s, improving)
        if key in self._reach:
            return self._reach[key]
        seen: set[tuple[int, int]] = set()
        queue: deque[tuple[int, int]] = deque([(s, -1)])
        found: set[int] = set()
        while queue:
            state, last = queue.popleft()
            for j in movers:
                if j == last:
                    continue
                nxt = self.r_plus(j, state) if improving else self.r[j][state]
                for t in nxt:
                    if (t, j) not in seen:
                        seen.add((t, j))
                        found.add(t)
                        queue.append((t, j))
        self._reach[key] = found
        return found

    def stable(self, concept: Concept, i: int, s: int) -> bool:
        """Whether state s is stable for DM i under a concept (not L_h or NM)."""
        others = [j for j in range(len(self.g.dms)) if j != i]
        p = self.p[i]
        ups = self.r_plus(i, s)
        kind = concept.kind
        if kind is ConceptKind.nash:
            return not ups
        for s1 in ups:
            if kind is ConceptKind.gmr:
                ok = any(p[s2] <= p[s] for s2 in self.reach(others, s1, False))
            elif kind is ConceptKind.smr:
                ok = any(
                    p[s2] <= p[s] and all(p[s3] <= p[s] for s3 in self.r[i][s2])
                    for s2 in self.reach(others, s1, False)
                )
            elif kind is ConceptKind.seq:
                ok = any(p[s2] <= p[s] for s2 in self.reach(others, s1, True))
            elif kind is ConceptKind.sim:
                ok = self._sim(i, s, s1)
            elif kind is ConceptKind.seq_sim:
                ok = any(p[s2] <= p[s] for s2 in self.reach(others, s1, True)) or self._sim(
                    i, s, s1
                )
            else:
                raise ValueError(f"the oracle does not compute {concept}")
            if not ok:
                return False
        return True

    def _sim(self, i: int, s: int, s1: int) -> bool:
        info = self.g.options
        assert info is not None
        others = [j for j in range(len(self.g.dms)) if j != i]
        choices = [[None, *sorted(self.r_plus(j, s))] for j in others]
        code_of = {int(c): k for k, c in enumerate(self.g.codes)}
        for combo in itertools.product(*choices):
            if all(c is None for c in combo):
                continue
            code = int(self.g.codes[s1])
            for j, t in zip(others, combo, strict=True):
                if t is None:
                    continue
                mask = info.mask(j)
                code = (code & ~mask) | (int(self.g.codes[t]) & mask)
            k = code_of.get(code)
            if k is not None and self.p[i][k] <= self.p[i][s]:
                return True
        return False

    def equilibria(self, concept: Concept) -> list[int]:
        """State indices stable for every DM."""
        return [
            s
            for s in range(self.g.n)
            if all(self.stable(concept, i, s) for i in range(len(self.g.dms)))
        ]
