"""Lint that judges the text fairly (GT117-GT122), on the agreement as written.

These rules weigh what the parties bound themselves to, so they run on the view with every
assumed value taken out (`codes.WRITTEN`): an encoding's assumed 24-hour limit or assumed pledge
cannot make a proposal look firmer than its text. Where a rule needs what the encoding added (a
pledge that rests on an assumed one), it reads `Subject.encoded` beside the written view.
"""

from __future__ import annotations

from collections.abc import Callable

from guarantor.model import Agreement
from guarantor.model.decisions import (
    Consensus,
    DecisionProcedure,
    EachParty,
    Silence,
    UnilateralAfterConsultation,
)
from guarantor.model.obligations import ActionKind, Modality
from guarantor.model.pledges import Pledge, PledgeStatus
from guarantor.model.triggers import Level
from guarantor.rules import Beyond, LeafKind, LinkKind
from guarantor.rules.provenance import graded_parts
from guarantor.spec.codes import finding
from guarantor.spec.findings import Finding
from guarantor.spec.lint import decision_points
from guarantor.spec.views import Subject

P = tuple[str | int, ...]

# What an obligation must be about to count as assistance (not a meeting, a report or a finding).
ASSISTANCE = frozenset(
    {ActionKind.assist, ActionKind.deliver, ActionKind.sanction, ActionKind.revoke_benefits}
)
# Pledges that stand on nobody's binding word.
UNBOUND = {
    PledgeStatus.proposed: "only proposed",
    PledgeStatus.assumed: "assumed by the encoding (no party pledged it)",
    PledgeStatus.withdrawn: "withdrawn",
}
NAMED_UP_TO = 4  # list blockers by name up to this many


def _procedure(a: Agreement, proc_id: str | None, body_id: str | None) -> DecisionProcedure | None:
    body = next((b for b in a.bodies if b.id == body_id), None)
    pid = proc_id or (body.procedure if body is not None else None)
    return next((p for p in a.procedures if p.id == pid), None)


def _discretionary(s: Subject) -> list[Finding]:
    """GT117: everything behind the invoke level is 'may' or 'as each deems necessary'."""
    a = s.agreement
    if not s.plan.triggers:
        return []
    steps = {st.id: (i, st) for i, st in enumerate(a.ladder.steps)}
    obligations = {o.id: (i, o) for i, o in enumerate(a.obligations)}
    loose: list[tuple[P, str]] = []
    binding = False
    for t in s.plan.triggers:
        if t.level(Level.invoke) is None:
            continue
        for link in t.links:
            if link.level not in (None, Level.invoke):
                continue
            if link.kind is LinkKind.obligation and link.target in obligations:
                i, o = obligations[link.target]
                if o.action not in ASSISTANCE:
                    continue
                if o.modality is Modality.must:
                    binding = True
                else:
                    loose.append(
                        (
                            ("obligations", i, "modality"),
                            f"obligation {o.id!r} ({o.modality.value})",
                        )
                    )
            elif link.kind is LinkKind.step and link.target in steps:
                i, st = steps[link.target]
                proc = _procedure(a, st.procedure, st.through_body)
                if isinstance(proc, EachParty):
                    where: P = ("ladder", "steps", i, "procedure")
                    loose.append((where, f"step {st.id!r} (each party as it deems necessary)"))
                elif st.must:
                    binding = True
                else:
                    loose.append((("ladder", "steps", i), f"step {st.id!r} (may)"))
    if binding:
        return []
    if not loose:
        return [
            finding(
                "GT117",
                ("triggers",),
                "no trigger opens any assistance at an 'invoke' level: nothing beyond "
                "consultation is promised",
            )
        ]
    seen: list[str] = []
    for _, label in loose:
        if label not in seen:
            seen.append(label)
    return [
        finding(
            "GT117",
            loose[0][0],
            "the assistance the triggers open is discretionary: " + ", ".join(seen),
        )
    ]


def _who(parties: frozenset[str], proc: DecisionProcedure | None) -> str:
    if isinstance(proc, UnilateralAfterConsultation) and parties == {proc.decider}:
        return f"{proc.decider} alone decides"
    if len(parties) > NAMED_UP_TO:
        how = ""
        if isinstance(proc, Consensus):
            how = " by consensus"
        elif isinstance(proc, Silence):
            how = " by breaking silence"
        return f"any one of {len(parties)} members can block it{how}"
    return f"{', '.join(sorted(parties))} can each block it alone"


def _holdout(s: Subject) -> list[Finding]:
    """GT118: one member (not the obligor: that is GT102) can block a remedy or a determination."""
    out = []
    for dp in decision_points(s.agreement):
        holdouts = dp.blockers - s.adversaries
        if holdouts:
            out.append(finding("GT118", dp.path, f"{dp.label}: {_who(holdouts, dp.procedure)}"))
    return out


def _members(a: Agreement, ids: list[str]) -> set[str]:
    """Parties, with bodies replaced by their members and groups expanded."""
    bodies = {b.id: b for b in a.bodies}
    flat: list[str] = []
    for x in ids:
        flat += bodies[x].members if x in bodies else [x]
    return a.expand(flat)


def _self_enforced(s: Subject) -> list[Finding]:
    """GT119: an obligor's commitment that nobody but the obligor verifies or enforces."""
    a = s.agreement
    if not s.adversaries:
        return []
    arrangements = {m.id: m for m in a.monitoring}
    general = (
        set().union(*(_members(a, m.monitor) for m in a.monitoring)) if a.monitoring else set()
    )
    determiners = (
        set().union(*(_members(a, [d.body]) for d in a.determinations))
        if a.determinations
        else set()
    )
    clauses = {st.id: [*st.must, *st.may] for st in a.ladder.steps}
    clauses |= {o.id: list(o.party) for o in a.obligations}
    out = []
    for i, o in enumerate(a.obligations):
        bound = a.expand(o.party)
        if o.monitored_by in arrangements:
            verifiers = _members(a, arrangements[o.monitored_by].monitor)
        else:
            verifiers = set(general)
        enforcers = (
            set().union(*(a.expand(clauses.get(x, [])) for x in o.lest)) if o.lest else set()
        )
        checkers = verifiers | determiners | enforcers
        unchecked = [p for p in sorted(bound & s.adversaries) if not checkers - {p}]
        if unchecked:
            who = "nobody but the party bound" if checkers else "nobody"
            out.append(
                finding(
                    "GT119",
                    ("obligations", i),
                    f"obligation {o.id!r} binds {', '.join(unchecked)}, and {who} verifies or "
                    "enforces it",
                )
            )
    return out


def _signatories(a: Agreement) -> set[str] | None:
    """Parties that signed or ratified (None when the agreement records no signatures)."""
    signed = [ps.party for ps in a.lifecycle.parties if ps.signed or ps.ratified]
    return a.expand(signed) if signed else None


def _unsigned(parties: list[str]) -> str:
    verb = "has" if len(parties) == 1 else "have"
    return f"{', '.join(parties)}, which {verb} not signed"


def _dependence(s: Subject) -> list[Finding]:
    """GT120: pledges resting on unbound pledges; steps and obligations binding non-signatories."""
    a = s.agreement
    encoded: dict[str, Pledge] = {p.id: p for p in s.encoded.pledges}
    assumed = {
        part.provenance.clause
        for part in graded_parts(s.encoded)
        if part.path[0] == "pledges" and part.path[-1] == "source" and part.provenance.assumed
    }
    signatories = _signatories(a)
    out = []
    for i, p in enumerate(a.pledges):
        deps = encoded[p.id].depends_on if p.id in encoded else p.depends_on
        for dep in deps:
            d = encoded.get(dep)
            if d is None:
                continue  # GT110
            why = UNBOUND.get(d.status)
            if why is None and d.id in assumed:
                why = "assumed by the encoding (graded assumed)"
            if why is None and signatories is not None and not a.expand([d.party]) <= signatories:
                why = f"pledged by {d.party}, which has not signed"
            if why is not None:
                out.append(
                    finding(
                        "GT120",
                        ("pledges", i, "depends_on"),
                        f"pledge {p.id!r} rests on {d.id!r}, which is {why}",
                    )
                )
    if signatories is None:
        return out
    for i, st in enumerate(a.ladder.steps):
        outside = sorted(a.expand(st.must) - signatories)
        if outside:
            out.append(
                finding(
                    "GT120",
                    ("ladder", "steps", i, "must"),
                    f"step {st.id!r} binds {_unsigned(outside)}",
                )
            )
    for i, o in enumerate(a.obligations):
        outside = sorted(a.expand(o.party) - signatories)
        if outside and o.modality is not Modality.may:
            out.append(
                finding(
                    "GT120",
                    ("obligations", i, "party"),
                    f"obligation {o.id!r} binds {_unsigned(outside)}",
                )
            )
    return out


def _agreed_line(s: Subject) -> list[Finding]:
    """GT121: predicates measure against an agreed line the text does not define or publish."""
    users = [
        lf
        for lf in s.plan.leaves
        if lf.place.beyond_agreed_line_km is not None
        or (lf.kind is LeafKind.territorial_seizure and lf.beyond is Beyond.agreed_line)
    ]
    if not users:
        return []
    line = s.agreement.agreed_line
    n = f"{len(users)} predicate{'s' if len(users) > 1 else ''}"
    if line is None:
        message = f"{n} measure against the agreed line, which the agreement does not define"
        return [finding("GT121", users[0].path, message)]
    if line.published or line.map:
        return []
    message = f"{n} measure against the agreed line ({line.drawn}), whose course is not published"
    return [finding("GT121", ("agreed_line",), message)]


def _assumed_share(s: Subject) -> list[Finding]:
    """GT122: how much of the encoding is assumed rather than written."""
    parts = list(graded_parts(s.encoded))
    assumed = {(p.provenance.clause, p.provenance.part) for p in parts if p.provenance.assumed}
    assumed |= {(p.id, "") for p in s.encoded.pledges if p.status is PledgeStatus.assumed}
    if not assumed or not parts:
        return []
    share = len(assumed) / len(parts)
    return [
        finding(
            "GT122",
            (),
            f"{len(assumed)} of {len(parts)} clauses and graded parts ({share:.0%}) are the "
            "encoding's assumptions; the as_written findings leave them out",
        )
    ]


FAIRNESS_RULES: tuple[Callable[[Subject], list[Finding]], ...] = (
    _discretionary,
    _holdout,
    _self_enforced,
    _dependence,
    _agreed_line,
    _assumed_share,
)
