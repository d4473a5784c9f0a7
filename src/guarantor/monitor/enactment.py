"""The schedule of an obligation's enactment steps: when each is due, when its act was recorded.

One reading for the monitor (`not_enacted` leaves) and the timeline (enactment duties).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from guarantor.model import Agreement, EnactmentStep
from guarantor.monitor.columns import day_number, day_start
from guarantor.sources.acts import ActKind, ActLog

_FROM_IN_FORCE = ("entry_into_force", "signature")


@dataclass(frozen=True)
class ScheduledStep:
    """An enactment step, its deadline (None: none that can be counted) and its act's time."""

    step: EnactmentStep
    due: datetime | None
    done: datetime | None

    @property
    def overdue_from(self) -> datetime | None:
        """From when the step is overdue (None: never, as far as the record goes)."""
        if self.due is None or (self.done is not None and self.done <= self.due):
            return None
        return self.due


def in_force_from(agreement: Agreement, start: date) -> datetime:
    """When the agreement is taken to be in force: its effective date, else the period's start."""
    eif = agreement.lifecycle.entry_into_force
    day = eif.effective if eif is not None and eif.effective is not None else start
    return day_start(day_number(day))


def enactment_schedule(
    agreement: Agreement, obligation: str, acts: ActLog, in_force: datetime
) -> list[ScheduledStep]:
    """Each enactment step of `obligation` in order, with its deadline and recorded act.

    A deadline counts from entry into force (or signature), or from the previous step's act
    (`from: previous_step`; from the previous step's deadline while its act is not recorded).
    A step's act is an `enactment_step` act naming it (`ref`) by the step's party, or by a
    party the obligation binds.
    """
    ob = next((o for o in agreement.obligations if o.id == obligation), None)
    if ob is None or ob.enactment is None:
        return []
    bound = set(agreement.expand(ob.party))
    out: list[ScheduledStep] = []
    previous: ScheduledStep | None = None
    for step in ob.enactment.steps:
        dl = step.deadline
        due: datetime | None = None
        if dl is not None and dl.from_ in _FROM_IN_FORCE:
            due = dl.within.add_to(in_force, dl.clock)
        elif dl is not None and dl.from_ == "previous_step" and previous is not None:
            anchor = previous.done or previous.due
            due = dl.within.add_to(anchor, dl.clock) if anchor is not None else None
        by = {step.party} if step.party else bound
        made = [
            a for a in acts.find({ActKind.enactment_step.value}, by, {step.id}) if a.ref == step.id
        ]
        previous = ScheduledStep(step, due, made[0].time if made else None)
        out.append(previous)
    return out
