"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from guarantor.cleantext import text_problem
from guarantor.ledger.chain import MAX_SEQ
from guarantor.ledger.records import Flow


def _clean(value: str) -> str:
    """Running text: valid Unicode without control characters (guarantor.cleantext)."""
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _clean_name(value: str) -> str:
    """A name or key: no control, line-break or bidi-override characters either."""
    problem = text_problem(value, name=True)
    if problem is not None:
        raise ValueError(problem)
    return value


Name = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_clean_name)]
Key = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_name)]
Signature = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean_name)]
Seq = Annotated[int, Field(ge=1, le=MAX_SEQ)]
SeqPath = Annotated[int, Path(ge=1, le=MAX_SEQ, description="A record's seq.")]


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
    version: (
        Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_clean_name)] | None
    ) = None


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
    payload_problem: str | None = Field(
        None,
        description="Only on a record stored before today's rules that breaks them: why "
        "(its payload is then null and payload_text holds the stored text).",
    )
    payload_text: str | None = Field(
        None, description="The stored payload text, when payload_problem is given."
    )


class WriteResult(BaseModel):
    """The record a write produced (or found, for a repeated idempotency key)."""

    record: RecordOut
    created: bool


class Page(BaseModel):
    """A page of records; pass `next_after` as `after` to get the next page."""

    records: list[RecordOut]
    next_after: int | None
