"""Parties, the roles they hold (with validity dates) and the bodies they sit in."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from guarantor.model.common import Clause, Id, Strict


class PartyKind(StrEnum):
    """What a party is."""

    state = "state"
    organisation = "organisation"
    group = "group"


ISO_ALPHA3 = r"^[A-Z]{3}$"


class Party(Strict):
    """A state, an organisation, or a named group of parties (e.g. the Coalition of the Willing)."""

    id: Id
    name: str
    kind: PartyKind = PartyKind.state
    iso: str | None = Field(
        default=None,
        pattern=ISO_ALPHA3,
        description=(
            "ISO 3166-1 alpha-3 code of the state (e.g. GBR), the key analysts join data by "
            "(Kiel tracker, World Bank tables, ledger party profiles). Empty for groups and for "
            "organisations without such a code."
        ),
    )
    members: list[Id] = Field(default_factory=list, description="For groups: member party ids.")
    note: str | None = None

    @field_validator("iso", mode="before")
    @classmethod
    def _iso_alpha3(cls, value: Any, info: ValidationInfo) -> Any:
        """Three capital letters, and only on a state or an organisation (never on a group)."""
        if isinstance(value, str) and not re.fullmatch(ISO_ALPHA3, value):
            raise ValueError(
                "an ISO 3166-1 alpha-3 code is three capital letters (e.g. GBR, FRA, USA)"
            )
        if value is not None and info.data.get("kind") is PartyKind.group:
            raise ValueError("a group has no ISO code of its own; its members carry theirs")
        return value


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
