"""guarantor's YAML format for a conflict: pydantic models, read through `spec.load`.

The file is read by `guarantor.spec.load.load_yaml_model` (size, NUL and encoding checks,
file:line:column on every error, "did you mean" for a misspelt key); what the models cannot
say alone (statements naming options, owners, duplicates, feasibility) is checked here with
the positions that loader recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, model_validator

from guarantor.errors import Position, UserError
from guarantor.negotiate.conditions import (
    ConditionError,
    Expr,
    conjunction,
    disjunction,
    literal,
    parse,
)
from guarantor.negotiate.conflict import (
    MAX_OPTIONS,
    Conflict,
    DecisionMaker,
    ExplicitStates,
    Outcome,
    Preference,
    first_repeat,
)
from guarantor.negotiate.graph import Direction, OptionInfo, yn_code
from guarantor.spec.load import load_yaml_model
from guarantor.spec.yamlpos import Positioned

Text = Annotated[StrictStr, Field(min_length=1)]
DirectionWord = Literal["both", "reversible", "fwd", "forward", "irreversible", "back", "backward"]
DIRECTION_WORDS: dict[str, Direction] = {
    "both": Direction.both,
    "reversible": Direction.both,
    "fwd": Direction.fwd,
    "forward": Direction.fwd,
    "irreversible": Direction.fwd,
    "back": Direction.back,
    "backward": Direction.back,
}
KEYWORDS = ("and", "or", "not", "if", "iff")  # words of the statement grammar
RESERVED_ALTERNATIVE = "base"  # the preference as written, in sensitivity scenarios


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionSpec(_Strict):
    """An option a decision maker controls; its id is used in statements."""

    id: Text
    name: Text | None = None
    direction: DirectionWord = Field(
        default="both", description="both (default), forward (irreversible) or backward."
    )
    source: Text | None = None
    notes: Text | None = None


class AlternativeSpec(_Strict):
    """A named alternative preference of a decision maker, tried by `negotiate sensitivity`."""

    name: Text
    preferences: list[Text] | None = Field(
        default=None, description="Prioritised statements, most important first."
    )
    ranking: list[StrictInt | list[StrictInt]] | None = Field(
        default=None, description="State codes best first; a nested list is a tie."
    )
    source: Text | None = None
    notes: Text | None = None


class DecisionMakerSpec(_Strict):
    """A decision maker: options (or moves, in an explicit graph) and a preference."""

    name: Text
    options: list[OptionSpec] = Field(default_factory=list)
    moves: list[list[StrictInt]] = Field(
        default_factory=list, description="[from, to] pairs, only in a model with explicit states."
    )
    preferences: list[Text] | None = Field(
        default=None, description="Prioritised statements, most important first."
    )
    ranking: list[StrictInt | list[StrictInt]] | None = Field(
        default=None, description="State codes best first; a nested list is a tie."
    )
    alternatives: list[AlternativeSpec] = Field(default_factory=list)
    source: Text | None = None
    notes: Text | None = None


class Infeasibility(_Strict):
    """A condition that excludes states: a statement, or a group of options (one key each)."""

    statement: Text | None = Field(
        default=None, description="A statement such as `a & !b` (a bare string means this)."
    )
    exactly_one: list[Text] | None = None
    at_most_one: list[Text] | None = None
    mutually_exclusive: list[Text] | None = None
    at_least_one: list[Text] | None = None
    requires: list[Text] | None = Field(default=None, description="[option, option it requires].")

    @model_validator(mode="before")
    @classmethod
    def _bare_statement(cls, data: object) -> object:
        return {"statement": data} if isinstance(data, str) else data


class StateSpec(_Strict):
    """A state of an explicit graph."""

    id: StrictInt
    name: Text | None = None


class OutcomeSpec(_Strict):
    """A named state (a proposal, a deal) that commands accept by its id, e.g. `--state paris`."""

    id: Text
    title: Text | None = None
    taken: list[Text] | None = Field(
        default=None, description="The options taken in it (every other option is not taken)."
    )
    state: StrictInt | None = Field(default=None, description="Its id, in an explicit graph.")
    source: Text | None = None
    notes: Text | None = None


class ConflictFile(_Strict):
    """A conflict model: decision makers with options and preferences, or an explicit graph."""

    name: Text
    source: Text | None = None
    notes: Text | None = None
    decision_makers: list[DecisionMakerSpec] = Field(min_length=1)
    infeasible: list[Infeasibility] = Field(
        default_factory=list, description="A state matching any of these is excluded."
    )
    status_quo: StrictInt | Text | None = Field(
        default=None, description="Y/N string (option 1 first) or decimal code."
    )
    coalitions: list[list[Text]] = Field(default_factory=list)
    outcomes: list[OutcomeSpec] = Field(
        default_factory=list, description="Named states, e.g. the proposals on the table."
    )
    states: list[StrictInt | StateSpec] | None = Field(
        default=None, description="An explicit graph: the states, with ids and names."
    )


class _YamlPlaces:
    """Positions of the values of one file, by their path."""

    def __init__(self, source: Positioned) -> None:
        self.source = source

    def at(self, *path: str | int) -> Position:
        return self.source.locate(tuple(path))

    def fail(self, message: str, *path: str | int) -> UserError:
        return UserError(message, self.at(*path))


def read_yaml(path: Path) -> Conflict:
    """Load and validate a conflict from our YAML format."""
    spec, source = load_yaml_model(path, ConflictFile)
    return build_conflict(spec, _YamlPlaces(source), str(path))


def build_conflict(spec: ConflictFile, places: _YamlPlaces, file: str) -> Conflict:
    """The validated conflict of a parsed file (checks that need more than one value)."""
    dm_names = [d.name for d in spec.decision_makers]
    if (i := first_repeat(dm_names)) is not None:
        raise places.fail(
            f"decision maker {dm_names[i]!r} appears twice", "decision_makers", i, "name"
        )
    explicit: ExplicitStates | None = None
    info: OptionInfo | None = None
    resolve: dict[str, int] = {}
    if spec.states is not None:
        explicit = _explicit_graph(spec, places)
    else:
        info, resolve = _options(spec, places, dm_names)
    infeasible: list[Expr] = []
    infeasible_texts: list[str] = []
    if spec.infeasible:
        if explicit is not None:
            raise places.fail(
                "a model with explicit 'states' lists only feasible states", "infeasible"
            )
        for k, item in enumerate(spec.infeasible):
            expr, text = _infeasible(item, resolve, places, k)
            infeasible.append(expr)
            infeasible_texts.append(text)
    dms: list[DecisionMaker] = []
    for i, d in enumerate(spec.decision_makers):
        where = ("decision_makers", i)
        pref = _preference(d, resolve, places, where, f"decision maker {d.name}")
        alts: list[tuple[str, Preference]] = []
        for k, a in enumerate(d.alternatives):
            if a.name in dict(alts) or a.name == RESERVED_ALTERNATIVE:
                raise places.fail(
                    f"alternative {a.name!r} repeated (or named {RESERVED_ALTERNATIVE!r}, "
                    "which is reserved)",
                    *where,
                    "alternatives",
                    k,
                    "name",
                )
            what = f"alternative {a.name} of {d.name}"
            alts.append(
                (a.name, _preference(a, resolve, places, (*where, "alternatives", k), what))
            )
        dms.append(DecisionMaker(d.name, pref, tuple(alts)))
    conflict = Conflict(
        name=spec.name,
        dms=tuple(dms),
        options=info,
        infeasible=tuple(infeasible),
        infeasible_texts=tuple(infeasible_texts),
        explicit=explicit,
        status_quo=None if spec.status_quo is None else _state(spec.status_quo, info, places),
        coalitions=_coalitions(spec, places, dm_names),
        outcomes=_outcomes(spec, info, resolve, places),
        source=file,
    )
    feasible = conflict.feasible_codes()
    if feasible.size == 0:
        raise places.fail(
            "every state is infeasible: the infeasibility conditions exclude all of them",
            "infeasible",
        )
    known = set(feasible.tolist())
    for k, o in enumerate(conflict.outcomes):
        if o.code not in known:
            raise places.fail(f"outcome {o.id!r} is not a feasible state", "outcomes", k)
    return conflict


def _options(
    spec: ConflictFile, places: _YamlPlaces, dm_names: list[str]
) -> tuple[OptionInfo, dict[str, int]]:
    names: list[str] = []
    owners: list[int] = []
    dirs: list[Direction] = []
    owner_of: dict[str, str] = {}
    for i, d in enumerate(spec.decision_makers):
        if d.moves:
            raise places.fail(
                "moves are given only in a model with explicit 'states'",
                "decision_makers",
                i,
                "moves",
            )
        for k, o in enumerate(d.options):
            here = ("decision_makers", i, "options", k, "id")
            if o.id in owner_of:
                raise places.fail(
                    f"option {o.id!r} is owned by two decision makers ({owner_of[o.id]} and "
                    f"{dm_names[i]}) or listed twice",
                    *here,
                )
            if o.id.isdigit() or o.id.lower() in KEYWORDS:
                raise places.fail(f"option id {o.id!r} cannot be a number or a keyword", *here)
            owner_of[o.id] = dm_names[i]
            names.append(o.id)
            owners.append(i)
            dirs.append(DIRECTION_WORDS[o.direction])
        if not d.options:
            raise places.fail(
                f"decision maker {dm_names[i]} controls no option", "decision_makers", i
            )
    if len(names) > MAX_OPTIONS:
        raise places.fail(f"{len(names)} options: at most {MAX_OPTIONS} are supported")
    resolve = {n: k for k, n in enumerate(names)}
    for k in range(len(names)):  # GMCR style: options by number, from 1
        resolve.setdefault(str(k + 1), k)
    return OptionInfo(tuple(names), tuple(owners), tuple(dirs)), resolve


def _outcomes(
    spec: ConflictFile, info: OptionInfo | None, resolve: dict[str, int], places: _YamlPlaces
) -> tuple[Outcome, ...]:
    out: list[Outcome] = []
    for k, o in enumerate(spec.outcomes):
        here = ("outcomes", k)
        if o.id in {x.id for x in out}:
            raise places.fail(f"outcome {o.id!r} appears twice", *here, "id")
        if o.id.isdigit() or set(o.id) <= {"Y", "N"}:
            raise places.fail(
                f"outcome id {o.id!r} reads as a state code; give it a name", *here, "id"
            )
        if (o.taken is None) == (o.state is None):
            raise places.fail("an outcome gives exactly one of 'taken' or 'state'", *here)
        if o.state is not None:
            if info is not None:
                raise places.fail("'state' names a state of an explicit graph; use 'taken'", *here)
            code = o.state
        else:
            if info is None:
                raise places.fail("'taken' lists options; an explicit graph uses 'state'", *here)
            code = 0
            for j, oid in enumerate(o.taken or []):
                if oid not in info.names:
                    raise places.fail(f"outcome names unknown option {oid!r}", *here, "taken", j)
                code |= 1 << resolve[oid]
        out.append(Outcome(o.id, o.title or o.id, code))
    return tuple(out)


def _state(value: int | str, info: OptionInfo | None, places: _YamlPlaces) -> int:
    if isinstance(value, int):
        return value
    if info is not None and set(value) <= {"Y", "N"}:
        try:
            return yn_code(value, len(info.names))
        except ValueError as exc:
            raise places.fail(str(exc), "status_quo") from None
    raise places.fail(
        f"status_quo {value!r}: give a decimal state code or a Y/N string", "status_quo"
    )


def _coalitions(
    spec: ConflictFile, places: _YamlPlaces, dm_names: list[str]
) -> tuple[tuple[int, ...], ...]:
    seen: set[int] = set()
    out = []
    for j, members in enumerate(spec.coalitions):
        group = []
        for k, m in enumerate(members):
            if m not in dm_names:
                raise places.fail(
                    f"coalition member {m!r} is not a decision maker", "coalitions", j, k
                )
            d = dm_names.index(m)
            if d in seen:
                raise places.fail(f"{m} is in two coalitions", "coalitions", j, k)
            seen.add(d)
            group.append(d)
        out.append(tuple(group))
    return tuple(out)


def _infeasible(
    item: Infeasibility, resolve: dict[str, int], places: _YamlPlaces, k: int
) -> tuple[Expr, str]:
    given = {key: v for key, v in item.model_dump().items() if v is not None}
    if len(given) != 1:
        raise places.fail("give one kind of condition per list item", "infeasible", k)
    kind, options = next(iter(given.items()))
    if kind == "statement":
        try:
            return parse(options, resolve), options
        except ConditionError as exc:
            raise places.fail(str(exc), "infeasible", k) from None
    ids = []
    for j, oid in enumerate(options):
        if oid not in resolve:
            raise places.fail(f"{kind} names unknown option {oid!r}", "infeasible", k, kind, j)
        ids.append(resolve[oid])
    text = f"{kind}: {', '.join(options)}"
    if kind == "requires":
        if len(ids) != 2:
            raise places.fail("requires takes [option, option it requires]", "infeasible", k)
        return conjunction([literal(ids[0]), literal(ids[1], False)]), text
    pairs = [conjunction([literal(a), literal(b)]) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    none = conjunction([literal(a, False) for a in ids])
    if kind in ("at_most_one", "mutually_exclusive"):
        return disjunction(pairs), text
    if kind == "at_least_one":
        return none, text
    return disjunction([*pairs, none]), text  # exactly_one


def _preference(
    d: DecisionMakerSpec | AlternativeSpec,
    resolve: dict[str, int],
    places: _YamlPlaces,
    where: tuple[str | int, ...],
    what: str,
) -> Preference:
    if (d.preferences is None) == (d.ranking is None):
        raise places.fail(
            f"{what} needs exactly one of 'preferences' (prioritised statements) or 'ranking'",
            *where,
        )
    if d.ranking is not None:
        tiers = tuple(tuple(t) if isinstance(t, list) else (t,) for t in d.ranking)
        return Preference(ranking=tiers, location=places.at(*where, "ranking"))
    assert d.preferences is not None
    exprs: list[Expr] = []
    for k, text in enumerate(d.preferences):
        try:
            exprs.append(parse(text, resolve))
        except ConditionError as exc:
            raise places.fail(f"{what}: {exc}", *where, "preferences", k) from None
    return Preference(
        statements=tuple(exprs),
        texts=tuple(d.preferences),
        location=places.at(*where, "preferences"),
    )


def _explicit_graph(spec: ConflictFile, places: _YamlPlaces) -> ExplicitStates:
    assert spec.states is not None
    codes: list[int] = []
    names: list[str] = []
    for k, st in enumerate(spec.states):
        code, label = (st, str(st)) if isinstance(st, int) else (st.id, st.name or str(st.id))
        if code in codes:
            raise places.fail(f"state {code} listed twice", "states", k)
        codes.append(code)
        names.append(label)
    if not codes:
        raise places.fail("every state is infeasible: no states are listed", "states")
    known = set(codes)
    moves: list[tuple[tuple[int, int], ...]] = []
    for i, d in enumerate(spec.decision_makers):
        if d.options:
            raise places.fail(
                "a model with explicit 'states' gives 'moves', not options",
                "decision_makers",
                i,
                "options",
            )
        edges: set[tuple[int, int]] = set()
        for k, pair in enumerate(d.moves):
            here = ("decision_makers", i, "moves", k)
            if len(pair) != 2 or pair[0] == pair[1]:
                raise places.fail("a move is [from, to] between two different states", *here)
            for x in pair:
                if x not in known:
                    raise places.fail(f"move names unknown state {x}", *here)
            edges.add((pair[0], pair[1]))
        moves.append(tuple(sorted(edges)))
    return ExplicitStates(tuple(codes), tuple(names), tuple(moves))
