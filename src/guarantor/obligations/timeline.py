"""The timeline of what is owed: obligations, determinations and ladder steps opened by activations.

What an activation opens is read from the compiled plan (`rules`): each trigger's links to the
obligations and ladder steps it opens, and the determination that settles it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from guarantor.model import Agreement
from guarantor.model.determination import Determination
from guarantor.model.obligations import Modality, Obligation
from guarantor.model.response import LadderStep
from guarantor.model.triggers import Level
from guarantor.monitor.result import Activation
from guarantor.obligations.decisions import Decision, DecisionStatus, decide, procedure_of
from guarantor.rules import LinkKind, RulePlan, compile_agreement
from guarantor.rules.compile import part_provenance
from guarantor.sources.acts import ActKind, ActLog

# The act that discharges an obligation of each action kind.
DISCHARGING_ACT: dict[str, ActKind] = {"consult": ActKind.consultation_held, "meet": ActKind.consultation_held, "determine": ActKind.determination_made, "attribute": ActKind.attribution_established, "sanction": ActKind.sanctions_adopted, "assist": ActKind.aid_decided, "deliver": ActKind.aid_decided, "legislate": ActKind.enactment_step}  # fmt: skip


class OwedStatus(StrEnum):
    """Where a duty stands as of a time."""

    waiting = "waiting"  # not opened yet
    open = "open"
    met = "met"
    overdue = "overdue"  # late, curable
    breached = "breached"
    unverified = "unverified"  # a standing duty that no recorded act confirms (nobody checked)
    unrecorded = "unrecorded"  # outside the record of acts: a missing act says nothing


class DutyKind(StrEnum):
    """Where a duty comes from."""

    obligation = "obligation"
    determination = "determination"
    step = "step"
    standing = "standing"  # owed from entry into force, not opened by an activation
    enactment = "enactment"  # a step of writing a commitment into law


class Assumption(StrEnum):
    """What a duty's timing or existence rests on that the record does not show."""

    request = "request"  # requested at activation: no request recorded
    votes = "votes"  # the procedure's votes were assumed: none recorded
    gate_delay = "gate_delay"  # an approval gate's expected delay: no vote recorded
    deadline = "deadline"  # the deadline is graded `assumed` (the encoding's choice)
    clause = "clause"  # the obligation or step itself is graded `assumed`
    thresholds = "thresholds"  # the activation's level thresholds are graded `assumed`


class NoteKind(StrEnum):
    """What a note on a duty says."""

    no_determination = "no_determination"
    decision = "decision"
    attribution_established = "attribution_established"
    conditional_invocation = "conditional_invocation"
    attribution_too_low = "attribution_too_low"
    waits_for_determination = "waits_for_determination"
    requested_at_activation = "requested_at_activation"
    soft_deadline = "soft_deadline"
    gate = "gate"
    gate_beyond_deadline = "gate_beyond_deadline"
    owed_from = "owed_from"  # a standing duty's start (body: what it runs from)
    waits_for_milestone = "waits_for_milestone"  # body: the milestone
    confirmed = "confirmed"  # the last confirming act
    unconfirmed = "unconfirmed"  # no confirming act, or only one older than the cadence (days)
    no_breach_recorded = "no_breach_recorded"
    breach_recorded = "breach_recorded"
    enactment_step = "enactment_step"  # body: the step and the body that takes it
    no_deadline = "no_deadline"
    repealed = "repealed"
    unrecorded = "unrecorded"  # body: the act that would settle it; party, time: whose, when


@dataclass(frozen=True)
class Note:
    """A typed note on a duty; `obligations.render` puts it into words."""

    kind: NoteKind
    party: str | None = None
    time: datetime | None = None
    observed: float | None = None
    needed: float | None = None
    body: str | None = None
    days: int | None = None
    decision: Decision | None = None
    voted: bool = False
    pending: bool = False


@dataclass
class Owed:
    """One party's duty arising from one activation: what, opened when, due when, status."""

    source: str  # obligation, determination or ladder step id
    kind: DutyKind
    party: str
    action: str
    what: str
    trigger: str
    level: Level | None  # None: a standing or enactment duty, which no trigger level opened
    opened: datetime | None
    due: datetime | None
    status: OwedStatus
    earliest: datetime | None = None  # when the party can act at all (approval gates)
    notes: tuple[Note, ...] = ()
    assumed: tuple[Assumption, ...] = ()
    recorded: bool = False  # the status rests on a recorded act (a breach, a repeal)

    def to_json(self) -> dict[str, Any]:
        """The replay JSON shape (plus context fields)."""
        from guarantor.obligations.render import note_text

        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat().replace("+00:00", "Z")

        return {
            "party": self.party,
            "action": self.action,
            "due": iso(self.due),
            "status": self.status.value,
            "source": self.source,
            "kind": self.kind.value,
            "what": self.what,
            "trigger": self.trigger,
            "level": None if self.level is None else self.level.value,
            "opened": iso(self.opened),
            "earliest": iso(self.earliest),
            "assumed": [a.value for a in self.assumed],
            "notes": [note_text(n) for n in self.notes],
        }


@dataclass
class Timeline:
    """Everything owed, and each determination's decision, in time order."""

    owed: list[Owed]
    decisions: list[tuple[str, str, Decision]]  # (determination, trigger, decision)
    as_of: datetime


def status_of(
    opened: datetime | None,
    due: datetime | None,
    done: datetime | None,
    as_of: datetime,
    breach: bool = False,
) -> OwedStatus:
    """waiting (not opened), open, met, overdue (late, curable), breached (late by more than the deadline again, or a breach act)."""
    if breach:
        return OwedStatus.breached
    if opened is None:
        return OwedStatus.waiting
    if done is not None and done <= as_of:
        return OwedStatus.met if due is None or done <= due else OwedStatus.breached
    if due is None or as_of <= due:
        return OwedStatus.open
    grace = due - opened if due > opened else timedelta(0)
    return OwedStatus.overdue if as_of <= due + grace else OwedStatus.breached


@dataclass
class _Determined:
    """What the determination an activation needs came to."""

    determination: Determination | None
    time: datetime | None  # when made (None: not yet)
    pending_attribution: bool = False
    assumed: tuple[Assumption, ...] = ()
    notes: list[Note] = field(default_factory=list)


class _Builder:
    def __init__(
        self,
        agreement: Agreement,
        plan: RulePlan,
        acts: ActLog,
        as_of: datetime,
        assume_requests: bool,
        assume_votes: bool,
    ) -> None:
        self.a = agreement
        self.plan = plan
        self.acts = acts
        self.as_of = as_of
        self.assume_requests = assume_requests
        self.assume_votes = assume_votes
        self.owed: list[Owed] = []
        self.decisions: list[tuple[str, str, Decision]] = []
        self.open_until: dict[tuple[str, str], datetime] = {}

    def determine(self, act: Activation) -> _Determined:
        """The determination this activation needs, and when it is made."""
        resolver = self.plan.trigger(act.trigger).resolver
        det = next(
            (d for d in self.a.determinations if resolver and d.id == resolver.determination), None
        )
        if det is None:
            return _Determined(None, act.time, notes=[Note(NoteKind.no_determination)])
        notes: list[Note] = []
        body_members = next(
            (list(b.members) for b in self.a.bodies if b.id == det.body), [det.body]
        )
        res = act.resolution
        proc = procedure_of(self.a, det)
        if res is not None and res.ref == det.id:  # the activation is itself the determination
            decision = Decision(
                det.id,
                res.time,
                DecisionStatus.adopted,
                res.time,
                "determination settled the level",
                assumed=res.assumed,
            )
        elif proc is None:  # no procedure named: made at activation only if decisions are assumed
            decision = Decision(
                det.body,
                act.time,
                DecisionStatus.adopted if self.assume_votes else DecisionStatus.pending,
                act.time if self.assume_votes else None,
                "no procedure named",
                assumed=self.assume_votes,
            )
        else:
            decision = decide(
                self.a, proc, act.time, self.acts, self.as_of, body_members, self.assume_votes
            )
        when = decision.time if decision.status is DecisionStatus.adopted else None
        pending = False
        needed = det.min_attribution
        if needed is not None and act.attribution is not None and act.attribution < needed:
            found = self.acts.find(
                {ActKind.attribution_established}, None, {det.id, act.trigger}, act.time, self.as_of
            )
            if found:
                notes.append(Note(NoteKind.attribution_established, found[0].party, found[0].time))
                when = None if when is None else max(when, found[0].time)
            elif det.conditional_invocation:
                notes.append(
                    Note(NoteKind.conditional_invocation, observed=act.attribution, needed=needed)
                )
                decision = replace(decision, status=DecisionStatus.conditional, time=None)
                when, pending = None, True
            else:
                notes.append(
                    Note(NoteKind.attribution_too_low, observed=act.attribution, needed=needed)
                )
                decision = replace(decision, status=DecisionStatus.blocked, time=None)
                when = None
        decision = replace(decision, attribution=act.attribution, required=needed)
        self.decisions.append((det.id, act.trigger, decision))
        assumed = (Assumption.votes,) if decision.assumed else ()
        due = det.within.add_to(act.time) if det.within else None
        for party in sorted(self.a.expand(body_members)):
            made = self.acts.find(
                {ActKind.determination_made}, {party}, {det.id}, act.time, self.as_of
            )
            done = made[0].time if made else when
            self.add(
                Owed(
                    det.id,
                    DutyKind.determination,
                    party,
                    "determine",
                    f"{det.body}: determination under {decision.procedure}",
                    act.trigger,
                    act.level,
                    act.time,
                    due,
                    status_of(act.time, due, done, self.as_of),
                    notes=(Note(NoteKind.decision, decision=decision), *notes),
                    assumed=assumed + _level_assumed(act),
                )
            )
        return _Determined(det, when, pending, assumed, notes)

    def add(self, owed: Owed) -> None:
        key = (owed.source, owed.party)
        until = self.open_until.get(key)
        if until is not None and owed.opened is not None and owed.opened <= until:
            return  # the same duty is already open for this party: a new onset does not duplicate it
        if owed.opened is not None:
            self.open_until[key] = owed.due or owed.opened
        self.owed.append(owed)

    def gate_delay(
        self, party: str, procedure_ids: list[str], opened: datetime
    ) -> tuple[datetime | None, list[Note], bool]:
        earliest: datetime | None = None
        notes: list[Note] = []
        expected = False
        for pid in procedure_ids:
            proc = next((p for p in self.a.procedures if p.id == pid), None)
            if proc is None:
                continue
            for gate in proc.gates:
                if gate.party != party:
                    continue
                voted = self.acts.find(
                    {ActKind.approval_voted}, {party}, {gate.body}, opened, self.as_of
                )
                ready = voted[0].time if voted else gate.expected_delay.add_to(opened)
                expected = expected or not voted
                notes.append(Note(NoteKind.gate, body=gate.body, time=ready, voted=bool(voted)))
                earliest = ready if earliest is None else max(earliest, ready)
        return earliest, notes, expected

    def obligation(self, ob: Obligation, act: Activation, det: _Determined) -> None:
        upon = ob.opened_by.upon
        parties = sorted(self.a.expand(ob.party))
        requests = self.acts.find(
            {ActKind.request},
            set(self.a.expand(ob.at_request_of)) if ob.at_request_of else None,
            {ob.id, act.trigger},  # a request for the obligation, or for its trigger
            act.time - timedelta(days=1),  # from the start of the activation's evidence day
            self.as_of,
        )
        request_time = (
            requests[0].time if requests else (act.time if self.assume_requests else None)
        )
        notes: list[Note] = []
        assumed: list[Assumption] = list(_level_assumed(act))
        opened: datetime | None
        if upon == "determination":
            opened = det.time
            assumed += det.assumed
            if opened is None:
                notes.append(
                    Note(NoteKind.waits_for_determination, pending=det.pending_attribution)
                )
        elif upon == "request":
            opened = request_time
        else:
            opened = act.time
        if ob.at_request_of and not requests and self.assume_requests and upon == "request":
            notes.append(Note(NoteKind.requested_at_activation))
            assumed.append(Assumption.request)
        due: datetime | None = None
        if ob.deadline is not None and opened is not None:
            anchor = {"request": request_time, "determination": det.time}.get(
                ob.deadline.from_, opened
            )
            if anchor is None and ob.deadline.from_ == "request" and self.assume_requests:
                anchor = act.time
            if anchor is not None:
                due = ob.deadline.within.add_to(anchor, ob.deadline.clock)
                if ob.deadline.where_possible:
                    notes.append(Note(NoteKind.soft_deadline))
            if part_provenance(ob, "deadline", ob.deadline.source).assumed:
                assumed.append(Assumption.deadline)
        if part_provenance(ob, "").assumed:
            assumed.append(Assumption.clause)
        for party in parties:
            kind = DISCHARGING_ACT.get(ob.action.value, ActKind.done)
            done_acts = (
                self.acts.find({kind, ActKind.done}, {party}, {ob.id}, opened, self.as_of)
                if opened
                else []
            )
            breach = bool(self.acts.find({ActKind.breach}, {party}, {ob.id}, act.time, self.as_of))
            if ob.modality is Modality.must_not:
                status = OwedStatus.breached if breach else OwedStatus.met
            else:
                done = done_acts[0].time if done_acts else None
                if done is None and ob.action.value == "determine" and upon != "determination":
                    done = det.time  # the body's adopted determination discharges it
                status = status_of(opened, due, done, self.as_of, breach)
            self.add(
                Owed(
                    ob.id,
                    DutyKind.obligation,
                    party,
                    ob.action.value,
                    ob.what,
                    act.trigger,
                    act.level,
                    opened,
                    due,
                    status,
                    notes=tuple(notes),
                    assumed=tuple(dict.fromkeys(assumed)),
                )
            )

    def ladder(self, step: LadderStep, act: Activation, det: _Determined) -> None:
        needs_det = det.determination is not None and det.determination.id in step.preconditions
        opened = det.time if needs_det else act.time
        notes = [Note(NoteKind.waits_for_determination)] if needs_det and det.time is None else []
        assumed = list(_level_assumed(act)) + (list(det.assumed) if needs_det else [])
        if part_provenance(step, "").assumed:
            assumed.append(Assumption.clause)
        due = step.within.add_to(opened) if step.within and opened else None
        procs = [p for p in [step.procedure] if p]
        for party in sorted(self.a.expand(step.must)):
            earliest, gate_notes, expected = (
                self.gate_delay(party, procs, opened) if opened else (None, [], False)
            )
            extra = list(gate_notes)
            if earliest is not None and due is not None and earliest > due:
                extra.append(Note(NoteKind.gate_beyond_deadline, days=(earliest - due).days))
            kinds = {ActKind.done} | ({ActKind.sanctions_adopted} if step.sanctions else set())
            done = self.acts.find(kinds, {party}, {step.id}, opened, self.as_of) if opened else []
            self.add(
                Owed(
                    step.id,
                    DutyKind.step,
                    party,
                    step.action,
                    step.action,
                    act.trigger,
                    act.level,
                    opened,
                    due,
                    status_of(opened, due, done[0].time if done else None, self.as_of),
                    earliest,
                    tuple(notes + extra),
                    tuple(dict.fromkeys(assumed + ([Assumption.gate_delay] if expected else []))),
                )
            )


def _level_assumed(act: Activation) -> tuple[Assumption, ...]:
    return (Assumption.thresholds,) if act.trace.provenance.assumed else ()


def build_timeline(
    agreement: Agreement,
    activations: list[Activation],
    acts: ActLog | None = None,
    as_of: datetime | None = None,
    assume_requests: bool = True,
    assume_votes: bool = True,
    plan: RulePlan | None = None,
) -> Timeline:
    """Open what each activation opens, in time order, and give each duty its status as of `as_of`."""
    log = acts or ActLog()
    plan = plan or compile_agreement(agreement)
    end = as_of or (
        max((a.time for a in activations), default=datetime.now(UTC)) + timedelta(days=1)
    )
    b = _Builder(agreement, plan, log, end, assume_requests, assume_votes)
    obligations = {o.id: o for o in agreement.obligations}
    for act in sorted(activations, key=lambda x: (x.time, x.trigger)):
        trig = plan.trigger(act.trigger)
        related = [obligations[k.target] for k in trig.opens(act.level, LinkKind.obligation)]
        needs_det = act.level is Level.invoke or any(
            o.opened_by.upon == "determination" for o in related
        )
        det = b.determine(act) if needs_det else _Determined(None, act.time)
        for ob in related:
            b.obligation(ob, act, det)
        opened_steps = {k.target for k in trig.opens(act.level, LinkKind.step)}
        for step in agreement.ladder.steps:  # in the ladder's order
            if step.id in opened_steps:
                b.ladder(step, act, det)
    b.owed.sort(key=lambda o: (o.opened or end, o.due or end, o.source, o.party))
    return Timeline(b.owed, b.decisions, end)
