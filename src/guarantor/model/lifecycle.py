"""Entry into force, lifecycle state machine, term, renewal, notice and sunset."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from guarantor.model.common import Clause, Duration, Id, Strict


class Status(StrEnum):
    """Lifecycle states: drafted → signed → ratified (per party) → active → suspended/terminated."""

    drafted = "drafted"
    signed = "signed"
    ratified = "ratified"
    active = "active"
    suspended = "suspended"
    terminated = "terminated"


ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.drafted: frozenset({Status.signed, Status.terminated}),
    Status.signed: frozenset({Status.ratified, Status.active, Status.terminated}),
    Status.ratified: frozenset({Status.active, Status.terminated}),
    Status.active: frozenset({Status.suspended, Status.terminated}),
    Status.suspended: frozenset({Status.active, Status.terminated}),
    Status.terminated: frozenset(),
}


def can_move(current: Status, to: Status) -> bool:
    """True when the lifecycle may go from `current` to `to`."""
    return to in ALLOWED_TRANSITIONS[current]


class BindingNature(StrEnum):
    """How binding the text is."""

    legally_binding = "legally_binding"
    treaty = "treaty"
    executive_agreement = "executive_agreement"
    politically_binding = "politically_binding"
    declaration_of_intent = "declaration_of_intent"
    proposal = "proposal"


class PartyStatus(Strict):
    """Where one party stands: signed on, ratified on, through which procedure."""

    party: Id
    signed: date | None = None
    ratified: date | None = None
    procedure: str | None = Field(
        default=None, description="e.g. 'Senate advice and consent', 'no ratification required'"
    )
    note: str | None = None


class EntryIntoForce(Clause):
    """When the guarantee enters into force (not to be confused with a trigger's activation)."""

    condition: str = Field(description="e.g. 'once a ceasefire enters into force', 'on signature'")
    effective: date | None = Field(default=None, description="Date in force, when known.")


class Term(Clause):
    """Duration, renewal and exit."""

    duration: Duration | None = None
    renewal: str | None = Field(default=None, description="e.g. 'by mutual written agreement'")
    notice_period: Duration | None = Field(
        default=None, description="Termination takes effect this long after written notice."
    )
    sunset: str | None = Field(
        default=None, description="e.g. 'on the beneficiary's NATO accession'"
    )


class Lifecycle(Strict):
    """The lifecycle of the agreement as a whole."""

    status: Status = Status.drafted
    entry_into_force: EntryIntoForce | None = None
    term: Term | None = None
    parties: list[PartyStatus] = Field(default_factory=list)

    def move(self, to: Status) -> Lifecycle:
        """A copy in state `to`; raises ValueError for a transition the state machine forbids."""
        if not can_move(self.status, to):
            allowed = ", ".join(sorted(s.value for s in ALLOWED_TRANSITIONS[self.status])) or "none"
            raise ValueError(
                f"cannot go from {self.status.value} to {to.value}; allowed: {allowed}"
            )
        return self.model_copy(update={"status": to})
