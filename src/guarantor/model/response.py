"""The response ladder: ordered options with preconditions, actors and needed capabilities."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from guarantor.model.common import Clause, Duration, Id, SourceRef, Strict
from guarantor.model.triggers import Level


class Where(StrEnum):
    """Where a capability is needed or may be deployed."""

    beneficiary_territory = "beneficiary_territory"
    neighbouring_state = "neighbouring_state"
    at_sea = "at_sea"
    remote = "remote"
    own_territory = "own_territory"


class CapabilityNeed(Strict):
    """A capability a ladder step needs: kind, quantity (or a formula), where, by when."""

    capability: str
    quantity: float | None = Field(default=None, ge=0)
    formula: str | None = Field(
        default=None, description="Quantity from the situation, e.g. 'contact_line_km / 50'."
    )
    unit: str | None = None
    where: Where = Where.beneficiary_territory
    needed_within: Duration | None = None
    priority: int = Field(default=1, ge=1, le=5, description="1 = highest.")
    source: SourceRef | None = Field(
        default=None, description="Provenance of the quantity; the step's own when absent."
    )


class SanctionsMode(StrEnum):
    """What a sanctions step does."""

    impose = "impose"  # new measures
    tighten = "tighten"  # more of the same regime
    snapback = "snapback"  # measures lifted under the deal come back
    maintain = "maintain"  # measures in force are kept (renewed)


class Sanctions(Strict):
    """Sanctions as an instrument of a ladder step: which regime, decided how, with what snapback."""

    mode: SanctionsMode
    regime: str = Field(description="e.g. 'EU restrictive measures against Russia'.")
    decided_by: Id | None = Field(
        default=None,
        description="The decision procedure (e.g. EU Council unanimity); none = by each party.",
    )
    automatic: bool = Field(
        default=False,
        description=(
            "The measures return without a new decision (a true snapback). False: a new "
            "decision under `decided_by` is needed, and whoever can block it can block the snapback."
        ),
    )
    renewal: Duration | None = Field(
        default=None,
        description="The measures lapse unless renewed this often (EU sectoral sanctions: 6 months).",
    )
    relief: str | None = Field(
        default=None, description="The relief the deal grants that a snapback reverses."
    )


class LadderStep(Clause):
    """One rung of the response ladder."""

    order: int = Field(ge=1)
    action: str
    at_level: Level | None = Field(default=None, description="Trigger level that opens this step.")
    triggers: list[Id] = Field(default_factory=list, description="Triggers that open it.")
    preconditions: list[Id] = Field(
        default_factory=list, description="Determinations or earlier steps that must come first."
    )
    must: list[Id] = Field(default_factory=list, description="Parties that must act.")
    may: list[Id] = Field(default_factory=list, description="Parties that may act.")
    through_body: Id | None = Field(default=None, description="Body whose decision it needs.")
    procedure: Id | None = None
    within: Duration | None = None
    needs: list[CapabilityNeed] = Field(default_factory=list)
    sanctions: Sanctions | None = Field(
        default=None, description="For a sanctions step: the regime, procedure and snapback."
    )


class ResponseLadder(Strict):
    """Ordered response options."""

    steps: list[LadderStep] = Field(default_factory=list)
