"""One date, fast: answered from a source's store when it has one, else from that snapshot alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from guarantor.errors import Position, UserError
from guarantor.sources.area_series import AreaSeries
from guarantor.sources.snapshots import (
    UKRAINE_AREA_KM2,
    SnapshotEntry,
    iter_snapshot_entries,
    sort_and_check,
)
from guarantor.territory.store import SnapshotStore, fill_store, peek_entry, stored_row
from guarantor.territory.timeline import SourceKind, TerritorySource


@dataclass(frozen=True)
class DateAnswer:
    """The snapshot in effect on a date, its geodesic area, and how it was found."""

    entry: SnapshotEntry
    source: TerritorySource
    area_km2: float
    from_store: bool
    rejected_that_day: tuple[str, ...] = ()
    latest: datetime | None = None  # the last snapshot of any source: where the data end

    def beyond_coverage(self, asked: datetime | None) -> bool:
        """Whether `asked` falls on a day after the last snapshot the sources hold."""
        return asked is not None and self.latest is not None and asked.date() > self.latest.date()

    def to_dict(self, asked: datetime | None = None) -> dict[str, Any]:
        """The scriptable form: date, snapshot, area_km2, share_pct."""
        return {
            "date": self.entry.taken_at.date().isoformat(),
            "taken_at": self.entry.taken_at.isoformat(),
            "asked": asked.date().isoformat() if asked else None,
            "snapshot": self.entry.label,
            "source": self.source.label,
            "area_km2": round(self.area_km2, 1),
            "share_pct": round(100.0 * self.area_km2 / UKRAINE_AREA_KM2, 3),
            "method": "geodesic (WGS84 ellipsoid)",
            "read_from": "store" if self.from_store else "source (no store yet)",
            "rejected_that_day": list(self.rejected_that_day),
        }


def snapshot_on(
    sources: list[TerritorySource], when: datetime | None, store: Path | None = None
) -> DateAnswer:
    """The snapshot in effect at `when` (default: the latest): the preferred source's snapshot of
    that day, else the most recent one before it among all sources."""
    found: list[tuple[SnapshotEntry, int, bool, list[str]]] = []
    latest: datetime | None = None
    for rank, source in enumerate(sources):
        if source.kind is SourceKind.areas:
            continue
        got = _entry_on(source, when, store)
        if got is not None:
            found.append((got[0], rank, got[1], got[2]))
            if latest is None or got[3] > latest:
                latest = got[3]
    if not found:
        names = ", ".join(s.label for s in sources)
        first = f" at or before {when.isoformat()}" if when else ""
        raise UserError(f"no snapshot{first} in {names}")
    day = max(e.taken_at.date() for e, _, _, _ in found)
    same_day = [f for f in found if f[0].taken_at.date() == day]
    entry, rank, from_store, rejected = min(same_day, key=lambda f: f[1])
    source = sources[rank]
    row = stored_row(entry)
    if row is not None and not row.parsed and isinstance(entry.backing, SnapshotStore):
        # indexed, not parsed yet: parse it into the store now (the next ask is answered warm)
        fill_store(entry.backing.path, source.path, source.options, {entry.name})
        refreshed = _entry_on(source, entry.taken_at, store)
        if refreshed is not None:
            entry = refreshed[0]
            row = stored_row(entry)
    if row is not None and row.area_km2 is not None:
        area = row.area_km2
    else:
        from guarantor.territory.geodesy import geodesic_area_km2

        area = geodesic_area_km2(entry.parsed(source.options).geometry)
    return DateAnswer(entry, source, area, from_store, tuple(rejected), latest)


def _entry_on(
    source: TerritorySource, when: datetime | None, store: Path | None
) -> tuple[SnapshotEntry, bool, list[str], datetime] | None:
    """The entry of one source at `when`, from its store or by reading only what is needed, and
    the time of the source's last snapshot (where its coverage ends)."""
    peeked = peek_entry(source.path, source.options, when, store)
    if peeked is not None:
        entry, opened = peeked
        if entry is None:
            return None
        rejected = opened.rejected_between(entry.taken_at, when)
        ends = entry.taken_at
        if when is not None:
            newest = peek_entry(source.path, source.options, None, store)
            if newest is not None:
                if newest[0] is not None:
                    ends = newest[0].taken_at
                newest[1].close()
        return entry, True, rejected, ends
    # No store yet: list the source (an archive: one pass over its headers), parse one snapshot.
    listed = list(iter_snapshot_entries(source.path, source.options))
    entries = [e for e in listed if when is None or e.taken_at <= when]
    if not entries:
        return None
    latest = max(e.taken_at for e in entries)
    last = sort_and_check(source.path, [e for e in entries if e.taken_at == latest], source.options)
    entry = last.entries[-1]
    try:
        entry.parsed(source.options)
    except UserError as err:
        raise UserError(
            f"the snapshot in effect on this date cannot be used: {err.message}",
            err.location or Position(entry.label),
            details=err.details,
            exit_code=err.exit_code,
        ) from None
    return entry, False, [], max(e.taken_at for e in listed)


def area_series_value(series: AreaSeries, when: datetime) -> float | None:
    """A reference series' value at or before a time."""
    point = series.at_or_before(when)
    return point.area_km2 if point else None
