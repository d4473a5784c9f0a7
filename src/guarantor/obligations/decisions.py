"""Decision procedures over time: when a determination is adopted, blocked, or still waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from guarantor.model import Agreement
from guarantor.model.decisions import (
    Consensus,
    DecisionProcedure,
    EachParty,
    QualifiedMajority,
    Silence,
    UnilateralAfterConsultation,
)
from guarantor.model.determination import Determination
from guarantor.sources.acts import ActLog


class DecisionStatus(StrEnum):
    """Where a decision stands."""

    adopted = "adopted"
    blocked = "blocked"
    pending = "pending"
    conditional = "conditional"  # invoked conditionally, pending attribution


@dataclass(frozen=True)
class Decision:
    """The outcome of a procedure opened at `opened`: adopted (at `time`), blocked, or pending."""

    procedure: str
    opened: datetime
    status: DecisionStatus
    time: datetime | None
    explanation: str
    attribution: float | None = None  # the activation's attribution confidence
    required: float | None = None  # the determination's min_attribution
    assumed: bool = False  # taken as adopted because no votes were recorded


def procedure_of(agreement: Agreement, determination: Determination) -> DecisionProcedure | None:
    """The procedure a determination is taken under: its own, else its body's."""
    proc_id = determination.procedure
    if proc_id is None:
        try:
            proc_id = agreement.body(determination.body).procedure
        except KeyError:
            proc_id = None
    if proc_id is None:
        return None
    try:
        return agreement.procedure(proc_id)
    except KeyError:
        return None


def decide(
    agreement: Agreement,
    procedure: DecisionProcedure,
    opened: datetime,
    acts: ActLog,
    as_of: datetime,
    members: list[str],
    assume_votes: bool = False,
) -> Decision:
    """Run a procedure from `opened` against the recorded acts, as of `as_of`.

    With `assume_votes` (replays, where no votes were ever cast), a consensus or majority
    with no objection recorded is taken as adopted at its time limit (or at once if none).
    """
    who = set(agreement.expand(procedure.members or members))
    refs = {procedure.id}
    if isinstance(procedure, Silence):
        deadline = procedure.objection_window.add_to(opened)
        objections = acts.find({"objection_lodged"}, who, refs, opened, deadline)
        if objections:
            first = objections[0]
            return Decision(
                procedure.id,
                opened,
                DecisionStatus.blocked,
                None,
                f"{first.party} broke silence on {first.time:%Y-%m-%d %H:%M}Z",
            )
        if as_of < deadline:
            return Decision(
                procedure.id,
                opened,
                DecisionStatus.pending,
                deadline,
                f"adopted at {deadline:%Y-%m-%d %H:%M}Z unless a member objects",
            )
        return Decision(
            procedure.id,
            opened,
            DecisionStatus.adopted,
            deadline,
            f"silence procedure: no objection within {procedure.objection_window}",
        )
    if isinstance(procedure, UnilateralAfterConsultation):
        window = procedure.consultation_window
        when = window.add_to(opened) if window is not None else opened
        held = acts.find({"consultation_held"}, None, refs | {procedure.decider}, opened, None)
        if held:
            when = max(opened, held[0].time)
        status = DecisionStatus.adopted if when <= as_of else DecisionStatus.pending
        return Decision(
            procedure.id, opened, status, when, f"{procedure.decider} decides after consultation"
        )
    if isinstance(procedure, EachParty):
        return Decision(
            procedure.id, opened, DecisionStatus.adopted, opened, "each party decides for itself"
        )
    votes = acts.find({"approval_voted"}, who, refs, opened, as_of)
    objections = acts.find({"objection_lodged"}, who, refs, opened, as_of)
    voters = {v.party for v in votes}
    limit = procedure.decides_within.add_to(opened) if procedure.decides_within else None
    if isinstance(procedure, Consensus):
        if objections:
            return Decision(
                procedure.id,
                opened,
                DecisionStatus.blocked,
                None,
                f"{objections[0].party} objected (consensus)",
            )
        if voters >= who:
            return Decision(
                procedure.id,
                opened,
                DecisionStatus.adopted,
                max(v.time for v in votes),
                "consensus of all members",
            )
        missing = ", ".join(sorted(who - voters))
        if assume_votes:
            return _assumed(procedure.id, opened, limit, as_of)
        return Decision(
            procedure.id, opened, DecisionStatus.pending, limit, f"consensus needs {missing}"
        )
    if isinstance(procedure, QualifiedMajority):
        vetoed = [o for o in objections if o.party in procedure.veto]
        if vetoed:
            return Decision(
                procedure.id, opened, DecisionStatus.blocked, None, f"veto by {vetoed[0].party}"
            )
        weight = {m: procedure.weights.get(m, 1.0) for m in who}
        total = sum(weight.values()) or 1.0
        share = 0.0
        for vote in votes:
            share += weight.get(vote.party, 0.0) / total
            if share >= procedure.threshold:
                return Decision(
                    procedure.id,
                    opened,
                    DecisionStatus.adopted,
                    vote.time,
                    f"{share:.0%} of weight voted (threshold {procedure.threshold:.0%})",
                )
        if assume_votes:
            return _assumed(procedure.id, opened, limit, as_of)
        return Decision(
            procedure.id,
            opened,
            DecisionStatus.pending,
            limit,
            f"{share:.0%} of weight so far, {procedure.threshold:.0%} needed",
        )
    return Decision(procedure.id, opened, DecisionStatus.pending, None, "unknown procedure")


def _assumed(proc: str, opened: datetime, limit: datetime | None, as_of: datetime) -> Decision:
    when = limit or opened
    status = DecisionStatus.adopted if when <= as_of else DecisionStatus.pending
    return Decision(
        proc,
        opened,
        status,
        when,
        "ASSUMED: every member approves by the time limit (no votes recorded)",
        assumed=True,
    )
