"""The compiled graph model: states, each decision maker's moves (CSR arrays) and payoffs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]


class Direction(StrEnum):
    """Which way a decision maker may change an option (GMCR+ `permittedDirection`)."""

    both = "both"  # taken and dropped at will
    fwd = "fwd"  # only taken: irreversible once taken
    back = "back"  # only dropped: once dropped, never taken again

    def reversed(self) -> Direction:
        """The other reversibility assumption: an irreversible option made reversible, and back."""
        return Direction.both if self is not Direction.both else Direction.fwd


@dataclass(frozen=True)
class Moves:
    """One decision maker's moves as compressed rows: targets of state s are targets[indptr[s]:indptr[s+1]]."""

    indptr: IntArray
    targets: Int32Array
    _cache: dict[str, npt.NDArray[np.int32]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def counts(self) -> IntArray:
        """Number of moves from each state."""
        return np.diff(self.indptr)

    @property
    def sources(self) -> npt.NDArray[np.int32]:
        """Source state index of every move, aligned with `targets` (computed once)."""
        if "sources" not in self._cache:
            n = self.indptr.size - 1
            self._cache["sources"] = np.repeat(np.arange(n, dtype=np.int32), self.counts)
        return self._cache["sources"]

    def at_sources(self, values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """`values` of the source state of every move (a sequential repeat, not a gather)."""
        out: npt.NDArray[np.int64] = np.repeat(values, self.counts)
        return out

    def any_per_row(self, flags: BoolArray) -> BoolArray:
        """Per state, whether any of its moves has the flag set."""
        n = self.indptr.size - 1
        out = np.zeros(n, dtype=bool)
        starts = self.indptr[:-1]
        nonempty = starts < self.indptr[1:]
        if flags.size:
            out[nonempty] = np.logical_or.reduceat(flags, starts[nonempty])
        return out

    def of(self, state: int) -> list[int]:
        """Target indices reachable from one state in one move."""
        return [int(t) for t in self.targets[self.indptr[state] : self.indptr[state + 1]]]

    def keep(self, mask: BoolArray) -> Moves:
        """The moves for which `mask` (aligned with targets) is true."""
        n = self.indptr.size - 1
        counts = np.zeros(n, dtype=np.int64)
        starts = self.indptr[:-1]
        nonempty = starts < self.indptr[1:]
        if mask.size:
            counts[nonempty] = np.add.reduceat(mask.astype(np.int32), starts[nonempty])
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return Moves(indptr, self.targets[mask])

    @staticmethod
    def from_edges(n: int, sources: IntArray, targets: IntArray) -> Moves:
        """Build from edge lists (any order)."""
        order = np.lexsort((targets, sources))
        counts = np.bincount(sources, minlength=n)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return Moves(indptr, targets[order].astype(np.int32))


@dataclass(frozen=True)
class OptionInfo:
    """Option structure of a model written with options (absent for models given as explicit graphs)."""

    names: tuple[str, ...]
    owners: tuple[int, ...]  # decision maker index per option
    directions: tuple[Direction, ...]

    def mask(self, dm: int) -> int:
        """Bit mask of the options a decision maker controls."""
        return sum(1 << k for k, o in enumerate(self.owners) if o == dm)

    def taken(self, code: int) -> list[str]:
        """Names of the options taken in the state with this code."""
        return [n for k, n in enumerate(self.names) if (code >> k) & 1]


@dataclass(frozen=True)
class Graph:
    """A conflict ready for analysis: n states, per-DM moves and payoffs (higher is better, ties equal)."""

    name: str
    dms: tuple[str, ...]
    codes: IntArray  # state code per state index: decimal for option models, user number otherwise
    labels: tuple[str, ...]  # Y/N string (option 1 first) or state name
    moves: tuple[Moves, ...]
    payoff: IntArray  # shape (n_dms, n_states)
    options: OptionInfo | None = None
    status_quo: int | None = None
    coalitions: tuple[tuple[int, ...], ...] = ()
    _index: dict[int, int] = field(default_factory=dict, compare=False, repr=False)
    _dense: list[IntArray] = field(default_factory=list, compare=False, repr=False)

    @property
    def n(self) -> int:
        """Number of (feasible) states."""
        return int(self.codes.size)

    def index_of(self, code: int) -> int:
        """State index of a state code; -1 when there is no such feasible state."""
        if not self._index:
            self._index.update({int(c): i for i, c in enumerate(self.codes)})
        return self._index.get(int(code), -1)

    def lookup(self, codes: IntArray) -> IntArray:
        """State indices of many codes at once (-1 where infeasible)."""
        dense = self.dense_index()
        if dense is not None:
            top = dense.size - 1
            inside = (codes >= 0) & (codes <= top)
            found_dense: IntArray = np.where(inside, dense[np.clip(codes, 0, top)], -1)
            return found_dense
        pos = np.searchsorted(self.codes, codes)
        pos = np.minimum(pos, self.n - 1)
        found = self.codes[pos] == codes
        return np.where(found, pos, -1).astype(np.int64)

    def dense_index(self) -> IntArray | None:
        """Array from state code to state index (-1: infeasible), when codes are below 2^26."""
        top = int(self.codes[-1]) if self.n else 0
        if self.options is not None:  # every combination of options is a valid index
            top = max(top, (1 << len(self.options.names)) - 1)
        if top >= (1 << 26):
            return None
        if not self._dense:
            table = np.full(top + 1, -1, dtype=np.int64)
            table[self.codes] = np.arange(self.n, dtype=np.int64)
            self._dense.append(table)
        return self._dense[0]

    def with_payoff(self, payoff: IntArray) -> Graph:
        """The same conflict with other preferences."""
        return Graph(
            self.name,
            self.dms,
            self.codes,
            self.labels,
            self.moves,
            payoff,
            self.options,
            self.status_quo,
            self.coalitions,
        )

    def ui(self, dm: int) -> Moves:
        """A decision maker's unilateral improvements (moves to strictly preferred states)."""
        mv = self.moves[dm]
        p = self.payoff[dm]
        return mv.keep(p[mv.targets] > mv.at_sources(p))


def yn_label(code: int, n_options: int) -> str:
    """Y/N string of a state code, option 1 first."""
    return "".join("Y" if (code >> k) & 1 else "N" for k in range(n_options))


def yn_labels(codes: IntArray, n_options: int) -> tuple[str, ...]:
    """Y/N strings of many state codes at once (the same as `yn_label` of each)."""
    if n_options == 0:
        return ("",) * codes.size
    bits = (codes[:, None] >> np.arange(n_options, dtype=np.int64)[None, :]) & 1
    letters = np.where(bits == 1, "Y", "N").astype("<U1")
    return tuple(np.ascontiguousarray(letters).view(f"<U{n_options}").ravel().tolist())


def yn_code(text: str, n_options: int) -> int:
    """State code of a Y/N string, option 1 first; ValueError if its length does not fit."""
    if len(text) != n_options:
        raise ValueError(
            f"state {text!r} has {len(text)} letters; the model has {n_options} options"
        )
    return sum(1 << k for k, ch in enumerate(text) if ch == "Y")


def option_moves(codes: IntArray, info: OptionInfo, dm: int, lookup: IntArray | None) -> Moves:
    """All unilateral moves of one decision maker between feasible option states (vectorised)."""
    n = codes.size
    mask = info.mask(dm)
    fwd = sum(
        1 << k for k, d in enumerate(info.directions) if d is Direction.fwd and (mask >> k) & 1
    )
    back = sum(
        1 << k for k, d in enumerate(info.directions) if d is Direction.back and (mask >> k) & 1
    )
    bits = [1 << k for k in range(len(info.owners)) if (mask >> k) & 1]
    subsets = np.zeros(1, dtype=np.int64)
    for b in bits:
        subsets = np.concatenate([subsets, subsets | b])
    base = codes & ~np.int64(mask)
    own = codes & np.int64(mask)
    table = np.full((n, subsets.size), -1, dtype=np.int32)
    for col, sub in enumerate(subsets.tolist()):
        ok = own != sub
        if fwd:
            ok &= (own & fwd & ~sub) == 0  # an option that may only be taken is never un-taken
        if back:
            ok &= (sub & back & ~own) == 0  # an option that may only be dropped is never taken
        target = base | sub
        if lookup is not None:
            idx = lookup[target]
        else:
            pos = np.minimum(np.searchsorted(codes, target), n - 1)
            idx = np.where(codes[pos] == target, pos, -1)
        table[:, col] = np.where(ok, idx, -1)
    present = table >= 0
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(present.sum(axis=1), out=indptr[1:])
    return Moves(indptr, table[present].astype(np.int32))


def build_option_graph(
    name: str,
    dms: tuple[str, ...],
    info: OptionInfo,
    feasible: IntArray,
    payoff: IntArray,
    status_quo: int | None = None,
    coalitions: tuple[tuple[int, ...], ...] = (),
) -> Graph:
    """Compile an option model (feasible codes sorted ascending) into a graph."""
    m = len(info.owners)
    lookup: IntArray | None = None
    if m <= 26:
        lookup = np.full(1 << m, -1, dtype=np.int64)
        lookup[feasible] = np.arange(feasible.size, dtype=np.int64)
    moves = tuple(option_moves(feasible, info, d, lookup) for d in range(len(dms)))
    labels = yn_labels(feasible, m) if feasible.size <= 200_000 else ()
    return Graph(name, dms, feasible, labels, moves, payoff, info, status_quo, coalitions)


def dense_rank(keys: list[npt.NDArray[np.int64]] | list[BoolArray]) -> IntArray:
    """Payoffs from lexicographic keys (first key most important, True/higher better); equal keys tie."""
    n = keys[0].size if keys else 0
    if not keys:
        return np.zeros(n, dtype=np.int64)
    stacked = np.stack([np.asarray(k, dtype=np.int64) for k in keys])
    order = np.lexsort(stacked[::-1])
    sorted_keys = stacked[:, order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = np.any(sorted_keys[:, 1:] != sorted_keys[:, :-1], axis=0)
    ranks = np.cumsum(new_group) - 1
    out = np.empty(n, dtype=np.int64)
    out[order] = ranks
    return out
