"""The territory room for Python: snapshots, areas, changes, the area series, violations, places.

Each function returns a typed, frozen result with `.to_frame()` (pandas), `.to_geo()` (a
GeoDataFrame, EPSG:4326) where it has shapes, and `.write(path)` (by extension, as `--out`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.territory.export import Exportable, ExportTable, write_export

if TYPE_CHECKING:
    from guarantor.sources.locate import DataFolder
    from guarantor.sources.snapshots import ReadOptions, SnapshotSeries
    from guarantor.territory.places import Gazetteer, Settlement
    from guarantor.territory.timeline import SnapshotTimeline

__all__ = [
    "AreaChanges",
    "AreaHistory",
    "AreaOnDate",
    "LineViolations",
    "PlaceList",
    "Snapshots",
    "area_on",
    "area_series",
    "changes_between",
    "gazetteer",
    "places",
    "read_snapshots",
    "violations",
    "write_export",
]

PathLike = str | Path
Territory = PathLike | Sequence[PathLike] | None
Day = date | datetime | str


def _data(data: PathLike | None) -> DataFolder:
    from guarantor.sources.locate import locate_data

    return locate_data(Path(data) if data is not None else None)


def _options(folder: DataFolder) -> ReadOptions:
    from guarantor.sources.snapshots import ReadOptions
    from guarantor.territory.boundaries import load_border
    from guarantor.territory.inputs import resolve_border_file

    return ReadOptions(border_file=resolve_border_file(None, folder), border_loader=load_border)


def _paths(territory: Territory) -> list[Path] | None:
    if territory is None:
        return None
    if isinstance(territory, str | Path):
        return [Path(territory)]
    return [Path(t) for t in territory]


def _day(value: Day, name: str) -> datetime:
    """A date given as a date, an aware datetime or YYYY-MM-DD text, as the end of that UTC day
    for dates (the snapshot of the day or the nearest earlier one)."""
    from guarantor.sources.snapshots import parse_day

    if isinstance(value, datetime):
        return value
    text = value.isoformat() if isinstance(value, date) else value
    return parse_day(text, name)


@dataclass(frozen=True)
class Snapshots(Exportable):
    """The daily snapshots of one or more sources (the preferred source's each day)."""

    timeline: SnapshotTimeline = field(repr=False)
    options: ReadOptions = field(repr=False)
    data: DataFolder = field(repr=False)

    @property
    def series(self) -> SnapshotSeries:
        """The chosen snapshots as one series."""
        return self.timeline.as_series()

    @property
    def dates(self) -> list[date]:
        """The days with a snapshot."""
        return [p.entry.taken_at.date() for p in self.timeline.picks]

    def __len__(self) -> int:
        return len(self.timeline.picks)

    def tables(self) -> list[ExportTable]:
        """One row per day: date, time taken, snapshot and source."""
        rows = [
            {
                "date": p.entry.taken_at.date().isoformat(),
                "taken_at": p.entry.taken_at.isoformat(),
                "snapshot": p.entry.label,
                "source": self.timeline.label_of(p),
            }
            for p in self.timeline.picks
        ]
        return [ExportTable("snapshots", tuple(rows))]


def read_snapshots(
    territory: Territory = None, *, data: PathLike | None = None, store: PathLike | None = None
) -> Snapshots:
    """Open snapshot sources (default: every DeepState source in the data folder), one per day."""
    from guarantor.territory.inputs import resolve_sources
    from guarantor.territory.timeline import open_timeline, territory_sources

    folder = _data(data)
    options = _options(folder)
    sources = territory_sources(resolve_sources(_paths(territory), folder), options)
    timeline = open_timeline(sources, Path(store) if store else None)
    return Snapshots(timeline, options, folder)


def _snapshots(
    snapshots: Snapshots | None, territory: Territory, data: PathLike | None
) -> Snapshots:
    return snapshots if snapshots is not None else read_snapshots(territory, data=data)


@dataclass(frozen=True)
class AreaOnDate(Exportable):
    """Control on a date: the snapshot used, its geodesic area and share of Ukraine, the polygon."""

    date: date
    snapshot: str
    area_km2: float
    share_pct: float
    geometry: Any = field(repr=False)  # lon/lat

    def tables(self) -> list[ExportTable]:
        """The control polygon with its attributes."""
        row = {
            "date": self.date.isoformat(),
            "snapshot": self.snapshot,
            "area_km2": self.area_km2,
            "share_pct": self.share_pct,
        }
        return [ExportTable("control", (row,), (self.geometry,))]


def area_on(
    on: Day | None = None,
    territory: Territory = None,
    *,
    data: PathLike | None = None,
    store: PathLike | None = None,
) -> AreaOnDate:
    """Controlled area on a date (default: the latest snapshot), geodesic on WGS84."""
    from guarantor.territory.inputs import resolve_sources
    from guarantor.territory.query import snapshot_on
    from guarantor.territory.timeline import territory_sources

    folder = _data(data)
    options = _options(folder)
    sources = territory_sources(resolve_sources(_paths(territory), folder), options)
    answer = snapshot_on(
        sources, _day(on, "on") if on is not None else None, Path(store) if store else None
    )
    doc = answer.to_dict()
    return AreaOnDate(
        answer.entry.taken_at.date(),
        answer.entry.label,
        doc["area_km2"],
        doc["share_pct"],
        answer.entry.parsed(answer.source.options).geometry,
    )


@dataclass(frozen=True)
class AreaChanges(Exportable):
    """Gross area gained and lost between the snapshots of two dates, with the change polygons."""

    start: date
    end: date
    gained_km2: float
    lost_km2: float
    net_km2: float
    periods: tuple[dict[str, Any], ...]
    changes: ExportTable = field(repr=False)

    def tables(self) -> list[ExportTable]:
        """The change polygons (gained, lost), then the periods when asked for."""
        found = [self.changes]
        if self.periods:
            found.append(ExportTable("periods", self.periods))
        return found


def changes_between(
    start: Day,
    end: Day,
    *,
    per: str | None = None,
    snapshots: Snapshots | None = None,
    territory: Territory = None,
    data: PathLike | None = None,
) -> AreaChanges:
    """Gross gained and lost between two dates (and per day/week/month/quarter/year with `per`)."""
    from guarantor.territory.export import change_table
    from guarantor.territory.periods import TimeStep
    from guarantor.territory.reports import changes_report

    snaps = _snapshots(snapshots, territory, data)
    series = snaps.series
    a_when, b_when = _day(start, "start"), _day(end, "end")
    doc, rows = changes_report(
        series, a_when, b_when, TimeStep(per) if per else None, snaps.options
    )
    a, b = series.at_or_before(a_when), series.at_or_before(b_when)
    keys = ("from", "to", "from_snapshot", "to_snapshot")
    table = change_table(
        a.parsed(snaps.options).geometry,
        b.parsed(snaps.options).geometry,
        {k: doc[k] for k in keys},
    )
    return AreaChanges(
        date.fromisoformat(doc["from"]),
        date.fromisoformat(doc["to"]),
        doc["gained_km2"],
        doc["lost_km2"],
        doc["net_km2"],
        tuple(rows),
        table,
    )


@dataclass(frozen=True)
class AreaHistory(Exportable):
    """Controlled area and gross changes per period (per day by default) over a history."""

    per: str
    rows: tuple[dict[str, Any], ...]
    sources: tuple[str, ...]

    def tables(self) -> list[ExportTable]:
        """One row per period: area at its start and end, gained, lost, net, coverage."""
        return [ExportTable("series", self.rows)]

    def to_frame(self, table: str | None = None) -> Any:
        """The series as a DataFrame indexed by period."""
        frame = super().to_frame(table)
        return frame.set_index("period") if "period" in frame else frame


def area_series(
    *,
    start: Day | None = None,
    end: Day | None = None,
    per: str = "day",
    snapshots: Snapshots | None = None,
    territory: Territory = None,
    data: PathLike | None = None,
    cache: PathLike | None = None,
) -> AreaHistory:
    """The daily (or weekly, monthly...) area series of a whole history: sums of daily changes."""
    from guarantor.territory.periods import TimeStep
    from guarantor.territory.reports import history_report

    snaps = _snapshots(snapshots, territory, data)
    doc = history_report(
        snaps.timeline,
        snaps.options,
        None,
        Path(cache) if cache else None,
        False,
        TimeStep(per),
        _day(start, "start") if start is not None else None,
        _day(end, "end") if end is not None else None,
    )
    return AreaHistory(per, tuple(doc["periods"]), tuple(s["source"] for s in doc["sources"]))


@dataclass(frozen=True)
class LineViolations(Exportable):
    """Advances beyond the agreed line: the verdict and the incidents with their places."""

    status: str
    breached_at: str | None
    seized_km2: float
    incidents: tuple[dict[str, Any], ...]
    doc: dict[str, Any] = field(repr=False)
    result: Any = field(repr=False)  # territory.reports.ViolationsResult

    def tables(self) -> list[ExportTable]:
        """Incident polygons (with places), the agreed line, control at the last date."""
        from guarantor.territory.export import incident_tables

        return incident_tables(self.doc, self.result)


def violations(
    agreed_at: Day | None = None,
    *,
    agreed_line: PathLike | None = None,
    until: Day | None = None,
    min_area_km2: float = 1.0,
    min_days: float = 3.0,
    buffer_km: float = 0.5,
    all_incidents: bool = False,
    snapshots: Snapshots | None = None,
    territory: Territory = None,
    data: PathLike | None = None,
) -> LineViolations:
    """Incidents beyond the line of a date (or a GeoJSON) up to `until`, with the verdict."""
    from guarantor.territory.inputs import resolve_units
    from guarantor.territory.reports import violations_report

    snaps = _snapshots(snapshots, territory, data)

    def text(value: Day | None) -> str | None:
        if value is None:
            return None
        return value if isinstance(value, str) else value.isoformat()[:10]

    doc, result = violations_report(
        snaps.series,
        snaps.options,
        resolve_units(None, snaps.data, required=False),
        text(agreed_at),
        Path(agreed_line) if agreed_line else None,
        text(until),
        min_area_km2,
        min_days,
        buffer_km,
        all_incidents,
    )
    return LineViolations(
        doc["status"], doc["breached_at"], doc["seized_km2"], tuple(doc["incidents"]), doc, result
    )


@dataclass(frozen=True)
class PlaceList(Exportable):
    """Settlements from the gazetteer (GeoNames), with population and oblast."""

    places: tuple[Settlement, ...]

    def __iter__(self) -> Any:
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)

    def __getitem__(self, i: int) -> Settlement:
        return self.places[i]

    def tables(self) -> list[ExportTable]:
        """The places as points."""
        import shapely

        return [
            ExportTable(
                "places",
                tuple(p.to_dict() for p in self.places),
                tuple(shapely.Point(p.lon, p.lat) for p in self.places),
            )
        ]


def gazetteer(data: PathLike | None = None) -> Gazetteer:
    """The GeoNames gazetteer of the data folder (by name, near a point, describing an area)."""
    from guarantor.territory.places import load_gazetteer

    return load_gazetteer(_data(data))


def places(
    name: str | None = None,
    *,
    near: tuple[float, float] | None = None,
    limit: int = 10,
    min_population: int = 0,
    data: PathLike | None = None,
) -> PlaceList:
    """Settlements by name (largest first), or the nearest to `near=(lat, lon)`."""
    from guarantor.errors import UserError

    if (name is None) == (near is None):
        raise UserError("give a name or near=(lat, lon), one of them")
    found = gazetteer(data)
    if near is not None:
        return PlaceList(tuple(found.near(near[0], near[1], limit, min_population)))
    assert name is not None
    return PlaceList(tuple(found.lookup(name, limit)))
