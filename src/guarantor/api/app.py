"""The FastAPI application: agreements, events, activations, obligations, acts, pledges, deliveries, plans, summaries."""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from guarantor import __version__
from guarantor.api.limits import BodySizeLimit
from guarantor.api.schemas import (
    MAX_SEQ,
    ActWrite,
    AgreementWrite,
    ConfirmationWrite,
    CorrectionWrite,
    FlowWrite,
    GenericWrite,
    Page,
    RecordOut,
    Write,
    WriteResult,
)
from guarantor.errors import UserError
from guarantor.ledger import chain
from guarantor.ledger.access import Principal, TokenRole, authenticate
from guarantor.ledger.chain import LedgerConflict, NewRecord, StoredRecord
from guarantor.ledger.records import FLOW_KINDS, Flow, Kind
from guarantor.ledger.summary import FlowReader, split, summarise
from guarantor.ledger.writer import ChainWriter

MAX_BODY_BYTES = 1 << 20
TOKEN_CACHE_SECONDS = 2.0  # a revoked token stops working within this time
WRITE_TIMEOUT_SECONDS = 120.0
MAX_CACHED_READS = 1024  # distinct summary/split queries kept (each a few kB)
HEAD_CHECK_SECONDS = 0.05  # cached summaries notice other processes' writes within this time

# Which roles may write which kinds of record (always as their own party).
WRITERS: dict[str, frozenset[TokenRole]] = {
    Kind.commitment: frozenset({TokenRole.guarantor}),
    Kind.allocation: frozenset({TokenRole.guarantor}),
    Kind.delivery: frozenset({TokenRole.guarantor}),
    Kind.verified_delivery: frozenset({TokenRole.beneficiary}),
    Kind.event: frozenset({TokenRole.monitor}),
    Kind.activation: frozenset({TokenRole.monitor}),
    Kind.obligation: frozenset({TokenRole.commission}),
    Kind.determination: frozenset({TokenRole.commission}),
    Kind.plan: frozenset({TokenRole.commission}),
    Kind.agreement_version: frozenset({TokenRole.commission}),
    Kind.act: frozenset(
        {TokenRole.guarantor, TokenRole.beneficiary, TokenRole.monitor, TokenRole.commission}
    ),
}

QueryText = Annotated[str | None, Query(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f]+$")]


class State:
    """What the app holds: the engine, a short-lived token cache, and summary caches keyed by chain head."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.tokens: dict[str, tuple[float, Principal | None]] = {}
        self.cache: dict[tuple[Any, ...], tuple[int, bytes]] = {}
        self.head_seq = -1
        self.writer = ChainWriter(engine)
        self.head_checked = -1.0
        self.flows = FlowReader()
        # per event loop (a lock belongs to one loop; test clients may start several)
        self.building: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[tuple[Any, ...], asyncio.Lock]
        ] = weakref.WeakKeyDictionary()

    async def principal(self, secret: str) -> Principal | None:
        """The principal of a token, cached for a couple of seconds (DB lookups off the event loop)."""
        now = time.monotonic()
        hit = self.tokens.get(secret)
        if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
            return hit[1]
        found = await run_in_threadpool(authenticate, self.engine, secret)
        with self.lock:
            if len(self.tokens) > 10_000:
                self.tokens.clear()
            self.tokens[secret] = (now, found)
        return found

    def wrote(self, seq: int | None) -> None:
        """Note a write by this process (its seq, or None when it failed): reads after it see it."""
        with self.lock:
            if seq is None:
                self.head_checked = -1.0  # the outcome is unknown: ask the database next time
            else:
                self.head_seq = max(self.head_seq, seq)

    async def cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> bytes:
        """JSON bytes for a read that depends only on the ledger content, rebuilt when the head moves.

        A write through this process moves the known head at once; the head is re-read from the
        database at most every HEAD_CHECK_SECONDS, so a write by another process shows within that time.
        """
        locks = self.building.setdefault(asyncio.get_running_loop(), {})
        if time.monotonic() - self.head_checked > HEAD_CHECK_SECONDS:
            # one head query at a time: requests arriving meanwhile wait for its answer
            async with locks.setdefault(("head",), asyncio.Lock()):
                started = time.monotonic()
                if started - self.head_checked > HEAD_CHECK_SECONDS:
                    seq = (await run_in_threadpool(chain.head, self.engine))[0]
                    with self.lock:  # the chain only grows: a slow answer must not move it back
                        self.head_seq = max(self.head_seq, seq)
                        self.head_checked = started
        hit = self.cache.get(key)
        if hit is not None and hit[0] == self.head_seq:
            return hit[1]
        # One build per key at a time: requests that miss together wait for it instead of each
        # rebuilding the same answer in the thread pool (a write would otherwise cost N rebuilds).
        async with locks.setdefault(key, asyncio.Lock()):
            hit = self.cache.get(key)
            if hit is not None and hit[0] == self.head_seq:
                return hit[1]
            head_seq = self.head_seq
            body = await run_in_threadpool(
                lambda: orjson.dumps(build(), option=orjson.OPT_SORT_KEYS)
            )
            if len(self.cache) >= MAX_CACHED_READS:  # keys come from query strings: bound them
                self.cache.clear()
                locks.clear()
            self.cache[key] = (head_seq, body)
        return body


bearer = HTTPBearer(auto_error=False)


async def principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The party and role behind the request's bearer token (401 when missing or unknown)."""
    if creds is None:
        raise HTTPException(
            401,
            "missing bearer token: send 'Authorization: Bearer <token>'",
            {"WWW-Authenticate": "Bearer"},
        )
    state: State = request.app.state.guarantor
    found = await state.principal(creds.credentials)
    if found is None:
        raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
    return found


Auth = Annotated[Principal, Depends(principal)]
SeqPath = Annotated[int, Path(ge=1, le=MAX_SEQ)]


def _out(rec: StoredRecord) -> RecordOut:
    return RecordOut.model_validate(rec.as_dict())


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
        lifespan=lifespan,
        title="guarantor",
        version=__version__,
        description=(
            "Multilateral security guarantees: agreements, events, activations, obligations, acts, pledges, "
            "deliveries and plans, in a hash-chained ledger. Every request except /health needs "
            "`Authorization: Bearer <token>`; a token belongs to one party and has one role, and writes "
            "only that party's records."
        ),
    )
    app.state.guarantor = state

    @app.exception_handler(LedgerConflict)
    async def _conflict(_request: Request, exc: LedgerConflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(UserError)
    async def _user_error(_request: Request, exc: UserError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse({"detail": f"database unavailable, retry: {exc.orig}"}, status_code=503)

    def check_writer(who: Principal, kind: str, body: Write) -> None:
        allowed = WRITERS.get(kind, frozenset())
        if who.role not in allowed:
            roles = ", ".join(sorted(r.value for r in allowed)) or "nobody (CLI only)"
            raise HTTPException(
                403,
                f"{'an' if who.role.value[0] in 'aeiou' else 'a'} {who.role.value} token may not "
                f"write {kind} records (allowed: {roles})",
            )
        if body.party != who.party:
            raise HTTPException(
                403,
                f"this token belongs to {who.party!r}; it cannot write records of {body.party!r}",
            )

    def new_record(
        kind: str, body: Write, payload: dict[str, Any], key: str | None, refs: tuple[int, ...]
    ) -> NewRecord:
        stored_key = (
            key if key is not None else (f"api/{body.party}/{body.key}" if body.key else None)
        )
        return NewRecord(
            kind=kind,
            party=body.party,
            payload=payload,
            refs=tuple(dict.fromkeys((*body.refs, *refs))),
            key=stored_key,
            signature=body.signature,
        )

    def written(outcome: tuple[StoredRecord, bool], response: Response) -> WriteResult:
        stored, created = outcome
        response.status_code = 201 if created else 200
        return WriteResult(record=_out(stored), created=created)

    def write(
        kind: str,
        body: Write,
        payload: dict[str, Any],
        response: Response,
        *,
        key: str | None = None,
        refs: tuple[int, ...] = (),
    ) -> WriteResult:
        """Append through the group-commit writer, from a thread-pool handler."""
        rec = new_record(kind, body, payload, key, refs)
        outcome = None
        try:
            outcome = state.writer.submit(rec).result(timeout=WRITE_TIMEOUT_SECONDS)
        finally:
            state.wrote(outcome[0].seq if outcome else None)
        return written(outcome, response)

    async def write_async(
        kind: str, body: Write, payload: dict[str, Any], response: Response
    ) -> WriteResult:
        """Append through the group-commit writer without holding a thread-pool thread."""
        rec = new_record(kind, body, payload, None, ())
        outcome = None
        try:
            outcome = await asyncio.wait_for(
                asyncio.wrap_future(state.writer.submit(rec)), WRITE_TIMEOUT_SECONDS
            )
        finally:
            state.wrote(outcome[0].seq if outcome else None)
        return written(outcome, response)

    def own_record(who: Principal, seq: int, kinds: tuple[str, ...] | None = None) -> StoredRecord:
        rec = chain.get_record(state.engine, seq)
        if rec is None or (kinds is not None and rec.kind not in kinds):
            what = " or ".join(kinds) if kinds else "record"
            raise HTTPException(404, f"no {what} with seq {seq}")
        if rec.party != who.party:
            raise HTTPException(
                403, f"record {seq} belongs to {rec.party!r}; {who.party!r} cannot correct it"
            )
        return rec

    @app.get("/health", tags=["service"])
    def health() -> dict[str, Any]:
        """Liveness and the chain head (no token needed)."""
        seq, digest = chain.head(state.engine)
        return {"ok": True, "head": {"seq": seq, "hash": digest}, "version": __version__}

    @app.get("/v1/me", tags=["service"])
    def me(who: Auth) -> dict[str, str]:
        """The party and role of the calling token."""
        return {"party": who.party, "role": who.role.value}

    # ---- reads -------------------------------------------------------------------------------

    @app.get("/v1/records", response_model=Page, tags=["ledger"])
    def records(
        who: Auth,
        kind: QueryText = None,
        party: QueryText = None,
        after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        """Records in chain order after `after` (cursor pagination), optionally of one kind or party."""
        recs = chain.list_records(state.engine, kind=kind, party=party, after=after, limit=limit)
        page = {
            "records": [r.as_dict() for r in recs],
            "next_after": recs[-1].seq if len(recs) == limit else None,
        }
        # the stored records are already checked: serialise them directly (`Page` documents the shape)
        return Response(orjson.dumps(page), media_type="application/json")

    @app.get("/v1/records/{seq}", response_model=RecordOut, tags=["ledger"])
    def record(who: Auth, seq: SeqPath) -> Response:
        """One record."""
        rec = chain.get_record(state.engine, seq)
        if rec is None:
            raise HTTPException(404, f"no record with seq {seq}")
        return Response(orjson.dumps(rec.as_dict()), media_type="application/json")

    @app.get("/v1/head", tags=["ledger"])
    def head(who: Auth) -> dict[str, Any]:
        """The chain head (publish it to anchor the ledger)."""
        seq, digest = chain.head(state.engine)
        return {"seq": seq, "hash": digest}

    @app.get("/v1/verify", tags=["ledger"])
    def verify(who: Auth) -> dict[str, Any]:
        """Walk the whole chain: hashes, links, signatures; names the first bad record."""
        return chain.verify(state.engine).as_dict()

    @app.get("/v1/summary", tags=["ledger"])
    async def summary(
        who: Auth,
        by: Literal["donor", "group"] = "donor",
        period_from: Annotated[
            str | None, Query(alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
        ] = None,
        period_to: Annotated[
            str | None, Query(alias="to", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
        ] = None,
        per: Literal["month", "quarter", "year"] | None = None,
    ) -> Response:
        """Committed vs allocated vs delivered per donor or group (EUR bn), delivery ratio, share of
        GDP; with `per`, one row per period and donor or group."""

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

    @app.get("/v1/split", tags=["ledger"])
    async def split_view(
        who: Auth, period: Literal["month", "quarter", "year"] = "year"
    ) -> Response:
        """US vs Europe allocations per period (EUR bn)."""

        def build() -> dict[str, Any]:
            return {
                "period": period,
                "unit": "EUR bn",
                "rows": split(state.flows.read(state.engine), period=period),
            }

        return Response(await state.cached(("split", period), build), media_type="application/json")

    @app.get("/v1/agreements", tags=["agreements"])
    def agreements(who: Auth) -> dict[str, Any]:
        """Agreements and their versions."""
        found: dict[str, list[dict[str, Any]]] = {}
        for rec in chain.iter_records(state.engine, [Kind.agreement_version]):
            data = rec.data()
            found.setdefault(str(data["agreement_id"]), []).append(
                {
                    "version": data["version"],
                    "seq": rec.seq,
                    "title": data.get("title"),
                    "party": rec.party,
                }
            )
        return {"agreements": [{"id": k, "versions": v} for k, v in sorted(found.items())]}

    @app.get("/v1/agreements/{agreement_id}/versions/{version}", tags=["agreements"])
    def agreement_version(
        who: Auth,
        agreement_id: Annotated[str, Path(max_length=128)],
        version: Annotated[str, Path(max_length=64)],
    ) -> dict[str, Any]:
        """One version of an agreement, with its YAML text."""
        for rec in reversed(chain.iter_records(state.engine, [Kind.agreement_version])):
            data = rec.data()
            if data.get("agreement_id") == agreement_id and data.get("version") == version:
                return {**data, "seq": rec.seq, "hash": rec.hash}
        raise HTTPException(404, f"no version {version!r} of agreement {agreement_id!r}")

    # ---- writes ------------------------------------------------------------------------------

    @app.post("/v1/agreements", response_model=WriteResult, status_code=201, tags=["agreements"])
    def post_agreement(who: Auth, body: AgreementWrite, response: Response) -> WriteResult:
        """Record a version of an agreement (commission), validated by the spec language."""
        check_writer(who, Kind.agreement_version, body)
        from guarantor.spec.load import load_spec_text

        parsed = load_spec_text(body.yaml, "agreement YAML", strict=True).agreement
        for name, given, actual in (
            ("agreement_id", body.agreement_id, parsed.id),
            ("version", body.version, parsed.version),
        ):
            if given is not None and given != actual:
                raise HTTPException(422, f"{name} {given!r} does not match the YAML's {actual!r}")
        payload = {
            "agreement_id": parsed.id,
            "version": parsed.version,
            "title": parsed.title,
            "yaml": body.yaml,
        }
        return write(
            Kind.agreement_version,
            body,
            payload,
            response,
            key=f"agreement/{parsed.id}/{parsed.version}",
        )

    def generic(kind: Kind, summary_text: str) -> None:
        async def handler(who: Auth, body: GenericWrite, response: Response) -> WriteResult:
            check_writer(who, kind, body)
            return await write_async(kind, body, body.payload, response)

        handler.__doc__ = summary_text
        app.post(
            f"/v1/{kind.value}s",
            response_model=WriteResult,
            status_code=201,
            tags=["records"],
            name=f"post_{kind.value}",
        )(handler)

    generic(Kind.event, "Ingest an observed event (monitor).")
    generic(Kind.activation, "Record a trigger activation with its evidence (monitor).")
    generic(Kind.obligation, "Record an obligation that follows from an activation (commission).")
    generic(Kind.determination, "Record a determination (commission).")
    generic(Kind.plan, "Record a response plan (commission).")

    @app.post("/v1/acts", response_model=WriteResult, status_code=201, tags=["records"])
    async def post_act(who: Auth, body: ActWrite, response: Response) -> WriteResult:
        """Record an act by the party itself, e.g. consultation_requested (beneficiary), consultation_held."""
        check_writer(who, Kind.act, body)
        return await write_async(Kind.act, body, {**body.payload, "act": body.act}, response)

    def flow_endpoint(path: str, kind: Kind, text: str) -> None:
        def handler(who: Auth, body: FlowWrite, response: Response) -> WriteResult:
            check_writer(who, kind, body)
            if body.flow.supersedes is not None:
                own_record(who, body.flow.supersedes, (kind.value,))
            return write(
                kind,
                body,
                body.flow.payload(),
                response,
                refs=tuple(x for x in (body.flow.supersedes,) if x),
            )

        handler.__doc__ = text
        app.post(
            path,
            response_model=WriteResult,
            status_code=201,
            tags=["flows"],
            name=f"post_{kind.value}",
        )(handler)

    flow_endpoint(
        "/v1/pledges", Kind.commitment, "Record the party's own pledge (commitment) (guarantor)."
    )
    flow_endpoint(
        "/v1/allocations", Kind.allocation, "Record the party's own allocation (guarantor)."
    )
    flow_endpoint("/v1/deliveries", Kind.delivery, "Record the party's own delivery (guarantor).")

    @app.post(
        "/v1/deliveries/{seq}/confirmation",
        response_model=WriteResult,
        status_code=201,
        tags=["flows"],
    )
    def confirm(
        who: Auth, seq: SeqPath, body: ConfirmationWrite, response: Response
    ) -> WriteResult:
        """Confirm receipt of a delivery made to the calling party (beneficiary): a verified delivery."""
        check_writer(who, Kind.verified_delivery, body)
        rec = chain.get_record(state.engine, seq)
        if rec is None or rec.kind != Kind.delivery:
            raise HTTPException(404, f"no delivery with seq {seq}")
        data = rec.data()
        if data.get("recipient") != who.party:
            raise HTTPException(
                403, f"delivery {seq} was made to {data.get('recipient')!r}, not to {who.party!r}"
            )
        try:
            flow = Flow.model_validate(
                {
                    **{k: v for k, v in data.items() if k != "supersedes"},
                    "value_eur": Decimal(body.value_eur)
                    if body.value_eur is not None
                    else data["value_eur"],
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
            Kind.verified_delivery,
            body,
            payload,
            response,
            key=f"confirm/{seq}/{who.party}",
            refs=(seq,),
        )

    @app.post(
        "/v1/records/{seq}/corrections",
        response_model=WriteResult,
        status_code=201,
        tags=["records"],
    )
    def correct(who: Auth, seq: SeqPath, body: CorrectionWrite, response: Response) -> WriteResult:
        """Correct one of the party's own records: a new record that supersedes it (the old one stays)."""
        old = own_record(who, seq)
        check_writer(who, old.kind, body)
        payload: dict[str, Any] = {**body.payload, "supersedes": seq}
        if old.kind in FLOW_KINDS:
            try:
                payload = Flow.model_validate(payload).payload()
            except ValidationError as exc:
                raise HTTPException(
                    422, [{"loc": e["loc"], "msg": e["msg"]} for e in exc.errors()]
                ) from None
        return write(old.kind, body, payload, response, refs=(seq,))

    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    return app
