"""Do two sources agree? Areas day by day where they overlap, and where their polygons differ."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import shapely

from guarantor.sources.area_series import AreaSeries
from guarantor.sources.snapshots import ReadOptions, SnapshotEntry, SnapshotSeries
from guarantor.territory.cache import HistoryCache
from guarantor.territory.changes import gross_change
from guarantor.territory.geodesy import geodesic_area_km2
from guarantor.territory.store import stored_row

StepFn = Callable[[int, int], None]


@dataclass(frozen=True)
class ComparedDay:
    """One day where both sources have a value: A's snapshot and B's in effect at its time."""

    day: date
    a_snapshot: str
    b_snapshot: str
    lag_hours: float  # how much older B's snapshot is than A's
    a_km2: float
    b_km2: float
    only_a_km2: float | None = None  # held in A's polygon and not in B's (geometry sources)
    only_b_km2: float | None = None

    @property
    def diff_km2(self) -> float:
        """B minus A."""
        return self.b_km2 - self.a_km2

    @property
    def diff_pct(self) -> float:
        """B minus A in percent of A."""
        return 100.0 * self.diff_km2 / self.a_km2 if self.a_km2 else 0.0

    @property
    def disagreement_km2(self) -> float:
        """Polygons: area held in one and not the other; areas only: |B - A|."""
        if self.only_a_km2 is None or self.only_b_km2 is None:
            return abs(self.diff_km2)
        return self.only_a_km2 + self.only_b_km2


@dataclass
class SourceComparison:
    """Two sources compared on the days they overlap."""

    a: str
    b: str
    threshold_km2: float
    max_lag_hours: float
    days: list[ComparedDay] = field(default_factory=list)
    unpaired: int = 0  # days of A in the overlap with no B snapshot recent enough
    geometry: bool = False  # polygons compared, not only areas

    def over_threshold(self) -> list[ComparedDay]:
        """The days where the sources disagree by more than the threshold."""
        return [d for d in self.days if d.disagreement_km2 > self.threshold_km2]

    def distribution(self) -> dict[str, Any]:
        """Percentiles of the area difference and of the disagreement, km²."""
        if not self.days:
            return {}
        diff = np.array([d.diff_km2 for d in self.days])
        pct = np.array([d.diff_pct for d in self.days])
        dis = np.array([d.disagreement_km2 for d in self.days])

        def q(values: np.ndarray[Any, Any]) -> dict[str, float]:
            return {
                f"p{p}": round(float(np.percentile(values, p)), 2) for p in (1, 10, 50, 90, 99)
            } | {"min": round(float(values.min()), 2), "max": round(float(values.max()), 2)}

        return {
            "diff_km2": {**q(diff), "mean": round(float(diff.mean()), 2)},
            "diff_pct": {**q(pct), "mean": round(float(pct.mean()), 3)},
            "abs_diff_km2": q(np.abs(diff)),
            "disagreement_km2": q(dis),
        }


_Series = SnapshotSeries | AreaSeries


def _daily(series: _Series) -> list[tuple[datetime, Any]]:
    """(time, item) per UTC day: the day's last snapshot or value."""
    items: list[tuple[datetime, Any]]
    if isinstance(series, AreaSeries):
        items = [(p.taken_at, p) for p in series.points]
    else:
        items = [(e.taken_at, e) for e in series.entries]
    last: dict[date, tuple[datetime, Any]] = {}
    for when, item in items:
        last[when.date()] = (when, item)
    return [last[d] for d in sorted(last)]


def _area(item: Any, options: ReadOptions) -> float:
    if isinstance(item, SnapshotEntry):
        row = stored_row(item)
        if row is not None and row.area_km2 is not None:
            return row.area_km2
        return geodesic_area_km2(item.parsed(options).geometry)
    return float(item.area_km2)


def _label(item: Any, series: _Series) -> str:
    if isinstance(item, SnapshotEntry):
        return item.label
    return f"{series.source.name}: row {item.row}"


def compare_sources(
    a: _Series,
    b: _Series,
    a_label: str,
    b_label: str,
    options_a: ReadOptions,
    options_b: ReadOptions,
    threshold_km2: float = 100.0,
    max_lag_hours: float = 24.0,
    start: datetime | None = None,
    end: datetime | None = None,
    cache: HistoryCache | None = None,
    step: StepFn | None = None,
) -> SourceComparison:
    """For each day of A in the overlap, B's snapshot in effect at A's time (no older than
    max_lag_hours): their areas, and where both are polygons, what each holds that the other does not."""
    days_a, days_b = _daily(a), _daily(b)
    result = SourceComparison(a_label, b_label, threshold_km2, max_lag_hours)
    if not days_a or not days_b:
        return result
    lo = max(days_a[0][0], days_b[0][0] - timedelta(hours=max_lag_hours))
    hi = min(days_a[-1][0], days_b[-1][0] + timedelta(hours=max_lag_hours))
    if start is not None:
        lo = max(lo, start)
    if end is not None:
        hi = min(hi, end)
    chosen = [(t, item) for t, item in days_a if lo <= t <= hi]
    result.geometry = isinstance(a, SnapshotSeries) and isinstance(b, SnapshotSeries)
    pairs = cache.pairs() if cache is not None else {}
    j = 0
    for n, (when, item_a) in enumerate(chosen):
        while j + 1 < len(days_b) and days_b[j + 1][0] <= when:
            j += 1
        t_b, item_b = days_b[j]
        lag = (when - t_b).total_seconds() / 3600
        if t_b > when or lag > max_lag_hours:
            result.unpaired += 1
            continue
        only_a = only_b = None
        if result.geometry:
            only_a, only_b = _polygon_difference(item_a, item_b, options_a, options_b, pairs, cache)
        result.days.append(
            ComparedDay(
                day=when.date(),
                a_snapshot=_label(item_a, a),
                b_snapshot=_label(item_b, b),
                lag_hours=round(lag, 2),
                a_km2=_area(item_a, options_a),
                b_km2=_area(item_b, options_b),
                only_a_km2=only_a,
                only_b_km2=only_b,
            )
        )
        if step:
            step(n + 1, len(chosen))
    if cache is not None:
        cache.commit()
    return result


def _key(entry: SnapshotEntry, options: ReadOptions) -> str:
    row = stored_row(entry)
    return f"g:{row.geometry}" if row is not None and row.geometry else entry.digest(options)


def _polygon_difference(
    a: SnapshotEntry,
    b: SnapshotEntry,
    options_a: ReadOptions,
    options_b: ReadOptions,
    pairs: dict[tuple[str, str], tuple[float, float]],
    cache: HistoryCache | None,
) -> tuple[float, float]:
    """km² held only in A and only in B (the same overlay as a day's gross change, A -> B)."""
    key = (_key(a, options_a), _key(b, options_b))
    if key[0] == key[1]:
        return 0.0, 0.0
    if key in pairs:
        gained, lost = pairs[key]
        return lost, gained
    change = gross_change(a.parsed(options_a).geometry, b.parsed(options_b).geometry)
    if cache is not None:
        cache.put_pair(key[0], key[1], change.gained_km2, change.lost_km2)
    return change.lost_km2, change.gained_km2


def disagreement_features(
    comparison: SourceComparison,
    a: _Series,
    b: _Series,
    options_a: ReadOptions,
    options_b: ReadOptions,
) -> list[dict[str, Any]]:
    """GeoJSON features (lon/lat) of what each source holds that the other does not, on the days
    over the threshold (none where either source is an area series)."""
    if not isinstance(a, SnapshotSeries) or not isinstance(b, SnapshotSeries):
        return []
    by_label_a = {e.label: e for e in a.entries}
    by_label_b = {e.label: e for e in b.entries}
    features = []
    for day in comparison.over_threshold():
        ea, eb = by_label_a[day.a_snapshot], by_label_b[day.b_snapshot]
        change = gross_change(ea.parsed(options_a).geometry, eb.parsed(options_b).geometry)
        for side, geom, km2, snapshot in (
            (f"only in {comparison.a}", change.lost, change.lost_km2, day.a_snapshot),
            (f"only in {comparison.b}", change.gained, change.gained_km2, day.b_snapshot),
        ):
            if geom.is_empty:
                continue
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "date": day.day.isoformat(),
                        "side": side,
                        "snapshot": snapshot,
                        "area_km2": round(km2, 3),
                    },
                    "geometry": _geojson(geom),
                }
            )
    return features


def _geojson(geom: shapely.Geometry) -> Any:
    import orjson

    return orjson.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-6)))
