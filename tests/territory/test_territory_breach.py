"""Continuing breach, lineage, the agreed line from a deal, and coverage (issue 16 items 1-3)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from guarantor.sources.coverage import CoverageStatus, coverage_of
from guarantor.sources.snapshots import ReadOptions, scan_snapshots
from guarantor.territory.boundaries import load_border, load_units
from guarantor.territory.breach import ALL, breach_series, monday
from guarantor.territory.geodesy import plane_area_km2, to_plane
from guarantor.territory.incident import Incident, Side
from guarantor.territory.line_reading import LineBasis, read_line_geojson, read_territory
from guarantor.territory.swaps import evaluate_swap, load_places, load_proposal
from guarantor.territory.synthetic import write_synthetic
from guarantor.territory.violations import (
    ViolationParams,
    evaluate_no_additional_territory,
    find_incidents,
)

LINE = shapely.box(30.0, 48.0, 31.0, 49.0)  # the obligor holds this square at entry into force


def _t(day: int) -> datetime:
    return datetime(2030, 1, 7, 3, tzinfo=UTC) + timedelta(days=day)  # 7 Jan 2030 is a Monday


def _with(*boxes: tuple[float, float, float, float]) -> shapely.Geometry:
    return shapely.union_all([LINE, *(shapely.box(*b) for b in boxes)])


# two bulges east of the line, 0.1 degree apart, growing into one on day 3; a third bulge on
# day 9 after a quiet spell, reversed on day 12
A = (31.0, 48.1, 31.05, 48.2)
B = (31.0, 48.3, 31.05, 48.4)
BRIDGE = (31.0, 48.1, 31.05, 48.4)
C = (31.0, 48.7, 31.08, 48.8)
HISTORY = [
    (_t(0), _with(A)),
    (_t(1), _with(A, B)),
    (_t(2), _with(A, B)),
    (_t(3), _with(BRIDGE)),
    (_t(4), _with(BRIDGE)),
    (_t(9), _with(BRIDGE, C)),
    (_t(10), _with(BRIDGE, C)),
    (_t(12), _with(BRIDGE)),
    (_t(15), _with(BRIDGE)),
]
PARAMS = ViolationParams(min_area_km2=0.1, min_persistence_days=0.0, buffer_km=0.0)


@pytest.fixture(scope="module")
def incidents() -> list[Incident]:
    return find_incidents(HISTORY, LINE, PARAMS)


def test_merge_keeps_lineage_and_stable_ids(incidents: list[Incident]) -> None:
    by_id = {i.id: i for i in incidents}
    # ids: side, first day, rank that day
    assert sorted(by_id) == ["O-20300107-1", "O-20300108-1", "O-20300116-1"]
    older, younger = by_id["O-20300107-1"], by_id["O-20300108-1"]
    assert older.live and not younger.live
    assert younger.merged_into == older.id and younger.merged_at == _t(3)
    assert older.merged_from == (younger.id,)
    assert younger.reversed_at is None  # a merge is not a reversal
    # the same ids on a second run (deterministic)
    again = find_incidents(HISTORY, LINE, PARAMS)
    assert [i.to_dict() for i in again] == [i.to_dict() for i in incidents]


def test_only_live_incidents_count_towards_the_area_seized() -> None:
    result = evaluate_no_additional_territory(HISTORY, LINE, PARAMS)
    held = to_plane(HISTORY[-1][1])
    naive = plane_area_km2(shapely.difference(held, to_plane(LINE)))
    assert result.seized_km2 == pytest.approx(naive, rel=1e-6)
    assert [i.id for i in result.merged_incidents] == ["O-20300108-1"]
    assert "merged_incidents" in result.to_dict()


def test_breach_series_against_a_direct_overlay(incidents: list[Incident]) -> None:
    rows = breach_series(incidents, _t(0).date(), _t(15).date())
    weeks = sorted({r.week for r in rows if r.direction == ALL})
    assert weeks == [date(2030, 1, 7), date(2030, 1, 14), date(2030, 1, 21)]
    line = to_plane(LINE)
    for r in rows:
        assert r.direction in (ALL, "unknown")
        if r.direction != ALL:
            continue
        end = datetime.combine(r.week + timedelta(days=7), datetime.min.time(), UTC)
        last = [g for t, g in HISTORY if t < end][-1]  # the last snapshot of the week
        naive = plane_area_km2(shapely.difference(to_plane(last), line))
        assert r.km2_beyond == pytest.approx(naive, rel=1e-6), r.week
    first, second = (r for r in rows if r.direction == ALL and r.week.day in (7, 14))
    assert first.new_incidents == 2 and first.reversed == 0  # A and B; B merged, not reversed
    assert first.incidents == ("O-20300107-1",)
    assert second.new_incidents == 1 and second.reversed == 1  # C came and went
    assert second.persisted == 1 and second.grew == 0
    assert second.depth_km > 0


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_monday_is_the_start_of_the_iso_week(day: date) -> None:
    m = monday(day)
    assert m.isoweekday() == 1 and 0 <= (day - m).days < 7
    assert m.isocalendar()[:2] == day.isocalendar()[:2]


@given(
    st.sets(st.integers(min_value=0, max_value=60), max_size=40),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=30),
)
def test_coverage_against_a_naive_oracle(offsets: set[int], lo: int, span: int) -> None:
    base = date(2025, 1, 1)
    days = [base + timedelta(days=o) for o in offsets]
    start, end = base + timedelta(days=lo), base + timedelta(days=lo + span)
    cov = coverage_of("territory", days, start, end, continuous=True)
    inside = {d for d in days if start <= d <= end}
    # naive: missing days strictly between observed days inside the period
    if inside:
        every = {min(inside) + timedelta(days=i) for i in range((max(inside) - min(inside)).days)}
        missing = every - inside
    else:
        missing = set()
    got = {g.first + timedelta(days=i) for g in cov.gaps for i in range(g.days)}
    assert got == missing
    if not days or (not inside and (max(days) < start or min(days) > end)):
        assert cov.status is CoverageStatus.missing
    covers = bool(days) and min(days) <= start and max(days) >= end
    assert cov.covers_period == covers
    if cov.status is CoverageStatus.ok:
        assert covers


def test_ucdp_like_events_that_stop_are_partial_and_say_when() -> None:
    days = [date(2022, 3, 1) + timedelta(days=i) for i in range(365)]
    cov = coverage_of("events", days, date(2022, 6, 1), date(2026, 1, 1), label="ucdp.csv")
    assert cov.status is CoverageStatus.partial and not cov.covers_period
    assert "ends 2023-02-28" in cov.stops()
    later = coverage_of("events", days, date(2025, 8, 15), date(2026, 8, 22))
    assert later.status is CoverageStatus.missing
    assert later.to_json()["covers_period"] is False


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_synthetic(tmp_path_factory.mktemp("synth"), days=12)


def test_swap_out_round_trips_as_the_agreed_line(scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = scenario.proposal.read_text(encoding="utf-8")
    text += (
        "zones:\n"
        "  - id: band\n    kind: demilitarised\n    along_contact_line_km: 10\n"
        "  - id: east\n    kind: buffer\n"
        "    area: {part_of_unit: {unit: SY-E, held_by: beneficiary}}\n"
    )
    proposal_path = scenario.proposal.parent / "with_zones.yaml"
    proposal_path.write_text(text, encoding="utf-8")
    proposal = load_proposal(proposal_path)
    assert [z.id for z in proposal.zones] == ["band", "east"]
    units, land = load_units(scenario.units), load_border(scenario.border)
    entry = scan_snapshots(scenario.snapshots).entries[5]
    held = entry.parsed(ReadOptions()).geometry
    result = evaluate_swap(
        proposal, held, entry.taken_at, entry.label, units, land, load_places(scenario.places)
    )
    doc = result.to_geojson("GeoNames (test)")
    roles = [f["properties"]["role"] for f in doc["features"]]
    assert roles[:2] == ["agreed_line", "contact_line"] and roles.count("zone") == 2
    transfers = [f for f in doc["features"] if f["properties"]["role"] == "transfer"]
    assert all(f["properties"]["population_basis"] == "GeoNames (test)" for f in transfers)
    # the band is centred on the contact line: about 10 km times its length, less the ends
    band = next(r for r in result.zone_rows if r["id"] == "band")
    assert 0.8 * 10 * result.line_after_km < band["area_km2"] <= 10 * result.line_after_km + 350
    east = next(r for r in result.zone_rows if r["id"] == "east")
    assert east["area_km2"] == pytest.approx(result.gives_km2["beneficiary"], rel=1e-3)
    path = tmp_path / "deal.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    line = read_line_geojson(path)
    assert line.basis is LineBasis.geojson and sorted(line.zones) == ["band", "east"]
    assert line.taken_at == entry.taken_at
    # the line read back is the area held after the swap, on land
    expected = plane_area_km2(shapely.intersection(result.after, to_plane(land)))
    assert plane_area_km2(to_plane(line.geometry)) == pytest.approx(expected, rel=1e-3)
    # and replaying against it: nothing the obligor received counts as an advance beyond it
    reading = read_territory(
        scenario.snapshots, entry.day, entry.day + timedelta(days=3), line_file=path
    )
    assert reading.line.basis is LineBasis.geojson
    assert reading.coverage.status is CoverageStatus.ok
    for inc in reading.incidents:
        if inc.side is Side.obligor:
            inside = shapely.intersection(inc.largest, to_plane(line.geometry))
            assert plane_area_km2(inside) < 0.01


def test_a_swap_file_is_an_agreed_line(scenario) -> None:  # type: ignore[no-untyped-def]
    series = scan_snapshots(scenario.snapshots)
    entry = series.entries[5]
    units, land = load_units(scenario.units), load_border(scenario.border)
    proposal = load_proposal(scenario.proposal)
    held = entry.parsed(ReadOptions()).geometry
    swap = evaluate_swap(proposal, held, entry.taken_at, entry.label, units, land)
    reading = read_territory(
        series,
        entry.day,
        entry.day + timedelta(days=4),
        border=land,
        line_file=scenario.proposal,
        units=units,
    )
    assert reading.line.basis is LineBasis.swap
    # the proposal has no 'at': it is applied to the map of the first day
    assert reading.line.taken_at == entry.taken_at
    want = plane_area_km2(swap.agreed_area())
    assert plane_area_km2(to_plane(reading.line.geometry)) == pytest.approx(want, rel=1e-3)


def test_the_28_point_swap_on_the_real_map(shared_data: Path, examples_dir: Path) -> None:
    from guarantor.territory.reports import swap_report

    doc, result = swap_report(
        examples_dir / "swaps/november_2025_28_points.yaml", None, None, None, None, ReadOptions()
    )
    moved = {t["id"]: t for t in doc["transfers"]}
    # both oblasts named are handled: Donetsk (thousands of km²) and Luhansk (what is left)
    assert moved["donetsk-withdrawal"]["area_km2"] > 3000
    assert "luhansk-withdrawal" in moved
    assert moved["donetsk-withdrawal"]["population"] > 100_000
    assert "pre-war" in moved["donetsk-withdrawal"]["population_basis"]
    assert doc["population_basis"]["as_of"].startswith("as recorded by GeoNames")
    zone = doc["zones"][0]
    assert zone["kind"] == "demilitarised"
    assert zone["area_km2"] == pytest.approx(moved["donetsk-withdrawal"]["area_km2"], rel=0.01)
    geo = result.to_geojson(doc["population_basis"]["text"])
    assert [f["properties"]["role"] for f in geo["features"]].count("transfer") == 3
