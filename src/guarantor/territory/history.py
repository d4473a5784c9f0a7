"""The processed history of a snapshot series: area, daily gross gain and loss, per-unit control."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import shapely
from numpy.typing import NDArray

from guarantor.sources.snapshots import ReadOptions, SnapshotEntry, SnapshotSeries
from guarantor.territory.boundaries import Units
from guarantor.territory.cache import HistoryCache
from guarantor.territory.changes import areas_by_unit, gross_change
from guarantor.territory.geodesy import geodesic_area_km2
from guarantor.territory.store import stored_row

StepFn = Callable[[int, int], None]


@dataclass(frozen=True)
class DayRecord:
    """One snapshot's control area and its gross change since the previous snapshot."""

    taken_at: datetime
    name: str
    digest: str
    area_km2: float
    gained_km2: float
    lost_km2: float
    repaired: int
    quarantined: int
    source: str = ""  # where the snapshot came from (a file, or archive:member's archive)
    since: datetime | None = None  # the previous snapshot's time: the change spans since..taken_at


@dataclass
class HistoryStats:
    """What a run did: how much came from the cache and how much was computed."""

    parsed: int = 0
    areas_computed: int = 0
    pairs_computed: int = 0
    from_cache: int = 0
    unchanged: int = 0  # consecutive snapshots with identical geometry (nothing to compute)


@dataclass
class TerritoryHistory:
    """Daily measures over a whole series; per-unit arrays are (days, units) in km²."""

    source: str
    records: list[DayRecord]
    units: Units | None = None
    unit_controlled: NDArray[np.float64] | None = None
    unit_gained: NDArray[np.float64] | None = None
    unit_lost: NDArray[np.float64] | None = None
    stats: HistoryStats = field(default_factory=HistoryStats)


class _Geometries:
    """Lon/lat geometries of a series, parsed on demand; only the two most recent are kept."""

    def __init__(self, entries: list[SnapshotEntry], options: ReadOptions, stats: HistoryStats):
        self.entries = entries
        self.options = options
        self.stats = stats
        self.kept: dict[int, shapely.Geometry] = {}

    def __call__(self, i: int) -> shapely.Geometry:
        if i not in self.kept:
            parsed = self.entries[i].parsed(self.options)
            self.stats.parsed += 1
            self.kept[i] = parsed.geometry
            for old in [k for k in self.kept if k < i - 1]:
                del self.kept[old]
        return self.kept[i]


def _area(entry: SnapshotEntry, geometry: _Geometries, i: int) -> float:
    """A snapshot's geodesic area: the store's (measured when it was parsed), else measured here."""
    row = stored_row(entry)
    if row is not None and row.parsed and row.area_km2 is not None:
        return row.area_km2
    return geodesic_area_km2(geometry(i))


@dataclass(frozen=True)
class _Pair:
    """One day's gross change, in total and per unit (km²)."""

    gained_km2: float
    lost_km2: float
    unit_gained: NDArray[np.float64] | None = None
    unit_lost: NDArray[np.float64] | None = None


def _pair(
    before: shapely.Geometry,
    after: shapely.Geometry,
    units: Units | None,
    tree: shapely.STRtree | None,
) -> _Pair:
    change = gross_change(before, after)
    if units is None or tree is None:
        return _Pair(change.gained_km2, change.lost_km2)
    return _Pair(
        change.gained_km2,
        change.lost_km2,
        areas_by_unit(change.gained, units, tree),
        areas_by_unit(change.lost, units, tree),
    )


@dataclass
class _Done:
    """Areas and changes computed ahead in worker processes, by snapshot index."""

    areas: dict[int, float] = field(default_factory=dict)
    pairs: dict[int, _Pair] = field(default_factory=dict)


# What forked workers read (set just before the pool starts; fork shares it without pickling).
_JOB: tuple[list[SnapshotEntry], ReadOptions, Units | None] | None = None
PARALLEL_FROM = 64  # fewer changes than this are computed here: starting workers costs more


def _in_workers(
    entries: list[SnapshotEntry],
    options: ReadOptions,
    units: Units | None,
    need_area: list[int],
    need_pair: list[int],
    stats: HistoryStats,
) -> _Done:
    """Compute the missing areas and changes in worker processes, in contiguous chunks (each
    snapshot is read and projected once per chunk); nothing when there are few or one core."""
    import multiprocessing

    from guarantor.territory.store import worker_count

    done = _Done()
    workers = worker_count()
    if (
        workers < 2
        or len(need_pair) < PARALLEL_FROM
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return done
    global _JOB
    todo = sorted(set(need_area) | set(need_pair))
    size = max(8, -(-len(todo) // (4 * workers)))
    chunks = [todo[k : k + size] for k in range(0, len(todo), size)]
    pair_set, area_set = set(need_pair), set(need_area)
    jobs = [([i for i in c if i in area_set], [i for i in c if i in pair_set]) for c in chunks]
    _JOB = (entries, options, units)
    try:
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        # Freeze what exists before the fork: the children's collector then leaves the parent's
        # objects alone instead of touching (and so copying) every page of them.
        import gc

        gc.collect()
        gc.freeze()
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for areas, pairs, parsed in pool.map(_work, jobs):
                done.areas.update(areas)
                done.pairs.update(pairs)
                stats.parsed += parsed
    finally:
        _JOB = None
        import gc

        gc.unfreeze()
    return done


def _work(job: tuple[list[int], list[int]]) -> tuple[dict[int, float], dict[int, _Pair], int]:
    """In a worker: the areas and the changes of one chunk of snapshots."""
    from guarantor.territory.store import reopen_stores

    assert _JOB is not None
    entries, options, units = _JOB
    reopen_stores(entries)
    stats = HistoryStats()
    geometry = _Geometries(entries, options, stats)
    tree = units.tree() if units is not None else None
    areas = {i: _area(entries[i], geometry, i) for i in job[0]}
    pairs = {}
    for i in job[1]:
        pairs[i] = _pair(geometry(i - 1), geometry(i), units, tree)
    return areas, pairs, stats.parsed


def _key(entry: SnapshotEntry, options: ReadOptions) -> str:
    """A snapshot's key in the cache: its geometry's digest when stored (equal geometry, equal key,
    whatever the source), else the digest of its file and reading options."""
    row = stored_row(entry)
    return f"g:{row.geometry}" if row is not None and row.geometry else entry.digest(options)


def build_history(
    series: SnapshotSeries,
    options: ReadOptions | None = None,
    units: Units | None = None,
    cache: HistoryCache | None = None,
    step: StepFn | None = None,
) -> TerritoryHistory:
    """Measure every snapshot and every consecutive change, reusing cached results by content."""
    options = options or ReadOptions()
    entries = series.entries
    stats = HistoryStats()
    known_stats = cache.digests_for_stats() if cache else {}
    for entry in entries:
        if entry.stat_key and entry.stat_key in known_stats:
            entry.set_digest(known_stats[entry.stat_key])
    digests = [_key(e, options) for e in entries]
    if cache:
        for entry, digest in zip(entries, digests, strict=True):
            if entry.stat_key and entry.stat_key not in known_stats and stored_row(entry) is None:
                cache.put_stat(entry.stat_key, digest)
    snaps = cache.snapshots() if cache else {}
    pairs = cache.pairs() if cache else {}
    ukey = units.digest if units else ""
    upairs = cache.unit_pairs(ukey) if cache and units else {}
    tree = units.tree() if units else None
    geometry = _Geometries(entries, options, stats)

    n = len(entries)
    base = None
    if units and tree is not None and n:
        base = cache.unit_base(digests[0], ukey) if cache else None
        if base is None:
            base = areas_by_unit(geometry(0), units, tree)
            if cache:
                cache.put_unit_base(digests[0], ukey, base)
    records: list[DayRecord] = []
    ugained = np.zeros((n, len(units.codes))) if units else None
    ulost = np.zeros((n, len(units.codes))) if units else None
    need_area = [i for i, d in enumerate(digests) if d not in snaps]
    need_pair = [
        i
        for i in range(1, n)
        if digests[i - 1] != digests[i]
        and (
            (digests[i - 1], digests[i]) not in pairs
            or (units is not None and (digests[i - 1], digests[i]) not in upairs)
        )
    ]
    done = _in_workers(entries, options, units, need_area, need_pair, stats)
    for i, (entry, digest) in enumerate(zip(entries, digests, strict=True)):
        if digest in snaps:
            area, repaired, quarantined = snaps[digest]
        else:
            area = done.areas[i] if i in done.areas else _area(entry, geometry, i)
            row = stored_row(entry)
            if row is not None and row.parsed:
                repaired, quarantined = row.repaired, len(row.notes) - row.outside
            else:
                parsed = entry.parsed(options)
                repaired, quarantined = parsed.repaired, len(parsed.quarantined)
            stats.areas_computed += 1
            if cache:
                cache.put_snapshot(digest, area, repaired, quarantined)
        gained = lost = 0.0
        if i > 0 and digests[i - 1] == digest:
            stats.unchanged += 1
        elif i > 0:
            key = (digests[i - 1], digest)
            cached_pair = pairs.get(key)
            cached_units = upairs.get(key) if units else None
            if cached_pair is not None and (units is None or cached_units is not None):
                gained, lost = cached_pair
                if cached_units is not None and ugained is not None and ulost is not None:
                    ugained[i], ulost[i] = cached_units
                stats.from_cache += 1
            else:
                pair = done.pairs.get(i) or _pair(geometry(i - 1), geometry(i), units, tree)
                gained, lost = pair.gained_km2, pair.lost_km2
                stats.pairs_computed += 1
                if cache:
                    cache.put_pair(key[0], key[1], gained, lost)
                if pair.unit_gained is not None and ugained is not None and ulost is not None:
                    assert pair.unit_lost is not None
                    ugained[i], ulost[i] = pair.unit_gained, pair.unit_lost
                    if cache:
                        cache.put_unit_pair(key[0], key[1], ukey, ugained[i], ulost[i])
        records.append(
            DayRecord(
                taken_at=entry.taken_at,
                name=entry.name,
                digest=digest,
                area_km2=area,
                gained_km2=gained,
                lost_km2=lost,
                repaired=repaired,
                quarantined=quarantined,
                source=entry.origin,
                since=entries[i - 1].taken_at if i > 0 else None,
            )
        )
        if step:
            step(i + 1, n)
    history = TerritoryHistory(source=str(series.source), records=records, stats=stats)
    if units and base is not None and ugained is not None and ulost is not None:
        # Control inside each unit on day t is day 0's plus every later day's gains minus losses:
        # exact as sets, so only each day's small change is ever intersected with the units.
        history.units = units
        history.unit_gained = ugained
        history.unit_lost = ulost
        history.unit_controlled = base[None, :] + np.cumsum(ugained - ulost, axis=0)
    if cache:
        cache.commit()
    return history
