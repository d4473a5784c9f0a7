"""Routes of the `records` tag: events, activations, obligations, determinations, plans, acts, corrections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import ValidationError
from starlette.responses import Response

from guarantor.api.auth import Member, check_writer
from guarantor.api.bodies import StrictJSONRoute, validation_errors
from guarantor.api.schemas import ActWrite, CorrectionWrite, GenericWrite, SeqPath, WriteResult
from guarantor.api.writes import new_record, own_record, write, write_async
from guarantor.ledger.records import FLOW_KINDS, Flow, Kind

router = APIRouter(tags=["records"], route_class=StrictJSONRoute)


def _generic(kind: Kind, summary_text: str) -> None:
    async def handler(c: Member, body: GenericWrite) -> Response:
        body.party = check_writer(c.who, kind, body.party)
        return await write_async(c.state, new_record(kind, body, body.payload))

    handler.__doc__ = summary_text
    router.post(
        f"/v1/{kind.value}s", response_model=WriteResult, status_code=201, name=f"post_{kind.value}"
    )(handler)


_generic(Kind.event, "Ingest an observed event (monitor).")
_generic(Kind.activation, "Record a trigger activation with its evidence (monitor).")
_generic(Kind.obligation, "Record an obligation that follows from an activation (commission).")
_generic(Kind.determination, "Record a determination (commission).")
_generic(Kind.plan, "Record a response plan (commission).")


@router.post("/v1/acts", response_model=WriteResult, status_code=201)
async def post_act(c: Member, body: ActWrite) -> Response:
    """Record an act by the party itself, e.g. consultation_requested (beneficiary), consultation_held."""
    body.party = check_writer(c.who, Kind.act, body.party)
    return await write_async(c.state, new_record(Kind.act, body, {**body.payload, "act": body.act}))


@router.post("/v1/records/{seq}/corrections", response_model=WriteResult, status_code=201)
def correct(c: Member, seq: SeqPath, body: CorrectionWrite) -> Response:
    """Correct one of the party's own records: a new record that supersedes it (the old one stays)."""
    old = own_record(c.state, c.who, seq)
    body.party = check_writer(c.who, old.kind, body.party)
    payload: dict[str, Any] = {**body.payload, "supersedes": seq}
    if old.kind in FLOW_KINDS:
        try:
            payload = Flow.model_validate(payload).payload()
        except ValidationError as exc:
            raise HTTPException(422, validation_errors(exc.errors())) from None
    return write(c.state, new_record(old.kind, body, payload, refs=(seq,)))
