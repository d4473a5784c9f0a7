"""Provenance of every clause and graded part, counts per grade, and the agreement as written.

"As written" is what the parties actually bound themselves to: the agreement with every
value the encoding assumed taken out (assumed clauses, levels, deadlines, capability needs,
fields listed under `assumed`, and pledges whose status is `assumed`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from guarantor.model import Agreement
from guarantor.model.common import Clause, Grade
from guarantor.model.pledges import PledgeStatus
from guarantor.rules.compile import clause_provenance, part_provenance
from guarantor.rules.plan import Provenance, YamlPath


@dataclass(frozen=True)
class GradedPart:
    """A clause or a part of one that carries (or should carry) its own provenance grade."""

    path: YamlPath  # where its source (or `assumed` entry) is written
    provenance: Provenance
    own: bool  # False: the part inherits its clause's grade


def _section_path(a: Agreement, section: str, index: int) -> YamlPath:
    if section == "lifecycle":
        return ("lifecycle",)
    if section == "agreed_line":
        return ("agreed_line",)
    if section == "ladder":
        return ("ladder", "steps", index)
    return (section, index)


def graded_parts(a: Agreement) -> Iterator[GradedPart]:
    """Every clause and every part with its own grade, in document order."""
    counters: Counter[str] = Counter()
    for section, clause in a.clauses():
        index = counters[section]
        counters[section] += 1
        base = _section_path(a, section, index)
        if section == "lifecycle":
            base = (
                "lifecycle",
                "entry_into_force" if clause is a.lifecycle.entry_into_force else "term",
            )
        yield GradedPart((*base, "source"), clause_provenance(clause), True)
        for name, _reason in sorted(clause.assumed.items()):
            yield GradedPart((*base, "assumed", name), part_provenance(clause, name), True)
        yield from _own_parts(clause, base)


def _own_parts(clause: Clause, base: YamlPath) -> Iterator[GradedPart]:
    from guarantor.model.obligations import Obligation
    from guarantor.model.response import LadderStep
    from guarantor.model.standing import StandingObligation
    from guarantor.model.triggers import Trigger

    if isinstance(clause, Trigger):
        for i, lv in enumerate(clause.levels):
            if lv.source is not None:
                prov = part_provenance(clause, "levels", lv.source, i)
                yield GradedPart((*base, "levels", i, "source"), prov, True)
    elif isinstance(clause, Obligation):
        if clause.deadline is not None and clause.deadline.source is not None:
            prov = part_provenance(clause, "deadline", clause.deadline.source)
            yield GradedPart((*base, "deadline", "source"), prov, True)
        steps = clause.enactment.steps if clause.enactment is not None else []
        for i, step in enumerate(steps):
            at: YamlPath = (*base, "enactment", "steps", i)
            if step.source is not None:
                prov = part_provenance(clause, f"enactment.steps[{i}]", step.source)
                yield GradedPart((*at, "source"), prov, True)
            if step.deadline is not None and step.deadline.source is not None:
                part = f"enactment.steps[{i}].deadline"
                prov = part_provenance(clause, part, step.deadline.source)
                yield GradedPart((*at, "deadline", "source"), prov, True)
    elif isinstance(clause, LadderStep | StandingObligation):
        for i, need in enumerate(clause.needs):
            if need.source is not None:
                prov = part_provenance(clause, "needs", need.source, i)
                yield GradedPart((*base, "needs", i, "source"), prov, True)


def grade_counts(a: Agreement) -> dict[str, int]:
    """How many clauses and graded parts carry each grade (`ungraded` for none)."""
    counts = {g.value: 0 for g in Grade} | {"ungraded": 0}
    for part in graded_parts(a):
        key = part.provenance.grade.value if part.provenance.grade else "ungraded"
        counts[key] += 1
    return counts


def assumed_parts(a: Agreement) -> list[Provenance]:
    """Every clause or part whose value is the encoding's choice."""
    return [p.provenance for p in graded_parts(a) if p.provenance.assumed]


def _assumed(source: Any) -> bool:
    return isinstance(source, dict) and source.get("grade") == Grade.assumed.value


def as_written(a: Agreement) -> Agreement:
    """The agreement without any value the encoding assumed (what the parties bound themselves to)."""
    from guarantor.model.agreement import Agreement as AgreementModel

    data: dict[str, Any] = a.model_dump(mode="python", by_alias=True)
    removed: set[str] = set()
    for section in ("procedures", "bodies", "triggers", "determinations", "obligations",
                    "standing", "milestones", "pledges", "forfeitures", "monitoring"):  # fmt: skip
        keep = []
        for item in data[section]:
            pledge_assumed = section == "pledges" and item["status"] == PledgeStatus.assumed
            if _assumed(item.get("source")) or pledge_assumed:
                removed.add(item["id"])
            else:
                keep.append(_without_assumed_fields(item))
        data[section] = keep
    data["determinations"] = [d for d in data["determinations"] if d["body"] not in removed]
    removed |= {d.id for d in a.determinations} - {d["id"] for d in data["determinations"]}
    steps = []
    for step in data["ladder"]["steps"]:
        if _assumed(step.get("source")):
            removed.add(step["id"])
            continue
        step["needs"] = [n for n in step["needs"] if not _assumed(n.get("source"))]
        steps.append(_without_assumed_fields(step))
    data["ladder"]["steps"] = steps
    triggers = []
    for t in data["triggers"]:
        t["levels"] = [lv for lv in t["levels"] if not _assumed(lv.get("source"))]
        if t["levels"]:
            triggers.append(t)
        else:
            removed.add(t["id"])
    data["triggers"] = triggers
    for o in data["obligations"]:
        if o.get("deadline") is not None and _assumed(o["deadline"].get("source")):
            o["deadline"] = None
        if o.get("enactment") is not None:
            steps = [s for s in o["enactment"]["steps"] if not _assumed(s.get("source"))]
            for s in steps:
                if s.get("deadline") is not None and _assumed(s["deadline"].get("source")):
                    s["deadline"] = None
            o["enactment"] = {**o["enactment"], "steps": steps} if steps else None
    for s in data["standing"]:
        s["needs"] = [n for n in s["needs"] if not _assumed(n.get("source"))]
    line = data.get("agreed_line")
    if line is not None:
        data["agreed_line"] = (
            None if _assumed(line.get("source")) else _without_assumed_fields(line)
        )
    lc = data["lifecycle"]
    for key in ("entry_into_force", "term"):
        if lc.get(key) is not None:
            lc[key] = None if _assumed(lc[key].get("source")) else _without_assumed_fields(lc[key])
    _prune(data, removed)
    return AgreementModel.model_validate(data)


def _without_assumed_fields(item: dict[str, Any]) -> dict[str, Any]:
    """The clause with the fields it lists under `assumed` back at their defaults."""
    for name in item.get("assumed", {}):
        item.pop(name, None)
    item["assumed"] = {}
    return item


def _prune(data: dict[str, Any], removed: set[str]) -> None:
    """Drop references to removed clauses (lists lose the id, single references become empty)."""
    if not removed:
        return
    for t in data["triggers"]:
        if t.get("determination") in removed:
            t["determination"] = None
    for d in data["determinations"]:
        d["triggers"] = [x for x in d["triggers"] if x not in removed]
    for o in data["obligations"]:
        opened = o.get("opened_by") or {}
        if opened.get("trigger") in removed:
            opened["trigger"] = None
        o["hence"] = [x for x in o["hence"] if x not in removed]
        o["lest"] = [x for x in o["lest"] if x not in removed]
        if o.get("monitored_by") in removed:
            o["monitored_by"] = None
        enactment = o.get("enactment")
        if enactment is not None and enactment.get("verified_by") in removed:
            enactment["verified_by"] = None
    for s in data["standing"]:
        if s.get("monitored_by") in removed:
            s["monitored_by"] = None
        start = s.get("start") or {}
        if start.get("milestone") in removed:
            s["start"] = {**start, "upon": "entry_into_force", "milestone": None}
    for s in data["ladder"]["steps"]:
        s["triggers"] = [x for x in s["triggers"] if x not in removed]
        s["preconditions"] = [x for x in s["preconditions"] if x not in removed]
        if s.get("through_body") in removed:
            s["through_body"] = None
        if s.get("procedure") in removed:
            s["procedure"] = None
    for b in data["bodies"]:
        if b.get("procedure") in removed:
            b["procedure"] = None
    for d in data["determinations"]:
        if d.get("procedure") in removed:
            d["procedure"] = None
    for p in data["pledges"]:
        p["depends_on"] = [x for x in p["depends_on"] if x not in removed]
        p["steps"] = [x for x in p["steps"] if x not in removed]
