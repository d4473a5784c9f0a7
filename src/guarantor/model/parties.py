"""Parties, the roles they hold (with validity dates) and the bodies they sit in."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from guarantor.model.common import Clause, Id, Strict


class PartyKind(StrEnum):
    """What a party is."""

    state = "state"
    organisation = "organisation"
    group = "group"


class Party(Strict):
    """A state, an organisation, or a named group of parties (e.g. the Coalition of the Willing)."""

    id: Id
    name: str
    kind: PartyKind = PartyKind.state
    members: list[Id] = Field(default_factory=list, description="For groups: member party ids.")
    note: str | None = None


class RoleKind(StrEnum):
    """The roles a party can hold under an agreement."""

    guarantor = "guarantor"
    beneficiary = "beneficiary"
    obligor = "obligor"
    adversary = "adversary"
    monitor = "monitor"
    monitor_lead = "monitor_lead"
    commission_member = "commission_member"
    lead_nation = "lead_nation"
    contributor = "contributor"
    depositary = "depositary"
    observer = "observer"


class Role(Strict):
    """A role held by a party, valid from and to a date (open-ended when absent)."""

    party: Id
    role: RoleKind
    valid_from: date | None = None
    valid_to: date | None = None
    note: str | None = None

    def active_on(self, day: date) -> bool:
        """True when the role is held on `day`."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class Body(Clause):
    """A body that decides or determines (North Atlantic Council, Special Commission, UNSC)."""

    name: str
    members: list[Id] = Field(default_factory=list)
    procedure: Id | None = Field(default=None, description="Id of its decision procedure.")
    veto: list[Id] = Field(
        default_factory=list, description="Members who can block any decision on their own."
    )
    venue: str | None = None
