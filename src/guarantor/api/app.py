"""The FastAPI application: routers per tag (service, ledger, agreements, records, flows), the
shared state and access as dependencies, strict bodies, safe errors and `/metrics`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from guarantor import __version__
from guarantor.api import (
    routes_agreements,
    routes_flows,
    routes_ledger,
    routes_records,
    routes_service,
)
from guarantor.api.auth import WRITERS
from guarantor.api.bodies import install_error_handlers
from guarantor.api.limits import BodySizeLimit
from guarantor.api.metrics import Metrics, MetricsMiddleware
from guarantor.api.state import State
from guarantor.ledger.scopes import RESTRICTED_KINDS, VIEWS, ScopeView, Visibility

MAX_BODY_BYTES = 1 << 20

__all__ = ["MAX_BODY_BYTES", "WRITERS", "create_app"]

# What the public views are, in words; the scope table in guarantor.ledger.scopes decides which.
PUBLIC_ROUTES: dict[ScopeView, str] = {
    ScopeView.health: "`/health`",
    ScopeView.api_description: "`/openapi.json` and `/docs`",
    ScopeView.dashboard_app: "the dashboard's page `/` and `/assets`",
    ScopeView.dashboard_map: "the dashboard's map layers (`/v1/dashboard/status`, `config`, "
    "`snapshots/{index}`, `border`, `evidence`, `evidence/{id}`), drawn from open sources",
    ScopeView.dashboard_whatif: "the dashboard's what-if (`POST /v1/dashboard/whatif`) on its "
    "public agreement, one at a time without a token (the tasking only with one)",
}
assert set(PUBLIC_ROUTES) == {v for v, level in VIEWS.items() if level == Visibility.public}
PUBLIC = ", ".join(PUBLIC_ROUTES.values())

DESCRIPTION = (
    "Multilateral security guarantees: agreements, events, activations, obligations, acts, "
    "pledges, deliveries and plans, in a hash-chained ledger.\n\n"
    f"**Public (no token):** {PUBLIC}. **Every other route needs** "
    "`Authorization: Bearer <token>`; a token belongs to one party and has one role, and writes "
    "only that party's records.\n\n"
    "**What a token reads:** every record and summary, except "
    f"{' and '.join(sorted(k + 's' for k in RESTRICTED_KINDS))}: those are read by the "
    "commission, monitor and observer roles, by the party that wrote them and by the parties "
    "they name (`party`, `parties`, `tasking[].party`); to anyone else they do not exist (404, "
    "left out of pages and the live feed).\n\n"
    "**Bodies** are plain JSON: NaN, Infinity, numbers that overflow and integers beyond 64 bits "
    "are refused (422), as are payloads nested deeper than 32 levels, larger than 1 MiB, or "
    "holding control characters (see docs/ledger.md). Errors never echo the input."
)


def mount(app: FastAPI, router: APIRouter) -> None:
    """Serve a router's routes as the app's own.

    FastAPI's `include_router` keeps each router as a branch that is matched anew on every request
    (about 10-20 µs a request on this machine, 5-10 % of a cached summary read); the routers here
    carry no prefix or dependencies to add at inclusion, so their routes are served unchanged.
    """
    app.router.routes.extend(router.routes)


def create_app(
    database: str | None = None,
    *,
    engine: Engine | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The API over a ledger database (migrated on start)."""
    from guarantor.ledger.database import open_engine

    state = State(engine if engine is not None else open_engine(database, pool_size=20))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(state.writer.close)  # commit what is queued before exiting

    app = FastAPI(
        lifespan=lifespan, title="guarantor", version=__version__, description=DESCRIPTION
    )
    app.state.guarantor = state
    app.state.metrics = Metrics()
    install_error_handlers(app)
    for module in (routes_service, routes_ledger, routes_agreements, routes_records, routes_flows):
        mount(app, module.router)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    return app
