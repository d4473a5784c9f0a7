"""The agreed line and the snapshots after it, read one way for replay, monitor, report and dashboard.

The agreed line is the area the obligor holds at entry into force. It comes from one of:
- a snapshot: the last one on or before the day the agreement is in force from;
- a GeoJSON file: its polygons, or, in a file written by `territory swap --out`, the feature
  of the `agreed_line` layer (the `zones` layer's features are kept as the deal's zones);
- a swap proposal (YAML): the proposal applied to the snapshot of its `at` date (or of the
  first day), i.e. the line the deal implies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.errors import Position, UserError
from guarantor.sources.coverage import SourceCoverage, coverage_of
from guarantor.territory.incident import Incident

if TYPE_CHECKING:
    from guarantor.sources.snapshots import ReadOptions, SnapshotSeries
    from guarantor.territory.boundaries import Units

Progress = Callable[[str], None]


class LineBasis(StrEnum):
    """Where an agreed line came from."""

    snapshot = "snapshot"
    geojson = "geojson"
    swap = "swap"


@dataclass(frozen=True)
class LineOnMap:
    """The area held by the obligor at entry into force (lon/lat), and where it came from."""

    geometry: Any = field(repr=False)
    basis: LineBasis
    label: str
    taken_at: datetime | None = None  # the snapshot it stands on, when known
    zones: dict[str, Any] = field(default_factory=dict, repr=False)  # name -> lon/lat polygon

    def describe(self) -> str:
        """One line for messages and reports."""
        when = f" ({self.taken_at:%Y-%m-%d})" if self.taken_at else ""
        return f"{self.basis.value} {self.label}{when}"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready description (no geometry)."""
        return {
            "basis": self.basis.value,
            "label": self.label,
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
            "zones": sorted(self.zones),
        }


def is_swap_file(path: Path) -> bool:
    """A swap proposal (YAML) rather than a GeoJSON line."""
    return path.suffix.lower() in (".yaml", ".yml")


def read_line_geojson(path: Path) -> LineOnMap:
    """An agreed line from GeoJSON: the `agreed_line` feature of a swap output, else all polygons."""
    import orjson
    import shapely

    from guarantor.sources.geojson_snapshot import polygonal_part
    from guarantor.territory.boundaries import load_border

    try:
        doc = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise UserError(f"cannot read the agreed line: {exc}", Position(str(path))) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    roles = {}
    zones: dict[str, Any] = {}
    if isinstance(features, list):
        for index, feature in enumerate(features):
            props = feature.get("properties") or {} if isinstance(feature, dict) else {}
            # `territory swap --out` writes a `layer`; `SwapResult.to_geojson` a `role`
            role = (props.get("role") or props.get("layer")) if isinstance(props, dict) else None
            role = "zone" if role == "zones" else role
            if role not in ("agreed_line", "zone"):
                continue
            raw = feature.get("geometry")
            if not isinstance(raw, dict):
                raise UserError("feature has no geometry", Position(str(path), feature=index))
            geom = shapely.from_geojson(orjson.dumps(raw))
            geom = polygonal_part(geom if geom.is_valid else shapely.make_valid(geom))
            if role == "zone":
                zones[str(props.get("id") or f"zone-{index + 1}")] = geom
            else:
                roles[role] = (geom, props)
    if "agreed_line" in roles:
        geom, props = roles["agreed_line"]
        taken = props.get("taken_at")
        when = datetime.fromisoformat(taken) if isinstance(taken, str) else None
        return LineOnMap(geom, LineBasis.geojson, str(path), when, zones)
    return LineOnMap(load_border(path), LineBasis.geojson, str(path))


def read_line_swap(
    path: Path,
    series: SnapshotSeries,
    on: date,
    options: ReadOptions,
    units: Units | None = None,
    land: Any = None,
) -> LineOnMap:
    """The line a swap proposal implies: applied to the snapshot of its `at` (or `on`).

    `units` and `land` (lon/lat border) default to the data folder's.
    """
    from guarantor.territory.geodesy import to_lonlat
    from guarantor.territory.inputs import resolve_border, resolve_units
    from guarantor.territory.swaps import evaluate_swap, load_proposal

    proposal = load_proposal(path)
    day = proposal.at or on
    entry = series.at_or_before(datetime.combine(day, datetime.max.time(), UTC))
    units = units if units is not None else resolve_units(None, required=False)
    if land is None:
        land = options.border if options.border is not None else resolve_border(None)
    if units is None or land is None:
        raise UserError(
            "a swap file as the agreed line needs the admin-1 units and the border (data folder)",
            Position(str(path)),
        )
    result = evaluate_swap(
        proposal, entry.parsed(options).geometry, entry.taken_at, entry.label, units, land
    )
    zones = {zid: to_lonlat(g) for zid, g in result.zones.items()}
    return LineOnMap(
        to_lonlat(result.agreed_area()), LineBasis.swap, str(path), entry.taken_at, zones
    )


def agreed_line(
    series: SnapshotSeries,
    start: date,
    path: Path | None = None,
    options: ReadOptions | None = None,
    units: Units | None = None,
    land: Any = None,
) -> LineOnMap:
    """The agreed line: from `path` (GeoJSON or swap YAML) or the snapshot held at `start`."""
    from guarantor.sources.snapshots import ReadOptions

    options = options or ReadOptions()
    if path is not None:
        if is_swap_file(path):
            return read_line_swap(path, series, start, options, units, land)
        return read_line_geojson(path)
    t0 = datetime.combine(start, datetime.min.time(), UTC)
    before = [e for e in series.entries if e.taken_at <= t0 + timedelta(days=1)]
    if not before:
        raise UserError(
            f"no territory snapshot on or before {start} in {series.source} "
            "to take as the agreed line"
        )
    base = before[-1]
    return LineOnMap(base.parsed(options).geometry, LineBasis.snapshot, base.label, base.taken_at)


@dataclass(frozen=True)
class TerritoryReading:
    """Incidents beyond an agreed line over a period, with the line and the snapshots' coverage."""

    line: LineOnMap
    incidents: list[Incident]
    snapshots: int
    coverage: SourceCoverage
    source: str


def snapshot_coverage(series: SnapshotSeries, start: date, end: date) -> SourceCoverage:
    """The snapshot source's coverage of [start, end] (daily: missing days are gaps)."""
    return coverage_of(
        "territory",
        (e.taken_at.date() for e in series.entries),
        start,
        end,
        label=str(series.source),
        continuous=True,
    )


def read_territory(
    source: Path | SnapshotSeries,
    start: date,
    end: date,
    border: Any = None,
    progress: Progress | None = None,
    every_days: int = 1,
    line_file: Path | None = None,
    units: Units | None = None,
) -> TerritoryReading:
    """Incidents beyond the agreed line (a file, or the snapshot held at `start`) up to `end`.

    `every_days` > 1 samples the snapshots (a quicker, coarser replay: an advance is seen up
    to that many days late, and one reversed within the gap is missed). `source` may be a
    series the caller already scanned (with the default ReadOptions). Every advance of at least
    0.1 km² is taken: the triggers' own thresholds (persisted, min_area_km2) apply in monitor.
    """
    from guarantor.sources.snapshots import ReadOptions, SnapshotSeries, scan_snapshots
    from guarantor.territory.violations import ViolationParams, find_incidents

    options = ReadOptions()
    series = source if isinstance(source, SnapshotSeries) else scan_snapshots(source, options)
    line = agreed_line(series, start, line_file, options, units, border)
    t0 = line.taken_at or datetime.combine(start, datetime.min.time(), UTC)
    if line.basis is not LineBasis.snapshot:
        # a line from a file holds from entry into force: snapshots from the first day on
        t0 = max(t0, datetime.combine(start, datetime.min.time(), UTC) - timedelta(seconds=1))
    t1 = datetime.combine(end, datetime.max.time(), UTC)
    later = [e for e in series.entries if t0 < e.taken_at <= t1]
    if every_days > 1 and later:
        first = later[0].taken_at
        later = [e for e in later if (e.taken_at - first).days % every_days == 0 or e is later[-1]]
    if progress:
        progress(f"territory: agreed line = {line.describe()}; {len(later)} later snapshot(s)")
    snaps = [(e.taken_at, e.parsed(options).geometry) for e in later]
    found = find_incidents(
        snaps,
        line.geometry,
        ViolationParams(min_area_km2=0.1, min_persistence_days=0.0),
        border=border,
        units=units,
    )
    return TerritoryReading(
        line, found, len(later), snapshot_coverage(series, start, end), str(series.source)
    )
