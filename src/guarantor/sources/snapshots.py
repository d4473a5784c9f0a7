"""Territorial-control snapshots from a folder, a tar archive (read in place) or one GeoJSON file."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from guarantor.errors import Position, UserError
from guarantor.sources.archive import ArchiveReader, Member, ReadLimits, is_archive
from guarantor.sources.archive import read_file_limited as _read_limited

if TYPE_CHECKING:
    import shapely

    from guarantor.sources.geojson_snapshot import ParsedSnapshot

# DeepState's raw dumps name layers "<Ukrainian> /// <English> [/// <i18n key>]": these are the
# layers whose union is the occupied territory (as in the cyterat daily files). Defined here, not
# in geojson_snapshot, so that answering from the store imports no shapely.
DEFAULT_LAYERS: tuple[str, ...] = ("Occupied", "CADR and CALR", "Occupied Crimea")
# The beneficiary's extent (Ukraine, lon/lat) used to detect swapped coordinates and far-away
# features when no border file is given: west 22.1, south 44.3, east 40.3, north 52.4.
UKRAINE_BBOX: tuple[float, float, float, float] = (22.0, 44.0, 40.5, 52.5)
UKRAINE_AREA_KM2 = 603_628.0  # Ukraine's official area, the base of every share

# cyterat/deepstate-map-data: one file per day, the snapshot DeepState showed at 03:00 UTC.
CYTERAT_RE = re.compile(r"deepstatemap_data_(\d{8})\.geojson$")
CYTERAT_HOUR = time(3, 0, tzinfo=UTC)
# DanielRose2310/deepstatemaps-history: raw layer dumps named by their unix timestamp.
RAW_RE = re.compile(r"(?:^|/)(\d{9,11})\.geojson$")
# Any other GeoJSON: a date in its name (YYYY-MM-DD or YYYYMMDD) at 00:00 UTC.
DATE_RE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
ProgressFn = Callable[[int, str], None]


class SnapshotKind(StrEnum):
    """How a snapshot file is named and read."""

    cyterat = "cyterat"  # deepstatemap_data_YYYYMMDD.geojson, the three layers' union, 03:00 UTC
    raw = "raw"  # <unix time>.geojson, every DeepState layer: layers are selected by name
    geojson = "geojson"  # any other dated FeatureCollection


@dataclass(frozen=True)
class ReadOptions:
    """How to read snapshots: layers kept from raw dumps, the border that drops far features."""

    layers: tuple[str, ...] = DEFAULT_LAYERS
    border: shapely.Geometry | None = None
    extent: tuple[float, float, float, float] = UKRAINE_BBOX
    at: datetime | None = None  # timestamp for a single file whose name carries no date
    since: datetime | None = None  # skip snapshots before this time (not even parsed)
    until: datetime | None = None  # skip snapshots after this time
    limits: ReadLimits = field(default_factory=ReadLimits)
    # A border given as a file: identified by its bytes, loaded only when a raw dump is parsed
    # (a query answered from the store never needs the geometry).
    border_file: Path | None = None
    border_loader: Callable[[Path], shapely.Geometry] | None = field(
        default=None, compare=False, repr=False
    )

    def wants(self, when: datetime) -> bool:
        """Whether a snapshot taken at this time is inside the window read."""
        return (self.since is None or when >= self.since) and (
            self.until is None or when <= self.until
        )

    @cached_property
    def border_geometry(self) -> shapely.Geometry | None:
        """The border that drops far features of raw dumps (loaded on first use)."""
        if self.border is not None:
            return self.border
        if self.border_file is not None and self.border_loader is not None:
            return self.border_loader(self.border_file)
        return None

    @cached_property
    def border_id(self) -> str:
        """A short identity of the border: of its file's bytes, or of its geometry."""
        if self.border is not None:
            import shapely

            return hashlib.sha256(shapely.to_wkb(self.border)).hexdigest()[:16]
        if self.border_file is not None:
            return hashlib.sha256(_read_limited(self.border_file, self.limits)).hexdigest()[:16]
        return ""

    def fingerprint(self, kind: str) -> str:
        """What, besides the file's bytes, decides the parsed geometry (part of the cache key)."""
        if kind != SnapshotKind.raw:
            return str(kind)
        extent = ",".join(f"{v:g}" for v in self.extent)
        return f"raw|{'|'.join(sorted(self.layers))}|{self.border_id}|{extent}"


class SnapshotBacking(Protocol):
    """Where an entry's parsed geometry is kept once read (the territory room's snapshot store)."""

    def load(self, entry: SnapshotEntry) -> ParsedSnapshot:
        """The entry's parsed snapshot, read back."""
        ...


@dataclass
class SnapshotEntry:
    """One snapshot file: its time, where it came from, and its parsed geometry on demand."""

    name: str
    origin: str
    taken_at: datetime
    kind: str  # a SnapshotKind
    path: Path | None = None  # for files on disk, read lazily
    data: bytes | None = None  # bytes already read (dropped once parsed)
    stat_key: str | None = None  # path|size|mtime for files on disk (cheap change detection)
    member: Member | None = None  # for archive members, read lazily through `reader`
    reader: ArchiveReader | None = field(default=None, repr=False)
    backing: SnapshotBacking | None = field(default=None, repr=False)  # parsed copy kept elsewhere
    stored: object | None = field(default=None, repr=False)  # the backing's record of this entry
    limits: ReadLimits = field(default_factory=ReadLimits, repr=False)
    _digest: str | None = field(default=None, repr=False)
    _parsed: ParsedSnapshot | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """The file for messages: a path, or archive:member."""
        return str(self.path) if self.path is not None else f"{self.origin}:{self.name}"

    @property
    def day(self) -> date:
        """The UTC day the snapshot was taken."""
        return self.taken_at.date()

    def read(self) -> bytes:
        """The file's bytes (within the per-file limit)."""
        if self.data is not None:
            return self.data
        if self.path is not None:
            return _read_limited(self.path, self.limits)
        if self.reader is not None and self.member is not None:
            return self.reader.read(self.member)
        raise UserError("snapshot bytes are not available", Position(self.label))

    def digest(self, options: ReadOptions) -> str:
        """A content key: SHA-256 of the bytes and of the reading options that matter."""
        if self._digest is None:
            self._digest = content_digest(self.read(), options.fingerprint(self.kind))
        return self._digest

    def set_digest(self, digest: str) -> None:
        """Use a digest known from an earlier run of the same unchanged file."""
        self._digest = digest

    def parsed(self, options: ReadOptions | None = None) -> ParsedSnapshot:
        """The parsed, validated and repaired geometry (from the store when it has it)."""
        if self.backing is not None:
            return self.backing.load(self)  # not kept: read back in a fraction of a millisecond
        if self._parsed is None:
            options = options or ReadOptions()
            data = self.read()
            if self._digest is None:
                self._digest = content_digest(data, options.fingerprint(self.kind))
            self._parsed = parse_entry_bytes(data, self.label, self.kind, options)
            self.data = None
        return self._parsed


def content_digest(data: bytes, fingerprint: str) -> str:
    """SHA-256 of a snapshot file's bytes and of the options that decide its geometry."""
    h = hashlib.sha256(data)
    h.update(fingerprint.encode())
    return h.hexdigest()


def parse_entry_bytes(data: bytes, label: str, kind: str, options: ReadOptions) -> ParsedSnapshot:
    """Parse one snapshot file's bytes as its kind asks (layers and border for raw dumps only)."""
    from guarantor.sources.geojson_snapshot import parse_snapshot_document

    raw = kind == SnapshotKind.raw
    return parse_snapshot_document(
        data,
        label,
        layers=options.layers if raw else None,
        border=options.border_geometry if raw else None,
        extent=options.extent,
    )


def timestamp_of(name: str, at: datetime | None = None) -> tuple[datetime, str] | None:
    """The UTC time and kind of a snapshot file from its name, or None if the name has no date."""
    base = name.rsplit("/", 1)[-1]
    if m := CYTERAT_RE.search(base):
        digits = m.group(1)
        try:
            day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            return None
        return datetime.combine(day, CYTERAT_HOUR), SnapshotKind.cyterat
    if m := RAW_RE.search("/" + base):
        try:
            return datetime.fromtimestamp(int(m.group(1)), tz=UTC), SnapshotKind.raw
        except (OverflowError, OSError, ValueError):
            return None
    if at is not None:
        return at.astimezone(UTC), SnapshotKind.geojson
    if m := DATE_RE.search(base):
        try:
            day = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=UTC)
        except ValueError:
            return None
        return day, SnapshotKind.geojson
    return None


def _is_archive(path: Path) -> bool:
    return is_archive(path)


def _iter_archive(
    path: Path, options: ReadOptions, progress: ProgressFn | None
) -> Iterator[SnapshotEntry]:
    """The members of a tar archive from one pass over its headers (bytes read on demand)."""
    reader = ArchiveReader(path, options.limits)
    for member in reader.index(progress):
        stamp = timestamp_of(member.name)
        if stamp is None or not options.wants(stamp[0]):
            continue
        yield SnapshotEntry(
            name=member.name,
            origin=str(path),
            taken_at=stamp[0],
            kind=stamp[1],
            member=member,
            reader=reader,
            limits=options.limits,
        )


def _iter_folder(path: Path, options: ReadOptions) -> Iterator[SnapshotEntry]:
    """The snapshot files directly in a folder (read lazily; one scandir, no per-file resolve)."""
    base = path.resolve()
    with os.scandir(base) as scan:
        found = sorted(
            (e.name, e) for e in scan if e.name.endswith((".geojson", ".json")) and e.is_file()
        )
    for name, dirent in found:
        stamp = timestamp_of(name)
        if stamp is None or not options.wants(stamp[0]):
            continue
        st = dirent.stat()
        file = base / name
        yield SnapshotEntry(
            name=name,
            origin=str(path),
            taken_at=stamp[0],
            kind=stamp[1],
            path=file,
            stat_key=f"{file}|{st.st_size}|{st.st_mtime_ns}",
            limits=options.limits,
        )


def iter_snapshot_entries(
    source: Path, options: ReadOptions | None = None, progress: ProgressFn | None = None
) -> Iterator[SnapshotEntry]:
    """The snapshot files of a source in the order they are stored (not yet sorted)."""
    options = options or ReadOptions()
    if not source.exists():
        raise UserError("snapshot source does not exist", Position(str(source)))
    if source.is_dir():
        yield from _iter_folder(source, options)
    elif _is_archive(source):
        yield from _iter_archive(source, options, progress)
    else:
        stamp = timestamp_of(source.name, options.at)
        if stamp is None:
            raise UserError(
                "cannot tell the date of this snapshot: name it deepstatemap_data_YYYYMMDD.geojson "
                "or pass its time (--at)",
                Position(str(source)),
            )
        st = source.stat()
        options.limits.check_file(st.st_size, Position(str(source)))
        yield SnapshotEntry(
            name=source.name,
            origin=str(source.parent),
            taken_at=stamp[0],
            kind=stamp[1],
            path=source,
            stat_key=f"{source.resolve()}|{st.st_size}|{st.st_mtime_ns}",
            limits=options.limits,
        )


@dataclass
class SnapshotSeries:
    """The snapshots of a source in time order, with the duplicates that were dropped."""

    source: Path
    entries: list[SnapshotEntry]
    duplicates: list[str] = field(default_factory=list)
    # What reading found and did besides: snapshots left out (with where and why), store notes.
    rejected: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def at_or_before(self, when: datetime) -> SnapshotEntry:
        """The last snapshot taken at or before a time."""
        best = None
        for entry in self.entries:
            if entry.taken_at <= when:
                best = entry
            else:
                break
        if best is None:
            first = self.entries[0].taken_at.isoformat() if self.entries else "none"
            raise UserError(
                f"no snapshot at or before {when.isoformat()} (first snapshot: {first})",
                Position(str(self.source)),
            )
        return best

    def between(self, start: datetime | None, end: datetime | None) -> list[SnapshotEntry]:
        """The snapshots with start <= time <= end (either bound may be open)."""
        return [
            e
            for e in self.entries
            if (start is None or e.taken_at >= start) and (end is None or e.taken_at <= end)
        ]


def sort_and_check(
    source: Path, entries: list[SnapshotEntry], options: ReadOptions
) -> SnapshotSeries:
    """Entries sorted by time; identical duplicates dropped, two different ones at once refused."""
    entries = sorted(entries, key=lambda e: e.taken_at)
    if not entries:
        raise UserError(
            "no snapshot files found (expected deepstatemap_data_YYYYMMDD.geojson, "
            "<unix time>.geojson or a dated .geojson)",
            Position(str(source)),
        )
    kept: list[SnapshotEntry] = [entries[0]]
    duplicates: list[str] = []
    for entry in entries[1:]:
        previous = kept[-1]
        if entry.taken_at != previous.taken_at:
            kept.append(entry)
        elif entry.digest(options) == previous.digest(options):
            duplicates.append(entry.label)
        else:
            raise UserError(
                f"two different snapshots for {entry.taken_at.isoformat()}: "
                f"{previous.label} and {entry.label}",
                Position(entry.label),
                exit_code=3,
            )
    return SnapshotSeries(source=source, entries=kept, duplicates=duplicates)


def scan_snapshots(
    source: Path, options: ReadOptions | None = None, progress: ProgressFn | None = None
) -> SnapshotSeries:
    """All snapshots of a source sorted by time, read from the source itself (nothing written).

    An archive is indexed in one pass over its headers; members are read when parsed. Identical
    duplicates are dropped; two different snapshots at one time are refused. The territory
    room's store (`guarantor.territory.store.open_series`) keeps parsed snapshots between runs.
    """
    options = options or ReadOptions()
    entries = list(iter_snapshot_entries(source, options, progress))
    return sort_and_check(source, entries, options)


def parse_day(text: str, what: str = "date") -> datetime:
    """A user's date or datetime (ISO 8601) as aware UTC; a bare date means the end of that day."""
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) - timedelta(microseconds=1)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} {text!r} is not a date (YYYY-MM-DD) or ISO datetime") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
