"""Read a conflict written in guarantor's YAML format, with file:line:column in every error."""

from __future__ import annotations

from pathlib import Path

import yaml

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
    Preference,
)
from guarantor.negotiate.graph import OptionInfo, yn_code

DIRECTION_WORDS = {
    "both": "both",
    "reversible": "both",
    "fwd": "fwd",
    "forward": "fwd",
    "irreversible": "fwd",
    "back": "back",
    "backward": "back",
}
TOP_KEYS = {
    "name",
    "source",
    "notes",
    "decision_makers",
    "infeasible",
    "status_quo",
    "coalitions",
    "states",
}
DM_KEYS = {"name", "options", "preferences", "ranking", "alternatives", "moves", "source", "notes"}
OPTION_KEYS = {"id", "name", "direction", "source", "notes"}
ALT_KEYS = {"name", "preferences", "ranking", "source", "notes"}
STATE_KEYS = {"id", "name"}


class _Reader:
    def __init__(self, path: Path) -> None:
        self.file = str(path)

    def loc(self, node: yaml.Node) -> Position:
        return Position(self.file, line=node.start_mark.line + 1, column=node.start_mark.column + 1)

    def fail(self, node: yaml.Node, message: str) -> UserError:
        return UserError(message, self.loc(node))

    def mapping(self, node: yaml.Node, allowed: set[str], what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        out: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value)
            if name not in allowed:
                raise self.fail(
                    key,
                    f"unknown key {name!r} in {what}; expected one of {', '.join(sorted(allowed))}",
                )
            if name in out:
                raise self.fail(key, f"key {name!r} repeated in {what}")
            out[name] = value
        return out

    def seq(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            raise self.fail(node, f"{what} must be a non-empty text")
        return str(node.value)

    def integer(self, node: yaml.Node, what: str) -> int:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be an integer")
        try:
            return int(node.value)
        except ValueError:
            raise self.fail(node, f"{what} must be an integer, not {node.value!r}") from None


def read_yaml(path: Path) -> Conflict:
    """Load and validate a conflict from our YAML format."""
    r = _Reader(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (
            Position(str(path), line=mark.line + 1, column=mark.column + 1)
            if mark
            else Position(str(path))
        )
        raise UserError(f"not valid YAML: {getattr(exc, 'problem', exc)}", where) from None
    except OSError as exc:
        raise UserError(f"cannot read the file: {exc.strerror}", Position(str(path))) from None
    if root is None:
        raise UserError("the file is empty", Position(str(path)))
    top = r.mapping(root, TOP_KEYS, "the conflict")
    for key in ("name", "decision_makers"):
        if key not in top:
            raise r.fail(root, f"the conflict needs a {key!r}")
    name = r.text(top["name"], "name")
    dm_nodes = r.seq(top["decision_makers"], "decision_makers")
    if not dm_nodes:
        raise r.fail(top["decision_makers"], "at least one decision maker is needed")
    dm_maps = [r.mapping(n, DM_KEYS, "a decision maker") for n in dm_nodes]
    dm_names: list[str] = []
    for node, d in zip(dm_nodes, dm_maps, strict=True):
        if "name" not in d:
            raise r.fail(node, "a decision maker needs a name")
        dm_name = r.text(d["name"], "decision maker name")
        if dm_name in dm_names:
            raise r.fail(d["name"], f"decision maker {dm_name!r} appears twice")
        dm_names.append(dm_name)

    explicit = "states" in top
    info: OptionInfo | None = None
    resolve: dict[str, int] = {}
    explicit_states: ExplicitStates | None = None
    if explicit:
        explicit_states = _read_graph(r, top["states"], dm_nodes, dm_maps)
    else:
        names: list[str] = []
        owners: list[int] = []
        dirs: list[str] = []
        owner_of: dict[str, str] = {}
        for i, (node, d) in enumerate(zip(dm_nodes, dm_maps, strict=True)):
            if "moves" in d:
                raise r.fail(d["moves"], "moves are given only in a model with explicit 'states'")
            for on in r.seq(
                d.get("options", yaml.SequenceNode("tag:yaml.org,2002:seq", [])), "options"
            ):
                o = r.mapping(on, OPTION_KEYS, "an option")
                if "id" not in o:
                    raise r.fail(on, "an option needs an id")
                oid = r.text(o["id"], "option id")
                if oid in owner_of:
                    raise r.fail(
                        o["id"],
                        f"option {oid!r} is owned by two decision makers ({owner_of[oid]} and {dm_names[i]}) or listed twice",
                    )
                if oid.isdigit() or oid.lower() in ("and", "or", "not", "if", "iff"):
                    raise r.fail(o["id"], f"option id {oid!r} cannot be a number or a keyword")
                owner_of[oid] = dm_names[i]
                direction = "both"
                if "direction" in o:
                    word = r.text(o["direction"], "direction")
                    if word not in DIRECTION_WORDS:
                        raise r.fail(
                            o["direction"],
                            f"direction {word!r}: use both, forward (irreversible) or backward",
                        )
                    direction = DIRECTION_WORDS[word]
                resolve[oid] = len(names)
                names.append(oid)
                owners.append(i)
                dirs.append(direction)
            if not any(ow == i for ow in owners):
                raise r.fail(node, f"decision maker {dm_names[i]} controls no option")
        if len(names) > MAX_OPTIONS:
            raise r.fail(root, f"{len(names)} options: at most {MAX_OPTIONS} are supported")
        for k in range(len(names)):
            resolve.setdefault(str(k + 1), k)
        info = OptionInfo(tuple(names), tuple(owners), tuple(dirs))

    infeasible: list[Expr] = []
    infeasible_texts: list[str] = []
    if "infeasible" in top:
        if explicit:
            raise r.fail(
                top["infeasible"], "a model with explicit 'states' lists only feasible states"
            )
        for node in r.seq(top["infeasible"], "infeasible"):
            expr, text = _read_infeasible(r, node, resolve)
            infeasible.append(expr)
            infeasible_texts.append(text)

    dms: list[DecisionMaker] = []
    for dm_name, d, node in zip(dm_names, dm_maps, dm_nodes, strict=True):
        pref = _read_preference(r, d, node, resolve, f"decision maker {dm_name}")
        alts: list[tuple[str, Preference]] = []
        for an in r.seq(d["alternatives"], "alternatives") if "alternatives" in d else []:
            a = r.mapping(an, ALT_KEYS, "an alternative preference")
            if "name" not in a:
                raise r.fail(an, "an alternative preference needs a name")
            alt_name = r.text(a["name"], "alternative name")
            if alt_name in dict(alts) or alt_name == "base":
                raise r.fail(
                    a["name"],
                    f"alternative {alt_name!r} repeated (or named 'base', which is reserved)",
                )
            alts.append(
                (
                    alt_name,
                    _read_preference(r, a, an, resolve, f"alternative {alt_name} of {dm_name}"),
                )
            )
        dms.append(DecisionMaker(dm_name, pref, tuple(alts)))

    status_quo = None
    if "status_quo" in top:
        status_quo = _read_state(r, top["status_quo"], info)
    coalitions: list[tuple[int, ...]] = []
    if "coalitions" in top:
        seen: set[int] = set()
        for cn in r.seq(top["coalitions"], "coalitions"):
            members = []
            for mn in r.seq(cn, "a coalition"):
                m = r.text(mn, "coalition member")
                if m not in dm_names:
                    raise r.fail(mn, f"coalition member {m!r} is not a decision maker")
                if dm_names.index(m) in seen:
                    raise r.fail(mn, f"{m} is in two coalitions")
                seen.add(dm_names.index(m))
                members.append(dm_names.index(m))
            coalitions.append(tuple(members))
    conflict = Conflict(
        name=name,
        dms=tuple(dms),
        options=info,
        infeasible=tuple(infeasible),
        infeasible_texts=tuple(infeasible_texts),
        explicit=explicit_states,
        status_quo=status_quo,
        coalitions=tuple(coalitions),
        source=str(path),
    )
    if conflict.feasible_codes().size == 0:
        raise r.fail(
            top.get("infeasible", root),
            "every state is infeasible: the infeasibility conditions exclude all of them",
        )
    return conflict


def _read_state(r: _Reader, node: yaml.Node, info: OptionInfo | None) -> int:
    if (
        info is not None
        and isinstance(node, yaml.ScalarNode)
        and set(str(node.value)) <= {"Y", "N"}
        and node.value
    ):
        try:
            return yn_code(str(node.value), len(info.names))
        except ValueError as exc:
            raise r.fail(node, str(exc)) from None
    return r.integer(node, "a state (decimal code or Y/N string)")


def _read_infeasible(r: _Reader, node: yaml.Node, resolve: dict[str, int]) -> tuple[Expr, str]:
    if isinstance(node, yaml.ScalarNode):
        text = r.text(node, "an infeasibility condition")
        try:
            return parse(text, resolve), text
        except ConditionError as exc:
            raise r.fail(node, str(exc)) from None
    kinds = {"exactly_one", "at_most_one", "mutually_exclusive", "at_least_one", "requires"}
    m = r.mapping(node, kinds, "an infeasibility condition")
    if len(m) != 1:
        raise r.fail(node, "give one kind of condition per list item")
    kind, value = next(iter(m.items()))
    ids = []
    for item in r.seq(value, kind):
        oid = r.text(item, "option id")
        if oid not in resolve:
            raise r.fail(item, f"{kind} names unknown option {oid!r}")
        ids.append(resolve[oid])
    text = f"{kind}: {', '.join(str(r2.value) for r2 in value.value)}"
    if kind == "requires":
        if len(ids) != 2:
            raise r.fail(value, "requires takes [option, option it requires]")
        return conjunction([literal(ids[0]), literal(ids[1], False)]), text
    pairs = [conjunction([literal(a), literal(b)]) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    none = conjunction([literal(a, False) for a in ids])
    if kind in ("at_most_one", "mutually_exclusive"):
        return disjunction(pairs), text
    if kind == "at_least_one":
        return none, text
    return disjunction([*pairs, none]), text


def _read_preference(
    r: _Reader, d: dict[str, yaml.Node], node: yaml.Node, resolve: dict[str, int], what: str
) -> Preference:
    has_p, has_r = "preferences" in d, "ranking" in d
    if has_p == has_r:
        raise r.fail(
            node, f"{what} needs exactly one of 'preferences' (prioritised statements) or 'ranking'"
        )
    loc = r.loc(d["preferences"] if has_p else d["ranking"])
    if has_r:
        tiers: list[tuple[int, ...]] = []
        for item in r.seq(d["ranking"], "ranking"):
            if isinstance(item, yaml.SequenceNode):
                tiers.append(tuple(r.integer(x, "a ranked state") for x in item.value))
            else:
                tiers.append((r.integer(item, "a ranked state"),))
        return Preference(ranking=tuple(tiers), location=loc)
    exprs: list[Expr] = []
    texts: list[str] = []
    for item in r.seq(d["preferences"], "preferences"):
        text = r.text(item, "a preference statement")
        try:
            exprs.append(parse(text, resolve))
        except ConditionError as exc:
            raise r.fail(item, f"{what}: {exc}") from None
        texts.append(text)
    return Preference(statements=tuple(exprs), texts=tuple(texts), location=loc)


def _read_graph(
    r: _Reader,
    states_node: yaml.Node,
    dm_nodes: list[yaml.Node],
    dm_maps: list[dict[str, yaml.Node]],
) -> ExplicitStates:
    codes: list[int] = []
    names: list[str] = []
    for sn in r.seq(states_node, "states"):
        if isinstance(sn, yaml.ScalarNode):
            code, label = r.integer(sn, "a state id"), str(sn.value)
        else:
            s = r.mapping(sn, STATE_KEYS, "a state")
            if "id" not in s:
                raise r.fail(sn, "a state needs an id")
            code = r.integer(s["id"], "a state id")
            label = r.text(s["name"], "state name") if "name" in s else str(code)
        if code in codes:
            raise r.fail(sn, f"state {code} listed twice")
        codes.append(code)
        names.append(label)
    if not codes:
        raise r.fail(states_node, "every state is infeasible: no states are listed")
    moves: list[tuple[tuple[int, int], ...]] = []
    for d in dm_maps:
        if "options" in d:
            raise r.fail(d["options"], "a model with explicit 'states' gives 'moves', not options")
        edges: list[tuple[int, int]] = []
        for en in r.seq(d["moves"], "moves") if "moves" in d else []:
            pair = [r.integer(x, "a state id") for x in r.seq(en, "a move [from, to]")]
            if len(pair) != 2 or pair[0] == pair[1]:
                raise r.fail(en, "a move is [from, to] between two different states")
            for x in pair:
                if x not in codes:
                    raise r.fail(en, f"move names unknown state {x}")
            edges.append((pair[0], pair[1]))
        moves.append(tuple(sorted(set(edges))))
    return ExplicitStates(tuple(codes), tuple(names), tuple(moves))
