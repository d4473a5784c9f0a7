"""The August 2025 proposal replayed on the DeepState history: a continuing breach (issue 16).

Skips when ../shared/data is absent. Figures checked loosely: the map data is what it is, the
point is that the breach is a series, not one onset, and that coverage is honest.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from guarantor.monitor.geography import Geography
from guarantor.obligations.replay import ReplayResult, replay
from guarantor.spec.load import load_agreement
from guarantor.territory.boundaries import load_border
from guarantor.territory.breach import ALL, shares


@pytest.fixture(scope="module")
def result(shared_data: Path, examples_dir: Path) -> ReplayResult:
    tar = sorted((shared_data / "frontline").glob("deepstate_cyterat_daily_*.tar.xz"))[-1]
    border = load_border(shared_data / "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson")
    return replay(
        load_agreement(examples_dir / "agreements/aug2025_article5_like.yaml"),
        date(2025, 8, 15),
        date(2026, 8, 22),
        geography=Geography(border=border),
        territory=tar,
        attacks_from_territory=True,
    )


def test_the_breach_continues_week_by_week(result: ReplayResult) -> None:
    doc = result.to_json()
    rows = [r for r in doc["breach_series"] if r["direction"] == ALL]
    assert len(rows) == 54  # ISO weeks from 11 Aug 2025 to 17 Aug 2026
    assert {"week", "direction", "km2_beyond", "new_incidents", "reversed", "depth_km"} <= set(
        rows[0]
    )
    assert 1500 < rows[-1]["km2_beyond"] < 3000
    assert sum(r["new_incidents"] for r in rows) > 30
    share = shares(result.breach)
    assert max(share, key=lambda d: share[d]) == "Donetsk Oblast"
    assert 0.4 < share["Donetsk Oblast"] < 0.7


def test_renewed_escalations_are_activations_with_obligations(result: ReplayResult) -> None:
    renewed = [a for a in result.monitor.activations if a.renewed]
    assert len(renewed) >= 10
    opened = {o.opened for o in result.timeline.owed}
    assert any(a.time <= t for a in renewed for t in opened if t is not None)
    assert len(result.monitor.activations) > 3  # not only the first onsets


def test_merged_incidents_keep_their_lineage(result: ReplayResult) -> None:
    ids = {i.id for i in result.incidents}
    merged = [i for i in result.incidents if not i.live]
    assert merged
    for inc in merged:
        assert inc.merged_into in ids
        target = next(i for i in result.incidents if i.id == inc.merged_into)
        assert inc.id in target.merged_from


def test_coverage_is_reported_per_source(result: ReplayResult) -> None:
    cov = result.to_json()["coverage"]
    assert cov["territory"]["covers_period"] is True
    assert cov["events"]["note"] == "derived from territory"
    assert result.to_json()["status"] == "ok"


def test_ucdp_events_stop_in_february_2023(shared_data: Path, examples_dir: Path) -> None:
    ucdp = shared_data / "events/ucdp_ged_ukraine_2014-2023Q1_peacerep.csv.gz"
    got = replay(
        load_agreement(examples_dir / "agreements/aug2025_article5_like.yaml"),
        date(2025, 8, 15),
        date(2025, 9, 15),
        [ucdp],
        geography=Geography(
            border=load_border(
                shared_data / "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson"
            )
        ),
        territory=sorted((shared_data / "frontline").glob("deepstate_cyterat_daily_*.tar.xz"))[-1],
    )
    events = next(c for c in got.coverage if c.source == "events")
    assert events.last == date(2023, 2, 28)
    assert events.status.value == "missing" and not events.covers_period
    assert "2023-02-28" in events.stops()
    assert got.to_json()["status"] == "partial"  # the territory covers it, the events do not
