"""The web dashboard's routes: precomputed map layers, incidents and evidence, live feed, what-if.

`include_dashboard(app, config)` adds them to the API app (`guarantor.api.app.create_app`) and
serves the built front end (src/guarantor/report/static, built from web/) at `/`.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import orjson
import shapely
from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import Field

from guarantor.api.auth import Caller, members, public
from guarantor.api.bodies import StrictJSONRoute
from guarantor.errors import UserError
from guarantor.ledger import chain
from guarantor.ledger.access import Principal
from guarantor.ledger.records import Kind
from guarantor.ledger.scopes import ScopeView, may_read, may_read_owned, sees_everything
from guarantor.model import Agreement
from guarantor.sources.snapshots import SnapshotSeries

STATIC_DIR = Path(__file__).resolve().parents[1] / "report" / "static"
# Simplification tolerance (degrees) per level; the browser picks the level from its zoom.
LEVELS: tuple[float, ...] = (0.01, 0.002, 0.0004)
LIVE_KINDS = ("event", "activation", "obligation", "determination", "plan")
CACHE_SCHEMA = "1"


@dataclass
class DashboardConfig:
    """What the dashboard shows: snapshots, the agreement replayed over a period, events, border."""

    territory: Path | None = None
    agreement: Path | None = None
    events: list[Path] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    border: Path | None = None
    data_dir: Path | None = None
    tile_url: str | None = None  # optional background tiles; none by default (works offline)
    cache: Path | None = None  # SQLite file for precomputed layers (default: user cache)
    poll_seconds: float = 1.0  # how often the live feed looks at the ledger head
    agreed_line: Path | None = None  # GeoJSON or swap YAML (default: the snapshot of the start)
    quiet_days: int = 14  # a new advance after this many quiet days is a new activation


DEFAULT_AGREEMENT = "agreements/aug2025_article5_like.yaml"


def default_config(**changes: Any) -> DashboardConfig:
    """The dashboard over the data folder found as `guarantor demo` finds it, and the August 2025 proposal."""
    from guarantor.sources.locate import DEEPSTATE_FILE, examples_dir, locate_data
    from guarantor.territory.boundaries import BORDER_DEFAULT

    data = locate_data()
    config = DashboardConfig(
        territory=data.file(DEEPSTATE_FILE),
        agreement=examples_dir() / DEFAULT_AGREEMENT,
        border=data.file(BORDER_DEFAULT),
        data_dir=data.path,
    )
    for key, value in changes.items():
        if value is not None:
            setattr(config, key, value)
    return config


@dataclass
class PreparedDashboard:
    """Everything precomputed for the browser; filled in by `DashboardData.prepare`."""

    snapshots: list[dict[str, Any]] = field(default_factory=list)
    shapes: dict[tuple[int, int], bytes] = field(default_factory=dict)
    border: bytes | None = None
    incidents: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    activations: list[dict[str, Any]] = field(default_factory=list)
    undetermined: list[dict[str, Any]] = field(default_factory=list)
    obligations: list[dict[str, Any]] = field(default_factory=list)
    agreement: dict[str, Any] | None = None
    parties: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    line_index: int | None = None  # the snapshot taken as the agreed line (start of the period)
    period: list[str] | None = None
    coverage: dict[str, Any] = field(default_factory=dict)  # per source, against the period
    status: str | None = None  # ok / partial / missing: the weakest source coverage
    breach_series: list[dict[str, Any]] = field(default_factory=list)
    agreed_line: dict[str, Any] | None = None


class DashboardData:
    """The dashboard's data, prepared once in the background; readers see `status` until ready."""

    def __init__(self, config: DashboardConfig) -> None:
        self.config = config
        self.prepared = PreparedDashboard()
        self.border: shapely.Geometry | None = None  # read once, used by the map and the replay
        self.agreement: Agreement | None = None  # loaded once, planned by every what-if
        self.series: SnapshotSeries | None = None  # scanned once, read by the map and the replay
        self.lock = threading.Lock()
        self.status: dict[str, Any] = {"phase": "waiting", "done": 0, "total": 0, "errors": []}
        self.ready = threading.Event()

    def _phase(self, phase: str, done: int = 0, total: int = 0) -> None:
        with self.lock:
            self.status.update(phase=phase, done=done, total=total)

    def _error(self, text: str) -> None:
        with self.lock:
            self.status["errors"].append(text)

    def start(self) -> threading.Thread:
        """Prepare in a background thread (the server answers meanwhile)."""
        thread = threading.Thread(target=self.prepare, name="dashboard-prepare", daemon=True)
        thread.start()
        return thread

    def prepare(self) -> None:
        """Load and precompute everything; problems are recorded as readable errors, never raised."""
        started = time.perf_counter()
        for step in (self._prepare_border, self._prepare_snapshots, self._prepare_replay):
            try:
                step()
            except Exception as exc:  # the dashboard must show the error, not die with it
                self._error(
                    f"preparing the dashboard ({step.__name__[9:]}) failed: {type(exc).__name__}: {exc}"
                )
        with self.lock:
            self.status.update(phase="ready", seconds=round(time.perf_counter() - started, 2))
        self.ready.set()

    def _prepare_border(self) -> None:
        from guarantor.monitor.geography import read_geojson_geometry

        if self.config.border is None:
            return
        try:
            geom = read_geojson_geometry(self.config.border)
        except UserError as err:
            self._error(f"border: {err}")
            return
        self.border = geom
        self.prepared.border = _layer(geom, 0.005)

    def _prepare_snapshots(self) -> None:
        from guarantor.sources.snapshots import ReadOptions, scan_snapshots
        from guarantor.territory.geodesy import plane_area_km2, to_plane

        source = self.config.territory
        if source is None:
            self._error("no territory snapshots configured (--territory): the map shows no control")
            return
        self._phase("scanning snapshots")
        try:
            series = scan_snapshots(source)
            self.series = series  # the replay reads this series instead of scanning again
        except UserError as err:
            self._error(f"territory snapshots: {err}")
            return
        options = ReadOptions()
        cache = _ShapeCache(self.config.cache or _default_cache())
        total = len(series.entries)
        snapshots: list[dict[str, Any]] = []
        shapes: dict[tuple[int, int], bytes] = {}
        try:
            for i, entry in enumerate(series.entries):
                self._phase("simplifying snapshots", i, total)
                digest = entry.digest(options)
                hit = cache.get(digest)
                if hit is None:
                    try:
                        geom = entry.parsed(options).geometry
                    except UserError as err:
                        self._error(f"snapshot {entry.label} skipped: {err}")
                        continue
                    area = plane_area_km2(to_plane(geom))
                    layers = [_layer(geom, tol) for tol in LEVELS]
                    cache.put(digest, area, layers)
                    entry.data = None  # free the archive bytes once simplified
                else:
                    area, layers = hit
                for level, layer in enumerate(layers):
                    shapes[(len(snapshots), level)] = layer
                snapshots.append(
                    {
                        "index": len(snapshots),
                        "time": entry.taken_at.isoformat().replace("+00:00", "Z"),
                        "date": entry.taken_at.date().isoformat(),
                        "area_km2": round(area, 1),
                        "source": entry.name,
                    }
                )
        finally:
            cache.close()
        with self.lock:
            self.prepared.snapshots = snapshots
            self.prepared.shapes = shapes
            self.prepared.sources.append(f"territory: {source.name} ({len(snapshots)} snapshots)")

    def _prepare_replay(self) -> None:
        from guarantor.monitor.geography import Geography
        from guarantor.obligations.replay import replay
        from guarantor.spec.load import load_agreement

        cfg = self.config
        if cfg.agreement is None:
            self._error("no agreement configured (--agreement): no activations or obligations")
            return
        self._phase("replaying the agreement")
        try:
            agreement = load_agreement(cfg.agreement)
        except UserError as err:
            self._error(f"agreement: {err}")
            return
        self.agreement = agreement
        self.prepared.agreement = {
            "id": agreement.id,
            "title": agreement.title,
            "version": agreement.version,
            "steps": [
                {"id": s.id, "order": s.order, "action": s.action, "needs": bool(s.needs)}
                for s in agreement.ladder.steps
            ],
        }
        self.prepared.parties = sorted(agreement.party_ids())
        start = cfg.start or agreement.date or _first_day(self.prepared.snapshots)
        if start is None:
            self._error("no start date: give --from, or an agreement with a date")
            return
        last = _last_day(self.prepared.snapshots)
        end = cfg.end or last or start + timedelta(days=365)
        before = [s["index"] for s in self.prepared.snapshots if s["date"] <= start.isoformat()]
        self.prepared.line_index = before[-1] if before else None
        self.prepared.period = [start.isoformat(), end.isoformat()]
        try:
            result = replay(
                agreement,
                start,
                end,
                [p for p in cfg.events if p.exists()],
                None,
                Geography(border=self.border),
                (self.series or cfg.territory) if self.prepared.snapshots else None,
                line_file=cfg.agreed_line,
                quiet_days=cfg.quiet_days,
            )
        except UserError as err:
            self._error(f"replay: {err}")
            return
        cited: dict[str, list[str]] = {}
        for a in result.monitor.activations:
            for ev in a.evidence:
                cited.setdefault(ev, []).append(f"{a.trigger}: {a.level}")
        incidents = []
        for inc in sorted(result.incidents, key=lambda x: (x.first_seen, x.id)):
            incidents.append(
                {
                    "id": inc.id,
                    "kind": "incident",
                    "side": inc.side,
                    "first_seen": _iso(inc.first_seen),
                    "confirmed": _iso(inc.confirmed_at),
                    "reversed": _iso(inc.reversed_at),
                    "area_km2": round(inc.area_km2, 3),
                    "max_depth_km": round(inc.max_depth_km, 3),
                    "lon": round(inc.centroid[0], 5) if inc.centroid else None,
                    "lat": round(inc.centroid[1], 5) if inc.centroid else None,
                    "cited_by": cited.get(inc.id, []),
                    "merged_from": list(inc.merged_from),
                    "merged_into": inc.merged_into,
                    "merged_at": _iso(inc.merged_at),
                }
            )
        events = []
        if result.read is not None:
            for e in result.read.events:
                if not (start <= e.start.date() <= end) or e.latitude is None:
                    continue
                key = f"{e.source}:{e.source_id}"
                events.append(
                    {
                        "id": key,
                        "kind": "event",
                        "date": e.start.date().isoformat(),
                        "type": e.event_type,
                        "actors": list(e.actors),
                        "fatalities": e.fatalities_best,
                        "lat": e.latitude,
                        "lon": e.longitude,
                        "notes": e.notes[:500],
                        "cited_by": cited.get(key, []),
                    }
                )
        with self.lock:
            self.prepared.incidents = incidents
            self.prepared.events = sorted(events, key=lambda x: (x["date"], x["id"]))
            self.prepared.activations = [a.to_json() for a in result.monitor.activations]
            self.prepared.undetermined = [u.to_json() for u in result.monitor.undetermined]
            self.prepared.obligations = [o.to_json() for o in result.timeline.owed]
            doc = result.to_json()
            self.prepared.coverage = doc["coverage"]
            self.prepared.status = doc["status"]
            self.prepared.breach_series = doc["breach_series"]
            self.prepared.agreed_line = doc["agreed_line"]
            for line in result.sources:
                for path in (cfg.territory, *cfg.events):
                    if path is not None:
                        line = line.replace(str(path), path.name)
                self.prepared.sources.append(line)
            self.prepared.sources.append(f"agreement: {cfg.agreement.name}, {start} to {end}")


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _first_day(snapshots: list[dict[str, Any]]) -> date | None:
    return date.fromisoformat(snapshots[0]["date"]) if snapshots else None


def _last_day(snapshots: list[dict[str, Any]]) -> date | None:
    return date.fromisoformat(snapshots[-1]["date"]) if snapshots else None


def _layer(geom: shapely.Geometry, tolerance: float) -> bytes:
    """A simplified GeoJSON geometry for drawing, coordinates rounded to a tenth of the tolerance.

    Douglas-Peucker without topology repair is ~30x faster than with it; a drawn layer may
    touch itself where a simplified ring folds, which only the picture shows, never a measure.
    """
    simple = shapely.simplify(geom, tolerance, preserve_topology=False)
    decimals = max(0, round(-math.log10(tolerance / 10)))
    rounded = shapely.transform(simple, lambda xy: np.round(xy, decimals))
    return str(shapely.to_geojson(rounded)).encode()


def _default_cache() -> Path:
    from guarantor.sources.locate import cache_dir

    return cache_dir().parent / "dashboard-layers.sqlite"


class _ShapeCache:
    """Simplified layers per snapshot content digest (safe to delete; rebuilt on demand)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=120)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS layer (key TEXT PRIMARY KEY, area REAL NOT NULL, data BLOB NOT NULL)"
        )
        self.levels = hashlib.sha256(f"{CACHE_SCHEMA}|{LEVELS}".encode()).hexdigest()[:12]

    def get(self, digest: str) -> tuple[float, list[bytes]] | None:
        row = self.db.execute(
            "SELECT area, data FROM layer WHERE key=?", (f"{digest}|{self.levels}",)
        ).fetchone()
        if row is None:
            return None
        return float(row[0]), [str(x).encode() for x in orjson.loads(row[1])["layers"]]

    def put(self, digest: str, area: float, layers: list[bytes]) -> None:
        blob = orjson.dumps({"layers": [x.decode() for x in layers]})
        self.db.execute(
            "INSERT OR REPLACE INTO layer VALUES (?, ?, ?)", (f"{digest}|{self.levels}", area, blob)
        )

    def close(self) -> None:
        self.db.commit()
        self.db.close()


def _json(obj: Any, max_age: int = 0) -> Response:
    headers = {"Cache-Control": f"public, max-age={max_age}"} if max_age else {}
    return Response(
        orjson.dumps(obj, option=orjson.OPT_SORT_KEYS),
        media_type="application/json",
        headers=headers,
    )


async def get_dashboard(request: Request) -> DashboardData:
    """The dashboard data of the app serving this request."""
    data: DashboardData = request.app.state.dashboard
    return data


Dashboard = Annotated[DashboardData, Depends(get_dashboard)]


async def ready(data: Dashboard) -> PreparedDashboard:
    """The prepared data, or a readable 503 while they are being prepared."""
    if not data.ready.is_set():
        status = dict(data.status)
        raise HTTPException(
            503,
            f"the dashboard is still preparing its data ({status['phase']}, "
            f"{status['done']}/{status['total']}); try again in a moment",
            {"Retry-After": "2"},
        )
    return data.prepared


Ready = Annotated[PreparedDashboard, Depends(ready)]

router = APIRouter(prefix="/v1/dashboard", tags=["dashboard"], route_class=StrictJSONRoute)
public(ScopeView.dashboard_map)  # status, config, snapshots, border, evidence: open-source layers


@router.get("/status")
def status(data: Dashboard) -> Response:
    """Whether the dashboard's data are ready, and any problems met while preparing them (public)."""
    with data.lock:
        current = dict(data.status)
    current["ready"] = data.ready.is_set()
    return _json(current)


@router.get("/config")
def config_view(data: Dashboard, p: Ready) -> Response:
    """What the map needs first: snapshot list, levels, agreement, optional tile server (public)."""
    return _json(
        {
            "snapshots": p.snapshots,
            "levels": list(LEVELS),
            "tile_url": data.config.tile_url,
            "agreement": p.agreement,
            "parties": p.parties,
            "sources": p.sources,
            "errors": list(data.status["errors"]),
            "has_border": p.border is not None,
            "line_index": p.line_index,
            "period": p.period,
            "coverage": p.coverage,
            "status": p.status,
            "agreed_line": p.agreed_line,
            "breach_series": [r for r in p.breach_series if r["direction"] == "all"],
        }
    )


@router.get("/snapshots/{index}")
def snapshot(
    p: Ready,
    index: Annotated[int, PathParam(ge=0, le=1_000_000)],
    level: Annotated[int, Query(ge=0, le=len(LEVELS) - 1)] = 0,
) -> Response:
    """One snapshot's control polygons (GeoJSON geometry), simplified for a zoom level (public)."""
    body = p.shapes.get((index, level))
    if body is None:
        raise HTTPException(404, f"no snapshot {index} (there are {len(p.snapshots)})")
    return Response(
        body,
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/border")
def border(p: Ready) -> Response:
    """The beneficiary's border (simplified GeoJSON geometry; public)."""
    if p.border is None:
        raise HTTPException(404, "no border configured (--border)")
    return Response(
        p.border,
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/evidence")
def evidence(p: Ready) -> Response:
    """Incidents beyond the agreed line and located events in the period (points on the map; public)."""
    return _json({"incidents": p.incidents, "events": p.events})


@router.get("/evidence/{item_id:path}")
def evidence_item(p: Ready, item_id: Annotated[str, PathParam(max_length=300)]) -> Response:
    """One incident or event with the activations that cite it (public)."""
    for item in (*p.incidents, *p.events):
        if item["id"] == item_id:
            return _json(item)
    raise HTTPException(404, f"no incident or event with id {item_id!r}")


@router.get("/me")
def me(c: Caller = members(ScopeView.me)) -> Response:
    """The logged-in party, its role, and whether it sees every party's duties."""
    who = c.who
    return _json({"party": who.party, "role": who.role.value, "sees_all": sees_everything(who)})


@router.get("/duties")
def duties(p: Ready, c: Caller = members(ScopeView.dashboard_duties)) -> Response:
    """Activations and the obligations the token may read (guarantor.ledger.scopes)."""
    who = c.who
    owed = [o for o in p.obligations if may_read_owned(who, Kind.obligation, str(o["party"]))]
    activations = [a for a in p.activations if may_read(who, Kind.activation, None, a)]
    undetermined = [u for u in p.undetermined if may_read(who, Kind.activation, None, u)]
    return _json(
        {
            "party": who.party,
            "activations": activations,
            "undetermined": undetermined,
            "obligations": owed,
        }
    )


@router.post("/whatif")
def whatif(
    data: Dashboard,
    p: Ready,
    without: Annotated[
        list[Annotated[str, Field(max_length=128)]], Body(embed=True, max_length=20)
    ],
    step: Annotated[str | None, Body(embed=True, max_length=64)] = None,
    c: Caller = members(ScopeView.dashboard_whatif),
) -> Response:
    """The planner's what-if: the step planned with all parties and without the given ones; the
    tasking shown is what the token may read of a plan."""
    who = c.who
    from guarantor.respond.compare import Variant, compare
    from guarantor.respond.render import plan_json

    agreement = data.agreement
    if agreement is None or p.agreement is None:
        raise HTTPException(409, "no agreement configured: nothing to plan")
    unknown = sorted(set(without) - set(p.parties))
    if unknown:
        raise HTTPException(422, f"not parties of the agreement: {', '.join(unknown)}")
    if step is None:
        with_needs = [s for s in p.agreement["steps"] if s["needs"]]
        if not with_needs:
            raise HTTPException(409, "the agreement's ladder names no capability needs")
        step = max(with_needs, key=lambda s: s["order"])["id"]
    elif step not in {s["id"] for s in p.agreement["steps"]}:
        raise HTTPException(422, f"no step {step!r} in the agreement's ladder")
    label = "without " + ", ".join(sorted(without)) if without else "all parties"
    plans = compare(
        agreement,
        step,
        [Variant("all parties"), Variant(label, tuple(sorted(without)))],
        data_dir=data.config.data_dir,
        time_limit=20.0,
    )
    variants = []
    for plan in plans:
        shaped = plan_json(plan)
        shaped["tasking"] = [
            t for t in shaped["tasking"] if may_read_owned(who, Kind.plan, str(t["party"]))
        ]
        variants.append({"label": plan.label, "without": plan.without, "plan": shaped})
    return _json({"step": step, "variants": variants, "party": who.party})


@router.get("/live")
async def live(
    request: Request,
    data: Dashboard,
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    c: Caller = members(ScopeView.live_feed),
) -> StreamingResponse:
    """Server-sent events: ledger records (events, activations, obligations…) as they are
    ingested, those the token may read."""
    engine, who = c.state.engine, c.who
    poll = data.config.poll_seconds

    async def stream() -> AsyncIterator[bytes]:
        cursor = after
        if cursor <= 0:
            cursor = (await asyncio.to_thread(chain.head, engine))[0]
        yield f"event: hello\ndata: {orjson.dumps({'head': cursor}).decode()}\n\n".encode()
        idle = 0.0
        while not await request.is_disconnected():
            recs = await asyncio.to_thread(_live_records, engine, cursor)
            for rec in recs:
                cursor = rec.seq
                frame = live_frame(rec, who)
                if frame is not None:
                    yield frame
            if not recs:
                idle += poll
                if idle >= 15:  # a comment keeps proxies from closing an idle stream
                    idle = 0.0
                    yield b": keep-alive\n\n"
                await asyncio.sleep(poll)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def include_dashboard(
    app: FastAPI, config: DashboardConfig, *, background: bool = True
) -> DashboardData:
    """Add the dashboard's routes and front end to an API app, and start preparing its data."""
    data = DashboardData(config)
    app.state.dashboard = data
    from guarantor.api.app import mount

    mount(app, router)
    static = config_static_dir()
    if (static / "index.html").exists():
        public(ScopeView.dashboard_app)
        app.mount("/assets", StaticFiles(directory=static / "assets"), name="dashboard-assets")

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(static / "index.html", headers={"Cache-Control": "no-cache"})

    if background:
        data.start()
    else:
        data.prepare()
    return data


def config_static_dir() -> Path:
    """Where the built front end is (committed build of web/)."""
    return STATIC_DIR


def _live_records(engine: Any, after: int) -> list[chain.StoredRecord]:
    out: list[chain.StoredRecord] = []
    recs = chain.list_records(engine, after=after, limit=200)
    out.extend(r for r in recs if r.kind in LIVE_KINDS)
    if recs and not out:
        # nothing of interest in this page: move the cursor past it with a harmless marker
        out.append(recs[-1])
    return out


def _visible(rec: chain.StoredRecord, who: Principal) -> dict[str, Any] | None:
    """The record as the live feed shows it to this principal, or None if it is not theirs to see."""
    if rec.kind not in LIVE_KINDS:
        return None
    view = rec.as_dict()
    if not may_read(who, rec.kind, rec.party, view["payload"]):
        return None
    item = {k: view[k] for k in ("seq", "kind", "party", "recorded_at", "payload")}
    if "payload_problem" in view:
        item["payload_problem"] = view["payload_problem"]
    return item


def live_frame(rec: chain.StoredRecord, who: Principal) -> bytes | None:
    """One server-sent event for a record, or None when the token may not read it."""
    item = _visible(rec, who)
    if item is None:
        return None
    return f"id: {rec.seq}\nevent: record\ndata: {orjson.dumps(item).decode()}\n\n".encode()
