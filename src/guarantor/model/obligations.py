"""Obligations: party, modality, action, deadline with clock, and what follows."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from guarantor.model.common import Clause, Id, Strict
from guarantor.model.deadline import Deadline
from guarantor.model.enactment import Enactment
from guarantor.model.pledges import Caveat
from guarantor.model.triggers import Level


class Modality(StrEnum):
    """Deontic modality: must, may, must not."""

    must = "must"
    may = "may"
    must_not = "must_not"


class ActionKind(StrEnum):
    """What the obligation is about."""

    consult = "consult"
    meet = "meet"
    determine = "determine"
    attribute = "attribute"
    report = "report"
    verify = "verify"
    notify = "notify"
    assist = "assist"
    deliver = "deliver"
    sanction = "sanction"
    revoke_benefits = "revoke_benefits"
    refrain = "refrain"
    legislate = "legislate"
    other = "other"


class Opening(Strict):
    """What opens an obligation: a trigger at a level, a request, entry into force, or always."""

    trigger: Id | None = None
    level: Level | None = None
    upon: Literal["trigger", "request", "entry_into_force", "determination", "always"] = "trigger"


class Obligation(Clause):
    """A party must / may / must not do something, within a deadline; hence and lest."""

    party: list[Id] = Field(min_length=1, description="Parties bound (ids, or groups).")
    modality: Modality
    action: ActionKind
    what: str = Field(description="The act in plain words.")
    opened_by: Opening = Field(default_factory=lambda: Opening(upon="always"))
    deadline: Deadline | None = None
    venue: str | None = Field(default=None, description="Where, for meetings and consultations.")
    at_request_of: list[Id] = Field(default_factory=list)
    monitored_by: Id | None = Field(
        default=None, description="Monitoring arrangement that checks it."
    )
    hence: list[Id] = Field(default_factory=list, description="Clauses that follow on compliance.")
    lest: list[Id] = Field(default_factory=list, description="Clauses that follow on breach.")
    on_breach: str | None = None
    caveats: list[Caveat] = Field(
        default_factory=list,
        description=(
            "Reservations of some of the parties bound (e.g. Art. 42(7) TEU: 'shall not prejudice "
            "the specific character of the security and defence policy of certain Member States')."
        ),
    )
    enactment: Enactment | None = Field(
        default=None,
        description="The steps by which the party writes the commitment into its own law.",
    )


__all__ = ["ActionKind", "Deadline", "Modality", "Obligation", "Opening"]
