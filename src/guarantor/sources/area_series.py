"""Reference series of occupied area (km² per date) from other trackers: liveuamap, NZZ, ISW."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from guarantor.errors import Position, UserError
from guarantor.sources.archive import DATA_EXIT, ReadLimits, read_file_limited
from guarantor.sources.snapshots import UKRAINE_AREA_KM2

# ISW's layers are areas of different things; this one is its assessed Russian control.
ISW_DEFAULT_LAYER = "ukraine_control_map"
AREA_SUFFIXES = (".csv", ".json")
# Larger than Ukraine is not an occupied area of it.
MAX_AREA_KM2 = UKRAINE_AREA_KM2


@dataclass(frozen=True)
class AreaPoint:
    """One reference value: the occupied area a tracker gives for a date."""

    taken_at: datetime
    area_km2: float
    row: int  # where in the file (CSV row or JSON item), for messages


@dataclass
class AreaSeries:
    """A tracker's occupied-area series in time order, with the rows left out and why."""

    source: Path
    label: str
    points: list[AreaPoint]
    quarantined: list[str] = field(default_factory=list)

    def at_or_before(self, when: datetime) -> AreaPoint | None:
        """The last value dated at or before a time."""
        best = None
        for point in self.points:
            if point.taken_at <= when:
                best = point
            else:
                break
        return best


def looks_like_area_series(path: Path) -> bool:
    """Whether a file is an area series (CSV or JSON of dates and km²) rather than geometry."""
    if not path.is_file() or not path.name.endswith(AREA_SUFFIXES):
        return False
    with path.open("rb") as handle:
        head = handle.read(4096)
    if path.name.endswith(".csv"):
        return True
    return b'"FeatureCollection"' not in head and b'"Feature"' not in head


def _when(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace(" ", "T"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def read_area_series(
    path: Path, layer: str | None = None, limits: ReadLimits | None = None
) -> AreaSeries:
    """Read a reference series: `date,area` CSV, a {date: km²} JSON or ISW's per-layer JSON list."""
    data = read_file_limited(path, limits)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"not UTF-8 text ({exc})", Position(str(path)), exit_code=DATA_EXIT
        ) from None
    raw: list[tuple[int, Any, Any]] = []
    label = path.name
    if path.name.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if "date" not in fields or not ({"area", "area_km2"} & set(fields)):
            raise UserError(
                "expected a CSV with columns date and area (km²)", Position(str(path), line=1)
            )
        for i, rec in enumerate(reader, start=2):
            rec = {k.strip().lower(): v for k, v in rec.items() if k is not None}
            raw.append((i, rec.get("date"), rec.get("area", rec.get("area_km2"))))
    else:
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise UserError(
                f"not valid JSON ({exc})", Position(str(path)), exit_code=DATA_EXIT
            ) from None
        if isinstance(doc, dict):
            raw = [(i, k, v) for i, (k, v) in enumerate(doc.items(), start=1)]
        elif isinstance(doc, list):
            chosen = layer or ISW_DEFAULT_LAYER
            label = f"{path.name} ({chosen})"
            items = [d for d in doc if isinstance(d, dict) and d.get("layerType") == chosen]
            if not items:
                found = sorted({str(d.get("layerType")) for d in doc if isinstance(d, dict)})
                raise UserError(
                    f"no items of layer {chosen!r}; layers: {', '.join(found[:12]) or 'none'}",
                    Position(str(path)),
                )
            raw = [(i, d.get("date"), d.get("areaKm2")) for i, d in enumerate(items, start=1)]
        else:
            raise UserError(
                "expected a {date: km²} object or a list of {date, layerType, areaKm2}",
                Position(str(path)),
            )
    series = AreaSeries(path, label, [])
    for row, when, value in raw:
        where = Position(str(path), row=row)
        try:
            taken = _when(str(when))
            area = float(value)
        except (TypeError, ValueError, OverflowError):
            series.quarantined.append(f"{where}: {when!r}, {value!r} is not a date and an area")
            continue
        if not math.isfinite(area) or not 0 <= area <= MAX_AREA_KM2:
            series.quarantined.append(
                f"{where}: area {value!r} is not between 0 and {MAX_AREA_KM2:,.0f} km²"
            )
            continue
        series.points.append(AreaPoint(taken, area, row))
    series.points.sort(key=lambda p: p.taken_at)
    if not series.points:
        raise UserError(
            "no usable (date, area) values", Position(str(path)), details=series.quarantined[:5]
        )
    return series
