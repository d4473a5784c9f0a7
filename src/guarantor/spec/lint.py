"""Lint of the text (GT101-GT116): the failure modes of paper guarantees, each with a stable code.

Every rule reads one view of the agreement (`views.Subject`: as written or as encoded) and its
compiled `RulePlan`; questions about triggers ("could this ever fire?") are asked of the plan in
hypothetical worlds (`rules.worlds.best_truth`), never of the YAML tree. The codes, severities and
explanations are in `codes.py`; the rules that judge the text's fairness are in `fairness.py`,
those about the encoding's provenance in `grades.py`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from guarantor.model import Agreement, BindingNature
from guarantor.model.common import Duration
from guarantor.model.decisions import DecisionProcedure, blockers
from guarantor.model.obligations import ActionKind
from guarantor.rules import Attribute, CompiledTrigger, LeafKind, Node, RulePlan, Truth
from guarantor.rules.worlds import WORLDS, World, WorldKind, best_truth
from guarantor.spec.codes import CODES, finding
from guarantor.spec.findings import Finding, View
from guarantor.spec.views import Subject

P = tuple[str | int, ...]
Rule = Callable[[Subject], list[Finding]]


def lint_view(s: Subject) -> list[Finding]:
    """Every finding of the text rules and the fairness rules that apply to this view."""
    from guarantor.spec.fairness import FAIRNESS_RULES

    rules = TEXT_RULES + (FAIRNESS_RULES if s.view is View.as_written else ())
    out: list[Finding] = []
    for rule in rules:
        out += [f for f in rule(s) if s.view in CODES[f.code].views]
    return [f.in_view(s.view) for f in out]


_ATTRIBUTE_WORDS = {
    Attribute.nuclear_weapons: "that nuclear weapons were used",
    Attribute.conventional_weapons: "that only conventional weapons were used",
    Attribute.deliberate: "that the attack was deliberate",
    Attribute.nuclear_threat: "that the threat was nuclear",
    Attribute.words: "a condition stated only in words",
}


def _unestablished(plan: RulePlan, tree: Node, world: World) -> list[str]:
    """What the leaves of a tree need that observations in this world cannot establish."""
    needed: list[str] = []
    for i in tree.leaves():
        for r in plan.leaves[i].requires:
            words = _ATTRIBUTE_WORDS[r.attribute]
            if r.attribute not in world.established and words not in needed:
                needed.append(words)
    return needed


def _measurable(s: Subject) -> list[Finding]:
    """GT101, GT116: levels nothing observable decides, and levels that can never be established."""
    out = []
    world = WORLDS[WorldKind.any_observation]
    for t in s.plan.triggers:
        for lv in t.levels:
            kinds = {s.plan.leaves[i].kind for i in lv.tree.leaves()}
            settle = (
                f"; determination {t.resolver.determination!r} can settle it"
                if t.resolver is not None
                else "; no determination can settle it"
            )
            if kinds <= {LeafKind.narrative}:
                out.append(
                    finding(
                        "GT101",
                        (*lv.path, "when"),
                        f"trigger {t.id!r} ({lv.level.value}) has no measurable predicate{settle}",
                    )
                )
                continue
            best = best_truth(s.plan, lv.tree, world)
            if best is Truth.true or (best is Truth.unknown and t.resolver is not None):
                continue
            if best is Truth.false:
                why = "no combination of observations makes its predicate hold"
            else:
                why = (
                    "at best it is unknown: observations cannot establish "
                    + " or ".join(_unestablished(s.plan, lv.tree, world))
                    + ", and no determination can settle it"
                )
            out.append(
                finding(
                    "GT116",
                    lv.path,
                    f"trigger {t.id!r} ({lv.level.value}) can never be established: {why}",
                )
            )
    return out


def _covers(plan: RulePlan, world: World) -> bool:
    """Some level holds in the world, or is unknown there and a determination can settle it."""
    return any(_level_covers(plan, t, lv.tree, world) for t in plan.triggers for lv in t.levels)


def _level_covers(plan: RulePlan, t: CompiledTrigger, tree: Node, world: World) -> bool:
    best = best_truth(plan, tree, world)
    return best is Truth.true or (best is Truth.unknown and t.resolver is not None)


def _conventional(s: Subject) -> list[Finding]:
    """GT113: no trigger answers a conventional armed attack or a seizure of territory."""
    worlds = (WORLDS[WorldKind.conventional_attack], WORLDS[WorldKind.seizure])
    if any(_covers(s.plan, w) for w in worlds):
        return []
    return [
        finding(
            "GT113",
            ("triggers",),
            "no trigger covers a conventional armed attack or a seizure of territory",
        )
    ]


@dataclass(frozen=True)
class DecisionPoint:
    """A remedy or determination that needs a decision: where, what, and who alone can block it."""

    path: P
    label: str  # e.g. "step 'seek-unsc-action' runs through 'unsc'"
    procedure: DecisionProcedure | None
    blockers: frozenset[str]  # parties (groups expanded) that can block it on their own


def decision_points(a: Agreement) -> Iterator[DecisionPoint]:
    """Ladder steps decided by a body or procedure, and determinations, with their blockers."""
    bodies = {b.id: b for b in a.bodies}

    def point(path: P, label: str, body_id: str | None, proc_id: str | None) -> DecisionPoint:
        body = bodies.get(body_id) if body_id is not None else None
        found: set[str] = set(body.veto) if body is not None else set()
        members = body.members if body is not None else []
        pid = proc_id or (body.procedure if body is not None else None)
        proc = None
        if pid is not None:
            with contextlib.suppress(KeyError):
                proc = a.procedure(pid)
                found |= blockers(proc, members)
        return DecisionPoint(path, label, proc, frozenset(a.expand(sorted(found))))

    for i, st in enumerate(a.ladder.steps):
        if st.through_body is not None:
            label = f"step {st.id!r} runs through {st.through_body!r}"
            yield point(
                ("ladder", "steps", i, "through_body"), label, st.through_body, st.procedure
            )
        elif st.procedure is not None:
            label = f"step {st.id!r} is decided by procedure {st.procedure!r}"
            yield point(("ladder", "steps", i, "procedure"), label, None, st.procedure)
    for i, d in enumerate(a.determinations):
        label = f"determination {d.id!r} by {d.body!r}"
        yield point(("determinations", i, "body"), label, d.body, d.procedure)


def _veto(s: Subject) -> list[Finding]:
    """GT102: the obligor or attacker can block a remedy or a determination."""
    out = []
    for dp in decision_points(s.agreement):
        who = dp.blockers & s.adversaries
        if who:
            out.append(
                finding(
                    "GT102", dp.path, f"{dp.label}, where {', '.join(sorted(who))} can block it"
                )
            )
    return out


def _consultation(s: Subject) -> list[Finding]:
    """GT103, GT115: consultations without a clock or a place, or with a soft clock."""
    out = []
    for i, o in enumerate(s.agreement.obligations):
        if o.action not in (ActionKind.consult, ActionKind.meet):
            continue
        missing = []
        if o.deadline is None:
            missing.append("deadline")
        if not o.venue:
            missing.append("venue")
        if missing:
            out.append(
                finding(
                    "GT103",
                    ("obligations", i),
                    f"consultation {o.id!r} has no {' and no '.join(missing)}",
                )
            )
        elif o.deadline is not None and o.deadline.where_possible:
            out.append(
                finding(
                    "GT115",
                    ("obligations", i, "deadline"),
                    f"consultation {o.id!r}: the deadline applies only 'where possible'",
                )
            )
    return out


def _determination(s: Subject) -> list[Finding]:
    """GT104: nobody determines and attributes a breach."""
    if any(d.attributes for d in s.agreement.determinations):
        return []
    return [
        finding(
            "GT104",
            ("determinations",),
            "no body determines that a breach happened and who is responsible",
        )
    ]


def _ladder(s: Subject) -> list[Finding]:
    """GT105-GT107: no ladder, steps nobody takes, needs nobody pledged."""
    a = s.agreement
    if not a.ladder.steps:
        return [
            finding(
                "GT105",
                ("ladder",),
                "no response ladder: nothing says what happens when the guarantee triggers",
            )
        ]
    out = []
    pledged = {p.capability for p in a.pledges}
    for i, st in enumerate(a.ladder.steps):
        if not st.must and not st.may:
            out.append(
                finding(
                    "GT106",
                    ("ladder", "steps", i),
                    f"step {st.id!r} names no party that may or must take it",
                )
            )
        for j, need in enumerate(st.needs):
            if need.capability not in pledged:
                out.append(
                    finding(
                        "GT107",
                        ("ladder", "steps", i, "needs", j, "capability"),
                        f"step {st.id!r} needs {need.capability!r}, which nobody pledged",
                    )
                )
    return out


def _pledges(s: Subject) -> list[Finding]:
    """GT108-GT110: no pledges, pledges against their own caveats, dependencies on nothing."""
    a = s.agreement
    out = []
    if not a.pledges:
        out.append(finding("GT108", ("pledges",), "no contributions: nobody pledges anything"))
    ids = {p.id for p in a.pledges}
    for i, p in enumerate(a.pledges):
        for j, dep in enumerate(p.depends_on):
            if dep not in ids:
                out.append(
                    finding(
                        "GT110",
                        ("pledges", i, "depends_on", j),
                        f"pledge {p.id!r} depends on {dep!r}, which does not exist",
                    )
                )
        for j, c in enumerate(p.caveats):
            if c.kind == "no_deployment_in" and p.location in c.where:
                out.append(
                    finding(
                        "GT109",
                        ("pledges", i, "caveats", j),
                        f"pledge {p.id!r} deploys to {p.location.value}, which its own caveat "
                        "forbids",
                    )
                )
            if c.kind == "only_from" and c.where and p.location not in c.where:
                out.append(
                    finding(
                        "GT109",
                        ("pledges", i, "caveats", j),
                        f"pledge {p.id!r} is located at {p.location.value}, but its caveat allows "
                        f"only {', '.join(w.value for w in c.where)}",
                    )
                )
    return out


_NATURE_WORDS = {
    BindingNature.politically_binding: "only politically binding",
    BindingNature.declaration_of_intent: "a declaration of intent",
    BindingNature.proposal: "a proposal",
}


def _binding(s: Subject) -> list[Finding]:
    """GT111: the text is not legally binding."""
    nature = s.agreement.nature
    if nature in _NATURE_WORDS:
        words = _NATURE_WORDS[nature]
        return [finding("GT111", ("nature",), f"the text is {words}, not legally binding")]
    return []


def _units(s: Subject) -> list[Finding]:
    """GT112: durations written without a unit."""
    out = []
    for path, d in _durations(s.agreement, ()):
        if not d.has_unit:
            shown = "/".join(str(x) for x in path)
            out.append(finding("GT112", path, f"{shown}: {d.value:g} has no unit"))
    return out


def _durations(obj: Any, path: P) -> Iterator[tuple[P, Duration]]:
    """Every duration in a model, with its YAML path (a walk over values, not predicates)."""
    if obj is None or isinstance(obj, str | int | float):
        return
    if isinstance(obj, Duration):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name, fld in type(obj).model_fields.items():
            yield from _durations(getattr(obj, name), (*path, fld.alias or name))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _durations(item, (*path, i))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _durations(v, (*path, k))


def _monitoring(s: Subject) -> list[Finding]:
    """GT114: nobody watches for violations."""
    if s.agreement.monitoring:
        return []
    return [
        finding(
            "GT114",
            ("monitoring",),
            "no monitoring arrangement: nobody is charged with watching for violations",
        )
    ]


TEXT_RULES: tuple[Rule, ...] = (
    _measurable,
    _conventional,
    _veto,
    _consultation,
    _determination,
    _ladder,
    _pledges,
    _binding,
    _units,
    _monitoring,
)
