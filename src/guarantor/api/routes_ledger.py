"""Routes of the `ledger` tag: records (as the reader's scope allows), head, verify, summaries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, HTTPException, Query
from starlette.responses import Response

from guarantor.api.auth import Caller, members
from guarantor.api.bodies import StrictJSONRoute
from guarantor.api.schemas import Page, RecordOut, SeqPath
from guarantor.ledger import chain
from guarantor.ledger.chain import MAX_SEQ
from guarantor.ledger.scopes import (
    SUMMARY_KINDS,
    ScopeView,
    readable_record,
    sees_everything,
    visible_records,
)
from guarantor.ledger.summary import FlowReader, split, summarise

router = APIRouter(tags=["ledger"], route_class=StrictJSONRoute)

QueryText = Annotated[str | None, Query(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f]+$")]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"

# summaries read flows and profiles only, which every member may read (guarantor.ledger.scopes)
assert set(FlowReader.KINDS) <= SUMMARY_KINDS


def _json(obj: Any) -> Response:
    return Response(orjson.dumps(obj), media_type="application/json")


@router.get("/v1/records", response_model=Page)
def records(
    c: Caller = members(ScopeView.records),
    kind: QueryText = None,
    party: QueryText = None,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Records in chain order after `after` (cursor pagination), optionally of one kind or party
    (by name or ISO code: `France`, `FRA`, `fr`; an unknown party is a 422); only those the token
    may read (obligations and plans: see the description)."""
    if party is not None:
        from guarantor.ledger.access import resolve_party

        party = resolve_party(c.state.engine, party)
    recs, next_after = visible_records(
        c.state.engine, c.who, kind=kind, party=party, after=after, limit=limit
    )
    return _json({"records": [r.as_dict() for r in recs], "next_after": next_after})


@router.get("/v1/records/{seq}", response_model=RecordOut)
def record(seq: SeqPath, c: Caller = members(ScopeView.record)) -> Response:
    """One record (404 when there is none or it is not the token's to read)."""
    rec = readable_record(c.state.engine, c.who, seq)
    if rec is None:
        raise HTTPException(404, f"no record with seq {seq}")
    return _json(rec.as_dict())


@router.get("/v1/head")
def head(c: Caller = members(ScopeView.head)) -> dict[str, Any]:
    """The chain head (publish it to anchor the ledger)."""
    seq, digest = chain.head(c.state.engine)
    return {"seq": seq, "hash": digest}


@router.get("/v1/verify")
def verify(c: Caller = members(ScopeView.verify)) -> Response:
    """Walk the whole chain: hashes, links, signatures; names the first bad record (records the
    token may not read are named by seq only)."""
    report = chain.verify(c.state.engine).as_dict()
    if not sees_everything(c.who):
        for problem in (*report["problems"], report["first_bad"]):
            if (
                problem is not None
                and readable_record(c.state.engine, c.who, problem["seq"]) is None
            ):
                problem["message"] = f"record {problem['seq']}: {problem['what']}"
    return _json(report)


@router.get("/v1/summary")
async def summary(
    c: Caller = members(ScopeView.summary),
    by: Literal["donor", "group"] = "donor",
    period_from: Annotated[str | None, Query(alias="from", pattern=MONTH)] = None,
    period_to: Annotated[str | None, Query(alias="to", pattern=MONTH)] = None,
    per: Literal["month", "quarter", "year"] | None = None,
) -> Response:
    """Committed vs allocated vs delivered per donor or group (EUR bn), delivery ratio, share of
    GDP; with `per`, one row per period and donor or group."""

    state = c.state

    def build() -> dict[str, Any]:
        rows = summarise(
            state.flows.read(state.engine),
            by=by,
            period_from=period_from,
            period_to=period_to,
            per=per,
        )
        return {
            "by": by,
            "from": period_from,
            "to": period_to,
            "per": per,
            "unit": "EUR bn",
            "rows": rows,
        }

    return Response(
        await state.cached(("summary", by, period_from, period_to, per), build),
        media_type="application/json",
    )


@router.get("/v1/split")
async def split_view(
    c: Caller = members(ScopeView.us_europe_split),
    period: Literal["month", "quarter", "year"] = "year",
) -> Response:
    """US vs Europe allocations per period (EUR bn)."""
    state = c.state

    def build() -> dict[str, Any]:
        return {
            "period": period,
            "unit": "EUR bn",
            "rows": split(state.flows.read(state.engine), period=period),
        }

    return Response(await state.cached(("split", period), build), media_type="application/json")
