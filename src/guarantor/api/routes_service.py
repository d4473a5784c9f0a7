"""Routes of the `service` tag: liveness, the caller's identity, metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from guarantor import __version__
from guarantor.api.auth import Caller, members, public
from guarantor.api.bodies import StrictJSONRoute
from guarantor.api.metrics import Metrics
from guarantor.api.state import AppState
from guarantor.ledger import chain
from guarantor.ledger.scopes import ScopeView

router = APIRouter(tags=["service"], route_class=StrictJSONRoute)

public(ScopeView.health)


@router.get("/health")
def health(state: AppState) -> dict[str, Any]:
    """Liveness and the chain head (public: no token needed)."""
    seq, digest = chain.head(state.engine)
    return {"ok": True, "head": {"seq": seq, "hash": digest}, "version": __version__}


@router.get("/v1/me")
def me(c: Caller = members(ScopeView.me)) -> dict[str, str]:
    """The party and role of the calling token."""
    return {"party": c.who.party, "role": c.who.role.value}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(request: Request, _c: Caller = members(ScopeView.metrics)) -> Response:
    """Request counts, latencies and errors per route (Prometheus text format; any token)."""
    collected: Metrics = request.app.state.metrics
    body = await run_in_threadpool(collected.text)
    return Response(body, media_type=collected.content_type)
