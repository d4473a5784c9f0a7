"""Import and export of GMCR+ save files (`.gmcr`, JSON), for comparing results with that tool.

Format facts (not code) from the GMCR+ documentation: option indices are 0-based; a condition is
a list of `[optionIndex, "Y"|"N"]` pairs (all must hold); a compound condition
`{"compound": true, "members": [...]}` holds when any member holds; `preferenceRanking` lists
ordered state numbers (1 = lowest feasible decimal code) best first, with ties as nested lists.

A file is read as text with the project's YAML checks (size, NUL bytes, encoding), parsed as
JSON and validated by the pydantic models below; when something is wrong, the positions come
from the YAML composer (JSON is YAML), so that every error names file:line:column and a
misspelt key gets a "did you mean".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from guarantor.errors import Position, UserError
from guarantor.fileio import write_atomic
from guarantor.negotiate.conditions import Expr, Op, conjunction, disjunction, literal
from guarantor.negotiate.conflict import Conflict, DecisionMaker, Preference, first_repeat
from guarantor.negotiate.graph import Direction, IntArray, OptionInfo
from guarantor.spec.load import validate_positioned
from guarantor.spec.yamlpos import Positioned, parse_text, read_text

GMCR_VERSION = "0.4.1"  # the save-file version written


class _Json(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Literal_ = tuple[StrictInt, Literal["Y", "N"]]


class Compound(_Json):
    """A condition that holds when any of its members holds."""

    compound: Literal[True]
    members: list[list[Literal_] | Compound] = Field(min_length=1)


Condition = list[Literal_] | Compound
Ranking = list[StrictInt | list[StrictInt]]


class GmcrOption(_Json):
    """An option: its name and permitted direction."""

    name: StrictStr
    permitted_direction: Direction | None = Field(default=None, alias="permittedDirection")
    reversibility: Direction | None = None  # older files

    @property
    def direction(self) -> Direction:
        """The permitted direction (reversible when the file gives none)."""
        return self.permitted_direction or self.reversibility or Direction.both


class GmcrDecisionMaker(_Json):
    """A decision maker: its options (indices), prioritised conditions or a manual ranking."""

    name: StrictStr
    options: list[StrictInt] = Field(default_factory=list)
    preferences: list[Condition] = Field(default_factory=list)
    payoffs: list[Any] = Field(default_factory=list)  # written by GMCR+, recomputed on load
    misperceptions: list[Any] = Field(default_factory=list)
    preference_ranking: Ranking | None = Field(default=None, alias="preferenceRanking")
    preference_vector: Ranking | None = Field(default=None, alias="preferenceVector")

    @property
    def ranking(self) -> Ranking | None:
        """The manual ranking (ordered state numbers, best first), under either name."""
        return (
            self.preference_ranking
            if self.preference_ranking is not None
            else (self.preference_vector)
        )

    @property
    def ranking_key(self) -> str:
        """The key the manual ranking was written under."""
        return "preferenceRanking" if self.preference_ranking is not None else "preferenceVector"


class GmcrFile(_Json):
    """A GMCR+ save file."""

    decision_makers: list[GmcrDecisionMaker] = Field(alias="decisionMakers", min_length=1)
    options: list[GmcrOption] = Field(min_length=1)
    infeasibles: list[Condition] = Field(default_factory=list)
    coalitions: list[StrictInt | list[StrictInt]] = Field(default_factory=list)
    coalitions_full: list[Any] | None = Field(default=None, alias="coalitionsFull")
    use_manual_ranking: StrictBool | None = Field(default=None, alias="useManualPreferenceRanking")
    use_manual_vectors: StrictBool | None = Field(default=None, alias="useManualPreferenceVectors")
    program: StrictStr | None = None
    version: StrictStr | None = None
    nodes: list[Any] | None = None  # reachability export: not read

    @property
    def manual(self) -> bool:
        """Whether preferences are manual rankings rather than prioritised conditions."""
        return bool(
            self.use_manual_ranking
            if self.use_manual_ranking is not None
            else self.use_manual_vectors
        )


class _GmcrPlaces:
    """Positions of the values of one file, found only when an error needs one (a save file of a
    large model holds hundreds of thousands of values); messages start with the JSON path."""

    def __init__(self, path: Path, text: str, data: object) -> None:
        self.path, self.text, self.data = path, text, data
        self._source: Positioned | None = None

    @property
    def source(self) -> Positioned:
        """The data with the position of every value (parsed on first use)."""
        if self._source is None:
            try:
                located = parse_text(self.text, str(self.path))
                values, keys = located.values, located.keys
            except UserError:  # valid JSON that YAML 1.1 refuses (rare): no line numbers
                values, keys = {}, {}
            self._source = Positioned(self.data, str(self.path), values, keys)
        return self._source

    def fail(self, message: str, *steps: str | int) -> UserError:
        path = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in steps).lstrip(".")
        return UserError(f"{path}: {message}" if path else message, self.at(*steps))

    def at(self, *steps: str | int) -> Position:
        return self.source.locate(tuple(steps))


def read_gmcr(path: Path) -> Conflict:
    """Load a GMCR+ `.gmcr` save file."""
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"not valid JSON: {exc.msg}", Position(str(path), line=exc.lineno, column=exc.colno)
        ) from None
    places = _GmcrPlaces(path, text, data)
    try:
        doc = GmcrFile.model_validate(data)
    except ValidationError:  # the same validation again, now with positions for the message
        doc = validate_positioned(places.source, GmcrFile)
    return build_conflict(doc, places, path)


def build_conflict(doc: GmcrFile, places: _GmcrPlaces, path: Path) -> Conflict:
    """The validated conflict of a parsed save file."""
    names = [o.name for o in doc.options]
    m = len(names)
    owners = [-1] * m
    dm_names = [dm.name for dm in doc.decision_makers]
    if (repeat := first_repeat(dm_names)) is not None:
        raise places.fail(
            f"decision maker {dm_names[repeat]!r} appears twice", "decisionMakers", repeat, "name"
        )
    for i, dm in enumerate(doc.decision_makers):
        for j, k in enumerate(dm.options):
            at = ("decisionMakers", i, "options", j)
            if not 0 <= k < m:
                raise places.fail(f"option index {k!r} is not one of 0..{m - 1}", *at)
            if owners[k] != -1:
                raise places.fail(
                    f"option {k} ({names[k]}) is owned by two decision makers: "
                    f"{dm_names[owners[k]]} and {dm.name}",
                    *at,
                )
            owners[k] = i
    for k, o in enumerate(owners):
        if o == -1:
            raise places.fail(f"option {k} ({names[k]}) belongs to no decision maker", "options", k)
    info = OptionInfo(tuple(names), tuple(owners), tuple(o.direction for o in doc.options))

    def condition(raw: Condition, *steps: str | int) -> Expr:
        if isinstance(raw, Compound):
            return disjunction(
                [condition(mem, *steps, "members", j) for j, mem in enumerate(raw.members)]
            )
        if not raw:
            raise places.fail('a condition is a non-empty list of [optionIndex, "Y"|"N"]', *steps)
        lits = []
        for j, (k, yn) in enumerate(raw):
            if not 0 <= k < m:
                raise places.fail(
                    f"the condition names option {k}, but options are 0..{m - 1}", *steps, j
                )
            lits.append(literal(k, yn == "Y"))
        return conjunction(lits)

    infeasible = [condition(c, "infeasibles", j) for j, c in enumerate(doc.infeasibles)]
    codes = np.arange(1 << m, dtype=np.int64)
    keep = np.ones(codes.size, dtype=bool)
    for cond in infeasible:
        keep &= ~cond.evaluate(codes)
    feasible = codes[keep]
    if feasible.size == 0:
        raise places.fail(
            "every state is infeasible: the infeasibility conditions exclude all of them",
            "infeasibles",
        )
    dms: list[DecisionMaker] = []
    misperceptions: list[tuple[object, ...]] = []
    for i, dm in enumerate(doc.decision_makers):
        here: tuple[str | int, ...] = ("decisionMakers", i)
        if doc.manual:
            pref = _manual_ranking(dm, feasible, places, here)
        else:
            prefs = [condition(c, *here, "preferences", j) for j, c in enumerate(dm.preferences)]
            pref = Preference(statements=tuple(prefs), location=Position(str(path)))
        dms.append(DecisionMaker(dm.name, pref))
        misperceptions.append(tuple(dm.misperceptions))
    coalitions: list[tuple[int, ...]] = []
    for j, c in enumerate(doc.coalitions):
        members = c if isinstance(c, list) else [c]
        if not all(0 <= x < len(dms) for x in members):
            raise places.fail(f"coalition {c!r} names an unknown decision maker", "coalitions", j)
        coalitions.append(tuple(members))
    notes: tuple[str, ...] = ()
    if any(misperceptions):
        notes = ("misperceptions are read and written back but not used in the analysis",)
    return Conflict(
        name=path.stem,
        dms=tuple(dms),
        options=info,
        infeasible=tuple(infeasible),
        infeasible_texts=tuple(
            json.dumps(c.model_dump(mode="json") if isinstance(c, Compound) else c)
            for c in doc.infeasibles
        ),
        coalitions=tuple(coalitions),
        misperceptions=tuple(misperceptions),
        source=str(path),
        notes=notes,
    )


def _manual_ranking(
    dm: GmcrDecisionMaker, feasible: IntArray, places: _GmcrPlaces, here: tuple[str | int, ...]
) -> Preference:
    """A manual ranking of ordered state numbers as tiers of decimal codes, checked complete."""
    ranking = dm.ranking
    if ranking is None:
        raise places.fail(
            "useManualPreferenceRanking is set but this decision maker has no preferenceRanking",
            *here,
        )
    key = dm.ranking_key
    seen: set[int] = set()
    tiers = []
    for j, item in enumerate(ranking):
        tier = []
        for x in item if isinstance(item, list) else [item]:
            if not 1 <= x <= feasible.size:
                raise places.fail(
                    f"state {x!r} is not an ordered state number 1..{feasible.size}",
                    *here,
                    key,
                    j,
                )
            if x in seen:
                raise places.fail(f"the ranking repeats state {x}", *here, key, j)
            seen.add(x)
            tier.append(int(feasible[x - 1]))
        tiers.append(tuple(tier))
    missing = sorted(set(range(1, feasible.size + 1)) - seen)
    if missing:
        raise places.fail(
            f"the ranking of {dm.name} omits state(s) {', '.join(map(str, missing[:10]))}",
            *here,
            key,
        )
    # checked complete above: the Preference itself has nothing left to report
    return Preference(ranking=tuple(tiers), location=Position(str(places.path)))


def _dnf(expr: Expr, limit: int = 64) -> list[list[tuple[int, bool]]] | None:
    """Disjunctive normal form as lists of literals, or None when it grows past `limit` terms."""

    def walk(e: Expr, positive: bool) -> list[list[tuple[int, bool]]] | None:
        op = e.op
        if op is Op.option:
            return [[(e.option, positive)]]
        if op is Op.true:
            return [[]] if positive else []
        if op is Op.not_:
            return walk(e.args[0], not positive)
        if op is Op.if_:  # A if B == A or not B
            return walk(Expr(Op.or_, (e.args[0], Expr(Op.not_, (e.args[1],)))), positive)
        if op is Op.iff:
            a, b = e.args
            both = Expr(
                Op.or_,
                (
                    Expr(Op.and_, (a, b)),
                    Expr(Op.and_, (Expr(Op.not_, (a,)), Expr(Op.not_, (b,)))),
                ),
            )
            return walk(both, positive)
        is_or = (op is Op.or_) == positive
        parts = [walk(a, positive) for a in e.args]
        if any(p is None for p in parts):
            return None
        if is_or:
            out = [t for p in parts for t in p or []]
        else:
            out = [[]]
            for p in parts:
                out = [x + y for x in out for y in p or []]
                if len(out) > limit:
                    return None
        cleaned = []
        for term in out:
            lits: dict[int, bool] = {}
            ok = True
            for k, v in term:
                if lits.get(k, v) != v:
                    ok = False
                lits[k] = v
            if ok:
                cleaned.append(sorted(lits.items()))
        return cleaned if len(cleaned) <= limit else None

    return walk(expr, True)


def _condition_json(terms: list[list[tuple[int, bool]]]) -> Any:
    conds = [[[k, "Y" if v else "N"] for k, v in t] for t in terms]
    return conds[0] if len(conds) == 1 else {"compound": True, "members": conds}


def to_gmcr(conflict: Conflict) -> dict[str, Any]:
    """The conflict as a GMCR+ save-file document."""
    if conflict.options is None:
        raise UserError(
            "only models written with options can be exported to .gmcr (GMCR+ has no explicit graphs)"
        )
    info = conflict.options
    graph = conflict.compile()
    feasible = graph.codes
    order = {int(c): k + 1 for k, c in enumerate(feasible)}
    infeasibles: list[Any] = []
    for cond in conflict.infeasible:
        terms = _dnf(cond)
        if terms is None:
            raise UserError("an infeasibility condition is too large to write as GMCR+ conditions")
        infeasibles.extend([[k, "Y" if v else "N"] for k, v in t] for t in terms if t)
    statement_prefs: list[list[Any] | None] = []
    for dm in conflict.dms:
        pref = dm.preference
        if pref.ranking is not None:
            statement_prefs.append(None)
            continue
        items: list[Any] | None = []
        for s in pref.statements:
            terms = _dnf(s)
            if terms is None or not terms or items is None:
                items = None
                break
            if any(not t for t in terms):  # always true: adds nothing to the ordering
                continue
            items.append(_condition_json(terms))
        statement_prefs.append(items)
    manual = any(p is None for p in statement_prefs)
    dms_out = []
    for i, dm in enumerate(conflict.dms):
        pay = graph.payoff[i]
        entry: dict[str, Any] = {
            "name": dm.name,
            "options": [k for k, o in enumerate(info.owners) if o == i],
            "preferences": statement_prefs[i] or [],
            "payoffs": [int(x) for x in pay],
            "misperceptions": list(conflict.misperceptions[i])
            if i < len(conflict.misperceptions)
            else [],
        }
        if manual:
            ranking: list[Any] = []
            for value in sorted(set(pay.tolist()), reverse=True):
                tier = [order[int(c)] for c in feasible[pay == value]]
                ranking.append(tier[0] if len(tier) == 1 else tier)
            entry["preferenceRanking"] = ranking
        dms_out.append(entry)
    coalitions = [list(c) if len(c) > 1 else c[0] for c in conflict.coalitions] or list(
        range(len(conflict.dms))
    )
    return {
        "decisionMakers": dms_out,
        "options": [
            {"name": n, "permittedDirection": d.value}
            for n, d in zip(info.names, info.directions, strict=True)
        ],
        "infeasibles": infeasibles,
        "coalitions": coalitions,
        "useManualPreferenceRanking": manual,
        "program": "guarantor",
        "version": GMCR_VERSION,
    }


def write_gmcr(conflict: Conflict, path: Path) -> None:
    """Write a `.gmcr` file atomically (temp file, then rename)."""
    text = json.dumps(to_gmcr(conflict), indent=2, sort_keys=True) + "\n"
    write_atomic(path, text)
