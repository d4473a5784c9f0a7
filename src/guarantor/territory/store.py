"""The snapshot store: a source's parsed snapshots as WKB in SQLite, built on its first read.

One SQLite file per source and reading options, in the user's cache folder (never in the
checkout). Per snapshot it keeps the filtered, validated, repaired geometry (WKB, lon/lat, zlib),
a simplified copy for display, the geodesic and equal-area areas and what parsing repaired or
left out. Every row carries checksums: a damaged row, a store of an older format, a store whose
source has changed since it was built are noticed and the store is rebuilt (a newer format is
refused); the new store is written beside the old one and renamed over it, so a reader never
sees old and new snapshots mixed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.errors import Position, UserError
from guarantor.sources.archive import DATA_EXIT, ArchiveReader, Member, is_archive
from guarantor.sources.locate import cache_dir
from guarantor.sources.snapshots import (
    ProgressFn,
    ReadOptions,
    SnapshotEntry,
    SnapshotSeries,
    content_digest,
    iter_snapshot_entries,
    parse_entry_bytes,
    timestamp_of,
)

if TYPE_CHECKING:
    import shapely

    from guarantor.sources.geojson_snapshot import ParsedSnapshot

# Bump FORMAT when the tables change and PARSER when parsing gives other geometry or measures:
# a store with an older value is rebuilt, one with a newer value refused.
# (PARSER 4: areas read edges as straight in lon/lat, RFC 7946; 3 read them as geodesics.)
FORMAT = 2
PARSER = 4
DISPLAY_TOLERANCE_DEG = 0.0005  # about 50 m: the simplified copy for maps and the dashboard

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE snapshot (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, taken_at INTEGER NOT NULL, kind TEXT NOT NULL,
  content TEXT NOT NULL, geometry TEXT, area_km2 REAL,
  features INTEGER NOT NULL, repaired INTEGER NOT NULL, skipped INTEGER NOT NULL,
  outside INTEGER NOT NULL, layers TEXT NOT NULL, unselected TEXT NOT NULL, notes TEXT NOT NULL,
  stat_key TEXT,
  offset INTEGER, size INTEGER, wkb BLOB, display BLOB, wkb_sum TEXT, row_sum TEXT NOT NULL);
CREATE INDEX snapshot_time ON snapshot (taken_at);
CREATE TABLE duplicate (label TEXT NOT NULL, of_name TEXT NOT NULL, stat_key TEXT);
CREATE TABLE rejected (
  label TEXT NOT NULL, taken_at INTEGER NOT NULL, message TEXT NOT NULL, stat_key TEXT);
"""
_COLUMNS = (
    "id, name, taken_at, kind, content, geometry, area_km2, features, repaired, "
    "skipped, outside, layers, unselected, notes, stat_key, offset, size, wkb_sum, row_sum"
)


class StoreEvent(StrEnum):
    """What opening a store found."""

    built = "built"  # there was none
    stale = "stale"  # the source changed since it was built
    corrupt = "corrupt"  # unreadable, or a row failed its checksum
    older = "older"  # written by an older version of guarantor
    repaired = "repaired"  # a stored geometry was damaged and read again from the source


@dataclass(frozen=True)
class StoreNote:
    """One thing the store did or found, for the user."""

    event: StoreEvent
    message: str

    def __str__(self) -> str:
        return f"{self.event.value}: {self.message}"


def _micros(when: datetime) -> int:
    return int(when.timestamp() * 1_000_000)


def _from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


def _sum(*parts: object) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        # bytes (WKB) are hashed as they are: repr() of a large blob cost more than the hash
        h.update(part if isinstance(part, bytes) else repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


@dataclass(frozen=True)
class StoredSnapshot:
    """One stored snapshot's metadata (its geometry stays in the store until asked for)."""

    id: int
    name: str
    taken_at: datetime
    kind: str
    content: str  # digest of the file's bytes and reading options
    # Set once the snapshot is parsed (a store indexes every snapshot of its source at once and
    # parses them when first needed): the digest of the geometry's WKB (equal geometry, equal
    # key, across sources) and its geodesic area (WGS84).
    geometry: str | None
    area_km2: float | None
    features: int
    repaired: int
    skipped: int
    outside: int
    layers: tuple[str, ...]
    unselected: tuple[str, ...]  # occupation-like layers not read (see geojson_snapshot)
    notes: tuple[str, ...]
    stat_key: str | None
    offset: int | None
    size: int | None
    wkb_sum: str | None

    @property
    def parsed(self) -> bool:
        """Whether the snapshot's geometry is in the store."""
        return self.geometry is not None

    def row_sum(self) -> str:
        """The checksum over every field of the row."""
        return _sum(
            self.name,
            _micros(self.taken_at),
            self.kind,
            self.content,
            self.geometry,
            self.area_km2,
            self.features,
            self.repaired,
            self.skipped,
            self.outside,
            self.layers,
            self.unselected,
            self.notes,
            self.stat_key,
            self.offset,
            self.size,
            self.wkb_sum,
        )


def store_dir() -> Path:
    """Where stores live: the user's cache folder (XDG_CACHE_HOME/guarantor/snapshots)."""
    return cache_dir().parent / "snapshots"


def store_path(source: Path, options: ReadOptions, folder: Path | None = None) -> Path:
    """The store file of a source read with these options."""
    key = f"{source.resolve()}|{options.fingerprint('raw')}|{options.at}"
    name = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    return (folder or store_dir()) / f"{name}.sqlite"


class SnapshotStore:
    """An open store (read-only): stored snapshots and their geometry on demand."""

    def __init__(self, path: Path, source: Path, options: ReadOptions) -> None:
        self.path = path
        self.source = source
        self.options = options
        self.db = _read_only(path)
        self.meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        self.notes: list[StoreNote] = []
        self._reader: ArchiveReader | None = None

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def rows(self, where: str = "ORDER BY taken_at, id") -> list[StoredSnapshot]:
        """Stored snapshots (default: all, in time order); a row failing its checksum is an error."""
        out = []
        query = f"SELECT {_COLUMNS} FROM snapshot {where}"
        for r in self.db.execute(query):
            row = StoredSnapshot(
                id=r[0],
                name=r[1],
                taken_at=_from_micros(r[2]),
                kind=r[3],
                content=r[4],
                geometry=r[5],
                area_km2=r[6],
                features=r[7],
                repaired=r[8],
                skipped=r[9],
                outside=r[10],
                layers=tuple(json.loads(r[11])),
                unselected=tuple(json.loads(r[12])),
                notes=tuple(json.loads(r[13])),
                stat_key=r[14],
                offset=r[15],
                size=r[16],
                wkb_sum=r[17],
            )
            if row.row_sum() != r[18]:
                raise _Corrupt(f"the row of snapshot {row.name} fails its checksum")
            out.append(row)
        return out

    def duplicates(self) -> list[str]:
        """Identical duplicates dropped when the store was built."""
        query = "SELECT label, of_name FROM duplicate ORDER BY label"
        return [f"{label} (= {of})" for label, of in self.db.execute(query)]

    def rejected(self) -> list[str]:
        """Snapshots left out when the store was built: where and why."""
        query = "SELECT message FROM rejected ORDER BY taken_at, label"
        return [m for (m,) in self.db.execute(query)]

    def rejected_between(self, after: datetime, until: datetime | None) -> list[str]:
        """Snapshots left out that were taken after one time and up to another."""
        query = (
            "SELECT message FROM rejected WHERE taken_at > ? AND taken_at <= ? ORDER BY taken_at"
        )
        end = _micros(until) if until is not None else 2**62
        return [m for (m,) in self.db.execute(query, (_micros(after), end))]

    def stat_keys(self) -> set[str]:
        """path|size|mtime of every file the store has seen (kept, duplicate or rejected)."""
        query = (
            "SELECT stat_key FROM snapshot UNION SELECT stat_key FROM duplicate "
            "UNION SELECT stat_key FROM rejected"
        )
        return {k for (k,) in self.db.execute(query) if k}

    def load(self, entry: SnapshotEntry) -> ParsedSnapshot:
        """The stored geometry of an entry; a damaged one is read again from the source."""
        import shapely

        from guarantor.sources.geojson_snapshot import ParsedSnapshot

        row = _row_of(entry)
        if not row.parsed:
            data = self._source_bytes(entry, row)
            return parse_entry_bytes(data, entry.label, entry.kind, self.options)
        try:
            blob = self.db.execute("SELECT wkb FROM snapshot WHERE id=?", (row.id,)).fetchone()
        except sqlite3.Error:
            blob = None
        geom = None
        if blob is not None and isinstance(blob[0], bytes) and _sum(blob[0]) == row.wkb_sum:
            with contextlib.suppress(shapely.errors.GEOSException):
                geom = shapely.from_wkb(blob[0])
        if geom is None:
            return self._repair(entry, row)
        return ParsedSnapshot(
            geometry=geom,
            features=row.features,
            repaired=row.repaired,
            dropped_outside=row.outside,
            skipped_layers=row.skipped,
            quarantined=[n for n in row.notes if "off the beneficiary" not in n],
            outside=[n for n in row.notes if "off the beneficiary" in n],
            layers=row.layers,
            unselected=row.unselected,
        )

    def display(self, entry: SnapshotEntry) -> shapely.Geometry:
        """The simplified geometry of an entry (for maps)."""
        import shapely

        row = _row_of(entry)
        try:
            blob = self.db.execute("SELECT display FROM snapshot WHERE id=?", (row.id,)).fetchone()
            return shapely.from_wkb(blob[0])
        except (TypeError, sqlite3.Error, shapely.errors.GEOSException):
            return shapely.simplify(self.load(entry).geometry, DISPLAY_TOLERANCE_DEG)

    def _repair(self, entry: SnapshotEntry, row: StoredSnapshot) -> ParsedSnapshot:
        """Read a damaged snapshot again from its source; the store is dropped, to be rebuilt."""
        data = self._source_bytes(entry, row)
        parsed = parse_entry_bytes(data, entry.label, entry.kind, self.options)
        self.notes.append(
            StoreNote(
                StoreEvent.repaired,
                f"the stored geometry of {entry.label} was damaged (checksum): read again from "
                f"the source; the store {self.path} is removed and will be rebuilt on the next read",
            )
        )
        with contextlib.suppress(OSError):
            self.path.unlink()
        return parsed

    def _source_bytes(self, entry: SnapshotEntry, row: StoredSnapshot) -> bytes:
        if entry.path is not None:
            return entry.read()
        if row.offset is None or row.size is None:
            raise UserError("snapshot bytes are not available", Position(entry.label))
        if self._reader is None:
            self._reader = ArchiveReader(self.source, self.options.limits)
        return self._reader.read(Member(row.name, row.size, row.offset))


def reopen_stores(entries: list[SnapshotEntry]) -> None:
    """In a forked worker: give every store behind these entries its own database connection
    (SQLite connections must not be shared across a fork) and every archive its own file."""
    seen: set[int] = set()
    for entry in entries:
        if entry.reader is not None:
            entry.reader.forget()
        store = entry.backing
        if isinstance(store, SnapshotStore) and id(store) not in seen:
            seen.add(id(store))
            store.db = _read_only(store.path)


def _read_only(path: Path) -> sqlite3.Connection:
    # A writer filling in parsed snapshots holds its lock for one short transaction: wait for it.
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60, check_same_thread=False)


class _Corrupt(Exception):
    """A store that cannot be trusted."""


def _row_of(entry: SnapshotEntry) -> StoredSnapshot:
    if not isinstance(entry.stored, StoredSnapshot):
        raise UserError("not a stored snapshot", Position(entry.label))
    return entry.stored


def stored_row(entry: SnapshotEntry) -> StoredSnapshot | None:
    """The store's row behind an entry, if it came from a store."""
    return entry.stored if isinstance(entry.stored, StoredSnapshot) else None


# --- identity of the source -------------------------------------------------------------------

_HASH_LIMIT = 256 << 20  # archives up to this size are hashed to confirm they did not change


def _file_identity(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _file_hash(path: Path) -> str:
    if path.stat().st_size > _HASH_LIMIT:
        return ""
    h = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _stale_reason(
    store: SnapshotStore, source: Path, rows: list[StoredSnapshot] | None
) -> str | None:
    """Why a store no longer matches its source, or None when it does."""
    if source.is_dir():
        listing = {e.stat_key for e in iter_snapshot_entries(source, _window_free(store.options))}
        stored = store.stat_keys()
        if listing == stored:
            return None
        added = len(listing - stored)
        gone = len(stored - listing)
        return f"{added} snapshot file(s) new or changed, {gone} gone or changed"
    identity = json.loads(store.meta.get("identity", "{}"))
    now = _file_identity(source)
    if now["size"] == identity.get("size") and now["mtime_ns"] == identity.get("mtime_ns"):
        return None
    digest = _file_hash(source)
    if digest and digest == identity.get("sha256"):
        return None
    return (
        f"{source.name} changed since the store was built (size {identity.get('size')} -> "
        f"{now['size']}, content {'different' if digest else 'not re-hashed'})"
    )


def _window_free(options: ReadOptions) -> ReadOptions:
    from dataclasses import replace

    return replace(options, since=None, until=None)


# --- opening ----------------------------------------------------------------------------------


def _open_existing(
    path: Path, source: Path, options: ReadOptions, notes: list[StoreNote]
) -> tuple[SnapshotStore, list[StoredSnapshot]] | None:
    """An existing store with its rows, or None (with a note saying why it is not usable)."""
    if not path.exists():
        return None
    try:
        store = SnapshotStore(path, source, options)
    except sqlite3.DatabaseError as exc:
        notes.append(StoreNote(StoreEvent.corrupt, f"{path} is unreadable ({exc}): rebuilt"))
        return None
    try:
        fmt = int(store.meta.get("format", "0"))
        parser = int(store.meta.get("parser", "0"))
        if fmt > FORMAT or parser > PARSER:
            store.close()
            raise UserError(
                f"this store was written by a newer guarantor (format {fmt}.{parser}, this "
                f"version reads {FORMAT}.{PARSER}): refused; remove it or use another --store",
                Position(str(path)),
                exit_code=DATA_EXIT,
            )
        if fmt < FORMAT or parser < PARSER:
            notes.append(
                StoreNote(
                    StoreEvent.older,
                    f"{path} was written by an older guarantor (format {fmt}.{parser}, now "
                    f"{FORMAT}.{PARSER}): rebuilt",
                )
            )
            store.close()
            return None
        if store.meta.get("complete") != "1" or store.meta.get("source") != str(source.resolve()):
            raise _Corrupt("it is incomplete or belongs to another source")
        rows = store.rows()
        if len(rows) != int(store.meta.get("count", "-1")):
            raise _Corrupt("rows are missing")
    except (sqlite3.DatabaseError, _Corrupt, ValueError, KeyError) as exc:
        store.close()
        notes.append(StoreNote(StoreEvent.corrupt, f"{path} is corrupt ({exc}): rebuilt"))
        return None
    return store, rows


def _series_of(
    store: SnapshotStore, rows: list[StoredSnapshot], options: ReadOptions, notes: list[StoreNote]
) -> SnapshotSeries:
    source = store.source
    folder, archive = source.is_dir(), is_archive(source)
    origin = str(source if archive or folder else source.parent)
    entries = []
    for row in rows:
        if not options.wants(row.taken_at):
            continue
        on_disk = source / row.name if folder else (None if archive else source)
        entry = SnapshotEntry(
            name=row.name,
            origin=origin,
            taken_at=row.taken_at,
            kind=row.kind,
            path=on_disk,
            stat_key=row.stat_key,
            member=(
                Member(row.name, row.size, row.offset)
                if row.offset is not None and row.size is not None
                else None
            ),
            backing=store,
            stored=row,
            limits=options.limits,
        )
        entry.set_digest(row.content)
        entries.append(entry)
    series = SnapshotSeries(
        source=source,
        entries=entries,
        duplicates=store.duplicates(),
        rejected=store.rejected(),
        notes=[str(n) for n in notes],
    )
    store.notes.extend(notes)
    return series


def peek_entry(
    source: Path, options: ReadOptions, when: datetime | None, folder: Path | None = None
) -> tuple[SnapshotEntry | None, SnapshotStore] | None:
    """The snapshot in effect at `when` from a current store, reading that one row only; None
    when there is no usable store (then the caller reads the source)."""
    path = store_path(source, options, folder)
    if not path.exists():
        return None
    try:
        store = SnapshotStore(path, source, options)
        fmt, parser = int(store.meta.get("format", "0")), int(store.meta.get("parser", "0"))
        if (fmt, parser) != (FORMAT, PARSER) or store.meta.get("complete") != "1":
            store.close()
            return None
        if _stale_reason(store, source, None) is not None:
            store.close()
            return None
        end = _micros(when) if when is not None else 2**62
        found = store.rows(f"WHERE taken_at <= {int(end)} ORDER BY taken_at DESC, id DESC LIMIT 1")
    except (sqlite3.DatabaseError, _Corrupt, ValueError):
        return None
    if not found:
        return None, store
    series = _series_of(store, found, options, [])
    return (series.entries[0] if series.entries else None), store


def peek_series(
    source: Path, options: ReadOptions | None = None, folder: Path | None = None
) -> SnapshotSeries | None:
    """A source's series from its store if the store exists and is current; never builds one."""
    options = options or ReadOptions()
    if not source.exists():
        raise UserError("snapshot source does not exist", Position(str(source)))
    notes: list[StoreNote] = []
    found = _open_existing(store_path(source, options, folder), source, options, notes)
    if found is None:
        return None
    store, rows = found
    if _stale_reason(store, source, rows) is not None:
        store.close()
        return None
    return _series_of(store, rows, options, notes)


def open_series(
    source: Path,
    options: ReadOptions | None = None,
    progress: ProgressFn | None = None,
    folder: Path | None = None,
    rebuild: bool = False,
    wanted: Callable[[str], bool] | None = None,
) -> SnapshotSeries:
    """A source's snapshots from its store; the store is built (or rebuilt) when needed.

    Every snapshot is indexed; those `wanted` (by name; default: all) are parsed into the store
    now, the others when first asked for.
    """
    series = _open_series(source, options, progress, folder, rebuild, wanted)
    chosen = [e for e in series.entries if (wanted or _all)(e.name)]
    if isinstance(wanted, LastOfDays):
        chosen = last_of_each_day(chosen)
    missing = {e.name for e in chosen if (row := stored_row(e)) is not None and not row.parsed}
    if not missing:
        return series
    store = _store_of(series)
    assert store is not None
    fill_store(store.path, source, store.options, missing, progress)
    notes = list(series.notes)
    again = _open_series(source, options, None, folder, False, wanted)
    again.notes = notes + again.notes
    return again


def _all(_: str) -> bool:
    return True


def last_of_each_day(entries: list[SnapshotEntry]) -> list[SnapshotEntry]:
    """The last snapshot of each UTC day, of entries in time order."""
    return list({e.day: e for e in entries}.values())


@dataclass(frozen=True)
class LastOfDays:
    """Which snapshots a new store parses: of each day in the window read that is not covered
    (by a preferred source), the last one; the others are only indexed."""

    options: ReadOptions
    covered: frozenset[date]

    def __call__(self, name: str) -> bool:
        """Whether a snapshot file (by name) is on a wanted day (the last of the day is _fill's)."""
        stamp = timestamp_of(name)
        return (
            stamp is not None
            and self.options.wants(stamp[0])
            and stamp[0].date() not in self.covered
        )


def _open_series(
    source: Path,
    options: ReadOptions | None,
    progress: ProgressFn | None,
    folder: Path | None,
    rebuild: bool,
    wanted: Callable[[str], bool] | None,
) -> SnapshotSeries:
    options = options or ReadOptions()
    if not source.exists():
        raise UserError("snapshot source does not exist", Position(str(source)))
    path = store_path(source, options, folder)
    notes: list[StoreNote] = []
    found = None if rebuild else _open_existing(path, source, options, notes)
    reuse: SnapshotStore | None = None
    reuse_rows: list[StoredSnapshot] = []
    if found is not None:
        store, rows = found
        reason = _stale_reason(store, source, rows)
        if reason is None:
            return _series_of(store, rows, options, notes)
        notes.append(StoreNote(StoreEvent.stale, f"{reason}: the store is rebuilt"))
        reuse, reuse_rows = store, rows
    elif not notes and not rebuild:
        notes.append(StoreNote(StoreEvent.built, f"first read of {source.name}: store {path}"))
    try:
        build_store(source, options, path, progress, reuse, reuse_rows, wanted)
    finally:
        if reuse is not None:
            reuse.close()
    built = _open_existing(path, source, options, notes)
    if built is None:
        raise UserError("the store just built cannot be read back", Position(str(path)))
    return _series_of(built[0], built[1], options, notes)


# --- building ---------------------------------------------------------------------------------


@dataclass
class _Pending:
    """A snapshot file to store: where it is and its bytes (dropped once stored)."""

    name: str
    taken_at: datetime
    kind: str
    label: str
    stat_key: str | None = None
    member: Member | None = None
    data: bytes | None = field(default=None, repr=False)


def _pending(source: Path, options: ReadOptions, progress: ProgressFn | None) -> Iterator[_Pending]:
    """Every snapshot file of a source with its bytes; archives in one forward pass."""
    if is_archive(source):
        reader = ArchiveReader(source, options.limits)
        for member, data in reader.iter_members(progress):
            stamp = timestamp_of(member.name)
            if stamp is None:
                continue
            yield _Pending(
                member.name, stamp[0], stamp[1], f"{source}:{member.name}", None, member, data
            )
        return
    for i, entry in enumerate(iter_snapshot_entries(source, _window_free(options))):
        if progress:
            progress(i + 1, entry.name)
        yield _Pending(entry.name, entry.taken_at, entry.kind, entry.label, entry.stat_key)


def build_store(
    source: Path,
    options: ReadOptions,
    path: Path,
    progress: ProgressFn | None = None,
    reuse: SnapshotStore | None = None,
    reuse_rows: list[StoredSnapshot] | None = None,
    wanted: Callable[[str], bool] | None = None,
) -> Path:
    """Index every snapshot of a source into a new store file at `path`; parse and measure those
    wanted (default: all) and keep parsed rows of the old store whose content is the same."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp, timeout=60)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(_SCHEMA)
        by_content = {r.content: r for r in reuse_rows or []}
        by_stat = {r.stat_key: r for r in reuse_rows or [] if r.stat_key}
        count = _fill(db, source, options, progress, reuse, by_content, by_stat, wanted or _all)
        duplicates = _drop_duplicates(db, source)
        identity = (
            {} if source.is_dir() else {**_file_identity(source), "sha256": _file_hash(source)}
        )
        meta = {
            "format": str(FORMAT),
            "parser": str(PARSER),
            "source": str(source.resolve()),
            "options": options.fingerprint("raw"),
            "identity": json.dumps(identity, sort_keys=True),
            "count": str(count - duplicates),
            "complete": "1",
        }
        db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        db.commit()
        db.close()
        # a journal left by a writer of the old file must not be applied to the new one
        path.with_name(path.name + "-journal").unlink(missing_ok=True)
        os.replace(tmp, path)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    _prune(path.parent, keep=path)
    return path


def _fill(
    db: sqlite3.Connection,
    source: Path,
    options: ReadOptions,
    progress: ProgressFn | None,
    reuse: SnapshotStore | None,
    by_content: dict[str, StoredSnapshot],
    by_stat: dict[str, StoredSnapshot],
    wanted: Callable[[str], bool],
) -> int:
    """Insert a row per snapshot file: reused from the old store when its content is the same,
    else parsed and measured (in worker processes when there are many) if wanted (with LastOfDays,
    only the last of each day), else indexed."""
    count = 0
    with _Measurer(options) as measurer:
        held = _LastOfDay(db, measurer)
        for item in _pending(source, options, progress):
            old = by_stat.get(item.stat_key) if item.stat_key else None
            data = item.data
            item.data = None
            if old is None:
                if data is None:
                    data = _read_item(source, item, options)
                content = content_digest(data, options.fingerprint(item.kind))
                old = by_content.get(content)
            else:
                content = old.content
            blobs = _reusable(reuse, old) if old is not None and old.parsed else None
            if old is not None and blobs is not None:
                _insert(db, item, old, blobs[0], blobs[1])
                count += 1
            elif not wanted(item.name):
                _insert(db, item, _index_row(item, content), None, None)
                count += 1
            else:
                if data is None:
                    data = _read_item(source, item, options)
                if isinstance(wanted, LastOfDays):
                    count += held.hold(item, content, data)
                else:
                    measurer.submit(item, content, data)
            for done in measurer.ready():
                count += _record(db, done)
        held.release()
        for done in measurer.finish():
            count += _record(db, done)
    return count


class _LastOfDay:
    """Holds the latest snapshot of each day until a later day shows up, then has it parsed; an
    earlier one of the same day is only indexed. (Archives list their dumps in time order, so one
    day is held at a time; out of order, a day may have more than one parsed, never none.)"""

    def __init__(self, db: sqlite3.Connection, measurer: _Measurer) -> None:
        self.db = db
        self.measurer = measurer
        self.days: dict[date, tuple[_Pending, str, bytes]] = {}

    def hold(self, item: _Pending, content: str, data: bytes) -> int:
        """Hold a wanted snapshot; the number of rows indexed meanwhile."""
        day = item.taken_at.date()
        held = (item, content, data)
        before = self.days.get(day)
        if before is not None and before[0].taken_at > item.taken_at:
            held, before = before, held  # the later of the two is held, the other indexed
        self.days[day] = held
        for earlier in [d for d in self.days if d < day]:
            self.measurer.submit(*self.days.pop(earlier))
        if before is None:
            return 0
        _insert(self.db, before[0], _index_row(before[0], before[1]), None, None)
        return 1

    def release(self) -> None:
        """Have every held snapshot parsed."""
        for day in sorted(self.days):
            self.measurer.submit(*self.days.pop(day))


def _reusable(reuse: SnapshotStore | None, old: StoredSnapshot) -> tuple[bytes, bytes] | None:
    """An old row's geometries, if they are still intact."""
    if reuse is None:
        return None
    try:
        blobs = reuse.db.execute(
            "SELECT wkb, display FROM snapshot WHERE id=?", (old.id,)
        ).fetchone()
    except sqlite3.Error:
        return None
    if blobs is None or not isinstance(blobs[0], bytes) or _sum(blobs[0]) != old.wkb_sum:
        return None
    return blobs[0], blobs[1]


_Result = tuple["_Pending", "StoredSnapshot | str", bytes, bytes]


def _record(db: sqlite3.Connection, done: _Result) -> int:
    item, row, wkb, display = done
    if isinstance(row, str):
        db.execute(
            "INSERT INTO rejected VALUES (?, ?, ?, ?)",
            (item.label, _micros(item.taken_at), row, item.stat_key),
        )
        return 0
    _insert(db, item, row, wkb, display)
    return 1


def worker_count() -> int:
    """Worker processes for parsing and measuring: GUARANTOR_WORKERS, else one per core (max 4)."""
    text = os.environ.get("GUARANTOR_WORKERS", "")
    if text.isdigit():
        return max(1, int(text))
    return max(1, min(4, os.cpu_count() or 1))


class _Measurer:
    """Parses and measures snapshots here, or in worker processes once there are enough.

    The first few are done in this process; past that a pool of processes takes them (parsing is
    pure CPU work on independent files) in batches of consecutive snapshots, so that each
    worker's caches of features and unions see consecutive days, with a bounded number of
    batches in flight.
    """

    SERIAL_FIRST = 24
    BATCH = 24

    def __init__(self, options: ReadOptions) -> None:
        self.options = options
        self.seen = 0
        self.pool: Any = None
        self.pending: list[Any] = []
        self.batch: list[tuple[bytes, _Pending, str]] = []
        self.done: list[_Result] = []

    def __enter__(self) -> _Measurer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, item: _Pending, content: str, data: bytes) -> None:
        self.seen += 1
        if self.seen <= self.SERIAL_FIRST or worker_count() == 1:
            self.done.append((item, *_measure_or_reject(data, item, content, self.options)))
            return
        self.batch.append((data, item, content))
        if len(self.batch) >= self.BATCH:
            self._send()

    def _send(self) -> None:
        if not self.batch:
            return
        if self.pool is None:
            self.pool = _start_pool(self.options)
        while len(self.pending) >= 2 * worker_count():
            self._collect(block=True)
        items = [item for _, item, _ in self.batch]
        future = self.pool.submit(_measure_batch_in_worker, self.batch)
        self.pending.append((items, future))
        self.batch = []

    def _collect(self, block: bool) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait

        if not self.pending:
            return
        futures = [f for _, f in self.pending]
        if block:
            wait(futures, return_when=FIRST_COMPLETED)
        still = []
        for items, future in self.pending:
            if future.done():
                for item, result in zip(items, future.result(), strict=True):
                    self.done.append((item, *result))
            else:
                still.append((items, future))
        self.pending = still

    def ready(self) -> list[_Result]:
        self._collect(block=False)
        out, self.done = self.done, []
        return out

    def finish(self) -> list[_Result]:
        self._send()
        while self.pending:
            self._collect(block=True)
        out, self.done = self.done, []
        return out


_WORKER_OPTIONS: ReadOptions | None = None


def _start_pool(options: ReadOptions) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from dataclasses import replace

    # The border travels once as geometry. Forked workers start at once with everything imported;
    # they only parse and measure (no console, no logging, no database), so a lock another thread
    # held at the fork cannot bite. Where fork is missing, spawn.
    plain = replace(options, border=options.border_geometry, border_loader=None, border_file=None)
    methods = multiprocessing.get_all_start_methods()
    return ProcessPoolExecutor(
        max_workers=worker_count(),
        mp_context=multiprocessing.get_context("fork" if "fork" in methods else "spawn"),
        initializer=_init_worker,
        initargs=(plain,),
    )


def _init_worker(options: ReadOptions) -> None:
    global _WORKER_OPTIONS
    _WORKER_OPTIONS = options


def _measure_batch_in_worker(
    batch: list[tuple[bytes, _Pending, str]],
) -> list[tuple[StoredSnapshot | str, bytes, bytes]]:
    options = _WORKER_OPTIONS
    assert options is not None
    return [_measure_or_reject(data, item, content, options) for data, item, content in batch]


def _measure_or_reject(
    data: bytes, item: _Pending, content: str, options: ReadOptions
) -> tuple[StoredSnapshot | str, bytes, bytes]:
    try:
        return _measure(data, item, content, options)
    except UserError as err:
        return str(err), b"", b""


def _read_item(source: Path, item: _Pending, options: ReadOptions) -> bytes:
    from guarantor.sources.archive import read_file_limited

    file = source / item.name if source.is_dir() else source
    return read_file_limited(file, options.limits)


def _measure(
    data: bytes, item: _Pending, content: str, options: ReadOptions
) -> tuple[StoredSnapshot, bytes, bytes]:
    """Parse one snapshot file and measure it: the row, its geometry and its display copy."""
    import shapely

    from guarantor.territory.geodesy import geodesic_area_km2

    parsed, reads = _parse_with_keys(data, item.label, item.kind, options)
    geom = parsed.geometry
    wkb = shapely.to_wkb(geom)
    shown = (
        _display_of(reads)
        if reads is not None
        else shapely.simplify(geom, DISPLAY_TOLERANCE_DEG, preserve_topology=False)
    )
    display = shapely.to_wkb(shown)
    row = StoredSnapshot(
        id=0,
        name=item.name,
        taken_at=item.taken_at,
        kind=str(item.kind),
        content=content,
        geometry=hashlib.blake2b(wkb, digest_size=16).hexdigest(),
        area_km2=geodesic_area_km2(geom),
        features=parsed.features,
        repaired=parsed.repaired,
        skipped=parsed.skipped_layers,
        outside=parsed.dropped_outside,
        layers=tuple(parsed.layers),
        unselected=tuple(parsed.unselected),
        notes=tuple(parsed.quarantined + parsed.outside),
        stat_key=item.stat_key,
        offset=None,
        size=None,
        wkb_sum=_sum(wkb),
    )
    return row, wkb, display


def _index_row(item: _Pending, content: str) -> StoredSnapshot:
    """A row for a snapshot that is indexed but not parsed yet."""
    return StoredSnapshot(
        0,
        item.name,
        item.taken_at,
        str(item.kind),
        content,
        None,
        None,
        0,
        0,
        0,
        0,
        (),
        (),
        (),
        item.stat_key,
        None,
        None,
        None,
    )


def fill_store(
    path: Path,
    source: Path,
    options: ReadOptions,
    names: set[str],
    progress: ProgressFn | None = None,
) -> None:
    """Parse the named snapshots of a store that are only indexed, and write them in place."""
    db = sqlite3.connect(path, timeout=60)
    try:
        rows = {
            r[1]: r
            for r in db.execute(
                "SELECT id, name, taken_at, kind, content, stat_key, offset, size FROM snapshot "
                "WHERE geometry IS NULL"
            )
            if r[1] in names
        }
        pending = _pending_named(source, options, rows, progress)
        with _Measurer(options) as measurer:
            for item, content in pending:
                measurer.submit(item, content, item.data or b"")
                item.data = None
                for done in measurer.ready():
                    _update(db, done, rows)
            for done in measurer.finish():
                _update(db, done, rows)
        count = db.execute("SELECT count(*) FROM snapshot").fetchone()[0]
        db.execute("UPDATE meta SET value=? WHERE key='count'", (str(count),))
        db.commit()
    finally:
        db.close()


def _pending_named(
    source: Path,
    options: ReadOptions,
    rows: dict[str, tuple[Any, ...]],
    progress: ProgressFn | None,
) -> Iterator[tuple[_Pending, str]]:
    """The named snapshots' bytes: an archive in one forward pass to the last one needed."""
    if is_archive(source):
        reader = ArchiveReader(source, options.limits)
        ordered = sorted(rows.values(), key=lambda r: r[6])
        for n, r in enumerate(ordered):
            member = Member(r[1], r[7], r[6])
            data = reader.read(member)
            if progress:
                progress(n + 1, r[1])
            yield (
                _Pending(r[1], _from_micros(r[2]), r[3], f"{source}:{r[1]}", None, member, data),
                r[4],
            )
        reader.close()
        return
    for n, r in enumerate(sorted(rows.values(), key=lambda r: r[2])):
        file = source / r[1] if source.is_dir() else source
        data = _read_item(source, _Pending(r[1], _from_micros(r[2]), r[3], str(file)), options)
        if progress:
            progress(n + 1, r[1])
        yield _Pending(r[1], _from_micros(r[2]), r[3], str(file), r[5], None, data), r[4]


def _update(db: sqlite3.Connection, done: _Result, rows: dict[str, tuple[Any, ...]]) -> None:
    """Write one parsed snapshot into its indexed row (or move it to the rejected ones)."""
    from dataclasses import replace

    item, row, wkb, display = done
    rid = rows[item.name][0]
    if isinstance(row, str):
        db.execute("DELETE FROM snapshot WHERE id=?", (rid,))
        db.execute(
            "INSERT INTO rejected VALUES (?, ?, ?, ?)",
            (item.label, _micros(item.taken_at), row, item.stat_key),
        )
        return
    fresh = replace(
        row,
        stat_key=rows[item.name][5],
        offset=rows[item.name][6],
        size=rows[item.name][7],
    )
    db.execute(
        "UPDATE snapshot SET geometry=?, area_km2=?, features=?, repaired=?, skipped=?, "
        "outside=?, layers=?, unselected=?, notes=?, wkb=?, display=?, wkb_sum=?, row_sum=? "
        "WHERE id=?",
        (
            fresh.geometry,
            fresh.area_km2,
            fresh.features,
            fresh.repaired,
            fresh.skipped,
            fresh.outside,
            json.dumps(list(fresh.layers)),
            json.dumps(list(fresh.unselected), ensure_ascii=False),
            json.dumps(list(fresh.notes), ensure_ascii=False),
            wkb,
            display,
            fresh.wkb_sum,
            fresh.row_sum(),
            rid,
        ),
    )


def _insert(
    db: sqlite3.Connection,
    item: _Pending,
    row: StoredSnapshot,
    wkb: bytes | None,
    display: bytes | None,
) -> None:
    from dataclasses import replace

    fresh = replace(
        row,
        name=item.name,
        taken_at=item.taken_at,
        kind=str(item.kind),
        stat_key=item.stat_key,
        offset=item.member.offset if item.member else None,
        size=item.member.size if item.member else None,
    )
    db.execute(
        "INSERT INTO snapshot (name, taken_at, kind, content, geometry, area_km2, "
        "features, repaired, skipped, outside, layers, unselected, notes, stat_key, offset, size, "
        "wkb, display, wkb_sum, row_sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?)",
        (
            fresh.name,
            _micros(fresh.taken_at),
            fresh.kind,
            fresh.content,
            fresh.geometry,
            fresh.area_km2,
            fresh.features,
            fresh.repaired,
            fresh.skipped,
            fresh.outside,
            json.dumps(list(fresh.layers)),
            json.dumps(list(fresh.unselected), ensure_ascii=False),
            json.dumps(list(fresh.notes), ensure_ascii=False),
            fresh.stat_key,
            fresh.offset,
            fresh.size,
            wkb,
            display,
            fresh.wkb_sum,
            fresh.row_sum(),
        ),
    )


def _drop_duplicates(db: sqlite3.Connection, source: Path) -> int:
    """Snapshots taken at the same time: identical ones dropped, different ones refused."""
    rows = db.execute(
        "SELECT id, name, taken_at, content, stat_key FROM snapshot WHERE taken_at IN "
        "(SELECT taken_at FROM snapshot GROUP BY taken_at HAVING count(*) > 1) "
        "ORDER BY taken_at, name"
    ).fetchall()
    dropped = 0
    first: dict[int, tuple[str, str]] = {}
    for rid, name, taken, content, stat_key in rows:
        if taken not in first:
            first[taken] = (name, content)
            continue
        kept_name, kept_content = first[taken]
        if content != kept_content:
            when = _from_micros(taken).isoformat()
            raise UserError(
                f"two different snapshots for {when}: {_label(source, kept_name)} and "
                f"{_label(source, name)}",
                Position(_label(source, name)),
                exit_code=DATA_EXIT,
            )
        db.execute("DELETE FROM snapshot WHERE id=?", (rid,))
        db.execute(
            "INSERT INTO duplicate VALUES (?, ?, ?)", (_label(source, name), kept_name, stat_key)
        )
        dropped += 1
    return dropped


def _label(source: Path, name: str) -> str:
    if source.is_dir():
        return str(source / name)
    return f"{source}:{name}" if is_archive(source) else str(source)


def _prune(folder: Path, keep: Path) -> None:
    """Remove stores whose source no longer exists (tests and temporary folders leave them)."""
    for other in folder.glob("*.sqlite"):
        if other == keep:
            continue
        try:
            db = sqlite3.connect(f"file:{other}?mode=ro", uri=True)
            try:
                row = db.execute("SELECT value FROM meta WHERE key='source'").fetchone()
            finally:
                db.close()
        except sqlite3.DatabaseError:
            continue  # someone else's file, or being written: leave it
        if row is not None and not Path(row[0]).exists():
            with contextlib.suppress(OSError):
                other.unlink()


def store_summary(series: SnapshotSeries) -> dict[str, Any]:
    """What a store holds, for `guarantor territory store`."""
    store = _store_of(series)
    rows = [r for e in series.entries if (r := stored_row(e)) is not None]
    size = store.path.stat().st_size if store is not None and store.path.exists() else 0
    return {
        "source": str(series.source),
        "store": str(store.path) if store is not None else None,
        "store_mb": round(size / (1 << 20), 1),
        "format": f"{FORMAT}.{PARSER}",
        "snapshots": len(series.entries),
        "first": series.entries[0].taken_at.isoformat() if series.entries else None,
        "last": series.entries[-1].taken_at.isoformat() if series.entries else None,
        "parsed": sum(r.parsed for r in rows),
        "distinct_geometries": len({r.geometry for r in rows if r.parsed}),
        "repaired_geometries": sum(r.repaired for r in rows),
        "features_off_the_beneficiary": sum(r.outside for r in rows),
        "duplicates": series.duplicates,
        "rejected": series.rejected,
        "notes": series.notes,
    }


def _store_of(series: SnapshotSeries) -> SnapshotStore | None:
    for entry in series.entries:
        if isinstance(entry.backing, SnapshotStore):
            return entry.backing
    return None


# --- feature-level reuse ----------------------------------------------------------------------
#
# Consecutive snapshots repeat most of their features byte for byte (the raw dumps: 2,736
# distinct selected features among 11,260 over the days). Each distinct feature is read,
# checked, repaired and tested against the border once per process; a snapshot whose features
# are all clean takes them from here, and a snapshot made of the same features as one before
# takes its union too. Anything unusual in a snapshot (a feature that does not read, is empty,
# has coordinates that are not lon/lat or look swapped, no feature kept) sends the whole file
# to the ordinary parser, which says what and where: bad input is judged exactly as before.


@dataclass
class _FeatureRead:
    """One distinct feature geometry, read and checked: None geometry when it is not an area."""

    geometry: shapely.Geometry | None
    repaired: int
    inside: bool
    display: shapely.Geometry | None = None  # simplified, made when first needed


class _Unusual(Exception):
    """A snapshot the cached reader leaves to the ordinary parser."""


_FEATURES: dict[bytes, _FeatureRead] = {}
_UNSELECTED: dict[bytes, bool] = {}
_UNIONS: dict[tuple[bytes, ...], shapely.Geometry] = {}
_LAYER_NAMES: dict[str, tuple[str, bool]] = {}  # name -> English layer, occupation-like
_CACHE_MAX = 20_000
_CACHED_FOR: list[str] = [""]  # the reading options the caches hold (cleared when they change)


def _bounded(cache: dict[Any, Any], limit: int = _CACHE_MAX) -> None:
    if len(cache) >= limit:
        cache.clear()


def _feature_key(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


def _read_feature(raw: bytes, options: ReadOptions) -> _FeatureRead:
    """Read one feature's geometry as the ordinary parser does; _Unusual where it would stop."""
    import numpy as np
    import shapely

    from guarantor.sources import geojson_snapshot as gs

    try:
        geom = shapely.from_geojson(raw)
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise _Unusual from exc
    kind = int(shapely.get_type_id(geom))
    if kind not in (3, 6, 7):
        return _FeatureRead(None, 0, False)  # points and lines are labels
    if shapely.is_empty(geom) or not gs._coordinates_ok(shapely.bounds(geom).reshape(1, 4)):
        raise _Unusual
    try:
        gs.check_axis_order(geom, Position("feature"), options.extent)
    except UserError as exc:
        raise _Unusual from exc
    repaired = 0
    if kind == 7:
        if not shapely.is_valid(shapely.get_parts(geom)).all():
            repaired += 1
        geom = gs.polygonal_part(geom)
    if not shapely.is_valid(geom):
        repaired += 1
        geom = gs.polygonal_part(shapely.make_valid(geom))
    inside = gs._inside(np.array([geom], dtype=object), options.border_geometry, options.extent)[0]
    return _FeatureRead(geom, repaired, bool(inside))


def _unselected_inside(raw: bytes, options: ReadOptions) -> bool:
    """Whether an unselected occupation-like feature lies on the beneficiary (as the parser says)."""
    from guarantor.sources import geojson_snapshot as gs

    key = _feature_key(raw)
    found = _UNSELECTED.get(key)
    if found is None:
        names = gs._unselected_on_beneficiary(
            [(0, "x", raw)], options.border_geometry, options.extent
        )
        found = bool(names)
        _bounded(_UNSELECTED)
        _UNSELECTED[key] = found
    return found


def _union_of(keys: tuple[bytes, ...], kept: list[shapely.Geometry]) -> shapely.Geometry:
    """The union of a snapshot's kept features, as a binary tree over them in file order whose
    inner unions are remembered by the features under them: a day that changes two features of
    ten unions again only the nodes above those two."""
    import shapely

    def node(lo: int, hi: int) -> shapely.Geometry:
        if hi - lo == 1:
            return kept[lo]
        under = keys[lo:hi]
        found = _UNIONS.get(under)
        if found is None:
            mid = (lo + hi) // 2
            found = shapely.union(node(lo, mid), node(mid, hi))
            _bounded(_UNIONS, 4096)
            _UNIONS[under] = found
        return found

    return node(0, len(kept))


def _display_of(reads: list[_FeatureRead]) -> shapely.Geometry:
    """The display copy of a snapshot read from cached features: its features simplified one by
    one (each distinct one once), side by side (for drawing; overlaps are harmless there)."""
    import shapely

    parts = []
    for read in reads:
        if read.display is None:
            read.display = shapely.simplify(
                read.geometry, DISPLAY_TOLERANCE_DEG, preserve_topology=False
            )
        parts.append(read.display)
    return shapely.GeometryCollection(parts)


def parse_cached(data: bytes, label: str, kind: str, options: ReadOptions) -> ParsedSnapshot:
    """parse_entry_bytes with feature-level reuse: the same result, each distinct feature once."""
    return _parse_with_keys(data, label, kind, options)[0]


def _parse_with_keys(
    data: bytes, label: str, kind: str, options: ReadOptions
) -> tuple[ParsedSnapshot, list[_FeatureRead] | None]:
    """The parsed snapshot and, when read from cached features, the features kept."""
    from guarantor.sources.snapshots import SnapshotKind

    if kind == SnapshotKind.raw:
        fingerprint = f"{options.fingerprint(kind)}|{id(options.border_geometry)}"
        if _CACHED_FOR[0] != fingerprint:
            for cache in (_FEATURES, _UNSELECTED, _UNIONS):
                cache.clear()
            _CACHED_FOR[0] = fingerprint
        try:
            return _parse_raw_cached(data, label, options)
        except _Unusual:
            pass
    return parse_entry_bytes(data, label, kind, options), None


def _parse_raw_cached(
    data: bytes, label: str, options: ReadOptions
) -> tuple[ParsedSnapshot, list[_FeatureRead]]:
    """A raw dump read as geojson_snapshot._parse_layers reads it, feature by feature from cache."""
    import msgspec
    import shapely

    from guarantor.sources import geojson_snapshot as gs

    try:
        doc = gs._LAYERED.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise _Unusual from exc
    if doc.type != "FeatureCollection" or any(f.type != "Feature" for f in doc.features):
        raise _Unusual
    wanted = set(options.layers)
    result = gs.ParsedSnapshot(geometry=shapely.Polygon(), features=len(doc.features))
    unselected: set[str] = set()
    chosen: list[tuple[int, str, bytes]] = []
    for index, feature in enumerate(doc.features):
        name = str(feature.properties.name) if feature.properties is not None else ""
        known = _LAYER_NAMES.get(name)
        if known is None:
            english = gs.english_layer_name(name)
            known = (english, bool(gs.OCCUPIED_LOOKING.search(english)))
            _bounded(_LAYER_NAMES)
            _LAYER_NAMES[name] = known
        layer, occupied_looking = known
        if layer not in wanted:
            result.skipped_layers += 1
            if (
                occupied_looking
                and layer not in unselected
                and _unselected_inside(bytes(feature.geometry), options)
            ):
                unselected.add(layer)
            continue
        raw = bytes(feature.geometry)
        if raw.strip() == b"null":
            result.quarantined.append(f"{Position(label, feature=index)}: empty geometry; left out")
            continue
        chosen.append((index, layer, raw))
    if not chosen:
        raise _Unusual
    kept: list[shapely.Geometry] = []
    kept_keys: list[bytes] = []
    reads: list[_FeatureRead] = []
    layers: set[str] = set()
    areal = 0
    for index, layer, raw in chosen:
        key = _feature_key(raw)
        feature_read = _FEATURES.get(key)
        if feature_read is None:
            feature_read = _read_feature(raw, options)
            _bounded(_FEATURES)
            _FEATURES[key] = feature_read
        if feature_read.geometry is None:
            continue
        areal += 1
        result.repaired += feature_read.repaired
        if not feature_read.inside:
            result.dropped_outside += 1
            result.outside.append(
                f"{Position(label, feature=index)}: {layer!r} off the beneficiary"
            )
            continue
        layers.add(layer)
        if not feature_read.geometry.is_empty:
            kept.append(feature_read.geometry)
            kept_keys.append(key)
            reads.append(feature_read)
    if not areal or not kept:
        raise _Unusual
    result.layers = tuple(sorted(layers))
    result.unselected = tuple(sorted(unselected))
    result.geometry = _union_of(tuple(kept_keys), kept)
    return result, reads
