"""Territorial-control snapshots from a folder, a tar archive (read in place) or one GeoJSON file."""

from __future__ import annotations

import hashlib
import lzma
import os
import re
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import shapely

from guarantor.errors import Position, UserError
from guarantor.sources.geojson_snapshot import (
    DEFAULT_LAYERS,
    UKRAINE_BBOX,
    ParsedSnapshot,
    parse_snapshot_document,
)

# cyterat/deepstate-map-data: one file per day, the snapshot DeepState showed at 03:00 UTC.
CYTERAT_RE = re.compile(r"deepstatemap_data_(\d{8})\.geojson$")
CYTERAT_HOUR = time(3, 0, tzinfo=UTC)
# DanielRose2310/deepstatemaps-history: raw layer dumps named by their unix timestamp.
RAW_RE = re.compile(r"(?:^|/)(\d{9,11})\.geojson$")
# Any other GeoJSON: a date in its name (YYYY-MM-DD or YYYYMMDD) at 00:00 UTC.
DATE_RE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
ARCHIVE_SUFFIXES = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2")

ProgressFn = Callable[[int, str], None]


@dataclass(frozen=True)
class ReadOptions:
    """How to read snapshots: layers kept from raw dumps, the border that drops far features."""

    layers: tuple[str, ...] = DEFAULT_LAYERS
    border: shapely.Geometry | None = None
    extent: tuple[float, float, float, float] = UKRAINE_BBOX
    at: datetime | None = None  # timestamp for a single file whose name carries no date
    since: datetime | None = None  # skip snapshots before this time (not even parsed)
    until: datetime | None = None  # skip snapshots after this time

    def wants(self, when: datetime) -> bool:
        """Whether a snapshot taken at this time is inside the window read."""
        return (self.since is None or when >= self.since) and (
            self.until is None or when <= self.until
        )

    def fingerprint(self, kind: str) -> str:
        """What, besides the file's bytes, decides the parsed geometry (part of the cache key)."""
        if kind != "raw":
            return kind
        border = hashlib.sha256(shapely.to_wkb(self.border)).hexdigest()[:16] if self.border else ""
        return f"raw|{'|'.join(sorted(self.layers))}|{border}"


@dataclass
class SnapshotEntry:
    """One snapshot file: its time, where it came from, and its parsed geometry on demand."""

    name: str
    origin: str
    taken_at: datetime
    kind: str  # "cyterat", "raw" or "geojson"
    path: Path | None = None  # for files on disk, read lazily
    data: bytes | None = None  # for archive members, kept until parsed
    stat_key: str | None = None  # path|size|mtime for files on disk (cheap change detection)
    _digest: str | None = field(default=None, repr=False)
    _parsed: ParsedSnapshot | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """The file for messages: a path, or archive:member."""
        return str(self.path) if self.path is not None else f"{self.origin}:{self.name}"

    def read(self) -> bytes:
        """The file's bytes."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()

    def digest(self, options: ReadOptions) -> str:
        """A content key: SHA-256 of the bytes and of the reading options that matter."""
        if self._digest is None:
            h = hashlib.sha256(self.read())
            h.update(options.fingerprint(self.kind).encode())
            self._digest = h.hexdigest()
        return self._digest

    def set_digest(self, digest: str) -> None:
        """Use a digest known from an earlier run of the same unchanged file."""
        self._digest = digest

    def parsed(self, options: ReadOptions) -> ParsedSnapshot:
        """The parsed, validated and repaired geometry (parsed once)."""
        if self._parsed is None:
            self.digest(options)
            raw = self.kind == "raw"
            self._parsed = parse_snapshot_document(
                self.read(),
                self.label,
                layers=options.layers if raw else None,
                border=options.border if raw else None,
                extent=options.extent,
            )
            self.data = None
        return self._parsed


def timestamp_of(name: str, at: datetime | None = None) -> tuple[datetime, str] | None:
    """The UTC time and kind of a snapshot file from its name, or None if the name has no date."""
    base = name.rsplit("/", 1)[-1]
    if m := CYTERAT_RE.search(base):
        digits = m.group(1)
        try:
            day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            return None
        return datetime.combine(day, CYTERAT_HOUR), "cyterat"
    if m := RAW_RE.search("/" + base):
        return datetime.fromtimestamp(int(m.group(1)), tz=UTC), "raw"
    if at is not None:
        return at.astimezone(UTC), "geojson"
    if m := DATE_RE.search(base):
        try:
            day = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=UTC)
        except ValueError:
            return None
        return day, "geojson"
    return None


def _is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


def _iter_archive(
    path: Path, options: ReadOptions, progress: ProgressFn | None
) -> Iterator[SnapshotEntry]:
    """Stream the members of a tar archive without unpacking it to disk."""
    count = 0
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                if not member.isfile() or not member.name.endswith((".geojson", ".json")):
                    continue
                stamp = timestamp_of(member.name)
                if stamp is None or not options.wants(stamp[0]):
                    continue
                handle = archive.extractfile(member)
                if handle is None:
                    continue
                data = handle.read()
                count += 1
                entry = SnapshotEntry(
                    name=member.name, origin=str(path), taken_at=stamp[0], kind=stamp[1], data=data
                )
                if entry.kind == "raw":
                    entry.parsed(options)  # raw dumps are large: keep the geometry, not the bytes
                if progress:
                    progress(count, member.name)
                yield entry
    except (tarfile.TarError, EOFError, lzma.LZMAError, zlib.error, OSError) as exc:
        raise UserError(
            f"truncated or corrupt archive after {count} snapshot(s): {exc}", Position(str(path))
        ) from None


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
        yield SnapshotEntry(
            name=source.name,
            origin=str(source.parent),
            taken_at=stamp[0],
            kind=stamp[1],
            path=source,
            stat_key=f"{source.resolve()}|{st.st_size}|{st.st_mtime_ns}",
        )


@dataclass
class SnapshotSeries:
    """The snapshots of a source in time order, with the duplicates that were dropped."""

    source: Path
    entries: list[SnapshotEntry]
    duplicates: list[str] = field(default_factory=list)

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


def scan_snapshots(
    source: Path, options: ReadOptions | None = None, progress: ProgressFn | None = None
) -> SnapshotSeries:
    """All snapshots of a source sorted by time; identical duplicates dropped, conflicting refused."""
    options = options or ReadOptions()
    entries = sorted(iter_snapshot_entries(source, options, progress), key=lambda e: e.taken_at)
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
            )
    return SnapshotSeries(source=source, entries=kept, duplicates=duplicates)


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
