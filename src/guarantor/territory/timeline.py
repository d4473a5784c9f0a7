"""One daily history from several sources: per day the preferred source that has a snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

from guarantor.errors import Position, UserError
from guarantor.sources.archive import is_archive
from guarantor.sources.area_series import AreaSeries, looks_like_area_series, read_area_series
from guarantor.sources.snapshots import (
    ProgressFn,
    ReadOptions,
    SnapshotEntry,
    SnapshotSeries,
    scan_snapshots,
)
from guarantor.territory.store import (
    LastOfDays,
    last_of_each_day,
    open_series,
    peek_series,
    stored_row,
)


class SourceKind(StrEnum):
    """What a territory source holds."""

    snapshots = "snapshots"  # control polygons (archive, folder, GeoJSON)
    areas = "areas"  # a reference series of areas only (liveuamap, NZZ, ISW)


@dataclass(frozen=True)
class TerritorySource:
    """One source of a history, with its preference (lower priority number = preferred)."""

    path: Path
    priority: int
    options: ReadOptions
    kind: SourceKind
    layer: str | None = None  # ISW area series: which layer

    @property
    def label(self) -> str:
        """A short name for tables."""
        return self.path.name + (f"#{self.layer}" if self.layer else "")


def territory_sources(values: list[Path], options: ReadOptions) -> list[TerritorySource]:
    """The sources named by --territory (in order of preference) or listed in a YAML file."""
    out: list[TerritorySource] = []
    for value in values:
        if value.name.endswith((".yaml", ".yml")):
            out.extend(_from_yaml(value, options, len(out)))
        else:
            out.append(_source(value, len(out) + 1, options, None))
    if not out:
        raise UserError("no territory source: pass --territory SOURCE (repeatable)")
    return sorted(out, key=lambda s: s.priority)


def _from_yaml(path: Path, options: ReadOptions, before: int) -> list[TerritorySource]:
    from guarantor.spec.load import load_yaml_model
    from guarantor.territory.sources_file import SourcesFile

    doc, positions = load_yaml_model(path, SourcesFile)
    found = []
    for i, item in enumerate(doc.territory):
        file = Path(item.path)
        file = file if file.is_absolute() else path.parent / file
        where = positions.locate(("territory", i, "path"))
        if not file.exists():
            raise UserError(f"territory source {item.path} does not exist", where)
        opts = replace(options, layers=tuple(item.layers)) if item.layers else options
        priority = item.priority if item.priority is not None else before + i + 1
        found.append(_source(file, priority, opts, item.layer))
    return found


def _source(path: Path, priority: int, options: ReadOptions, layer: str | None) -> TerritorySource:
    if not path.exists():
        raise UserError("territory source does not exist", Position(str(path)))
    kind = SourceKind.areas if looks_like_area_series(path) else SourceKind.snapshots
    return TerritorySource(path, priority, options, kind, layer)


def open_source(
    source: TerritorySource, progress: ProgressFn | None = None, store: Path | None = None
) -> SnapshotSeries | AreaSeries:
    """A source's snapshots (from its store, built on the first read) or its area series."""
    if source.kind is SourceKind.areas:
        return read_area_series(source.path, source.layer, source.options.limits)
    return open_series(source.path, source.options, progress, store)


def open_snapshots(
    source: TerritorySource, progress: ProgressFn | None = None, store: Path | None = None
) -> SnapshotSeries:
    """A polygon source's snapshots from its store (built on the first read)."""
    if source.kind is not SourceKind.snapshots:
        raise UserError(
            "this needs snapshots (polygons), not an area series", Position(str(source.path))
        )
    return open_series(source.path, source.options, progress, store)


@dataclass(frozen=True)
class DayPick:
    """The snapshot a history uses for one day, and where it came from."""

    day: date
    entry: SnapshotEntry
    source: int  # index into the timeline's sources
    others: int  # other snapshots that day (earlier ones of this source, or other sources)


@dataclass
class SnapshotTimeline:
    """Per UTC day the last snapshot of the preferred source that has one that day."""

    sources: list[TerritorySource]
    series: list[SnapshotSeries]
    picks: list[DayPick]
    notes: list[str] = field(default_factory=list)

    def as_series(self) -> SnapshotSeries:
        """The chosen snapshots as one series (what the history and the reports read)."""
        label = " + ".join(s.label for s in self.sources)
        return SnapshotSeries(
            source=Path(label) if len(self.sources) > 1 else self.sources[0].path,
            entries=[p.entry for p in self.picks],
        )

    def label_of(self, pick: DayPick) -> str:
        """The source label of a pick."""
        return self.sources[pick.source].label

    def at_or_before(self, when: datetime) -> DayPick:
        """The pick of the last day at or before a time."""
        best = None
        for pick in self.picks:
            if pick.entry.taken_at <= when:
                best = pick
            else:
                break
        if best is None:
            first = self.picks[0].day.isoformat() if self.picks else "none"
            raise UserError(f"no snapshot at or before {when.isoformat()} (first day: {first})")
        return best


def build_timeline(
    sources: list[TerritorySource], series: list[SnapshotSeries]
) -> SnapshotTimeline:
    """Choose each day's snapshot: the last one that day of the first source (in preference order)
    that has one; the other snapshots of the day are counted, never mixed in."""
    by_day: list[dict[date, list[SnapshotEntry]]] = []
    for s in series:
        days: dict[date, list[SnapshotEntry]] = {}
        for entry in s.entries:
            days.setdefault(entry.day, []).append(entry)
        by_day.append(days)
    all_days = sorted({d for days in by_day for d in days})
    picks = []
    for day in all_days:
        total = sum(len(days.get(day, [])) for days in by_day)
        for index, days in enumerate(by_day):
            if day in days:
                picks.append(DayPick(day, days[day][-1], index, total - 1))
                break
    timeline = SnapshotTimeline(sources, series, picks)
    timeline.notes.extend(_layer_notes(timeline))
    timeline.notes.extend(_unselected_notes(timeline))
    return timeline


def _unselected_notes(timeline: SnapshotTimeline) -> list[str]:
    """Per source: days whose snapshot has occupation-like layers that are not read."""
    found: dict[int, list[tuple[date, str]]] = {}
    for pick in timeline.picks:
        row = stored_row(pick.entry)
        for layer in row.unselected if row is not None else ():
            found.setdefault(pick.source, []).append((pick.day, layer))
    notes = []
    for index, items in sorted(found.items()):
        days = sorted({d for d, _ in items})
        layers = sorted({layer if len(layer) <= 40 else layer[:39] + "…" for _, layer in items})
        notes.append(
            f"{timeline.sources[index].label}: on {len(days)} day(s) ({days[0]} .. {days[-1]}) the "
            f"snapshot has layers that look like occupied territory but are not read: "
            f"{'; '.join(layers[:6])}{' ...' if len(layers) > 6 else ''}; add them with --layers "
            "to count them"
        )
    return notes


def _layer_notes(timeline: SnapshotTimeline) -> list[str]:
    """Snapshots whose selected layers differ from the previous one of the same source: a layer
    renamed or dropped by the publisher shows up as a sudden change of area, never silently."""
    notes = []
    previous: dict[int, tuple[tuple[str, ...], SnapshotEntry]] = {}
    for pick in timeline.picks:
        row = stored_row(pick.entry)
        if row is None or not row.layers:
            continue
        before = previous.get(pick.source)
        if before is not None and before[0] != row.layers:
            gone = sorted(set(before[0]) - set(row.layers))
            new = sorted(set(row.layers) - set(before[0]))
            what = []
            if gone:
                what.append(f"layer(s) {', '.join(gone)} missing")
            if new:
                what.append(f"layer(s) {', '.join(new)} back")
            notes.append(
                f"{pick.entry.label}: {'; '.join(what)} (previous snapshot "
                f"{before[1].taken_at:%Y-%m-%d %H:%M}): renamed or dropped layers? see --layers"
            )
        previous[pick.source] = (row.layers, pick.entry)
    return notes


def open_timeline(
    sources: list[TerritorySource], store: Path | None = None, progress: ProgressFn | None = None
) -> SnapshotTimeline:
    """Open the polygon sources and choose each day's snapshot, parsing into the stores only the
    snapshots that can be chosen (a store indexes its whole source; the rest is parsed when first
    asked for)."""
    polygons = [s for s in sources if s.kind is SourceKind.snapshots]
    if not polygons:
        raise UserError("this needs snapshots (polygons), not only an area series")
    # Sources in preference order: a day that a preferred source has is never read from a later
    # one, so each source parses only its snapshots of the days no source before it has.
    covered: set[date] = set()
    series: list[SnapshotSeries] = []
    for source in polygons:
        known = peek_series(source.path, source.options, store)
        wanted: Callable[[str], bool]
        if known is None and is_archive(source.path):
            # No store yet: the archive is indexed and the last snapshot of each uncovered day
            # parsed in the same pass (indexing first would read the archive twice).
            wanted = LastOfDays(source.options, frozenset(covered))
        else:
            index = known or scan_snapshots(source.path, source.options)
            uncovered = [e for e in index.entries if e.day not in covered]
            wanted = {e.name for e in last_of_each_day(uncovered)}.__contains__
        opened = open_series(source.path, source.options, progress, store, False, wanted)
        covered |= {e.day for e in opened.entries}
        series.append(opened)
    timeline = build_timeline(polygons, series)
    for _ in range(3):  # a chosen snapshot that could not be read gives way to the next best
        missing = [
            {p.entry.name for p in timeline.picks if p.source == i and _unparsed(p.entry)}
            for i in range(len(polygons))
        ]
        if not any(missing):
            break
        for i, names in enumerate(missing):
            if names:
                source = polygons[i]
                series[i] = open_series(
                    source.path, source.options, progress, store, False, names.__contains__
                )
        timeline = build_timeline(polygons, series)
    return timeline


def _unparsed(entry: SnapshotEntry) -> bool:
    row = stored_row(entry)
    return row is not None and not row.parsed


def day_end(day: date) -> datetime:
    """The last instant of a UTC day."""
    return datetime.combine(day, time(0, tzinfo=UTC)) + timedelta(days=1, microseconds=-1)
