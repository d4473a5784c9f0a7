"""Lint rules: the failure modes of paper guarantees, each with a stable code.

| code  | severity | finding |
|-------|----------|---------|
| GT101 | error    | a trigger with no measurable predicate |
| GT102 | error    | a remedy runs through a body or procedure in which the obligor/attacker can block it |
| GT103 | error    | a consultation without a deadline or without a venue |
| GT104 | error    | no body determines and attributes a breach |
| GT105 | error    | no response ladder |
| GT106 | error    | a ladder step that no party may or must take |
| GT107 | warning  | a ladder step needs a capability that nobody pledged |
| GT108 | warning    | no contributions: no pledges at all |
| GT109 | error    | a pledge that its own party's caveat forbids |
| GT110 | error    | a dependency on a pledge that does not exist |
| GT111 | info     | the text is only politically binding |
| GT112 | error    | a deadline or duration without a unit |
| GT113 | error    | no trigger covers a conventional armed attack |
| GT114 | warning  | no monitoring arrangement |
| GT115 | warning  | a 'where possible' deadline: a soft clock |
Reference findings from `references.py` (GT001–GT004) are reported by `check` as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from guarantor.model import Agreement, BindingNature, RoleKind
from guarantor.model.common import Duration
from guarantor.model.decisions import blockers
from guarantor.model.obligations import ActionKind
from guarantor.model.pledges import Pledge
from guarantor.model.triggers import MEASURABLE_KINDS, iter_leaves, leaf, predicate_kind
from guarantor.spec.findings import Finding, Severity

P = tuple[str | int, ...]

RULES: dict[str, tuple[Severity, str]] = {
    "GT101": (Severity.error, "trigger has no measurable predicate"),
    "GT102": (Severity.error, "remedy can be blocked by the obligor or attacker (veto)"),
    "GT103": (Severity.error, "consultation without a deadline or a venue"),
    "GT104": (Severity.error, "no body determines and attributes a breach"),
    "GT105": (Severity.error, "no response ladder"),
    "GT106": (Severity.error, "ladder step that no party may or must take"),
    "GT107": (Severity.warning, "ladder step needs a capability nobody pledged"),
    "GT108": (Severity.warning, "no contributions pledged"),
    "GT109": (Severity.error, "pledge forbidden by its own party's caveat"),
    "GT110": (Severity.error, "dependency on a pledge that does not exist"),
    "GT111": (Severity.info, "only politically binding"),
    "GT112": (Severity.error, "deadline or duration without a unit"),
    "GT113": (Severity.error, "no trigger covers a conventional armed attack"),
    "GT114": (Severity.warning, "no monitoring arrangement"),
    "GT115": (Severity.warning, "soft deadline ('where possible')"),
}


def _f(code: str, path: P, message: str, explanation: str) -> Finding:
    return Finding(code, RULES[code][0], path, message, explanation)


def lint(a: Agreement) -> list[Finding]:
    """Every lint finding for an agreement, in rule order."""
    out: list[Finding] = []
    adversaries = set(a.with_role(RoleKind.obligor)) | set(a.with_role(RoleKind.adversary))
    adversaries = a.expand(sorted(adversaries))
    for rule in (
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
    ):
        out += rule(a, adversaries)
    return out


def _measurable(a: Agreement, _adv: set[str]) -> list[Finding]:
    out = []
    for i, t in enumerate(a.triggers):
        for j, lvl in enumerate(t.levels):
            kinds = {predicate_kind(x) for x in iter_leaves(lvl.when)}
            if not kinds & MEASURABLE_KINDS:
                out.append(
                    _f(
                        "GT101",
                        ("triggers", i, "levels", j, "when"),
                        f"trigger {t.id!r} ({lvl.level.value}) has no measurable predicate",
                        "Nothing observable decides whether it fired: no event type, threshold, "
                        "location or attribution. Whoever wants to deny the trigger can.",
                    )
                )
    return out


def _conventional(a: Agreement, _adv: set[str]) -> list[Finding]:
    for t in a.triggers:
        for lvl in t.levels:
            for x in iter_leaves(lvl.when):
                kind = predicate_kind(x)
                if kind == "armed_attack" and leaf(x).weapons in ("conventional", "any"):
                    return []
                if kind == "territorial_seizure":
                    return []
    return [
        _f(
            "GT113",
            ("triggers",),
            "no trigger covers a conventional armed attack or a seizure of territory",
            "The guarantee cannot fire against the most likely violation. (Budapest 1994: the only "
            "action clause required nuclear weapons to be used.)",
        )
    ]


def _veto(a: Agreement, adversaries: set[str]) -> list[Finding]:
    out: list[Finding] = []
    if not adversaries:
        return out
    bodies = {b.id: b for b in a.bodies}

    def body_blockers(body_id: str, proc_id: str | None) -> set[str]:
        body = bodies.get(body_id)
        if body is None:
            return set()
        found = set(body.veto)
        pid = proc_id or body.procedure
        if pid is not None:
            with contextlib.suppress(KeyError):
                found |= blockers(a.procedure(pid), body.members)
        return a.expand(sorted(found))

    for i, s in enumerate(a.ladder.steps):
        if s.through_body is not None:
            who = body_blockers(s.through_body, s.procedure) & adversaries
            if who:
                out.append(
                    _f(
                        "GT102",
                        ("ladder", "steps", i, "through_body"),
                        f"step {s.id!r} runs through {s.through_body!r}, where "
                        f"{', '.join(sorted(who))} can block it",
                        "The party the remedy is aimed at can veto it. (Budapest 1994: 'seek "
                        "immediate UN Security Council action', where Russia holds a veto.)",
                    )
                )
    for i, d in enumerate(a.determinations):
        who = body_blockers(d.body, d.procedure) & adversaries
        if who:
            out.append(
                _f(
                    "GT102",
                    ("determinations", i, "body"),
                    f"determination {d.id!r} by {d.body!r} can be blocked by {', '.join(sorted(who))}",
                    "The attacker can prevent the finding that it attacked.",
                )
            )
    return out


def _consultation(a: Agreement, _adv: set[str]) -> list[Finding]:
    out = []
    for i, o in enumerate(a.obligations):
        if o.action not in (ActionKind.consult, ActionKind.meet):
            continue
        missing = []
        if o.deadline is None:
            missing.append("deadline")
        if not o.venue:
            missing.append("venue")
        if missing:
            out.append(
                _f(
                    "GT103",
                    ("obligations", i),
                    f"consultation {o.id!r} has no {' and no '.join(missing)}",
                    "A consultation with no clock and no place can be evaded by not turning up. "
                    "(Paris, 5 Mar 2014: Russia was invited under Budapest para 6 and did not attend.)",
                )
            )
        elif o.deadline is not None and o.deadline.where_possible:
            out.append(
                _f(
                    "GT115",
                    ("obligations", i, "deadline"),
                    f"consultation {o.id!r}: the deadline applies only 'where possible'",
                    "A soft clock: missing it is not a breach. Track it, but do not rely on it.",
                )
            )
    return out


def _determination(a: Agreement, _adv: set[str]) -> list[Finding]:
    if any(d.attributes for d in a.determinations):
        return []
    return [
        _f(
            "GT104",
            ("determinations",),
            "no body determines that a breach happened and who is responsible",
            "Without an attribution body every breach can be disputed indefinitely "
            "(e.g. 'little green men', proxies).",
        )
    ]


def _ladder(a: Agreement, _adv: set[str]) -> list[Finding]:
    out: list[Finding] = []
    if not a.ladder.steps:
        return [
            _f(
                "GT105",
                ("ladder",),
                "no response ladder: nothing says what happens when the guarantee triggers",
                "A guarantee needs ordered response options with who may or must act.",
            )
        ]
    pledged = {p.capability for p in a.pledges}
    for i, s in enumerate(a.ladder.steps):
        if not s.must and not s.may:
            out.append(
                _f(
                    "GT106",
                    ("ladder", "steps", i),
                    f"step {s.id!r} names no party that may or must take it",
                    "A response that nobody is entitled or bound to take will not be taken.",
                )
            )
        for j, need in enumerate(s.needs):
            if need.capability not in pledged:
                out.append(
                    _f(
                        "GT107",
                        ("ladder", "steps", i, "needs", j, "capability"),
                        f"step {s.id!r} needs {need.capability!r}, which nobody pledged",
                        "The step cannot be carried out from the agreement's own contributions.",
                    )
                )
    return out


def _pledges(a: Agreement, _adv: set[str]) -> list[Finding]:
    out: list[Finding] = []
    if not a.pledges:
        out.append(
            _f(
                "GT108",
                ("pledges",),
                "no contributions: nobody pledges anything",
                "Nothing the guarantors must supply is written down, so nothing can be "
                "planned, delivered or held to account.",
            )
        )
    ids = {p.id for p in a.pledges}
    by_party: dict[str, list[Pledge]] = {}
    for p in a.pledges:
        by_party.setdefault(p.party, []).append(p)
    for i, p in enumerate(a.pledges):
        for j, dep in enumerate(p.depends_on):
            if dep not in ids:
                out.append(
                    _f(
                        "GT110",
                        ("pledges", i, "depends_on", j),
                        f"pledge {p.id!r} depends on {dep!r}, which does not exist",
                        "A dependency on nothing makes the pledge's availability undecidable.",
                    )
                )
        for j, c in enumerate(p.caveats):
            if c.kind == "no_deployment_in" and p.location in c.where:
                out.append(
                    _f(
                        "GT109",
                        ("pledges", i, "caveats", j),
                        f"pledge {p.id!r} deploys to {p.location.value}, which its own caveat forbids",
                        "The pledge contradicts the party's national caveat.",
                    )
                )
            if c.kind == "only_from" and c.where and p.location not in c.where:
                out.append(
                    _f(
                        "GT109",
                        ("pledges", i, "caveats", j),
                        f"pledge {p.id!r} is located at {p.location.value}, but its caveat allows "
                        f"only {', '.join(w.value for w in c.where)}",
                        "The pledge contradicts the party's national caveat.",
                    )
                )
    return out


_NATURE_WORDS = {
    BindingNature.politically_binding: "only politically binding",
    BindingNature.declaration_of_intent: "a declaration of intent",
    BindingNature.proposal: "a proposal",
}


def _binding(a: Agreement, _adv: set[str]) -> list[Finding]:
    if a.nature in (
        BindingNature.politically_binding,
        BindingNature.declaration_of_intent,
        BindingNature.proposal,
    ):
        return [
            _f(
                "GT111",
                ("nature",),
                f"the text is {_NATURE_WORDS[a.nature]}, not legally binding",
                "Parties can walk away without breaching international law; successors may "
                "not feel bound.",
            )
        ]
    return []


def _units(a: Agreement, _adv: set[str]) -> list[Finding]:
    out = []
    for path, d in _durations(a, ()):
        if not d.has_unit:
            out.append(
                _f(
                    "GT112",
                    path,
                    f"{'/'.join(str(x) for x in path)}: {d.value:g} has no unit",
                    "Write the unit ('24 hours', '7 days'): 24 what? Hours and days differ by 24x.",
                )
            )
    return out


def _durations(obj: Any, path: P) -> Iterator[tuple[P, Duration]]:
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


def _monitoring(a: Agreement, _adv: set[str]) -> list[Finding]:
    if a.monitoring:
        return []
    return [
        _f(
            "GT114",
            ("monitoring",),
            "no monitoring arrangement: nobody is charged with watching for violations",
            "Detection depends on whoever happens to notice; add a monitor, sensors and cadence.",
        )
    ]
