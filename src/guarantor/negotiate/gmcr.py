"""Import and export of GMCR+ save files (`.gmcr`, JSON), for comparing results with that tool.

Format facts (not code) from the GMCR+ documentation: option indices are 0-based; a condition is
a list of `[optionIndex, "Y"|"N"]` pairs (all must hold); a compound condition
`{"compound": true, "members": [...]}` holds when any member holds; `preferenceRanking` lists
ordered state numbers (1 = lowest feasible decimal code) best first, with ties as nested lists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from guarantor.errors import Position, UserError
from guarantor.fileio import write_atomic
from guarantor.negotiate.conditions import Expr, conjunction, disjunction, literal
from guarantor.negotiate.conflict import Conflict, DecisionMaker, Preference
from guarantor.negotiate.graph import OptionInfo

TOP_KEYS = {
    "decisionMakers",
    "coalitions",
    "coalitionsFull",
    "options",
    "infeasibles",
    "useManualPreferenceRanking",
    "useManualPreferenceVectors",
    "program",
    "version",
    "nodes",
}
DM_KEYS = {
    "name",
    "options",
    "preferences",
    "payoffs",
    "misperceptions",
    "preferenceRanking",
    "preferenceVector",
}
OPTION_KEYS = {"name", "permittedDirection", "reversibility"}
DIRECTIONS = {"both": "both", "fwd": "fwd", "back": "back"}


class _Locator:
    """Finds the line of a JSON path, using the YAML composer (JSON is YAML) for positions."""

    def __init__(self, path: Path, text: str) -> None:
        self.file = str(path)
        try:
            self.root: yaml.Node | None = yaml.compose(text)
        except yaml.YAMLError:
            self.root = None

    def at(self, *steps: str | int) -> Position:
        node = self.root
        for step in steps:
            if node is None:
                break
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                node = next((v for k, v in node.value if k.value == step), None)
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(step, int)
                and step < len(node.value)
            ):
                node = node.value[step]
            else:
                node = None
        if node is None:
            return Position(self.file)
        return Position(self.file, line=node.start_mark.line + 1, column=node.start_mark.column + 1)

    def fail(self, message: str, *steps: str | int) -> UserError:
        path = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in steps).lstrip(".")
        return UserError(f"{path}: {message}" if path else message, self.at(*steps))


def read_gmcr(path: Path) -> Conflict:
    """Load a GMCR+ `.gmcr` save file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read the file: {exc.strerror}", Position(str(path))) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"not valid JSON: {exc.msg}", Position(str(path), line=exc.lineno, column=exc.colno)
        ) from None
    loc = _Locator(path, text)
    if not isinstance(data, dict):
        raise loc.fail("a .gmcr file is a JSON object")
    for key in data:
        if key not in TOP_KEYS:
            raise loc.fail(
                f"unknown key {key!r}; expected one of {', '.join(sorted(TOP_KEYS))}", key
            )
    for key in ("decisionMakers", "options"):
        if not isinstance(data.get(key), list) or not data[key]:
            raise loc.fail(f"{key!r} must be a non-empty list")
    options = data["options"]
    names: list[str] = []
    dirs: list[str] = []
    for k, opt in enumerate(options):
        if not isinstance(opt, dict) or "name" not in opt:
            raise loc.fail("an option is an object with a name", "options", k)
        for key in opt:
            if key not in OPTION_KEYS:
                raise loc.fail(f"unknown key {key!r} in an option", "options", k, key)
        d = opt.get("permittedDirection", opt.get("reversibility", "both"))
        if d not in DIRECTIONS:
            raise loc.fail(f"permittedDirection {d!r}: use both, fwd or back", "options", k)
        names.append(str(opt["name"]))
        dirs.append(DIRECTIONS[d])
    m = len(names)
    owners = [-1] * m
    dms_raw = data["decisionMakers"]
    for i, dm in enumerate(dms_raw):
        if not isinstance(dm, dict) or "name" not in dm:
            raise loc.fail("a decision maker is an object with a name", "decisionMakers", i)
        for key in dm:
            if key not in DM_KEYS:
                raise loc.fail(f"unknown key {key!r} in a decision maker", "decisionMakers", i, key)
        for j, k in enumerate(dm.get("options", [])):
            if not isinstance(k, int) or not 0 <= k < m:
                raise loc.fail(
                    f"option index {k!r} is not one of 0..{m - 1}",
                    "decisionMakers",
                    i,
                    "options",
                    j,
                )
            if owners[k] != -1:
                raise loc.fail(
                    f"option {k} ({names[k]}) is owned by two decision makers: "
                    f"{dms_raw[owners[k]]['name']} and {dm['name']}",
                    "decisionMakers",
                    i,
                    "options",
                    j,
                )
            owners[k] = i
    for k, o in enumerate(owners):
        if o == -1:
            raise loc.fail(f"option {k} ({names[k]}) belongs to no decision maker", "options", k)
    info = OptionInfo(tuple(names), tuple(owners), tuple(dirs))

    def condition(raw: Any, *steps: str | int) -> Expr:
        if isinstance(raw, dict):
            if (
                set(raw) - {"compound", "members"}
                or not raw.get("compound")
                or not isinstance(raw.get("members"), list)
                or not raw["members"]
            ):
                raise loc.fail(
                    'a compound condition is {"compound": true, "members": [...]}', *steps
                )
            return disjunction(
                [condition(mem, *steps, "members", j) for j, mem in enumerate(raw["members"])]
            )
        if not isinstance(raw, list) or not raw:
            raise loc.fail('a condition is a non-empty list of [optionIndex, "Y"|"N"]', *steps)
        lits = []
        for j, item in enumerate(raw):
            if not (
                isinstance(item, list)
                and len(item) == 2
                and isinstance(item[0], int)
                and item[1] in ("Y", "N")
            ):
                raise loc.fail(f'{item!r} is not [optionIndex, "Y"|"N"]', *steps, j)
            if not 0 <= item[0] < m:
                raise loc.fail(
                    f"the condition names option {item[0]}, but options are 0..{m - 1}", *steps, j
                )
            lits.append(literal(item[0], item[1] == "Y"))
        return conjunction(lits)

    infeasible = [condition(c, "infeasibles", j) for j, c in enumerate(data.get("infeasibles", []))]
    manual = bool(
        data.get("useManualPreferenceRanking", data.get("useManualPreferenceVectors", False))
    )
    codes = np.arange(1 << m, dtype=np.int64)
    keep = np.ones(codes.size, dtype=bool)
    for cond in infeasible:
        keep &= ~cond.evaluate(codes)
    feasible = codes[keep]
    if feasible.size == 0:
        raise loc.fail(
            "every state is infeasible: the infeasibility conditions exclude all of them",
            "infeasibles",
        )
    dms: list[DecisionMaker] = []
    misperceptions: list[tuple[object, ...]] = []
    for i, dm in enumerate(dms_raw):
        prefs = [
            condition(c, "decisionMakers", i, "preferences", j)
            for j, c in enumerate(dm.get("preferences", []))
        ]
        ranking_raw = dm.get("preferenceRanking", dm.get("preferenceVector"))
        if manual:
            if not isinstance(ranking_raw, list):
                raise loc.fail(
                    "useManualPreferenceRanking is set but this decision maker has no preferenceRanking",
                    "decisionMakers",
                    i,
                )
            tiers = []
            for j, item in enumerate(ranking_raw):
                group = item if isinstance(item, list) else [item]
                tier = []
                for x in group:
                    if not isinstance(x, int) or not 1 <= x <= feasible.size:
                        raise loc.fail(
                            f"state {x!r} is not an ordered state number 1..{feasible.size}",
                            "decisionMakers",
                            i,
                            "preferenceRanking",
                            j,
                        )
                    tier.append(int(feasible[x - 1]))
                tiers.append(tuple(tier))
            pref = Preference(
                ranking=tuple(tiers), location=loc.at("decisionMakers", i, "preferenceRanking")
            )
            _check_ranking(pref, feasible, loc, i, dm)
        else:
            pref = Preference(
                statements=tuple(prefs), location=loc.at("decisionMakers", i, "preferences")
            )
        dms.append(DecisionMaker(str(dm["name"]), pref))
        misperceptions.append(tuple(dm.get("misperceptions", [])))
    coalitions: list[tuple[int, ...]] = []
    for j, c in enumerate(data.get("coalitions", [])):
        members = c if isinstance(c, list) else [c]
        if not all(isinstance(x, int) and 0 <= x < len(dms) for x in members):
            raise loc.fail(f"coalition {c!r} names an unknown decision maker", "coalitions", j)
        coalitions.append(tuple(members))
    notes: tuple[str, ...] = ()
    if any(misperceptions):
        notes = ("misperceptions are read and written back but not used in the analysis",)
    return Conflict(
        name=path.stem,
        dms=tuple(dms),
        options=info,
        infeasible=tuple(infeasible),
        infeasible_texts=tuple(json.dumps(c) for c in data.get("infeasibles", [])),
        coalitions=tuple(coalitions),
        misperceptions=tuple(misperceptions),
        source=str(path),
        notes=notes,
    )


def _check_ranking(
    pref: Preference, feasible: Any, loc: _Locator, i: int, dm: dict[str, Any]
) -> None:
    seen: set[int] = set()
    order = {int(c): k + 1 for k, c in enumerate(feasible)}
    for tier in pref.ranking or ():
        for code in tier:
            if code in seen:
                raise loc.fail(
                    f"the ranking repeats state {order[code]}",
                    "decisionMakers",
                    i,
                    "preferenceRanking",
                )
            seen.add(code)
    missing = sorted(order[c] for c in order if c not in seen)
    if missing:
        raise loc.fail(
            f"the ranking of {dm['name']} omits state(s) {', '.join(map(str, missing[:10]))}",
            "decisionMakers",
            i,
            "preferenceRanking",
        )


def _dnf(expr: Expr, limit: int = 64) -> list[list[tuple[int, bool]]] | None:
    """Disjunctive normal form as lists of literals, or None when it grows past `limit` terms."""

    def walk(e: Expr, positive: bool) -> list[list[tuple[int, bool]]] | None:
        op = e.op
        if op == "opt":
            return [[(e.option, positive)]]
        if op == "not":
            return walk(e.args[0], not positive)
        if op == "if":  # A if B == A or not B
            return walk(Expr("or", (e.args[0], Expr("not", (e.args[1],)))), positive)
        if op == "iff":
            a, b = e.args
            both = Expr(
                "or", (Expr("and", (a, b)), Expr("and", (Expr("not", (a,)), Expr("not", (b,)))))
            )
            return walk(both, positive)
        is_or = (op == "or") == positive
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
            {"name": n, "permittedDirection": d}
            for n, d in zip(info.names, info.directions, strict=True)
        ],
        "infeasibles": infeasibles,
        "coalitions": coalitions,
        "useManualPreferenceRanking": manual,
        "program": "guarantor",
        "version": "0.4.1",
    }


def write_gmcr(conflict: Conflict, path: Path) -> None:
    """Write a `.gmcr` file atomically (temp file, then rename)."""
    text = json.dumps(to_gmcr(conflict), indent=2, sort_keys=True) + "\n"
    write_atomic(path, text)
