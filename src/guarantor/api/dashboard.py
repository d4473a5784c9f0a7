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
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
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

from guarantor.api.auth import Caller, anyone, members, public
from guarantor.api.bodies import StrictJSONRoute
from guarantor.errors import UserError
from guarantor.ledger import chain
from guarantor.ledger.access import Principal
from guarantor.ledger.records import Kind
from guarantor.ledger.scopes import ScopeView, may_read, may_read_owned, sees_everything
from guarantor.model import Agreement, PartyNames, UnknownParty
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
    basemap_dir: Path | None = None  # folder with boundaries/ and population/ (default: data_dir)
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
    basemap: bytes | None = None  # oblast lines and settlement labels (GeoJSON FeatureCollection)
    party_names: dict[str, str] = field(default_factory=dict)  # agreement party id -> name
    party_keys: dict[str, str] = field(default_factory=dict)  # id, name, ISO codes -> id
    names: PartyNames = field(default_factory=PartyNames)  # the agreement's party resolver
    coverage: dict[str, Any] = field(default_factory=dict)  # per source, against the period
    status: str | None = None  # ok / partial / missing: the weakest source coverage
    breach_series: list[dict[str, Any]] = field(default_factory=list)
    agreed_line: dict[str, Any] | None = None


class DashboardData:
    """The dashboard's data, prepared once in the background; readers see `status` until ready."""

    def __init__(
        self, config: DashboardConfig, progress: Callable[[str], None] | None = None
    ) -> None:
        self.config = config
        self.progress = progress  # a line per phase, e.g. to the terminal at a cold start
        self.prepared = PreparedDashboard()
        self.border: shapely.Geometry | None = None  # read once, used by the map and the replay
        self.agreement: Agreement | None = None  # loaded once, planned by every what-if
        # What-if answers by (step, parties left out), most recent last; see WHATIF_CACHE.
        self.whatifs: OrderedDict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = OrderedDict()
        self.public_whatif = threading.Lock()  # one what-if at a time for callers without a token
        self.series: SnapshotSeries | None = None  # scanned once, read by the map and the replay
        self.lock = threading.Lock()
        self.status: dict[str, Any] = {"phase": "waiting", "done": 0, "total": 0, "errors": []}
        self.ready = threading.Event()
        self.map_ready = (
            threading.Event()
        )  # snapshots and agreement loaded; the replay may still run
        self.started = 0.0

    def _phase(self, phase: str, done: int = 0, total: int = 0) -> None:
        with self.lock:
            changed = phase != self.status["phase"]
            self.status.update(phase=phase, done=done, total=total)
        if self.progress is not None and (changed or (total and done % 100 == 0)):
            self.progress(f"{phase} {done}/{total}" if total else phase)

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
        started = self.started = time.perf_counter()
        steps = (
            self._prepare_border,
            self._prepare_basemap,
            self._prepare_snapshots,
            self._prepare_replay,
        )
        for step in steps:
            try:
                step()
            except Exception as exc:  # the dashboard must show the error, not die with it
                self._error(
                    f"preparing the dashboard ({step.__name__[9:]}) failed: {type(exc).__name__}: {exc}"
                )
        with self.lock:
            self.status.update(phase="ready", seconds=round(time.perf_counter() - started, 2))
        self.map_ready.set()
        self.ready.set()
        if self.progress is not None:
            self.progress(f"ready in {time.perf_counter() - started:.1f} s")

    def _prepare_basemap(self) -> None:
        """Oblast lines and settlement labels from the data folder (an offline basemap)."""
        folder = self.config.basemap_dir or self.config.data_dir
        if folder is None:
            return
        self._phase("reading the basemap")
        self.prepared.basemap = basemap_layer(folder)

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
        _read_in_stored_order(series, lambda done: self._phase("reading snapshots", done, total))
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
        self.prepared.party_names = {p.id: p.name for p in agreement.parties}
        self.prepared.names = agreement.party_names()
        self.prepared.party_keys = dict(self.prepared.names.keys)
        start = cfg.start or agreement.date or _first_day(self.prepared.snapshots)
        if start is None:
            self._error("no start date: give --from, or an agreement with a date")
            return
        last = _last_day(self.prepared.snapshots)
        end = cfg.end or last or start + timedelta(days=365)
        before = [s["index"] for s in self.prepared.snapshots if s["date"] <= start.isoformat()]
        self.prepared.line_index = before[-1] if before else None
        self.prepared.period = [start.isoformat(), end.isoformat()]
        self.map_ready.set()  # the map can be drawn while the agreement is replayed
        if self.progress is not None:
            self.progress(f"map ready in {time.perf_counter() - self.started:.1f} s")
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
        finally:
            for entry in self.series.entries if self.series is not None else []:
                entry.data = None  # the bytes read ahead for the map and the replay
        gazetteer = _gazetteer(cfg.basemap_dir or cfg.data_dir)
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
                    "oblast": ", ".join(inc.unit_names or inc.units),
                    "near": _where(gazetteer, inc),
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


def resolve_party(p: PreparedDashboard, text: str) -> str:
    """The agreement's id of a party named by code, name or ISO code; 422 when it names none."""
    try:
        return p.names.resolve(text)
    except UnknownParty as exc:
        raise HTTPException(422, str(exc)) from None


BASEMAP_PLACES = 120  # settlement labels shipped to the browser (largest first)


def basemap_layer(data_dir: Path) -> bytes | None:
    """Oblast boundaries (simplified) and the largest settlements as one GeoJSON collection."""
    import csv

    from guarantor.sources.locate import DataFolder
    from guarantor.territory.inputs import PLACES, resolve_units

    folder = DataFolder(data_dir, "argument")
    features: list[dict[str, Any]] = []
    units = resolve_units(None, folder, required=False)
    if units is not None:
        for code, name, geom in zip(units.codes, units.names, units.lonlat, strict=True):
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "oblast", "code": code, "name": name},
                    "geometry": orjson.loads(_layer(shapely.boundary(geom), 0.005)),
                }
            )
    places = folder.file(PLACES)
    if places is not None:
        with places.open(newline="", encoding="utf-8") as handle:
            rows = sorted(
                csv.DictReader(handle), key=lambda r: -int(float(r.get("population") or 0))
            )
        for rank, r in enumerate(rows[:BASEMAP_PLACES]):
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "kind": "place",
                        "name": r["name"],
                        "population": int(float(r["population"] or 0)),
                        "rank": rank,
                    },
                    "geometry": {
                        "type": "Point",
                        "coordinates": [
                            round(float(r["longitude"]), 4),
                            round(float(r["latitude"]), 4),
                        ],
                    },
                }
            )
    if not features:
        return None
    return orjson.dumps({"type": "FeatureCollection", "features": features})


def change_layer(p: PreparedDashboard, a: int, b: int) -> dict[str, Any]:
    """Where control changed between two snapshots: gained and lost polygons with their areas
    (drawn from the 0.002° layers; areas geodesic on that geometry)."""
    from guarantor.territory.geodesy import plane_area_km2, to_plane

    for i in (a, b):
        if (i, 1) not in p.shapes:
            raise HTTPException(404, f"no snapshot {i} (there are {len(p.snapshots)})")
    first = shapely.make_valid(shapely.from_geojson(p.shapes[(a, 1)]))
    second = shapely.make_valid(shapely.from_geojson(p.shapes[(b, 1)]))
    features = []
    for kind, geom in (
        ("gained", shapely.difference(second, first)),
        ("lost", shapely.difference(first, second)),
    ):
        area = plane_area_km2(to_plane(geom)) if not geom.is_empty else 0.0
        features.append(
            {
                "type": "Feature",
                "properties": {"change": kind, "area_km2": round(area, 1)},
                "geometry": orjson.loads(_layer(geom, 0.002)),
            }
        )
    return {
        "type": "FeatureCollection",
        "from": p.snapshots[a]["date"],
        "to": p.snapshots[b]["date"],
        "features": features,
    }


def _gazetteer(folder: Path | None) -> Any:
    """The data folder's gazetteer (territory.places), or None without one."""
    if folder is None:
        return None
    from guarantor.sources.locate import DataFolder
    from guarantor.territory.places import find_gazetteer

    try:
        return find_gazetteer(DataFolder(folder, "argument"))
    except (UserError, OSError, ValueError, KeyError):
        return None  # the map and the incidents do without names


def _where(gazetteer: Any, incident: Any) -> str | None:
    """An incident by its settlements and oblasts, when there is a gazetteer."""
    if gazetteer is None:
        return None
    from guarantor.territory.places import describe_incident

    return str(describe_incident(gazetteer, incident).text)


def _read_in_stored_order(series: SnapshotSeries, progress: Callable[[int], None]) -> None:
    """Read every archive member's bytes in one forward pass over the compressed stream.

    The series is in time order, the archive in its own: reading members in time order rewound
    the xz stream (decompressing it again from its start) at every step back, about half the
    steps of the DeepState archive. The bytes are kept on the entries until parsed.
    """
    members = [e for e in series.entries if e.data is None and e.member is not None]
    progress(0)
    for entry in sorted(members, key=lambda e: e.member.offset):  # type: ignore[union-attr]
        entry.data = entry.read()


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


def _geojson(body: bytes) -> Response:
    """A GeoJSON layer that stays the same for a given snapshot: browsers keep it for a day."""
    return Response(
        body, media_type="application/geo+json", headers={"Cache-Control": "public, max-age=86400"}
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


async def map_ready(data: Dashboard) -> PreparedDashboard:
    """The prepared map layers (snapshots, border, basemap, agreement), or a readable 503; the
    replay's incidents, activations and obligations may still be on their way."""
    if not data.map_ready.is_set():
        await ready(data)
    return data.prepared


MapReady = Annotated[PreparedDashboard, Depends(map_ready)]

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
def config_view(data: Dashboard, p: MapReady) -> Response:
    """What the map needs first: snapshot list, levels, agreement, optional tile server (public)."""
    return _json(
        {
            "snapshots": p.snapshots,
            "levels": list(LEVELS),
            "tile_url": data.config.tile_url,
            "agreement": p.agreement,
            "parties": p.parties,
            "party_names": p.party_names,
            "party_keys": p.party_keys,
            "has_basemap": p.basemap is not None,
            "sources": p.sources,
            "errors": list(data.status["errors"]),
            "has_border": p.border is not None,
            "line_index": p.line_index,
            "period": p.period,
            "complete": data.ready.is_set(),  # else incidents and duties are still being replayed
            "coverage": p.coverage,
            "status": p.status,
            "agreed_line": p.agreed_line,
            "breach_series": [r for r in p.breach_series if r["direction"] == "all"],
        }
    )


@router.get("/snapshots/{index}")
def snapshot(
    p: MapReady,
    index: Annotated[int, PathParam(ge=0, le=1_000_000)],
    level: Annotated[int, Query(ge=0, le=len(LEVELS) - 1)] = 0,
) -> Response:
    """One snapshot's control polygons (GeoJSON geometry), simplified for a zoom level (public)."""
    body = p.shapes.get((index, level))
    if body is None:
        raise HTTPException(404, f"no snapshot {index} (there are {len(p.snapshots)})")
    return _geojson(body)


@router.get("/border")
def border(p: MapReady) -> Response:
    """The beneficiary's border (simplified GeoJSON geometry; public)."""
    if p.border is None:
        raise HTTPException(404, "no border configured (--border)")
    return _geojson(p.border)


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


@router.get("/basemap")
def basemap(p: MapReady) -> Response:
    """Oblast boundaries and settlement labels for an offline basemap (GeoJSON; public)."""
    if p.basemap is None:
        raise HTTPException(404, "no basemap: the data folder has no boundaries or places")
    return _geojson(p.basemap)


@router.get("/change")
def change(
    p: MapReady,
    a: Annotated[int, Query(ge=0, le=1_000_000, alias="from")],
    b: Annotated[int, Query(ge=0, le=1_000_000, alias="to")],
) -> Response:
    """Control gained and lost between two snapshots (by index), as polygons (public)."""
    return _geojson(orjson.dumps(change_layer(p, a, b)))


@router.get("/map.png")
def map_png(
    data: Dashboard,
    p: MapReady,
    index: Annotated[int, Query(ge=0, le=1_000_000)],
) -> Response:
    """The control map of a snapshot as a PNG (the CLI's map: border, oblasts, agreed line; public)."""
    if (index, 1) not in p.shapes:
        raise HTTPException(404, f"no snapshot {index} (there are {len(p.snapshots)})")
    return Response(
        snapshot_png(data, p, index),
        media_type="image/png",
        headers={
            "Content-Disposition": f'attachment; filename="control-{p.snapshots[index]["date"]}.png"'
        },
    )


def snapshot_png(data: DashboardData, p: PreparedDashboard, index: int) -> bytes:
    """Draw one snapshot with the territory room's map (lighter layers) into PNG bytes."""
    import io

    import matplotlib.pyplot as plt

    from guarantor.territory.maps import MapLayers, draw_map

    line = p.line_index
    layers = MapLayers(
        title=f"Control on {p.snapshots[index]['date']}",
        data_note=f"Control: {p.snapshots[index]['source']} (simplified 0.002°). "
        + (f"Agreed line: {p.snapshots[line]['source']}." if line is not None else ""),
        held=shapely.from_geojson(p.shapes[(index, 1)]),
        land=data.border,
        agreed=None if line is None else shapely.from_geojson(p.shapes[(line, 1)]),
        current_line=data.border is not None,
    )
    fig = draw_map(layers, dpi=90)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


@router.get("/aid")
def aid(c: Caller = members(ScopeView.summary)) -> Response:
    """The ledger's aid: committed, allocated and delivered by donor, and the US and Europe per
    year (EUR bn; the ledger's summary view, for members)."""
    from guarantor.ledger.summary import read_flows, split, summarise

    flows = read_flows(c.state.engine)
    donors = sorted(summarise(flows, by="donor"), key=lambda r: (-r["total"], r["donor"]))
    return _json(
        {
            "donors": [
                {
                    "donor": r["donor"],
                    "group": r["group"],
                    "committed": round(float(r["commitments"]), 3),
                    "allocated": round(float(r["total"]), 3),
                    "delivered": None
                    if r["delivery_ratio"] is None
                    else round(float(r["delivered"]), 3),
                }
                for r in donors
            ],
            "years": [
                {
                    "period": r["period"],
                    "US": round(float(r["US"]), 3),
                    "Europe": round(float(r["Europe"]), 3),
                    "all": round(float(r["all"]), 3),
                }
                for r in split(flows, period="year")
            ],
        }
    )


@router.get("/me")
def me(c: Caller = members(ScopeView.me)) -> Response:
    """The logged-in party, its role, and whether it sees every party's duties."""
    who = c.who
    return _json({"party": who.party, "role": who.role.value, "sees_all": sees_everything(who)})


@router.get("/duties")
def duties(
    p: Ready,
    party: Annotated[str | None, Query(max_length=128)] = None,
    c: Caller = members(ScopeView.dashboard_duties),
) -> Response:
    """Activations and the obligations the token may read (guarantor.ledger.scopes); `party`
    (code, name or ISO code) narrows them to one party. A token's party is known by any of its
    names ("France", "FRA" or "FR"); one that names no party of the agreement is a 422."""
    from dataclasses import replace

    who = c.who
    if not sees_everything(who) and p.party_keys:
        who = replace(who, party=resolve_party(p, who.party))
    only = resolve_party(p, party) if party else None
    owed = [
        o
        for o in p.obligations
        if may_read_owned(who, Kind.obligation, str(o["party"]))
        and (only is None or o["party"] == only)
    ]
    activations = [a for a in p.activations if may_read(who, Kind.activation, None, a)]
    undetermined = [u for u in p.undetermined if may_read(who, Kind.activation, None, u)]
    return _json(
        {
            "party": who.party,
            "party_name": p.party_names.get(who.party, who.party),
            "activations": activations,
            "undetermined": undetermined,
            "obligations": owed,
        }
    )


# The public what-if's cost bound: callers without a token plan one question at a time (another
# arriving meanwhile gets a 429 at once), each question is two plans with a WHATIF_SECONDS solver
# limit, so at most about 2 x 20 s of one core at a time whatever the request rate; answers are
# kept for the WHATIF_CACHE most recent (step, parties) questions, so a repeat costs a lookup.
WHATIF_SECONDS = 20.0
WHATIF_CACHE = 64


@router.post("/whatif")
def whatif(
    data: Dashboard,
    p: Ready,
    without: Annotated[
        list[Annotated[str, Field(max_length=128)]], Body(embed=True, max_length=20)
    ],
    step: Annotated[str | None, Body(embed=True, max_length=64)] = None,
    c: Caller | None = anyone(ScopeView.dashboard_whatif),
) -> Response:
    """The planner's what-if on the dashboard's (public) agreement: the step planned with all
    parties and without the given ones (by code, name or ISO code). Open to anyone; the tasking
    shown is what the token may read of a plan (none without a token)."""
    agreement = data.agreement
    if agreement is None or p.agreement is None:
        raise HTTPException(409, "no agreement configured: nothing to plan")
    without = sorted({resolve_party(p, n) for n in without})  # "France", "FRA", "FR" name FR
    if step is None:
        with_needs = [s for s in p.agreement["steps"] if s["needs"]]
        if not with_needs:
            raise HTTPException(409, "the agreement's ladder names no capability needs")
        step = max(with_needs, key=lambda s: s["order"])["id"]
    elif step not in {s["id"] for s in p.agreement["steps"]}:
        raise HTTPException(422, f"no step {step!r} in the agreement's ladder")
    question = (step, tuple(without))
    with data.lock:
        variants = data.whatifs.get(question)
    if variants is None:
        if c is None and not data.public_whatif.acquire(blocking=False):
            raise HTTPException(
                429,
                "another what-if is being planned; try again in a few seconds "
                "(or log in with a party's token)",
                {"Retry-After": "5"},
            )
        try:
            variants = _plan_whatif(data, agreement, step, without)
        finally:
            if c is None:
                data.public_whatif.release()
        with data.lock:
            data.whatifs[question] = variants
            while len(data.whatifs) > WHATIF_CACHE:
                data.whatifs.popitem(last=False)
    shown = []
    for v in variants:
        plan = dict(v["plan"])
        plan["tasking"] = [
            t
            for t in plan["tasking"]
            if c is not None and may_read_owned(c.who, Kind.plan, str(t["party"]))
        ]
        shown.append({**v, "plan": plan})
    return _json({"step": step, "variants": shown, "party": None if c is None else c.who.party})


def _plan_whatif(
    data: DashboardData, agreement: Agreement, step: str, without: list[str]
) -> list[dict[str, Any]]:
    from guarantor.respond.compare import Variant, compare
    from guarantor.respond.render import plan_json

    label = "without " + ", ".join(sorted(without)) if without else "all parties"
    plans = compare(
        agreement,
        step,
        [Variant("all parties"), Variant(label, tuple(sorted(without)))],
        data_dir=data.config.data_dir,
        time_limit=WHATIF_SECONDS,
    )
    return [{"label": pl.label, "without": pl.without, "plan": plan_json(pl)} for pl in plans]


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
    app: FastAPI,
    config: DashboardConfig,
    *,
    background: bool = True,
    progress: Callable[[str], None] | None = None,
) -> DashboardData:
    """Add the dashboard's routes and front end to an API app, and start preparing its data
    (`progress` gets one line per phase, and every 100 snapshots)."""
    data = DashboardData(config, progress)
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
