"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from guarantor.ledger.records import Flow

MAX_SEQ = 2**53  # JSON-safe integer bound; far above any real ledger


def _clean(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and lone surrogates cannot be encoded: refuse both up front.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


Name = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_clean)]
Key = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean)]
Signature = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean)]
Seq = Annotated[int, Field(ge=1, le=MAX_SEQ)]


class Write(BaseModel):
    """Fields every write carries: whose record it is, an optional idempotency key and signature."""

    model_config = ConfigDict(extra="forbid")

    party: Name = Field(description="The writing party; must be the token's party.")
    key: Key | None = Field(
        None, description="Idempotency key: a retry with the same key and content is a no-op."
    )
    signature: Signature | None = Field(
        None, description="base64 Ed25519 signature over the record's signing bytes."
    )
    refs: list[Seq] = Field(
        default_factory=list, max_length=64, description="Seqs of records this one refers to."
    )


class GenericWrite(Write):
    """A record of another room's kind (event, activation, obligation, determination, plan)."""

    payload: dict[str, Any] = Field(description="The record's content, any JSON object.")


class ActWrite(Write):
    """An act such as 'consultation_requested', 'consultation_held' or 'receipt_confirmed'."""

    act: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
    payload: dict[str, Any] = Field(default_factory=dict)


class FlowWrite(Write):
    """A pledge (commitment), allocation or delivery by the writing party."""

    flow: Flow


class ConfirmationWrite(Write):
    """The recipient's confirmation of a delivery (becomes a verified delivery)."""

    value_eur: Annotated[str, Field(pattern=r"^\d{1,24}(\.\d{1,6})?$")] | None = Field(
        None, description="Value received if different from the delivery's (EUR)."
    )
    note: Annotated[str, Field(max_length=2000), AfterValidator(_clean)] | None = None


class CorrectionWrite(Write):
    """A correction of one of the party's own records: the new content, which supersedes the old."""

    payload: dict[str, Any]


class AgreementWrite(Write):
    """A version of an agreement as YAML text (parsed and validated by the spec room)."""

    yaml: Annotated[str, Field(min_length=1, max_length=512_000), AfterValidator(_clean)]
    agreement_id: Name | None = None
    version: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_clean)] | None = (
        None
    )


class RecordOut(BaseModel):
    """A stored record."""

    seq: int
    kind: str
    party: str
    key: str | None
    payload: Any
    refs: list[int]
    signature: str | None
    recorded_at: str
    prev_hash: str
    hash: str


class WriteResult(BaseModel):
    """The record a write produced (or found, for a repeated idempotency key)."""

    record: RecordOut
    created: bool


class Page(BaseModel):
    """A page of records; pass `next_after` as `after` to get the next page."""

    records: list[RecordOut]
    next_after: int | None
