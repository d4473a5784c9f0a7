"""One history from several sources, per-period sums with coverage, comparisons, reference series."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guarantor.errors import UserError
from guarantor.sources.area_series import read_area_series
from guarantor.sources.snapshots import ReadOptions
from guarantor.territory.compare import compare_sources, disagreement_features
from guarantor.territory.history import build_history
from guarantor.territory.periods import TimeStep, period_of, summarize
from guarantor.territory.query import snapshot_on
from guarantor.territory.synthetic import held_polygon, write_synthetic
from guarantor.territory.timeline import (
    SourceKind,
    build_timeline,
    open_snapshots,
    territory_sources,
)

OPTS = ReadOptions()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_synthetic(tmp_path_factory.mktemp("synth"), days=20)


@pytest.fixture
def two_sources(scenario, tmp_path: Path) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """A: days 5..19 as daily files; B: days 0..9 as 'raw' dumps taken in the evening."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    files = sorted(scenario.snapshots.iterdir())
    for file in files[5:]:
        shutil.copy(file, a / file.name)
    for day, file in enumerate(files[:10]):
        stamp = int(datetime(2030, 1, 1 + day, 20, tzinfo=UTC).timestamp())
        doc = orjson.loads(file.read_bytes())
        for feature in doc["features"]:
            feature["properties"] = {"name": "Окуповано /// Occupied"}
        (b / f"{stamp}.geojson").write_bytes(orjson.dumps(doc))
    return a, b


def test_each_day_uses_the_preferred_source_that_has_it(two_sources, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = two_sources
    sources = territory_sources([a, b], OPTS)
    series = [open_snapshots(s, None, tmp_path / "stores") for s in sources]
    timeline = build_timeline(sources, series)
    assert [p.day for p in timeline.picks] == [date(2030, 1, d) for d in range(1, 21)]
    used = [timeline.label_of(p) for p in timeline.picks]
    assert used[:5] == ["b"] * 5 and used[5:] == ["a"] * 15
    overlap = [p for p in timeline.picks if date(2030, 1, 6) <= p.day <= date(2030, 1, 10)]
    assert all(p.others == 1 for p in overlap)  # B's snapshot of the day counted, not mixed in


def test_a_yaml_list_sets_the_priorities(two_sources, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = two_sources
    listing = tmp_path / "sources.yaml"
    listing.write_text(
        f"territory:\n  - path: {a}\n    priority: 2\n  - path: {b.name}\n    priority: 1\n"
    )
    sources = territory_sources([listing], OPTS)
    assert [s.path.name for s in sources] == ["b", "a"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("territory:\n  - path: nowhere\n")
    with pytest.raises(UserError, match="does not exist") as err:
        territory_sources([bad], OPTS)
    assert "bad.yaml:2" in str(err.value)
    typo = tmp_path / "typo.yaml"
    typo.write_text(f"territory:\n  - path: {a}\n    priorty: 1\n")
    with pytest.raises(UserError, match="priority"):
        territory_sources([typo], OPTS)


def test_history_per_period_sums_and_coverage(two_sources, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = two_sources
    sources = territory_sources([a, b], OPTS)
    series = [open_snapshots(s, None, tmp_path / "stores") for s in sources]
    timeline = build_timeline(sources, series)
    history = build_history(timeline.as_series(), OPTS)
    labels = [timeline.label_of(p) for p in timeline.picks]
    weeks = summarize(history, labels, TimeStep.week)
    daily_gained = sum(r.gained_km2 for r in history.records[1:])
    assert sum(w.gained_km2 for w in weeks) == pytest.approx(daily_gained)
    assert sum(w.covered for w in weeks) == 20
    # 2030-01-01 is a Tuesday: the first week is Jan 1-6 (B until A starts on Jan 6)
    assert weeks[0].sources == {"b": 5, "a": 1} and weeks[1].sources == {"a": 7}
    asked = summarize(history, labels, TimeStep.month, date(2029, 12, 1), date(2030, 2, 28))
    assert [m.period for m in asked] == ["2029-12", "2030-01", "2030-02"]
    assert asked[0].covered == 0 and asked[2].covered == 0 and asked[1].covered == 20
    assert asked[1].coverage_pct == pytest.approx(100 * 20 / 31)


def test_a_new_archive_parses_only_the_last_snapshot_of_each_uncovered_day(  # type: ignore[no-untyped-def]
    two_sources, tmp_path: Path
) -> None:
    """Cold, an archive is read once: indexed whole, and of each day no preferred source has,
    only its last snapshot parsed; the timeline and history are those of fully parsed sources."""
    import tarfile

    from guarantor.territory.store import stored_row
    from guarantor.territory.timeline import open_timeline

    a, b = two_sources
    archive = tmp_path / "b.tar.xz"
    evenings = sorted(b.iterdir())
    with tarfile.open(archive, "w:xz") as tar:
        for file in evenings:  # each evening dump, and that morning's as well
            morning = tmp_path / f"{int(file.stem) - 12 * 3600}.geojson"
            morning.write_bytes(evenings[-1].read_bytes())  # another day's line
            tar.add(morning, f"raw/{morning.name}")
            tar.add(file, f"raw/{file.name}")
    sources = territory_sources([a, archive], OPTS)
    timeline = open_timeline(sources, tmp_path / "stores")
    picks = [(p.day, timeline.label_of(p), p.entry.taken_at.hour) for p in timeline.picks]
    assert picks[:5] == [(date(2030, 1, d), "b.tar.xz", 20) for d in range(1, 6)]
    assert [p[1] for p in picks[5:]] == ["a"] * 15
    rows = {e.name: stored_row(e) for e in timeline.series[1].entries}
    parsed = sorted(n for n, r in rows.items() if r is not None and r.parsed)
    assert parsed == sorted(p.entry.name for p in timeline.picks if p.source == 1)
    assert len(rows) == 20  # every dump indexed: the mornings and the days A covers too
    full = build_timeline(sources, [open_snapshots(s, None, tmp_path / "full") for s in sources])
    assert [(p.day, p.entry.name) for p in full.picks] == [
        (p.day, p.entry.name) for p in timeline.picks
    ]
    areas = [r.area_km2 for r in build_history(timeline.as_series(), OPTS).records]
    assert areas == [r.area_km2 for r in build_history(full.as_series(), OPTS).records]


@settings(max_examples=60, deadline=None)
@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(TimeStep)
)
def test_periods_contain_their_day_and_tile_the_calendar(day: date, step: TimeStep) -> None:
    label, first, last = period_of(day, step)
    assert first <= day <= last
    from datetime import timedelta

    after = period_of(last + timedelta(days=1), step)
    before = period_of(first - timedelta(days=1), step)
    assert after[1] == last + timedelta(days=1) and before[2] == first - timedelta(days=1)
    assert after[0] != label != before[0]


def test_one_date_from_the_preferred_source(two_sources, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = two_sources
    sources = territory_sources([a, b], OPTS)
    cold = snapshot_on(sources, datetime(2030, 1, 8, 23, tzinfo=UTC), tmp_path / "stores")
    assert cold.source.path == a and not cold.from_store
    early = snapshot_on(sources, datetime(2030, 1, 3, 23, tzinfo=UTC), tmp_path / "stores")
    assert early.source.path == b and early.entry.taken_at.hour == 20
    for s in sources:
        open_snapshots(s, None, tmp_path / "stores")
    warm = snapshot_on(sources, datetime(2030, 1, 8, 23, tzinfo=UTC), tmp_path / "stores")
    assert warm.from_store and warm.area_km2 == pytest.approx(cold.area_km2)


def test_compare_two_sources_on_their_overlap(two_sources, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = two_sources
    sources = territory_sources([a, b], OPTS)
    sa, sb = (open_snapshots(s, None, tmp_path / "stores") for s in sources)
    same = compare_sources(sa, sb, "a", "b", OPTS, OPTS, threshold_km2=100.0)
    # A at 03:00 of days 6..11 against B's dump of the evening before (7 hours older)
    assert [d.day for d in same.days] == [date(2030, 1, d) for d in range(6, 12)]
    assert all(d.lag_hours == 7.0 for d in same.days)
    # until the advance starts (A's day 11) the two draw the same map
    assert all(d.disagreement_km2 == pytest.approx(0, abs=1e-6) for d in same.days[:5])
    assert same.over_threshold() == []
    # B draws a very different line on its last day: that day is over the threshold, exportable
    last = sorted(b.iterdir())[-1]
    doc = orjson.loads(last.read_bytes())
    doc["features"][0]["geometry"]["coordinates"] = [
        [[x - 0.5 if x < 36 else x, y] for x, y in held_polygon(19)[0]]
    ]
    last.write_bytes(orjson.dumps(doc))
    sb = open_snapshots(sources[1], None, tmp_path / "stores")
    differs = compare_sources(sa, sb, "a", "b", OPTS, OPTS, threshold_km2=100.0)
    assert [d.day for d in differs.over_threshold()] == [date(2030, 1, 11)]
    assert differs.distribution()["disagreement_km2"]["max"] > 1000
    features = disagreement_features(differs, sa, sb, OPTS, OPTS)
    assert features and {f["properties"]["side"] for f in features} <= {"only in a", "only in b"}
    json.dumps(features)  # plain JSON


def test_reference_area_series_are_read_and_bad_rows_quarantined(tmp_path: Path) -> None:
    csv_file = tmp_path / "liveuamap.csv"
    csv_file.write_text(
        "date,area\n2030-01-06 00:00:00,60000\n2030-01-07 00:00:00,oops\n"
        "2030-01-08 00:00:00,1e300\n2030-01-09 00:00:00,60100\n"
    )
    series = read_area_series(csv_file)
    assert [p.area_km2 for p in series.points] == [60000.0, 60100.0]
    assert len(series.quarantined) == 2 and "row 3" in series.quarantined[0]
    nzz = tmp_path / "nzz.json"
    nzz.write_text('{"2030-01-06T00:00:00.000": 59000.5}')
    assert read_area_series(nzz).points[0].area_km2 == 59000.5
    isw = tmp_path / "isw.json"
    isw.write_text(
        json.dumps(
            [
                {"date": "2030-01-06", "layerType": "ukraine_control_map", "areaKm2": 58000},
                {"date": "2030-01-06", "layerType": "russian_advances", "areaKm2": 100},
            ]
        )
    )
    assert [p.area_km2 for p in read_area_series(isw).points] == [58000.0]
    assert read_area_series(isw, "russian_advances").points[0].area_km2 == 100.0
    with pytest.raises(UserError, match="layers: russian_advances, ukraine_control_map"):
        read_area_series(isw, "nope")
    sources = territory_sources([csv_file], OPTS)
    assert sources[0].kind is SourceKind.areas


def test_compare_with_a_reference_series_uses_areas_only(two_sources, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, _ = two_sources
    sa = open_snapshots(territory_sources([a], OPTS)[0], None, tmp_path / "stores")
    ref = tmp_path / "ref.csv"
    rows = [f"2030-01-{d:02d},{sa.entries[d - 6].stored.area_km2 * 1.01}" for d in range(6, 21)]  # type: ignore[union-attr]
    ref.write_text("date,area\n" + "\n".join(rows) + "\n")
    other = read_area_series(ref)
    result = compare_sources(sa, other, "a", "ref", OPTS, OPTS, threshold_km2=1e9)
    assert not result.geometry and len(result.days) == 15
    assert all(d.diff_pct == pytest.approx(1.0, abs=0.01) for d in result.days)
    assert all(d.only_a_km2 is None for d in result.days)


def test_a_renamed_layer_is_reported_with_its_snapshot(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    square = [[[33.0, 48.0], [33.5, 48.0], [33.5, 48.5], [33.0, 48.5], [33.0, 48.0]]]
    crimea = [[[33.0, 45.0], [34.0, 45.0], [34.0, 45.5], [33.0, 45.0]]]
    for day, crimea_name in enumerate(
        ["Окупований Крим /// Occupied Crimea", "Окупований Крим /// Occupied Crimea", "Крим 2"]
    ):
        stamp = int(datetime(2023, 5, 1 + day, 20, tzinfo=UTC).timestamp())
        doc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "Окуповано /// Occupied"},
                    "geometry": {"type": "Polygon", "coordinates": square},
                },
                {
                    "type": "Feature",
                    "properties": {"name": crimea_name},
                    "geometry": {"type": "Polygon", "coordinates": crimea},
                },
                {
                    "type": "Feature",
                    "properties": {"name": "Окуповано 04.04 /// Occupied 04.04"},
                    "geometry": {"type": "Polygon", "coordinates": square},
                },
            ],
        }
        (folder / f"{stamp}.geojson").write_bytes(orjson.dumps(doc))
    sources = territory_sources([folder], OPTS)
    timeline = build_timeline(sources, [open_snapshots(sources[0], None, tmp_path / "stores")])
    renamed = [n for n in timeline.notes if "missing" in n]
    assert len(renamed) == 1 and "Occupied Crimea" in renamed[0]
    assert str(folder) in renamed[0]
    unread = [n for n in timeline.notes if "not read" in n]
    assert len(unread) == 1 and "Occupied 04.04" in unread[0] and "3 day(s)" in unread[0]
