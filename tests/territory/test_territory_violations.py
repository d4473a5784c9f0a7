"""Incidents beyond an agreed line, on the generated scenario whose history is known by design."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import shapely

from guarantor.errors import UserError
from guarantor.sources.snapshots import ReadOptions, scan_snapshots
from guarantor.territory.boundaries import load_units
from guarantor.territory.synthetic import LATS, front, held_polygon, write_synthetic
from guarantor.territory.violations import (
    ViolationParams,
    evaluate_no_additional_territory,
    find_incidents,
)


def _day(n: int) -> datetime:
    return datetime(2030, 1, 1 + n, 3, tzinfo=UTC)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    scenario = write_synthetic(tmp_path_factory.mktemp("synth"), days=26)
    series = scan_snapshots(scenario.snapshots)
    opts = ReadOptions()
    snaps = [(e.taken_at, e.parsed(opts).geometry) for e in series.entries]
    return scenario, snaps, load_units(scenario.units)


def test_the_designed_incidents_are_found(setup) -> None:  # type: ignore[no-untyped-def]
    _scenario, snaps, units = setup
    agreed = snaps[5][1]
    incidents = find_incidents(snaps[6:], agreed, ViolationParams(), units=units)
    confirmed = [i for i in incidents if i.confirmed]
    obligor = [i for i in confirmed if i.side == "obligor"]
    beneficiary = [i for i in confirmed if i.side == "beneficiary"]
    assert len(obligor) == 1 and len(beneficiary) == 1
    adv = obligor[0]
    assert adv.first_seen == _day(10)
    assert adv.confirmed_at == _day(13)  # persisted three days
    assert adv.reversed_at is None
    assert adv.units == ("SY-C",)
    assert adv.centroid[1] == pytest.approx(48.0, abs=0.05)
    # depth: the largest distance from the final front to the agreed line, computed directly
    from guarantor.territory.geodesy import to_plane

    line = shapely.boundary(to_plane(agreed))
    points = to_plane(shapely.points(list(zip(front(25), LATS, strict=True))))
    expected = max(shapely.distance(points, line)) / 1000
    assert 6.0 < expected < 9.0  # the bulge is 0.12 degrees (8.9 km) east-west, the line slants
    assert adv.max_depth_km == pytest.approx(expected, abs=0.01)
    push = beneficiary[0]
    assert push.first_seen == _day(15) and push.confirmed_at == _day(18)
    assert push.reversed_at == _day(19)
    assert push.centroid[1] == pytest.approx(49.3, abs=0.05)
    blips = [i for i in incidents if not i.confirmed]
    assert len(blips) == 1 and blips[0].first_seen == _day(12) and blips[0].reversed_at == _day(13)


def test_incident_area_is_the_area_beyond_the_buffered_line(setup) -> None:  # type: ignore[no-untyped-def]
    _, snaps, _ = setup
    agreed = snaps[5][1]
    params = ViolationParams(buffer_km=0.5)
    incidents = find_incidents(snaps[6:], agreed, params)
    adv = next(i for i in incidents if i.side == "obligor" and i.confirmed)
    from guarantor.territory.geodesy import plane_area_km2, to_plane

    held, line = to_plane(snaps[-1][1]), to_plane(agreed)
    expected = plane_area_km2(shapely.difference(held, shapely.buffer(line, 500.0)))
    assert adv.current_area_km2 == pytest.approx(expected, rel=1e-3)


def test_tolerances_change_the_verdict(setup) -> None:  # type: ignore[no-untyped-def]
    _, snaps, _ = setup
    agreed = snaps[5][1]
    strict = find_incidents(
        snaps[6:], agreed, ViolationParams(min_area_km2=0.5, min_persistence_days=0)
    )
    assert any(i.first_seen == _day(12) and i.confirmed for i in strict)  # the blip now counts
    lenient = find_incidents(snaps[6:], agreed, ViolationParams(min_area_km2=1000.0))
    assert not [i for i in lenient if i.confirmed]


def test_evaluation_before_and_after_the_advance(setup) -> None:  # type: ignore[no-untyped-def]
    _, snaps, _ = setup
    agreed_at, agreed = snaps[5]
    before = evaluate_no_additional_territory(snaps[:10], agreed, agreed_at=agreed_at)
    assert before.status == "complied" and before.breached_at is None
    after = evaluate_no_additional_territory(snaps, agreed, agreed_at=agreed_at)
    assert after.status == "breached" and after.breached_at == _day(13)
    assert after.seized_km2 > 100
    doc = after.to_dict()
    assert doc["confirmed_incidents"][0]["first_seen"] == "2030-01-11T03:00:00+00:00"
    empty = evaluate_no_additional_territory(snaps[:5], agreed, agreed_at=agreed_at)
    assert empty.status == "no_data"


def test_user_given_line_and_out_of_order_snapshots(setup) -> None:  # type: ignore[no-untyped-def]
    _, snaps, _ = setup
    line = shapely.Polygon(held_polygon(0)[0])
    incidents = find_incidents(snaps[1:], line)
    assert any(i.side == "obligor" and i.confirmed for i in incidents)
    with pytest.raises(UserError, match="out of order or duplicated"):
        find_incidents([snaps[3], snaps[2]], line)
    with pytest.raises(UserError, match="must not be negative"):
        ViolationParams(buffer_km=-1)
