"""Routes of the `flows` tag: pledges, allocations, deliveries, and the recipient's confirmation."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, HTTPException
from pydantic import ValidationError
from starlette.responses import Response

from guarantor.api.auth import Member, check_writer
from guarantor.api.bodies import StrictJSONRoute
from guarantor.api.schemas import ConfirmationWrite, FlowWrite, SeqPath, WriteResult
from guarantor.api.writes import new_record, own_record, write
from guarantor.ledger import chain
from guarantor.ledger.records import Flow, Kind

router = APIRouter(tags=["flows"], route_class=StrictJSONRoute)


def _flow_endpoint(path: str, kind: Kind, text: str) -> None:
    def handler(c: Member, body: FlowWrite) -> Response:
        body.party = check_writer(c.who, kind, body.party)
        if body.flow.supersedes is not None:
            own_record(c.state, c.who, body.flow.supersedes, (kind.value,))
        refs = tuple(x for x in (body.flow.supersedes,) if x)
        return write(c.state, new_record(kind, body, body.flow.payload(), refs=refs))

    handler.__doc__ = text
    router.post(path, response_model=WriteResult, status_code=201, name=f"post_{kind.value}")(
        handler
    )


_flow_endpoint(
    "/v1/pledges", Kind.commitment, "Record the party's own pledge (commitment) (guarantor)."
)
_flow_endpoint("/v1/allocations", Kind.allocation, "Record the party's own allocation (guarantor).")
_flow_endpoint("/v1/deliveries", Kind.delivery, "Record the party's own delivery (guarantor).")


@router.post("/v1/deliveries/{seq}/confirmation", response_model=WriteResult, status_code=201)
def confirm(c: Member, seq: SeqPath, body: ConfirmationWrite) -> Response:
    """Confirm receipt of a delivery made to the calling party (beneficiary): a verified delivery."""
    who = c.who
    body.party = check_writer(who, Kind.verified_delivery, body.party)
    rec = chain.get_record(c.state.engine, seq)
    if rec is None or rec.kind != Kind.delivery:
        raise HTTPException(404, f"no delivery with seq {seq}")
    data = rec.data()
    if not isinstance(data, dict):
        raise HTTPException(409, f"delivery {seq} has no readable content to confirm")
    if not who.is_party(data.get("recipient")):
        raise HTTPException(
            403, f"delivery {seq} was made to {data.get('recipient')!r}, not to {who.party!r}"
        )
    try:
        flow = Flow.model_validate(
            {
                **{k: v for k, v in data.items() if k != "supersedes"},
                "value_eur": Decimal(body.value_eur)
                if body.value_eur is not None
                else data.get("value_eur"),
                "source": f"receipt confirmed by {who.party}",
            }
        )
    except ValidationError as exc:
        raise HTTPException(
            422, f"delivery {seq} cannot be confirmed: {exc.errors()[0]['msg']}"
        ) from None
    payload = flow.payload()
    if body.note:
        payload["note"] = body.note
    return write(
        c.state,
        new_record(
            Kind.verified_delivery, body, payload, key=f"confirm/{seq}/{who.party}", refs=(seq,)
        ),
    )
