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
from guarantor.obligations.timeline import DutyKind, Note, NoteKind, Owed, OwedStatus, status_of
from guarantor.sources.acts import Act, ActKind, ActLog

STANDING = "standing"  # the `trigger` of a standing duty: no trigger opened it
ENACTMENT = "enactment"

_DEFAULT_CONFIRMING = frozenset({ActKind.presence_confirmed, ActKind.done})
_CONFIRMING: dict[StandingKind, frozenset[ActKind]] = {
    StandingKind.financing: _DEFAULT_CONFIRMING | {ActKind.aid_decided},
}


def _start(a: Agreement, s: StandingObligation, in_force: datetime) -> tuple[datetime | None, Note]:
    """When a standing obligation starts to be owed (None: not yet), and a note saying why."""
    start = s.start
    if start.upon is StartKind.date and start.day is not None:
        return day_start(day_number(start.day)), Note(NoteKind.owed_from, body=str(start.day))
    if start.upon is StartKind.milestone:
        ms = next((m for m in a.milestones if m.id == start.milestone), None)
        if ms is None or ms.status is not MilestoneStatus.reached or ms.reached_on is None:
            return None, Note(NoteKind.waits_for_milestone, body=start.milestone)
        when = max(in_force, day_start(day_number(ms.reached_on)))
        return when, Note(NoteKind.owed_from, body=f"milestone {ms.id} ({ms.reached_on})")
    return in_force, Note(NoteKind.owed_from, body="entry into force")


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
        days = round(cadence.days()) if cadence is not None and cadence.has_unit else None
        kinds = set(_CONFIRMING.get(s.kind, _DEFAULT_CONFIRMING))
        for party in sorted(a.expand(s.party)):
            notes = [why]
            status = OwedStatus.waiting
            breach: list[Act] = []
            if opened is not None:
                confirmed = acts.find(kinds, {party}, {s.id}, opened, as_of)
                breach = acts.find({ActKind.breach}, {party}, {s.id}, opened, as_of)
                last = confirmed[-1].time if confirmed else None
                fresh = last is not None and (
                    cadence is None or not cadence.has_unit or cadence.add_to(last) >= as_of
                )
                if breach:
                    status = OwedStatus.breached
                    notes.append(Note(NoteKind.breach_recorded, time=breach[0].time))
                elif fresh:
                    status = OwedStatus.met
                    notes.append(Note(NoteKind.confirmed, time=last))
                elif due is not None and as_of <= due:
                    status = OwedStatus.open
                elif opened <= as_of:
                    status = OwedStatus.unverified
                    notes.append(Note(NoteKind.unconfirmed, time=last, days=days))
                    if s.modality is Modality.must_not:
                        notes.append(Note(NoteKind.no_breach_recorded))
            out.append(
                Owed(
                    s.id,
                    DutyKind.standing,
                    party,
                    s.kind.value,
                    s.what,
                    STANDING,
                    None,
                    opened,
                    due,
                    status,
                    notes=tuple(notes),
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
        repeals = acts.find({ActKind.repeal}, set(bound), {ob.id}, in_force, as_of)
        for s in enactment_schedule(a, ob.id, acts, in_force):
            notes = [
                Note(
                    NoteKind.enactment_step,
                    body=f"{s.step.step.value.replace('_', ' ')} by the {s.step.body}",
                )
            ]
            if s.due is None:
                notes.append(Note(NoteKind.no_deadline))
            status = status_of(in_force, s.due, s.done, as_of)
            repealed = s.done is not None and bool(repeals) and repeals[0].time >= s.done
            if repealed:
                status = OwedStatus.breached
                notes.append(Note(NoteKind.repealed, time=repeals[0].time))
            for party in [s.step.party] if s.step.party else bound:
                out.append(
                    Owed(
                        s.step.id,
                        DutyKind.enactment,
                        party,
                        "legislate",
                        ob.what,
                        ENACTMENT,
                        None,
                        in_force,
                        s.due,
                        status,
                        notes=tuple(notes),
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
