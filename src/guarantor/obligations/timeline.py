"""The timeline of what is owed: obligations, determinations and ladder steps opened by activations."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from guarantor.model import Agreement
from guarantor.model.determination import Determination
from guarantor.model.obligations import Modality, Obligation
from guarantor.model.triggers import LEVEL_ORDER, Level
from guarantor.monitor.result import Activation
from guarantor.sources.acts import ActLog
from guarantor.obligations.decisions import Decision, DecisionStatus, decide, procedure_of

# The act that discharges an obligation of each action kind.
DISCHARGING_ACT: dict[str, str] = {"consult": "consultation_held", "meet": "consultation_held", "determine": "determination_made", "attribute": "attribution_established", "sanction": "sanctions_adopted", "assist": "aid_decided", "deliver": "aid_decided", "legislate": "enactment_step"}  # fmt: skip

# unverified: a standing duty nobody has confirmed; unrecorded: outside the record of acts
STATUSES = ("waiting", "open", "met", "overdue", "breached", "unverified", "unrecorded")


@dataclass
class Owed:
    """One party's duty arising from one activation: what, opened when, due when, status."""

    source: str  # obligation, determination or ladder step id
    party: str
    action: str
    what: str
    trigger: str
    level: str
    opened: datetime | None
    due: datetime | None
    status: str
    earliest: datetime | None = None  # when the party can act at all (approval gates)
    notes: list[str] = field(default_factory=list)
    recorded: bool = False  # the status rests on a recorded act (a breach, a repeal)

    def to_json(self) -> dict[str, Any]:
        """The replay JSON shape (plus context fields)."""

        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat().replace("+00:00", "Z")

        return {
            "party": self.party,
            "action": self.action,
            "due": iso(self.due),
            "status": self.status,
            "source": self.source,
            "what": self.what,
            "trigger": self.trigger,
            "level": self.level,
            "opened": iso(self.opened),
            "earliest": iso(self.earliest),
            "notes": self.notes,
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
) -> str:
    """waiting (not opened), open, met, overdue (late, curable), breached (late by more than the deadline again, or a breach act)."""
    if breach:
        return "breached"
    if opened is None:
        return "waiting"
    if done is not None and done <= as_of:
        return "met" if due is None or done <= due else "breached"
    if due is None or as_of <= due:
        return "open"
    grace = due - opened if due > opened else timedelta(0)
    return "overdue" if as_of <= due + grace else "breached"


class _Builder:
    def __init__(
        self,
        agreement: Agreement,
        acts: ActLog,
        as_of: datetime,
        assume_requests: bool,
        assume_votes: bool,
    ) -> None:
        self.a = agreement
        self.acts = acts
        self.as_of = as_of
        self.assume_requests = assume_requests
        self.assume_votes = assume_votes
        self.owed: list[Owed] = []
        self.decisions: list[tuple[str, str, Decision]] = []
        self.open_until: dict[tuple[str, str], datetime] = {}

    def determination_for(self, trigger: str) -> Determination | None:
        by_trigger = [d for d in self.a.determinations if trigger in d.triggers]
        named = next((t.determination for t in self.a.triggers if t.id == trigger), None)
        for d in self.a.determinations:
            if d.id == named:
                return d
        return by_trigger[0] if by_trigger else None

    def determine(self, act: Activation) -> tuple[Determination | None, datetime | None, list[str]]:
        """The determination this activation needs, when it is made (None: not yet), and notes."""
        det = self.determination_for(act.trigger)
        if det is None:
            return None, act.time, ["no determination named: the activation stands on its own"]
        notes: list[str] = []
        body_members: list[str] = []
        try:
            body_members = list(self.a.body(det.body).members)
        except KeyError:
            body_members = [det.body]
        proc = procedure_of(self.a, det)
        if proc is None:
            decision = Decision(
                det.body,
                act.time,
                DecisionStatus.adopted,
                act.time,
                "no procedure named: taken as made at activation",
            )
        else:
            decision = decide(
                self.a, proc, act.time, self.acts, self.as_of, body_members, self.assume_votes
            )
        when = decision.time if decision.status is DecisionStatus.adopted else None
        needed = det.min_attribution
        if needed is not None and act.attribution is not None and act.attribution < needed:
            found = self.acts.find(
                {"attribution_established"}, None, {det.id, act.trigger}, act.time, self.as_of
            )
            if found:
                notes.append(
                    f"attribution established by {found[0].party} on {found[0].time:%Y-%m-%d}"
                )
                when = None if when is None else max(when, found[0].time)
            elif det.conditional_invocation:
                notes.append(
                    f"conditional invocation: attribution {act.attribution:.2f} < {needed:.2f} required; "
                    "invoked conditionally, measures wait for attribution"
                )
                decision = Decision(
                    decision.procedure, act.time, DecisionStatus.conditional, None, decision.explanation
                )
                when = None
            else:
                notes.append(
                    f"cannot be determined: attribution {act.attribution:.2f} < {needed:.2f} required"
                )
                decision = Decision(
                    decision.procedure,
                    act.time,
                    DecisionStatus.blocked,
                    None,
                    "attribution below the determination's minimum",
                )
                when = None
        decision = replace(decision, attribution=act.attribution, required=needed)
        self.decisions.append((det.id, act.trigger, decision))
        due = det.within.add_to(act.time) if det.within else None
        for party in sorted(self.a.expand(body_members)):
            made = self.acts.find({"determination_made"}, {party}, {det.id}, act.time, self.as_of)
            done = made[0].time if made else when
            self.add(
                Owed(
                    det.id,
                    party,
                    "determine",
                    f"{det.body}: determination under {decision.procedure}",
                    act.trigger,
                    act.level,
                    act.time,
                    due,
                    status_of(act.time, due, done, self.as_of),
                    notes=[decision.explanation, *notes],
                )
            )
        return det, when, notes

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
    ) -> tuple[datetime | None, list[str]]:
        earliest: datetime | None = None
        notes: list[str] = []
        for pid in procedure_ids:
            try:
                proc = self.a.procedure(pid)
            except KeyError:
                continue
            for gate in proc.gates:
                if gate.party != party:
                    continue
                voted = self.acts.find({"approval_voted"}, {party}, {gate.body}, opened, self.as_of)
                ready = voted[0].time if voted else gate.expected_delay.add_to(opened)
                how = "voted" if voted else f"expected after {gate.expected_delay}"
                notes.append(f"approval gate {gate.body}: {how}")
                earliest = ready if earliest is None else max(earliest, ready)
        return earliest, notes

    def obligation(
        self, ob: Obligation, act: Activation, det_time: datetime | None, det_pending: bool
    ) -> None:
        upon = getattr(ob.opened_by, "upon", None) or getattr(ob.opened_by, "on", "trigger")
        parties = sorted(self.a.expand(ob.party))
        requests = self.acts.find(
            {"request"},
            set(self.a.expand(ob.at_request_of)) if ob.at_request_of else None,
            {ob.id},
            act.time - timedelta(days=1),  # from the start of the activation's evidence day
            self.as_of,
        )
        request_time = (
            requests[0].time if requests else (act.time if self.assume_requests else None)
        )
        opened: datetime | None
        notes: list[str] = []
        if upon == "determination":
            opened = det_time
            if opened is None:
                notes.append(
                    "waits for the determination"
                    + (" (pending attribution)" if det_pending else "")
                )
        elif upon == "request":
            opened = request_time
        else:
            opened = act.time
        if ob.at_request_of and not requests and self.assume_requests and upon == "request":
            notes.append("ASSUMED: requested at activation")
        due: datetime | None = None
        if ob.deadline is not None and opened is not None:
            anchor = {"request": request_time, "determination": det_time}.get(
                ob.deadline.from_, opened
            )
            if anchor is None and ob.deadline.from_ == "request" and self.assume_requests:
                anchor = act.time
            if anchor is not None:
                due = ob.deadline.within.add_to(anchor, ob.deadline.clock)
                if ob.deadline.where_possible:
                    notes.append("deadline softened: 'where possible'")
        for party in parties:
            kind = DISCHARGING_ACT.get(ob.action.value, "done")
            acts = (
                self.acts.find({kind, "done"}, {party}, {ob.id}, opened, self.as_of)
                if opened
                else []
            )
            breach = bool(self.acts.find({"breach"}, {party}, {ob.id}, act.time, self.as_of))
            if ob.modality is Modality.must_not:
                status = "breached" if breach else "met"
            else:
                done = acts[0].time if acts else None
                if done is None and ob.action.value == "determine" and upon != "determination":
                    done = det_time  # the body's adopted determination discharges it
                status = status_of(opened, due, done, self.as_of, breach)
            self.add(
                Owed(
                    ob.id,
                    party,
                    ob.action.value,
                    ob.what,
                    act.trigger,
                    act.level,
                    opened,
                    due,
                    status,
                    notes=list(notes),
                )
            )

    def ladder(self, act: Activation, det_id: str | None, det_time: datetime | None) -> None:
        for step in self.a.ladder.steps:
            if step.triggers and act.trigger not in step.triggers:
                continue
            if (
                step.at_level is not None
                and LEVEL_ORDER[Level(act.level)] < LEVEL_ORDER[step.at_level]
            ):
                continue
            needs_det = det_id is not None and det_id in step.preconditions
            opened = det_time if needs_det else act.time
            notes = ["waits for the determination"] if needs_det and det_time is None else []
            due = step.within.add_to(opened) if step.within and opened else None
            procs = [p for p in [step.procedure] if p]
            for party in sorted(self.a.expand(step.must)):
                earliest, gate_notes = (
                    self.gate_delay(party, procs, opened) if opened else (None, [])
                )
                extra = list(gate_notes)
                if earliest is not None and due is not None and earliest > due:
                    extra.append(
                        f"the gate makes the deadline unreachable by {(earliest - due).days} day(s)"
                    )
                kinds = {"done", "sanctions_adopted"} if step.sanctions is not None else {"done"}
                done = (
                    self.acts.find(kinds, {party}, {step.id}, opened, self.as_of)
                    if opened
                    else []
                )
                self.add(
                    Owed(
                        step.id,
                        party,
                        step.action,
                        step.action,
                        act.trigger,
                        act.level,
                        opened,
                        due,
                        status_of(opened, due, done[0].time if done else None, self.as_of),
                        earliest,
                        notes + extra,
                    )
                )


def build_timeline(
    agreement: Agreement,
    activations: list[Activation],
    acts: ActLog | None = None,
    as_of: datetime | None = None,
    assume_requests: bool = True,
    assume_votes: bool = True,
) -> Timeline:
    """Open what each activation opens, in time order, and give each duty its status as of `as_of`."""
    log = acts or ActLog()
    end = as_of or (
        max((a.time for a in activations), default=datetime.now(UTC)) + timedelta(days=1)
    )
    b = _Builder(agreement, log, end, assume_requests, assume_votes)
    for act in sorted(activations, key=lambda x: (x.time, x.trigger)):
        rank = LEVEL_ORDER[Level(act.level)]
        related = [
            o
            for o in agreement.obligations
            if o.opened_by.trigger == act.trigger
            and (o.opened_by.level is None or LEVEL_ORDER[o.opened_by.level] <= rank)
        ]
        needs_det = rank == LEVEL_ORDER[Level.invoke] or any(
            getattr(o.opened_by, "upon", None) == "determination" for o in related
        )
        det_id: str | None = None
        det_time: datetime | None = act.time
        pending = False
        if needs_det:
            det, det_time, notes = b.determine(act)
            det_id = det.id if det else None
            decided = [d for d_id, _t, d in b.decisions if d_id == det_id]
            pending = bool(decided) and decided[-1].status is DecisionStatus.conditional
        for ob in related:
            b.obligation(ob, act, det_time, pending)
        b.ladder(act, det_id, det_time)
    b.owed.sort(key=lambda o: (o.opened or end, o.due or end, o.source, o.party))
    return Timeline(b.owed, b.decisions, end)
