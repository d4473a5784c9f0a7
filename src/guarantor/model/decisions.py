"""Decision procedures and per-party approval gates."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from guarantor.model.common import Clause, Duration, Id, Strict


class ApprovalGate(Strict):
    """A national step before a party may act (parliamentary vote, congressional authorisation)."""

    party: Id
    body: str = Field(description="e.g. 'UK House of Commons', 'US Congress'")
    kind: Literal[
        "parliamentary_vote", "congressional_authorisation", "appropriation", "cabinet", "other"
    ] = "parliamentary_vote"
    expected_delay: Duration = Field(description="Typical time from request to approval.")
    max_delay: Duration | None = None
    note: str | None = None


class ProcedureBase(Clause):
    """Fields every decision procedure has."""

    members: list[Id] = Field(
        default_factory=list, description="Who takes part; empty means the body's members."
    )
    decides_within: Duration | None = Field(
        default=None, description="Time limit for a decision, when the text sets one."
    )
    gates: list[ApprovalGate] = Field(default_factory=list)


class Consensus(ProcedureBase):
    """Adopted only when no member objects: every member holds a veto."""

    kind: Literal["consensus"]
    reservations_allowed: bool = Field(
        default=False, description="Members may join consensus with explicit reservations."
    )
    unanimity: bool = Field(
        default=False,
        description=(
            "A formal vote in which every member must agree (EU Council unanimity, e.g. CFSP "
            "sanctions): any member's vote against blocks it, while an abstention does not "
            "(Art. 31(1) TEU). False: consensus without votes (NATO)."
        ),
    )


class Silence(ProcedureBase):
    """Adopted unless a member breaks silence before the objection deadline."""

    kind: Literal["silence"]
    objection_window: Duration


class UnilateralAfterConsultation(ProcedureBase):
    """One party decides after consulting the others (e.g. the US President under the 2025 draft)."""

    kind: Literal["unilateral_after_consultation"]
    decider: Id
    consult: list[Id] = Field(default_factory=list)
    consultation_window: Duration | None = None


class QualifiedMajority(ProcedureBase):
    """Adopted by a qualified majority of members (weights optional), with optional vetoes."""

    kind: Literal["qualified_majority"]
    threshold: float = Field(gt=0, le=1, description="Share of weight needed, e.g. 0.6.")
    weights: dict[Id, float] = Field(default_factory=dict)
    veto: list[Id] = Field(default_factory=list)


class EachParty(ProcedureBase):
    """Each party decides for itself ('such action as it deems necessary')."""

    kind: Literal["each_party"]


DecisionProcedure = Annotated[
    Consensus | Silence | UnilateralAfterConsultation | QualifiedMajority | EachParty,
    Field(discriminator="kind"),
]


def blockers(procedure: DecisionProcedure, members: list[str]) -> set[str]:
    """The parties that can block a decision of this procedure on their own."""
    who = procedure.members or members
    if isinstance(procedure, Consensus):
        return set(who)
    if isinstance(procedure, Silence):
        return set(who)  # any member can break silence
    if isinstance(procedure, QualifiedMajority):
        blocked = set(procedure.veto)
        weights = {m: procedure.weights.get(m, 1.0) for m in who}
        total = sum(weights.values())
        for member, weight in weights.items():
            if total > 0 and (total - weight) / total < procedure.threshold:
                blocked.add(member)
        return blocked
    if isinstance(procedure, UnilateralAfterConsultation):
        return {procedure.decider}
    return set()
