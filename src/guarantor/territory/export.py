"""`--out FILE`: results as files analysts' tools open, chosen by the file's extension.

.gpkg (GeoPackage: one layer per table, attribute-only tables too, listed after the spatial
ones; polygons as MultiPolygons), .geojson (one
FeatureCollection; several spatial tables share it with a `layer` property), .csv (one table; the
others beside it as FILE.<table>.csv; geometry as WKT), .parquet (GeoParquet for spatial tables;
the others beside it as FILE.<table>.parquet), .xlsx (one sheet per table; geometry as the
lon/lat of a point on it, since a cell holds 32,767 characters), .json (every table, geometry as
GeoJSON). Geometry is lon/lat WGS84 (EPSG:4326).

Every file is written under a temporary name in the target folder and renamed when complete:
nothing is half-written, and an existing file is refused without `force`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from guarantor.errors import Position, UserError

CRS = "EPSG:4326"


class ExportFormat(StrEnum):
    """A file format `--out` writes, named by its extension."""

    gpkg = "gpkg"
    geojson = "geojson"
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"
    json = "json"

    @property
    def one_table(self) -> bool:
        """Holds one table per file (the others go beside it)."""
        return self in (ExportFormat.csv, ExportFormat.parquet)


EXTENSIONS = ", ".join(f".{f.value}" for f in ExportFormat)


@dataclass(frozen=True)
class ExportTable:
    """One table of a result: rows of attributes and, for a spatial table, one lon/lat geometry
    (shapely) per row."""

    name: str
    rows: tuple[dict[str, Any], ...]
    geometry: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.geometry is not None and len(self.geometry) != len(self.rows):
            raise ValueError(
                f"table {self.name}: {len(self.rows)} rows, {len(self.geometry)} shapes"
            )

    @property
    def spatial(self) -> bool:
        """Has geometry."""
        return self.geometry is not None


@dataclass(frozen=True)
class ExportReport:
    """What `write_export` wrote."""

    path: Path
    format: ExportFormat
    tables: tuple[tuple[str, int], ...]  # (name, rows)
    files: tuple[Path, ...] = field(default=())
    left_out: tuple[
        str, ...
    ] = ()  # tables the format cannot hold, with why: "series (no geometry)"

    def line(self) -> str:
        """One line for the terminal."""
        what = ", ".join(f"{n} ({r} row{'s' if r != 1 else ''})" for n, r in self.tables)
        extra = f" and {', '.join(str(p) for p in self.files[1:])}" if len(self.files) > 1 else ""
        skipped = f"; left out: {', '.join(self.left_out)}" if self.left_out else ""
        return f"wrote {self.path}{extra}: {what}{skipped}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "out": str(self.path),
            "format": self.format.value,
            "tables": [{"name": n, "rows": r} for n, r in self.tables],
            "files": [str(p) for p in self.files],
            "left_out": list(self.left_out),
        }


class Exportable:
    """A typed result with tables: `.tables()`, `.to_frame()` (pandas), `.to_geo()` (a
    GeoDataFrame in EPSG:4326), `.write(path)` (by extension, as `--out` does)."""

    def tables(self) -> list[ExportTable]:
        """The result's tables, the main one first."""
        raise NotImplementedError

    def _table(self, name: str | None, spatial: bool) -> ExportTable:
        found = self.tables()
        if name is not None:
            for table in found:
                if table.name == name:
                    return table
            raise KeyError(f"no table {name!r}; tables: {', '.join(t.name for t in found)}")
        for table in found:
            if table.spatial or not spatial:
                return table
        raise ValueError(f"{type(self).__name__} has no spatial table")

    def to_frame(self, table: str | None = None) -> Any:
        """A table (the main one by default) as a pandas DataFrame, without geometry."""
        return _frame(self._table(table, False))

    def to_geo(self, table: str | None = None) -> Any:
        """A spatial table (the first by default) as a geopandas GeoDataFrame in EPSG:4326."""
        chosen = self._table(table, True)
        if not chosen.spatial:
            raise ValueError(f"table {chosen.name!r} has no geometry")
        return _geoframe(chosen)

    def write(self, path: Path | str, force: bool = False) -> ExportReport:
        """Write every table to `path` by its extension (see `write_export`)."""
        return write_export(path, self.tables(), force)


def export_format(path: Path) -> ExportFormat:
    """The format named by a file's extension, or a clear error listing those known."""
    ext = path.suffix.lower().lstrip(".")
    try:
        return ExportFormat(ext)
    except ValueError:
        raise UserError(
            f"--out: unknown extension {path.suffix or '(none)'!r}; use one of {EXTENSIONS}",
            Position(str(path)),
        ) from None


def _targets(path: Path, fmt: ExportFormat, names: Sequence[str]) -> list[Path]:
    if path.is_dir():  # an existing folder: one CSV per table, named by the table
        return [path / f"{n}.csv" for n in names] if names else [path / "table.csv"]
    if not fmt.one_table or len(names) <= 1:
        return [path]
    return [path] + [path.with_name(f"{path.stem}.{n}{path.suffix}") for n in names[1:]]


def check_out(path: Path, force: bool = False, tables: Sequence[str] = ()) -> ExportFormat:
    """Refuse, before any work, an unknown extension, an existing file without force, a folder
    that cannot be written; return the format. An existing folder means one CSV per table."""
    fmt = ExportFormat.csv if path.is_dir() else export_format(path)
    for target in _targets(path, fmt, tables):
        if target.exists() and not force:
            raise UserError(
                "--out: the file exists; pass --force to overwrite", Position(str(target))
            )
    parent = path if path.is_dir() else path.parent if str(path.parent) else Path(".")
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(
            f"--out: cannot write in {parent} (not a writable folder)", Position(str(path))
        )
    return fmt


def plain(value: Any) -> Any:
    """A cell value for a flat table: scalars as they are, times as ISO text, lists joined."""
    from guarantor.jsonout import dumps

    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    if isinstance(value, list | tuple) and all(
        v is None or isinstance(v, bool | int | float | str) for v in value
    ):
        return ", ".join("" if v is None else str(v) for v in value)
    return dumps(value).strip().replace("\n", " ")


def _columns(table: ExportTable) -> list[str]:
    cols: dict[str, None] = {}
    for row in table.rows:
        cols.update(dict.fromkeys(row))
    return [c for c in cols if c != "geometry"]


def _frame(table: ExportTable) -> Any:
    import pandas as pd

    columns = _columns(table)
    data = {c: [plain(r.get(c)) for r in table.rows] for c in columns}
    return pd.DataFrame(data, columns=columns)


def _geoframe(table: ExportTable) -> Any:
    import geopandas as gpd

    assert table.geometry is not None
    return gpd.GeoDataFrame(_frame(table), geometry=list(table.geometry), crs=CRS)


def _write_gpkg(tmp: Path, tables: Sequence[ExportTable]) -> None:
    import pyogrio

    for table in tables:  # each a new layer of the same file
        if not table.spatial and not _columns(table):
            continue  # an empty table without columns: GeoPackage has no such layer
        frame = _geoframe(table) if table.spatial else _frame(table)
        if table.spatial:
            frame = frame.set_geometry(frame.geometry.apply(_multi))
        pyogrio.write_dataframe(frame, tmp, layer=table.name, driver="GPKG")


def _multi(geom: Any) -> Any:
    """Polygons as MultiPolygons, so a layer has one geometry type."""
    import shapely

    if geom is None:
        return None
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    return geom


def _feature_collection(tables: Sequence[ExportTable]) -> dict[str, Any]:
    import shapely

    features = []
    several = sum(t.spatial for t in tables) > 1
    for table in tables:
        if table.geometry is None:
            continue
        for row, geom in zip(table.rows, table.geometry, strict=True):
            props = {k: v for k, v in row.items() if k != "geometry"}
            if several:
                props = {"layer": table.name, **props}
            features.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": None if geom is None else shapely.geometry.mapping(geom),
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _json_doc(tables: Sequence[ExportTable]) -> dict[str, Any]:
    import shapely

    doc: dict[str, Any] = {"crs": CRS, "tables": {}}
    for table in tables:
        rows = [dict(r) for r in table.rows]
        if table.geometry is not None:
            for row, geom in zip(rows, table.geometry, strict=True):
                row["geometry"] = None if geom is None else shapely.geometry.mapping(geom)
        doc["tables"][table.name] = rows
    return doc


def _write_csv(tmp: Path, table: ExportTable) -> None:
    import shapely

    frame = _frame(table)
    if table.geometry is not None:
        frame["geometry_wkt"] = [
            None if g is None else shapely.to_wkt(g, 6) for g in table.geometry
        ]
    frame.to_csv(tmp, index=False, lineterminator="\n")


def _write_parquet(tmp: Path, table: ExportTable) -> None:
    if table.spatial:
        _geoframe(table).to_parquet(tmp, index=False)
    else:
        _frame(table).to_parquet(tmp, index=False, engine="pyarrow")


def _write_xlsx(tmp: Path, tables: Sequence[ExportTable]) -> None:
    import shapely
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        title = _sheet_name(table.name, used)
        sheet = book.create_sheet(title)
        columns = _columns(table)
        extra = ["lon", "lat"] if table.spatial else []
        sheet.append([*columns, *extra])
        shapes = table.geometry or (None,) * len(table.rows)
        for row, geom in zip(table.rows, shapes, strict=True):
            cells = [plain(row.get(c)) for c in columns]
            if table.spatial:
                if geom is None or shapely.is_empty(geom):
                    cells += [None, None]
                else:
                    point = shapely.point_on_surface(geom)
                    cells += [round(float(point.x), 5), round(float(point.y), 5)]
            sheet.append([_xlsx_cell(c) for c in cells])
        sheet.freeze_panes = "A2"
    book.save(tmp)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 32_000:
        return value[:32_000] + "…"
    return value


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "table"
    title, n = base, 2
    while title.lower() in used:
        title = f"{base[:28]}_{n}"
        n += 1
    used.add(title.lower())
    return title


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _staged(target: Path, write: Callable[[Path], object]) -> Path:
    """Write through `write` to a temporary file beside `target`; return its path."""
    fd, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=f".tmp{target.suffix}"
    )
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # GDAL and openpyxl create the file themselves
    try:
        write(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_export(
    path: Path | str,
    tables: Exportable | Sequence[ExportTable] | Mapping[str, ExportTable],
    force: bool = False,
) -> ExportReport:
    """Write a result's tables to `path` in the format its extension names, atomically."""
    from guarantor.jsonout import dumps

    path = Path(path)
    if isinstance(tables, Exportable):
        chosen = tables.tables()
    else:
        chosen = list(tables.values()) if isinstance(tables, Mapping) else list(tables)
    if not chosen:
        raise UserError("nothing to export", Position(str(path)))
    fmt = check_out(path, force, [t.name for t in chosen])
    left_out: tuple[str, ...] = ()
    if fmt is ExportFormat.geojson:
        if not any(t.spatial for t in chosen):
            raise UserError(
                f"--out: {', '.join(t.name for t in chosen)} has no geometry; use .csv, .parquet, "
                ".xlsx, .gpkg or .json",
                Position(str(path)),
            )
        left_out = tuple(f"{t.name} (no geometry)" for t in chosen if not t.spatial)
        chosen = [t for t in chosen if t.spatial]
    elif fmt is ExportFormat.gpkg:
        left_out = tuple(f"{t.name} (empty)" for t in chosen if not t.spatial and not _columns(t))
        chosen = [t for t in chosen if t.spatial or _columns(t)]
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    targets = _targets(path, fmt, [t.name for t in chosen])
    staged: list[tuple[Path, Path]] = []
    try:
        if fmt is ExportFormat.gpkg:
            staged.append((_staged(path, lambda p: _write_gpkg(p, chosen)), path))
        elif fmt is ExportFormat.geojson:
            text = dumps(_feature_collection(chosen))
            staged.append((_staged(path, lambda p: p.write_text(text, encoding="utf-8")), path))
        elif fmt is ExportFormat.json:
            text = dumps(_json_doc(chosen))
            staged.append((_staged(path, lambda p: p.write_text(text, encoding="utf-8")), path))
        elif fmt is ExportFormat.xlsx:
            staged.append((_staged(path, lambda p: _write_xlsx(p, chosen)), path))
        else:
            writer = _write_csv if fmt is ExportFormat.csv else _write_parquet
            for table, target in zip(chosen, targets, strict=True):
                staged.append(
                    (_staged(target, lambda p, t=table: writer(p, t)), target)  # type: ignore[misc]
                )
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise UserError(
            f"--out: cannot write: {exc.strerror or exc}", Position(str(path))
        ) from None
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    mode = 0o666 & ~_umask()  # an ordinary file, as open() would make it
    for tmp, target in staged:
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    return ExportReport(
        path,
        fmt,
        tuple((t.name, len(t.rows)) for t in chosen),
        tuple(t for _, t in staged),
        left_out,
    )


# The tables of the territory results (lon/lat geometry), for `--out` and the Python API.


def rows_table(name: str, rows: Sequence[Mapping[str, Any]]) -> ExportTable:
    """A table without geometry."""
    return ExportTable(name, tuple(dict(r) for r in rows))


def control_table(
    name: str, rows: Sequence[Mapping[str, Any]], geometries: Sequence[Any]
) -> ExportTable:
    """Control polygons (lon/lat) with their attributes, one row per date or source."""
    return ExportTable(name, tuple(dict(r) for r in rows), tuple(geometries))


def change_table(before: Any, after: Any, attributes: Mapping[str, Any]) -> ExportTable:
    """The change polygons between two lon/lat control polygons: one row gained, one lost."""
    from guarantor.territory.changes import gross_change

    change = gross_change(before, after)
    rows = (
        {**attributes, "change": "gained", "area_km2": round(change.gained_km2, 3)},
        {**attributes, "change": "lost", "area_km2": round(change.lost_km2, 3)},
    )
    return ExportTable("changes", rows, (change.gained, change.lost))


def unit_table(units: Any, rows: Sequence[Mapping[str, Any]], name: str = "units") -> ExportTable:
    """Rows keyed by a unit `code`, with the unit's polygon (lon/lat)."""
    where = {code: i for i, code in enumerate(units.codes)}
    return ExportTable(
        name, tuple(dict(r) for r in rows), tuple(units.lonlat[where[r["code"]]] for r in rows)
    )


def incident_tables(doc: Mapping[str, Any], result: Any) -> list[ExportTable]:
    """Incident polygons (the union of their extents) with their attributes and places; the agreed
    line; control at the last date examined."""
    import shapely

    from guarantor.territory.geodesy import to_lonlat

    shapes = [None if i.footprint is None else to_lonlat(i.footprint) for i in result.incidents]
    agreed = {
        "agreed_line": doc.get("agreed_line"),
        "agreed_at": doc.get("agreed_at"),
        "status": doc.get("status"),
    }
    held = {"date": result.last_date.isoformat(), "status": doc.get("status")}
    return [
        ExportTable("incidents", tuple(dict(r) for r in doc["incidents"]), tuple(shapes)),
        ExportTable("agreed_line", (agreed,), (shapely.make_valid(result.agreed),)),
        ExportTable("control_last", (held,), (result.last_held,)),
    ]


def swap_tables(doc: Mapping[str, Any], result: Any) -> list[ExportTable]:
    """The swap areas (what each transfer moves) with their attributes and places; the contact
    line before and after."""
    from guarantor.territory.geodesy import to_lonlat

    transfers = [dict(t) for t in doc.get("transfers", [])]
    shapes = [to_lonlat(result.geometries[t["id"]]) for t in transfers]
    lines = (
        {"line": "before", "length_km": round(result.line_before_km, 1)},
        {"line": "after", "length_km": round(result.line_after_km, 1)},
    )
    # the agreed line the deal implies (read back by --agreed-line) and its zones
    agreed = {
        "description": "area held by the obligor after the swap (the agreed line)",
        "proposal": result.proposal.name,
        "snapshot": result.snapshot,
        "taken_at": result.taken_at.isoformat(),
        "area_km2": round(result.held_after_km2, 1),
    }
    zones = tuple(dict(z) for z in result.zone_rows)
    return [
        ExportTable("agreed_line", (agreed,), (to_lonlat(result.agreed_area()),)),
        ExportTable("swap_areas", tuple(transfers), tuple(shapes)),
        ExportTable(
            "contact_line", lines, (to_lonlat(result.line_before), to_lonlat(result.line_after))
        ),
        ExportTable("zones", zones, tuple(to_lonlat(result.zones[z["id"]]) for z in zones)),
    ]


def event_points(events: Sequence[Any], name: str = "events") -> ExportTable:
    """Conflict events as points (those without coordinates have no geometry)."""
    import shapely

    rows = []
    shapes = []
    for e in events:
        rows.append(
            {
                "source": e.source,
                "source_id": e.source_id,
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "event_type": e.event_type,
                "actors": list(e.actors),
                "fatalities_best": e.fatalities_best,
                "fatalities_low": e.fatalities_low,
                "fatalities_high": e.fatalities_high,
                "civilian_deaths": e.civilian_deaths,
                "geo_precision": e.geo_precision,
                "latitude": e.latitude,
                "longitude": e.longitude,
            }
        )
        has_point = e.latitude is not None and e.longitude is not None
        shapes.append(shapely.Point(e.longitude, e.latitude) if has_point else None)
    return ExportTable(name, tuple(rows), tuple(shapes))
