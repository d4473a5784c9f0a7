"""Status quo analysis: which equilibria can be reached from a start, by which shortest path."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from guarantor.errors import UserError
from guarantor.negotiate.analysis import analyse
from guarantor.negotiate.coalition import (
    CoalitionMoves,
    Improvement,
    Step,
    check_size,
    coalitions_to_check,
)
from guarantor.negotiate.concepts import Concept
from guarantor.negotiate.graph import Graph

Move = Step | Improvement


@dataclass(frozen=True)
class PathTo:
    """One equilibrium and the shortest improvement path to it (None: not reachable)."""

    target: int  # state index
    path: tuple[Move, ...] | None


@dataclass(frozen=True)
class Reachability:
    """Paths from a start state to each equilibrium of a concept."""

    graph: Graph
    start: int  # state index
    concept: Concept
    coalitions: bool  # coalitional improvements allowed
    paths: tuple[PathTo, ...]

    def to_json(self) -> dict[str, Any]:
        """From, concept, and per equilibrium whether and how it is reached (decimal codes)."""
        g = self.graph

        def move(x: Move) -> dict[str, Any]:
            by = x.coalition if isinstance(x, Improvement) else (x.dm,)
            return {
                "by": [g.dms[d] for d in by],
                "from": int(g.codes[x.source]),
                "to": int(g.codes[x.target]),
                "coalition": isinstance(x, Improvement),
            }

        return {
            "from": int(g.codes[self.start]),
            "concept": str(self.concept),
            "coalitions": self.coalitions,
            "equilibria": [
                {
                    "state": int(g.codes[p.target]),
                    "reachable": p.path is not None,
                    "path": None if p.path is None else [move(x) for x in p.path],
                }
                for p in self.paths
            ],
        }


def status_quo_paths(
    g: Graph, start: int, targets: list[int], coalitions: list[tuple[int, ...]] | None = None
) -> dict[int, tuple[Move, ...] | None]:
    """Shortest path of unilateral (and, if given, coalitional) improvements from start to each target."""
    ups = [g.ui(d) for d in range(len(g.dms))]
    search = CoalitionMoves(g)
    coal: dict[int, list[Improvement]] = {}
    prev: dict[int, tuple[int, Move]] = {}
    seen = {start}
    queue = deque([start])
    while queue:
        s = queue.popleft()
        moves: list[tuple[int, Move]] = []
        for d, ui in enumerate(ups):
            moves.extend((t, Step(d, s, t)) for t in ui.of(s))
        if coalitions:
            if s not in coal:  # one search per coalition from every state reached
                check_size(g, (len(coal) + 1) * len(coalitions))
                coal[s] = [im for c in coalitions for im in search.improvements(c, [s])]
            moves.extend((im.target, im) for im in coal[s])
        for t, how in moves:
            if t not in seen:
                seen.add(t)
                prev[t] = (s, how)
                queue.append(t)
    out: dict[int, tuple[Move, ...] | None] = {}
    for t in targets:
        if t == start:
            out[t] = ()
        elif t not in seen:
            out[t] = None
        else:
            path = []
            cur = t
            while cur != start:
                p, how = prev[cur]
                path.append(how)
                cur = p
            out[t] = tuple(reversed(path))
    return out


def reachability(g: Graph, start: int | None, concept: Concept, coalitions: bool) -> Reachability:
    """The equilibria of `concept` reachable from `start` (default: the model's status quo)."""
    if start is None:
        if g.status_quo is None:
            raise UserError("the model has no status_quo; pass --from STATE")
        start = g.status_quo
    eq = analyse(g, (concept,)).equilibria(concept)
    if eq is None:
        raise UserError(f"{concept} needs a model written with options")
    groups = coalitions_to_check(g) if coalitions and len(g.dms) > 1 else None
    paths = status_quo_paths(g, start, eq, groups)
    return Reachability(
        g, start, concept, coalitions, tuple(PathTo(t, p) for t, p in paths.items())
    )
