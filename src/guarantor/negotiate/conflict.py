"""A conflict as written by a user: decision makers, options, infeasible states, preferences."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from guarantor.errors import Position, UserError
from guarantor.negotiate.conditions import Expr
from guarantor.negotiate.graph import (
    Direction,
    Graph,
    IntArray,
    Moves,
    OptionInfo,
    build_option_graph,
    dense_rank,
)

MAX_OPTIONS = 40


@dataclass(frozen=True)
class Preference:
    """How one decision maker ranks states: prioritised statements, or a ranking with ties."""

    statements: tuple[Expr, ...] = ()
    texts: tuple[str, ...] = ()
    ranking: tuple[tuple[int, ...], ...] | None = None  # tiers of state codes, best first
    location: Position | None = None

    def payoff(self, codes: IntArray, what: str) -> IntArray:
        """Payoff per state (higher is better) for the given state codes."""
        if self.ranking is None:
            return (
                dense_rank([s.evaluate(codes) for s in self.statements])
                if self.statements
                else np.zeros(codes.size, dtype=np.int64)
            )
        tier_of: dict[int, int] = {}
        for t, tier in enumerate(self.ranking):
            for code in tier:
                if code in tier_of:
                    raise UserError(f"{what}: the ranking repeats state {code}", self.location)
                tier_of[code] = t
        wanted = {int(c) for c in codes}
        missing = sorted(wanted - tier_of.keys())
        extra = sorted(tier_of.keys() - wanted)
        if missing:
            raise UserError(f"{what}: the ranking omits state(s) {_short(missing)}", self.location)
        if extra:
            raise UserError(
                f"{what}: the ranking names state(s) {_short(extra)} that are not feasible states",
                self.location,
            )
        top = len(self.ranking)
        return np.array([top - tier_of[int(c)] for c in codes], dtype=np.int64)


def first_repeat(names: list[str]) -> int | None:
    """The index of the first name that appeared before it, or None when all differ."""
    seen: set[str] = set()
    for k, name in enumerate(names):
        if name in seen:
            return k
        seen.add(name)
    return None


def _short(items: list[int]) -> str:
    text = ", ".join(str(i) for i in items[:10])
    return text + (f" … ({len(items)} in all)" if len(items) > 10 else "")


@dataclass(frozen=True)
class DecisionMaker:
    """A decision maker with its preference and optional alternative preferences (for sensitivity)."""

    name: str
    preference: Preference
    alternatives: tuple[tuple[str, Preference], ...] = ()


@dataclass(frozen=True)
class ExplicitStates:
    """A model given directly as a graph: numbered states and each decision maker's moves."""

    codes: tuple[int, ...]
    names: tuple[str, ...]
    moves: tuple[tuple[tuple[int, int], ...], ...]  # per DM: (from code, to code)


@dataclass(frozen=True)
class Outcome:
    """A named state of the model (a proposal, a deal), by its decimal code."""

    id: str
    title: str
    code: int


@dataclass(frozen=True)
class Conflict:
    """A validated conflict model, in option form or as an explicit graph."""

    name: str
    dms: tuple[DecisionMaker, ...]
    options: OptionInfo | None
    infeasible: tuple[Expr, ...] = ()
    infeasible_texts: tuple[str, ...] = ()
    explicit: ExplicitStates | None = None
    status_quo: int | None = None
    coalitions: tuple[tuple[int, ...], ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    misperceptions: tuple[tuple[object, ...], ...] = ()
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def dm_names(self) -> tuple[str, ...]:
        """Decision maker names in order."""
        return tuple(d.name for d in self.dms)

    def outcome(self, name: str) -> Outcome | None:
        """The named outcome, if the model has one of that id."""
        return next((o for o in self.outcomes if o.id == name), None)

    def feasible_codes(self) -> IntArray:
        """Sorted codes of the feasible states."""
        if self.explicit is not None:
            return np.array(sorted(self.explicit.codes), dtype=np.int64)
        assert self.options is not None
        m = len(self.options.owners)
        codes = np.arange(1 << m, dtype=np.int64)
        keep = np.ones(codes.size, dtype=bool)
        for cond in self.infeasible:
            keep &= ~cond.evaluate(codes)
        return codes[keep]

    def with_directions(self, directions: tuple[Direction, ...]) -> Conflict:
        """The same conflict with other permitted directions for the options."""
        assert self.options is not None
        return replace(self, options=replace(self.options, directions=directions))

    def preference(self, dm: DecisionMaker, alternative: str | None = None) -> Preference:
        """A decision maker's preference as written, or its named alternative."""
        if alternative is None:
            return dm.preference
        named = dict(dm.alternatives)
        if alternative not in named:
            raise UserError(
                f"decision maker {dm.name} has no alternative preference {alternative!r}",
                Position(self.source) if self.source else None,
            )
        return named[alternative]

    def payoffs(self, codes: IntArray, choice: dict[str, str] | None = None) -> IntArray:
        """Payoff per (decision maker, state), with the named alternative preferences."""
        prefs = [
            self.preference(dm, (choice or {}).get(dm.name)).payoff(
                codes, f"preferences of {dm.name}"
            )
            for dm in self.dms
        ]
        out: IntArray = np.stack(prefs) if prefs else np.zeros((0, codes.size), dtype=np.int64)
        return out

    def compile(self, choice: dict[str, str] | None = None) -> Graph:
        """The graph model, using the named alternative preference for some decision makers."""
        codes = self.feasible_codes()
        where = Position(self.source) if self.source else None
        if codes.size == 0:
            raise UserError(
                "every state is infeasible: the infeasibility conditions exclude all of them", where
            )
        payoff = self.payoffs(codes, choice)
        sq = None
        if self.status_quo is not None:
            found = np.nonzero(codes == self.status_quo)[0]
            if found.size == 0:
                raise UserError(f"the status quo {self.status_quo} is not a feasible state", where)
            sq = int(found[0])
        if self.explicit is None:
            assert self.options is not None
            return build_option_graph(
                self.name, self.dm_names, self.options, codes, payoff, sq, self.coalitions
            )
        index = {int(c): i for i, c in enumerate(codes)}
        name_of = dict(zip(self.explicit.codes, self.explicit.names, strict=True))
        moves = []
        for edges in self.explicit.moves:
            src = np.array([index[a] for a, _ in edges], dtype=np.int64)
            dst = np.array([index[b] for _, b in edges], dtype=np.int64)
            moves.append(Moves.from_edges(codes.size, src, dst))
        labels = tuple(name_of[int(c)] for c in codes)
        return Graph(
            self.name, self.dm_names, codes, labels, tuple(moves), payoff, None, sq, self.coalitions
        )
