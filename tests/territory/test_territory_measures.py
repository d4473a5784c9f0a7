"""Areas, gross changes, the cached history and per-unit control, checked against direct overlays."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from guarantor.sources.snapshots import ReadOptions, scan_snapshots
from guarantor.territory.boundaries import load_units
from guarantor.territory.cache import HistoryCache
from guarantor.territory.changes import areas_by_unit, full_change, gross_change
from guarantor.territory.geodesy import geodesic_area_km2, plane_area_km2, to_plane
from guarantor.territory.history import build_history
from guarantor.territory.synthetic import held_polygon, write_synthetic


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_synthetic(tmp_path_factory.mktemp("synth"), days=24)


def test_equal_area_plane_agrees_with_geodesic() -> None:
    # with dense vertices (as in DeepState's polygons) a straight projected edge and a geodesic
    # edge enclose the same area; long edges differ (docs/territory.md, "Areas")
    geom = shapely.segmentize(shapely.Polygon(held_polygon(0)[0]), 0.01)
    geodesic = geodesic_area_km2(geom)
    plane = plane_area_km2(to_plane(geom))
    assert geodesic > 10_000
    assert abs(plane - geodesic) / geodesic < 1e-5


def _cell_area_km2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Closed-form area of a lon/lat cell (edges along meridians and parallels) on WGS84."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    e = np.sqrt(e2)

    def q(phi: float) -> float:
        s = np.sin(np.radians(phi))
        return float(s / (1 - e2 * s * s) + np.log((1 + e * s) / (1 - e * s)) / (2 * e))

    return a * a * (1 - e2) / 2 * np.radians(lon1 - lon0) * (q(lat1) - q(lat0)) / 1e6


def test_cell_area_matches_the_closed_form_on_the_ellipsoid() -> None:
    cell = shapely.segmentize(shapely.box(30.0, 48.0, 31.0, 49.0), 0.001)  # follows the parallels
    expected = _cell_area_km2(30.0, 48.0, 31.0, 49.0)
    assert 8_000 < expected < 8_500
    assert geodesic_area_km2(cell) == pytest.approx(expected, rel=1e-6)
    assert plane_area_km2(to_plane(cell)) == pytest.approx(expected, rel=1e-6)


def _held(day: int) -> shapely.Geometry:
    return shapely.Polygon(held_polygon(day)[0])


@pytest.mark.parametrize(
    ("a", "b"), [(0, 1), (9, 10), (11, 12), (12, 13), (14, 15), (18, 19), (0, 23), (5, 5)]
)
def test_local_change_equals_full_overlay(a: int, b: int) -> None:
    fast, full = gross_change(_held(a), _held(b)), full_change(_held(a), _held(b))
    assert fast.gained_km2 == pytest.approx(full.gained_km2, abs=1e-6)
    assert fast.lost_km2 == pytest.approx(full.lost_km2, abs=1e-6)
    net = geodesic_area_km2(_held(b)) - geodesic_area_km2(_held(a))
    assert fast.net_km2 == pytest.approx(net, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 399), st.floats(-0.05, 0.05, allow_nan=False)),
        min_size=1,
        max_size=6,
    )
)
def test_random_edits_of_a_front(edits: list[tuple[int, float]]) -> None:
    ring = np.array(held_polygon(0)[0])
    moved = ring.copy()
    for index, shift in edits:  # move single front vertices east or west
        i = 2 + index  # keep the two corner vertices and the closing vertex
        moved[i, 0] = round(moved[i, 0] + shift, 6)
    before = shapely.make_valid(shapely.Polygon(ring))
    after = shapely.make_valid(shapely.Polygon(moved))
    fast, full = gross_change(before, after), full_change(before, after)
    assert fast.gained_km2 == pytest.approx(full.gained_km2, abs=1e-6)
    assert fast.lost_km2 == pytest.approx(full.lost_km2, abs=1e-6)


def test_history_is_cached_and_a_new_day_costs_one_pair(scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "days"
    folder.mkdir()
    for file in sorted(scenario.snapshots.iterdir())[:21]:  # day 20 still differs from day 19
        shutil.copy(file, folder / file.name)
    newest = sorted(folder.iterdir())[-1]
    held_back = tmp_path / newest.name
    newest.rename(held_back)
    units = load_units(scenario.units)
    with HistoryCache(tmp_path / "cache.sqlite") as cache:
        first = build_history(scan_snapshots(folder), units=units, cache=cache)
    # identical consecutive files (the quiet first days) need no overlay at all
    assert first.stats.pairs_computed + first.stats.unchanged == 19
    assert first.stats.pairs_computed == 10
    with HistoryCache(tmp_path / "cache.sqlite") as cache:
        again = build_history(scan_snapshots(folder), units=units, cache=cache)
    assert again.stats.pairs_computed == 0 and again.stats.parsed == 0
    assert [r.area_km2 for r in again.records] == [r.area_km2 for r in first.records]
    held_back.rename(folder / newest.name)
    with HistoryCache(tmp_path / "cache.sqlite") as cache:
        added = build_history(scan_snapshots(folder), units=units, cache=cache)
    # the new day is one pair: computed, or nothing to compute when it repeats the day before
    assert added.stats.pairs_computed + added.stats.unchanged == 1 + again.stats.unchanged
    assert added.stats.parsed <= 2
    fresh = build_history(scan_snapshots(folder), units=units)
    assert [r.gained_km2 for r in added.records] == pytest.approx(
        [r.gained_km2 for r in fresh.records]
    )
    assert added.unit_controlled is not None and fresh.unit_controlled is not None
    assert np.allclose(added.unit_controlled, fresh.unit_controlled)


def test_per_unit_running_sum_equals_direct_overlay(scenario) -> None:  # type: ignore[no-untyped-def]
    units = load_units(scenario.units)
    series = scan_snapshots(scenario.snapshots)
    history = build_history(series, units=units)
    assert history.unit_controlled is not None
    opts = ReadOptions()
    for i in (0, 12, 23):
        direct = areas_by_unit(series.entries[i].parsed(opts).geometry, units, units.tree())
        assert np.allclose(history.unit_controlled[i], direct, atol=1e-6)
    # the obligor's area is all inside the three units here: units sum to the total
    total = np.array([r.area_km2 for r in history.records])
    assert np.allclose(history.unit_controlled.sum(axis=1), total, rtol=1e-5)
    gained = np.array([r.gained_km2 for r in history.records])
    lost = np.array([r.lost_km2 for r in history.records])
    assert np.allclose(np.diff(total), (gained - lost)[1:], atol=1e-6)
    # the advance grows from day 10; the push takes land on day 15 and is undone on day 19
    assert gained[10] > 0 and lost[15] > 0 and gained[19] > 0
