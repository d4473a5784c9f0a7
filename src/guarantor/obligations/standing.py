"""Duties owed from entry into force: standing obligations and the steps that enact a commitment.

These are not opened by an activation. A standing obligation is owed from its start (entry
into force, a date, a milestone reached) and is judged by what its monitoring found: `met`
when a confirming act (`presence_confirmed`, `done`, or for money `aid_decided`) falls within
the monitoring cadence before the as-of time, `breached` on a `breach` act, otherwise
`unverified` once it should be in place (nobody has checked, so nobody can say it is met)
and `open` before that. An enactment step is due by its deadline and met by an
`enactment_step` act naming it; a `repeal` of the obligation afterwards is a breach.
"""

from __future__ import annotations

from datetime import date, datetime

from guarantor.model import Agreement
from guarantor.model.common import Duration
from guarantor.model.milestones import MilestoneStatus
from guarantor.model.obligations import Modality
from guarantor.model.standing import StandingKind, StandingObligation, StartKind
from guarantor.monitor.columns import day_number, day_start
from guarantor.monitor.enactment import enactment_schedule, in_force_from
from guarantor.obligations.timeline import Owed, status_of
from guarantor.sources.acts import ActKind, ActLog

STANDING = "standing"  # the `trigger` and `level` of a standing duty: no trigger opened it
ENACTMENT = "enactment"

_DEFAULT_CONFIRMING = frozenset({ActKind.presence_confirmed.value, ActKind.done.value})
_CONFIRMING: dict[StandingKind, frozenset[str]] = {
    StandingKind.financing: _DEFAULT_CONFIRMING | {ActKind.aid_decided.value},
}


def _start(a: Agreement, s: StandingObligation, in_force: datetime) -> tuple[datetime | None, str]:
    """When a standing obligation starts to be owed (None: not yet), and a note saying why."""
    start = s.start
    if start.upon is StartKind.date and start.day is not None:
        return day_start(day_number(start.day)), f"owed from {start.day}"
    if start.upon is StartKind.milestone:
        ms = next((m for m in a.milestones if m.id == start.milestone), None)
        if ms is None or ms.status is not MilestoneStatus.reached or ms.reached_on is None:
            return None, f"waits for milestone {start.milestone}"
        return max(
            in_force, day_start(day_number(ms.reached_on))
        ), f"owed from milestone {ms.id} ({ms.reached_on})"
    return in_force, "owed from entry into force"


def _cadence(a: Agreement, s: StandingObligation) -> Duration | None:
    """How often the duty is checked: its reports, else its monitoring arrangement's cadence."""
    if s.reporting is not None:
        return s.reporting.every
    mon = next((m for m in a.monitoring if m.id == s.monitored_by), None)
    return mon.cadence if mon is not None else None


def standing_duties(a: Agreement, acts: ActLog, in_force: datetime, as_of: datetime) -> list[Owed]:
    """One duty per party and standing obligation, judged by its monitoring's acts."""
    out: list[Owed] = []
    for s in a.standing:
        opened, why = _start(a, s, in_force)
        due = s.start.within.add_to(opened) if opened is not None and s.start.within else None
        cadence = _cadence(a, s)
        kinds = set(_CONFIRMING.get(s.kind, _DEFAULT_CONFIRMING))
        for party in sorted(a.expand(s.party)):
            notes = [why]
            status = "waiting"
            breach = []
            if opened is not None:
                confirmed = acts.find(kinds, {party}, {s.id}, opened, as_of)
                breach = acts.find({ActKind.breach.value}, {party}, {s.id}, opened, as_of)
                last = confirmed[-1].time if confirmed else None
                fresh = last is not None and (
                    cadence is None or not cadence.has_unit or cadence.add_to(last) >= as_of
                )
                if breach:
                    status = "breached"
                    notes.append(f"breach recorded {breach[0].time:%Y-%m-%d}")
                elif fresh:
                    status = "met"
                    notes.append(f"confirmed {last:%Y-%m-%d}")
                elif due is not None and as_of <= due:
                    status = "open"
                elif opened <= as_of:
                    status = "unverified"
                    notes.append(
                        f"last confirmed {last:%Y-%m-%d}, older than the cadence ({cadence})"
                        if last is not None
                        else "no act confirms it (nobody recorded that it is met)"
                    )
                    if s.modality is Modality.must_not:
                        notes.append("no breach recorded either")
            out.append(
                Owed(
                    s.id,
                    party,
                    s.kind.value,
                    s.what,
                    STANDING,
                    STANDING,
                    opened,
                    due,
                    status,
                    notes=notes,
                    recorded=bool(breach),
                )
            )
    return out


def enactment_duties(a: Agreement, acts: ActLog, in_force: datetime, as_of: datetime) -> list[Owed]:
    """One duty per enactment step: due by its deadline, met by an act naming it."""
    out: list[Owed] = []
    for ob in a.obligations:
        if ob.enactment is None:
            continue
        bound = sorted(a.expand(ob.party))
        repeals = acts.find({ActKind.repeal.value}, set(bound), {ob.id}, in_force, as_of)
        for s in enactment_schedule(a, ob.id, acts, in_force):
            notes = [f"{s.step.step.value.replace('_', ' ')} by the {s.step.body}"]
            if s.due is None:
                notes.append("no deadline that can be counted")
            status = status_of(in_force, s.due, s.done, as_of)
            repealed = s.done is not None and bool(repeals) and repeals[0].time >= s.done
            if repealed:
                status = "breached"
                notes.append(f"repealed {repeals[0].time:%Y-%m-%d}")
            for party in [s.step.party] if s.step.party else bound:
                out.append(
                    Owed(
                        s.step.id,
                        party,
                        "enact",
                        ob.what,
                        ENACTMENT,
                        ENACTMENT,
                        in_force,
                        s.due,
                        status,
                        notes=list(notes),
                        recorded=repealed,
                    )
                )
    return out


def duties_from_entry_into_force(
    a: Agreement, acts: ActLog, start: date, as_of: datetime
) -> list[Owed]:
    """Standing duties and enactment steps of an agreement in force from `start` (or its date)."""
    in_force = in_force_from(a, start)
    return standing_duties(a, acts, in_force, as_of) + enactment_duties(a, acts, in_force, as_of)
