"""Pledges of contributions, national caveats, and dependencies between pledges."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from guarantor.model.common import Clause, Duration, Id, Strict
from guarantor.model.response import Where


class PledgeStatus(StrEnum):
    """Where a pledge stands; not the same as its provenance grade."""

    committed = "committed"
    proposed = "proposed"
    conditional = "conditional"
    withdrawn = "withdrawn"
    assumed = "assumed"


class Caveat(Strict):
    """A national restriction on a pledge."""

    kind: Literal[
        "no_deployment_in",
        "only_from",
        "subject_to_vote",
        "not_front_line",
        "neutrality",
        "other",
    ]
    where: list[Where] = Field(
        default_factory=list, description="For no_deployment_in / only_from: the places."
    )
    gate: str | None = Field(default=None, description="For subject_to_vote: the body.")
    parties: list[Id] = Field(
        default_factory=list,
        description=(
            "Whose caveat it is, on a clause that binds several parties (an obligation's "
            "neutrality reservation); on a pledge, the pledging party's own when empty."
        ),
    )
    expected_delay: Duration | None = None
    text: str | None = None
    source_note: str | None = None


class Pledge(Clause):
    """A contribution a party pledges."""

    party: Id
    capability: str
    quantity: float = Field(ge=0)
    unit: str | None = None
    readiness: Duration | None = Field(default=None, description="Time to be ready after a call.")
    location: Where = Where.beneficiary_territory
    duration: Duration | None = None
    cost_eur: float | None = Field(default=None, ge=0, description="Cost per year, EUR.")
    status: PledgeStatus = Field(
        default="committed",
        validate_default=True,
        description=(
            "committed (the party bound itself), proposed (offered, not yet bound), conditional, "
            "withdrawn, or assumed (the encoding's placeholder: no party pledged it)."
        ),
    )
    caveats: list[Caveat] = Field(default_factory=list)
    depends_on: list[Id] = Field(
        default_factory=list, description="Pledges that must stand for this one to stand."
    )
    steps: list[Id] = Field(default_factory=list, description="Ladder steps it serves.")
