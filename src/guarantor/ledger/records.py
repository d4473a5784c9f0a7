"""Record kinds and typed payloads: commitments → allocations → deliveries → verified deliveries, and the rest."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from guarantor.ledger.chain import NewRecord


class Kind(StrEnum):
    """The kinds of record the ledger holds; other rooms may append their own kinds too."""

    commitment = "commitment"
    allocation = "allocation"
    delivery = "delivery"
    verified_delivery = "verified_delivery"
    party_profile = "party_profile"
    agreement_version = "agreement_version"
    event = "event"
    activation = "activation"
    obligation = "obligation"
    act = "act"
    determination = "determination"
    plan = "plan"
    import_run = "import"


FLOW_KINDS: tuple[Kind, ...] = (
    Kind.commitment,
    Kind.allocation,
    Kind.delivery,
    Kind.verified_delivery,
)


class AidCategory(StrEnum):
    """Aid categories as the Kiel tracker has them; `unspecified` for commitments it does not split."""

    military = "military"
    financial = "financial"
    humanitarian = "humanitarian"
    unspecified = "unspecified"


PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def format_decimal(value: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros (one text per value)."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


class Flow(BaseModel):
    """A commitment, allocation, delivery or verified delivery by one party: what, how much, worth what, when, says who."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: AidCategory
    capability: str | None = Field(
        None, max_length=200, description="e.g. 'air defence', 'Howitzers'"
    )
    quantity: Decimal | None = Field(None, ge=0, max_digits=30, decimal_places=6)
    unit: str | None = Field(None, max_length=50)
    value_eur: Decimal = Field(ge=0, max_digits=30, decimal_places=6, description="value in EUR")
    valuation_method: str = Field(min_length=1, max_length=300)
    period: str = Field(description="month the flow belongs to, YYYY-MM")
    date: dt.date | None = None
    recipient: str = Field("Ukraine", min_length=1, max_length=128)
    source: str = Field(min_length=1, max_length=500)
    supersedes: int | None = Field(
        None, ge=1, description="seq of this party's record that this one corrects"
    )

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if not PERIOD_RE.match(value):
            raise ValueError("period must be YYYY-MM")
        return value

    def payload(self) -> dict[str, Any]:
        """The canonical payload (decimals as plain text, absent fields left out)."""
        out: dict[str, Any] = {}
        for name, value in self.model_dump(mode="python", exclude_none=True).items():
            if isinstance(value, Decimal):
                out[name] = format_decimal(value)
            elif isinstance(value, dt.date):
                out[name] = value.isoformat()
            else:
                out[name] = str(value) if isinstance(value, StrEnum) else value
        return out


def flow_record(
    kind: Kind, party: str, flow: Flow, *, key: str | None = None, refs: tuple[int, ...] = ()
) -> NewRecord:
    """A record of one flow by a party."""
    if kind not in FLOW_KINDS:
        raise ValueError(f"{kind} is not a flow kind")
    extra = (
        (flow.supersedes,) if flow.supersedes is not None and flow.supersedes not in refs else ()
    )
    return NewRecord(
        kind=str(kind), party=party, payload=flow.payload(), refs=refs + extra, key=key
    )


def commitment(party: str, flow: Flow, *, key: str | None = None) -> NewRecord:
    """A party's commitment (pledge)."""
    return flow_record(Kind.commitment, party, flow, key=key)


def allocation(
    party: str, flow: Flow, *, key: str | None = None, refs: tuple[int, ...] = ()
) -> NewRecord:
    """A party's allocation (aid earmarked for delivery), optionally referring to its commitment."""
    return flow_record(Kind.allocation, party, flow, key=key, refs=refs)


def delivery(
    party: str, flow: Flow, *, key: str | None = None, refs: tuple[int, ...] = ()
) -> NewRecord:
    """A party's delivery, optionally referring to its allocation."""
    return flow_record(Kind.delivery, party, flow, key=key, refs=refs)


def verified_delivery(
    recipient: str, delivery_seq: int, flow: Flow, *, key: str | None = None
) -> NewRecord:
    """The recipient's confirmation of receipt of a delivery (the record belongs to the recipient)."""
    return flow_record(Kind.verified_delivery, recipient, flow, key=key, refs=(delivery_seq,))


def party_profile(
    party: str, *, iso: str | None, gdp_eur_bn: Decimal | None, source: str, key: str | None = None
) -> NewRecord:
    """Facts about a party used by summaries (ISO code, GDP in EUR bn)."""
    payload: dict[str, Any] = {"name": party, "source": source}
    if iso:
        payload["iso"] = iso
    if gdp_eur_bn is not None:
        payload["gdp_eur_bn"] = format_decimal(gdp_eur_bn)
    return NewRecord(kind=str(Kind.party_profile), party=party, payload=payload, key=key)
