"""Appending through the service: every record is checked before the commit, and the answer is
encoded from the stored record, which always encodes (so no write commits and then fails)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from fastapi import HTTPException
from starlette.responses import Response

from guarantor.api.schemas import Write
from guarantor.api.state import State
from guarantor.ledger import chain
from guarantor.ledger.access import Principal
from guarantor.ledger.chain import NewRecord, StoredRecord, check_record

WRITE_TIMEOUT_SECONDS = 120.0


def new_record(
    kind: str,
    body: Write,
    payload: dict[str, Any],
    *,
    key: str | None = None,
    refs: tuple[int, ...] = (),
) -> NewRecord:
    """The record a write stands for, checked against every rule (422 before anything is queued)."""
    stored_key = key if key is not None else (f"api/{body.party}/{body.key}" if body.key else None)
    record = NewRecord(
        kind=kind,
        party=body.party,
        payload=payload,
        refs=tuple(dict.fromkeys((*body.refs, *refs))),
        key=stored_key,
        signature=body.signature,
    )
    check_record(record)
    return record


def written(stored: StoredRecord, created: bool) -> Response:
    """201 (or 200 when the idempotency key found it) with the record, encoded from the stored row."""
    try:
        body = orjson.dumps({"record": stored.as_dict(), "created": created})
    except (TypeError, orjson.JSONEncodeError):  # never for a checked record; the commit stands
        body = orjson.dumps(
            {"record": {"seq": stored.seq, "hash": stored.hash}, "created": created}
        )
    return Response(body, status_code=201 if created else 200, media_type="application/json")


def write(state: State, record: NewRecord) -> Response:
    """Append through the group-commit writer, from a thread-pool handler."""
    outcome = None
    try:
        outcome = state.writer.submit(record).result(timeout=WRITE_TIMEOUT_SECONDS)
    finally:
        state.wrote(outcome[0].seq if outcome else None)
    return written(*outcome)


async def write_async(state: State, record: NewRecord) -> Response:
    """Append through the group-commit writer without holding a thread-pool thread."""
    outcome = None
    try:
        outcome = await asyncio.wait_for(
            asyncio.wrap_future(state.writer.submit(record)), WRITE_TIMEOUT_SECONDS
        )
    finally:
        state.wrote(outcome[0].seq if outcome else None)
    return written(*outcome)


def own_record(
    state: State, who: Principal, seq: int, kinds: tuple[str, ...] | None = None
) -> StoredRecord:
    """A record of the calling party (404 when there is none, 403 when it is another's)."""
    rec = chain.get_record(state.engine, seq)
    if rec is None or (kinds is not None and rec.kind not in kinds):
        what = " or ".join(kinds) if kinds else "record"
        raise HTTPException(404, f"no {what} with seq {seq}")
    if not who.is_party(rec.party):
        raise HTTPException(
            403, f"record {seq} belongs to {rec.party!r}; {who.party!r} cannot correct it"
        )
    return rec
