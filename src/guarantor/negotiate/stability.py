"""The fast engine: stability of every state for every decision maker, vectorised over states."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from guarantor.errors import UserError
from guarantor.negotiate.concepts import Concept, ConceptKind
from guarantor.negotiate.graph import BoolArray, Graph, IntArray, Moves

INF = np.iinfo(np.int64).max
INF32 = int(np.iinfo(np.int32).max)
NEG = np.iinfo(np.int64).min


def row_reduce(values: npt.NDArray[Any], moves: Moves, fill: int, how: str) -> npt.NDArray[Any]:
    """Per source state, the min (or max) of `values` (aligned with the move targets); `fill` if none."""
    n = moves.indptr.size - 1
    out = np.full(n, fill, dtype=values.dtype)
    starts = moves.indptr[:-1]
    nonempty = starts < moves.indptr[1:]
    if values.size:
        ufunc = np.minimum if how == "min" else np.maximum
        out[nonempty] = ufunc.reduceat(values, starts[nonempty])
    return out


def legal_min(edges: Sequence[Moves], leaf: IntArray) -> IntArray:
    """For every state s, the least `leaf` value over the states reachable from s by a legal sequence.

    A legal sequence is a non-empty chain of moves by the given movers (one move set per mover)
    in which no mover moves twice in a row; a mover may move again after another one did.
    Computed as a fixed point over (state, last mover), updating in place (Gauss-Seidel);
    INF where nothing is reachable.
    """
    k = len(edges)
    n = leaf.size
    if k == 0:
        return np.full(n, INF, dtype=np.int64)
    # 32-bit values halve the memory traffic of the random gathers that dominate the time
    small = leaf.size == 0 or int(np.abs(leaf).max()) < INF32
    dtype = np.int32 if small else np.int64
    inf = INF32 if small else INF
    values = leaf.astype(dtype)
    # after[j][s]: least leaf value reachable from s by a legal sequence whose first mover is not j
    after = [np.full(n, inf, dtype=dtype) for _ in range(k)]
    best = [np.full(n, inf, dtype=dtype) for _ in range(k)]  # first mover is j
    dirty = [True] * k
    while any(dirty):
        for j in range(k):
            if not dirty[j]:
                continue
            dirty[j] = False
            mv = edges[j]
            through = np.minimum(values, after[j])
            new = row_reduce(through[mv.targets], mv, inf, "min")
            if np.array_equal(new, best[j]):
                continue
            best[j] = new
            for x in range(k):
                if x == j:
                    continue
                others = [best[y] for y in range(k) if y != x]
                new_after = np.minimum.reduce(others)
                if not np.array_equal(new_after, after[x]):
                    after[x] = new_after
                    dirty[x] = True
    least: IntArray = np.minimum.reduce(best).astype(np.int64)
    least[least == inf] = INF
    return least


def _deterred(graph: Graph, dm: int, ui: Moves, sanction_min: IntArray) -> BoolArray:
    """Per UI move of `dm`, whether the reachable sanction minimum is not better than the start."""
    ok: BoolArray = sanction_min[ui.targets] <= ui.at_sources(graph.payoff[dm])
    return ok


def _all_deterred(n: int, ui: Moves, deterred: BoolArray) -> BoolArray:
    none_bad: BoolArray = ~ui.any_per_row(~deterred)
    return none_bad


def max_response(graph: Graph, dm: int) -> IntArray:
    """Per state, the best payoff `dm` can reach by staying or one own move."""
    p = graph.payoff[dm]
    mv = graph.moves[dm]
    best: IntArray = np.maximum(p, row_reduce(p[mv.targets], mv, NEG, "max"))
    return best


@dataclass(frozen=True)
class Replies:
    """The opponents' replies to one DM's moves, for the simultaneous (SIM) check.

    `tables[j][c, s]` holds opponent j's own options after its c-th improvement from state s
    (c = 0: it stays); `degrees[j][s]` how many it has. `base` is each move's target code with
    every opponent's options cleared; `sources` each move's source state.
    """

    sources: npt.NDArray[np.int32]
    base: IntArray
    tables: tuple[IntArray, ...]
    degrees: tuple[IntArray, ...]
    dense: IntArray | None
    graph: Graph
    payoff: IntArray  # the focal DM's

    def deterring(self, codes: IntArray, s: npt.NDArray[Any]) -> BoolArray:
        """Whether each resulting state exists and is no better for the focal DM than s."""
        g = self.graph
        idx = (
            self.dense[codes]
            if self.dense is not None
            else g.lookup(codes.ravel()).reshape(codes.shape)
        )
        hit: BoolArray = idx >= 0
        hit &= self.payoff[np.where(hit, idx, 0)] <= self.payoff[s]
        return hit


def _descend(
    r: Replies, order: tuple[int, ...], sel: IntArray, code: IntArray, deterred: BoolArray
) -> None:
    """Joint replies of the repliers in `order` to the moves `sel` (codes so far in `code`)."""
    j, s = order[0], r.sources[sel]
    width = r.tables[j].shape[0] - 1
    if len(order) > 1:
        for c in range(1, width + 1):
            keep = (r.degrees[j][s] >= c) & ~deterred[sel]
            if not keep.any():
                break
            _descend(r, order[1:], sel[keep], code[keep] | r.tables[j][c][s[keep]], deterred)
        return
    step = max(1, 4_000_000 // max(width, 1))
    for lo in range(0, sel.size, step):
        part, sp = sel[lo : lo + step], s[lo : lo + step]
        full = code[lo : lo + step][None, :] | r.tables[j][1:, sp]
        hit = r.deterring(full, sp[None, :])
        hit &= r.degrees[j][sp][None, :] >= np.arange(1, width + 1)[:, None]
        deterred[part[hit.any(axis=0)]] = True


class Engine:
    """Stability analysis of one graph, caching UI move sets."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._ui: dict[int, Moves] = {}

    def ui(self, dm: int) -> Moves:
        """Unilateral improvements of a decision maker."""
        if dm not in self._ui:
            self._ui[dm] = self.graph.ui(dm)
        return self._ui[dm]

    def others(self, dm: int) -> list[int]:
        """The other decision makers."""
        return [d for d in range(len(self.graph.dms)) if d != dm]

    def nash(self, dm: int) -> BoolArray:
        """Nash (rational) stability: no unilateral improvement."""
        none: BoolArray = np.diff(self.ui(dm).indptr) == 0
        return none

    def gmr(self, dm: int) -> BoolArray:
        """General metarationality: every UI can be met by a legal sequence of opponents' moves."""
        ui = self.ui(dm)
        m = legal_min([self.graph.moves[o] for o in self.others(dm)], self.graph.payoff[dm])
        return _all_deterred(self.graph.n, ui, _deterred(self.graph, dm, ui, m))

    def smr(self, dm: int) -> BoolArray:
        """Symmetric metarationality: GMR where the focal DM cannot escape the sanction."""
        ui = self.ui(dm)
        m = legal_min([self.graph.moves[o] for o in self.others(dm)], max_response(self.graph, dm))
        return _all_deterred(self.graph.n, ui, _deterred(self.graph, dm, ui, m))

    def seq_deterred(self, dm: int) -> BoolArray:
        """Per UI of `dm`: deterred by a legal sequence of the opponents' own UIs."""
        ui = self.ui(dm)
        m = legal_min([self.ui(o) for o in self.others(dm)], self.graph.payoff[dm])
        return _deterred(self.graph, dm, ui, m)

    def seq(self, dm: int) -> BoolArray:
        """Sequential stability: every UI is met by a credible sanction (opponents' UIs)."""
        return _all_deterred(self.graph.n, self.ui(dm), self.seq_deterred(dm))

    def sim_deterred(self, dm: int, skip: BoolArray | None = None) -> BoolArray:
        """Per UI of `dm`: deterred by opponents each staying or taking one own UI at the same time.

        Moves flagged in `skip` are not examined (reported as not deterred).
        """
        g = self.graph
        if g.options is None:
            raise UserError("simultaneous stability (SIM) needs a model written with options")
        ui = self.ui(dm)
        p = g.payoff[dm]
        src = ui.sources
        start_code = g.codes[ui.targets]  # the focal DM's new options, others unchanged
        deterred = np.zeros(src.size, dtype=bool)
        tables = []
        degrees = []
        for o in self.others(dm):
            mask = np.int64(g.options.mask(o))
            oui = self.ui(o)
            deg = np.diff(oui.indptr)
            width = int(deg.max()) if deg.size else 0
            # table[c, s]: the opponent's options after its c-th UI from s (c = 0: it stays)
            table = np.zeros((width + 1, g.n), dtype=np.int64)
            table[0] = g.codes & mask
            if width:
                col = np.arange(oui.targets.size) - np.repeat(oui.indptr[:-1], deg)
                table[col + 1, oui.sources] = g.codes[oui.targets] & mask
            tables.append(table)
            degrees.append(deg)
        clear = np.int64(0)
        for o in self.others(dm):
            clear |= np.int64(g.options.mask(o))
        k = len(tables)
        dense = g.dense_index()
        live = np.arange(src.size) if skip is None else np.nonzero(~skip)[0]
        # Joint responses with fewer movers first: most sanctions are single replies, and the
        # set of still-undeterred moves shrinks fast (a full product would be wasted work).
        # Single replies first, one reply column at a time over the still-undeterred moves
        # (columns are packed left, so a move whose states have no more replies drops out).
        for j in range(k):
            phase = live
            for c in range(1, tables[j].shape[0]):
                s = src[phase]
                keep = degrees[j][s] >= c
                phase, s = phase[keep], s[keep]
                if phase.size == 0:
                    break
                code = start_code[phase] & ~clear
                for x in range(k):
                    code |= tables[x][c if x == j else 0][s]
                # codes are in range by construction: index the dense table directly
                idx = dense[code] if dense is not None else g.lookup(code)
                hit = idx >= 0
                hit[hit] = p[idx[hit]] <= p[s[hit]]
                deterred[phase[hit]] = True
                phase = phase[~hit]
            live = live[~deterred[live]]
        replies = Replies(src, start_code & ~clear, tuple(tables), tuple(degrees), dense, g, p)
        self.joint_replies(replies, live, deterred)
        return deterred

    def joint_replies(self, r: Replies, live: IntArray, deterred: BoolArray) -> None:
        """Mark the moves in `live` that a joint reply of two or more opponents deters.

        For each set of repliers the combinations are walked replier by replier over the moves
        whose state has that many replies (columns are packed left); the widest replier's
        replies are taken in one vectorised step, and deterred moves drop out as they are
        found. The work follows the real number of joint replies per state, not the product of
        the widest tables.
        """
        k = len(r.tables)
        for size in range(2, k + 1):
            for movers in itertools.combinations(range(k), size):
                if live.size == 0:
                    return
                if any(r.tables[j].shape[0] == 1 for j in movers):
                    continue  # a replier without any reply anywhere
                s = r.sources[live]
                code = r.base[live].copy()
                for x in range(k):
                    if x not in movers:
                        code |= r.tables[x][0][s]
                order = tuple(sorted(movers, key=lambda j: r.tables[j].shape[0]))
                _descend(r, order, live, code, deterred)
                live = live[~deterred[live]]

    def sim(self, dm: int) -> BoolArray:
        """Simultaneous sanctioning stability."""
        return _all_deterred(self.graph.n, self.ui(dm), self.sim_deterred(dm))

    def seq_sim(self, dm: int) -> BoolArray:
        """SEQ+SIM: every UI is deterred sequentially or simultaneously."""
        seq = self.seq_deterred(dm)
        d = seq | self.sim_deterred(dm, skip=seq)
        return _all_deterred(self.graph.n, self.ui(dm), d)

    def stable(self, concept: Concept, dm: int) -> BoolArray:
        """Stability of every state for one decision maker under a concept."""
        if concept.two_dms_only:
            row: BoolArray = self.table(concept)[dm]
            return row
        fn = {
            ConceptKind.nash: self.nash,
            ConceptKind.gmr: self.gmr,
            ConceptKind.smr: self.smr,
            ConceptKind.seq: self.seq,
            ConceptKind.sim: self.sim,
            ConceptKind.seq_sim: self.seq_sim,
        }[concept.kind]
        return fn(dm)

    def table(self, concept: Concept) -> BoolArray:
        """Stability per (decision maker, state)."""
        if concept.kind is ConceptKind.limited_move:
            return limited_move(self.graph, concept.horizon)
        if concept.kind is ConceptKind.non_myopic:
            return non_myopic(self.graph)
        return np.stack([self.stable(concept, d) for d in range(len(self.graph.dms))])

    def equilibria(self, concept: Concept) -> IntArray:
        """State indices stable for every decision maker."""
        return np.nonzero(self.table(concept).all(axis=0))[0]


def _anticipate(graph: Graph, horizon: int | None) -> tuple[list[IntArray], int]:
    """Anticipated final states G_h(d, s) for two decision makers, h = horizon (None: until stable)."""
    if len(graph.dms) != 2:
        raise UserError(
            "limited-move and non-myopic stability are defined here for two decision makers; "
            "this model has " + str(len(graph.dms))
        )
    n = graph.n
    g = [np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64)]
    cap = horizon if horizon is not None else 4 * n + 4
    history: list[tuple[bytes, bytes]] = []
    h = 0
    while h < cap:
        h += 1
        new = []
        for d in range(2):
            e = 1 - d
            mv = graph.moves[d]
            p = graph.payoff[d]
            final = g[e][mv.targets]
            # rank by the anticipated payoff, then prefer the lowest final state index (documented tie rule)
            key = p[final] * (n + 1) + (n - final)
            best = row_reduce(key, mv, NEG, "max")
            has = best != NEG
            best_pay = np.where(has, best // (n + 1), NEG)
            best_final = np.where(has, n - (best % (n + 1)), np.arange(n))
            move = has & (best_pay > p)
            new.append(np.where(move, best_final, np.arange(n)).astype(np.int64))
        g = new
        if horizon is None:
            sig = (g[0].tobytes(), g[1].tobytes())
            if history and history[-1] == sig:
                break
            history.append(sig)
    return g, h


def limited_move(graph: Graph, horizon: int) -> BoolArray:
    """L_h stability: the DM, foreseeing h alternating moves, would not move."""
    if horizon < 1:
        raise UserError("the horizon of limited-move stability must be at least 1")
    g, _ = _anticipate(graph, horizon)
    idx = np.arange(graph.n)
    return np.stack([g[d] == idx for d in range(2)])


def non_myopic(graph: Graph) -> BoolArray:
    """Non-myopic stability: L_h as the horizon grows until anticipations no longer change."""
    g, _ = _anticipate(graph, None)
    idx = np.arange(graph.n)
    return np.stack([g[d] == idx for d in range(2)])
