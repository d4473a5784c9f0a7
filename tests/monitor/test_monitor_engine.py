"""Trigger evaluation: windows, persistence, attribution, location, combinators, checkpoints."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.monitor.actors import ActorEntry, ActorMap, load_actor_map
from guarantor.monitor.columns import MAX_ACTORS, TYPE_CODE, EventColumns, day_number
from guarantor.monitor.engine import Evaluator, evaluate
from guarantor.monitor.geography import Geography
from guarantor.monitor.oracle import naive_levels
from guarantor.rules import Measure, Truth
from guarantor.territory.incident import Incident, Side

START = date(2025, 1, 1)
END = date(2025, 3, 31)
ACTORS = ["RU", "UA", "Proxy militia"]


def agreement(*triggers: dict[str, Any]) -> Agreement:
    return Agreement.model_validate(
        {
            "id": "test",
            "title": "test",
            "nature": "proposal",
            "parties": [{"id": "RU", "name": "Russia"}, {"id": "UA", "name": "Ukraine"}],
            "roles": [{"party": "UA", "role": "beneficiary"}, {"party": "RU", "role": "obligor"}],
            "triggers": list(triggers),
        }
    )


def trig(tid: str, *levels: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"id": tid, "levels": [{"level": lv, "when": when} for lv, when in levels]}


def events(rows: list[tuple[str, str, float, float, int]], kind: str = "battle") -> EventColumns:
    """rows: (day ISO, actor, lon, lat, fatalities)."""
    n = len(rows)
    actors = np.full((n, MAX_ACTORS), -1, dtype=np.int32)
    for i, r in enumerate(rows):
        actors[i, 0] = ACTORS.index(r[1])
    return EventColumns(
        day=np.array([day_number(date.fromisoformat(r[0])) for r in rows], dtype=np.int32),
        lon=np.array([r[2] for r in rows], dtype=np.float64),
        lat=np.array([r[3] for r in rows], dtype=np.float64),
        type_code=np.full(n, TYPE_CODE[kind], dtype=np.int8),
        actors=actors,
        fatalities=np.array([r[4] for r in rows], dtype=np.int64),
        actor_names=ACTORS,
        ids=[f"e{i}" for i in range(n)],
    )


PROXY = ActorMap.from_entries(
    [ActorEntry(name="Proxy militia", party="RU", confidence=0.6, relation="proxy")]
)
GEO = Geography(
    border=box(30, 45, 40, 52),
    agreed_line_held=box(37, 45, 40, 52),
    zones={"port": box(30, 45, 31, 46)},
)


def test_window_sustained_and_grades() -> None:
    a = agreement(
        trig(
            "attack",
            ("watch", {"armed_attack": {"by": ["RU"]}}),
            (
                "consult",
                {
                    "armed_attack": {
                        "by": ["RU"],
                        "intensity": {"window": "3 days", "min_events": 3, "min_fatalities": 5},
                    }
                },
            ),
            (
                "invoke",
                {
                    "armed_attack": {
                        "by": ["RU"],
                        "intensity": {"window": "3 days", "min_events": 3},
                        "sustained": "2 days",
                    }
                },
            ),
        )
    )
    ev = events(
        [
            ("2025-01-10", "RU", 33, 48, 1),
            ("2025-01-11", "RU", 33, 48, 1),
            ("2025-01-12", "RU", 33, 48, 1),
            ("2025-01-12", "RU", 33, 48, 2),
            ("2025-01-13", "RU", 33, 48, 1),
        ]
    )
    res = evaluate(a, ev, START, END)
    got = [(x.level, x.time.date().isoformat(), x.evidence_total) for x in res.activations]
    # day 10: watch; day 12: 4 events/5 fatalities in 10..12 -> consult; day 13: 3-day window still >= 3 on 12 and 13 -> invoke
    assert got == [
        ("watch", "2025-01-11", 1),
        ("consult", "2025-01-13", 4),
        ("invoke", "2025-01-14", 5),
    ]
    assert res.activations[1].time == datetime(2025, 1, 13, tzinfo=UTC)  # end of the evidence day
    trace = res.activations[1].trace.leaves[0]
    seen = {c.measure: (c.observed, c.threshold, c.margin) for c in trace.comparisons}
    assert seen[Measure.events] == (4, 3, 1) and seen[Measure.fatalities] == (5, 5, 0)
    assert trace.window == (date(2025, 1, 10), date(2025, 1, 12))
    assert res.activations[1].trace.to_json()["trace_version"] == 1


def test_attribution_threshold_and_proxy_confidence() -> None:
    a = agreement(trig("t", ("invoke", {"armed_attack": {"by": ["RU"], "min_attribution": 0.7}})))
    ev = events([("2025-02-01", "Proxy militia", 33, 48, 3)])
    assert evaluate(a, ev, START, END, PROXY).activations == []
    res = evaluate(a, ev, START, END, PROXY.with_confidence("proxy", 0.8))
    assert len(res.activations) == 1 and res.activations[0].attribution == pytest.approx(0.8)
    miss = evaluate(a, ev, START, END, PROXY).not_reached[0]
    attribution = next(c for c in miss.leaves[0].comparisons if c.measure is Measure.attribution)
    assert attribution.observed == pytest.approx(0.6) and attribution.threshold == 0.7
    assert attribution.margin == pytest.approx(-0.1) and attribution.truth is Truth.false


def test_location_inside_beyond_line_and_zone() -> None:
    a = agreement(
        trig(
            "inside",
            ("invoke", {"armed_attack": {"by": ["RU"], "location": {"inside": "beneficiary"}}}),
        ),
        trig(
            "beyond",
            ("invoke", {"armed_attack": {"by": ["RU"], "location": {"beyond_agreed_line_km": 50}}}),
        ),
        trig(
            "zone",
            (
                "invoke",
                {
                    "armed_attack": {
                        "by": ["RU"],
                        "location": {"zone": "port", "inside": "anywhere"},
                    }
                },
            ),
        ),
    )
    ev = events(
        [
            ("2025-01-05", "RU", 25.0, 48.0, 1),  # outside the border
            ("2025-01-06", "RU", 36.8, 48.0, 1),  # inside, ~15 km from the held area
            ("2025-01-07", "RU", 35.0, 48.0, 1),  # inside, ~150 km beyond the line
            ("2025-01-08", "RU", 30.5, 45.5, 1),  # in the port zone
        ]
    )
    res = evaluate(a, ev, START, END, geography=GEO)
    first = {x.trigger: x.time.date().isoformat() for x in res.activations}
    assert first == {"inside": "2025-01-07", "beyond": "2025-01-08", "zone": "2025-01-09"}


def test_all_any_not_and_why_not() -> None:
    a = agreement(
        trig(
            "both",
            (
                "invoke",
                {
                    "all": [
                        {"armed_attack": {"by": ["RU"]}},
                        {"not": {"armed_attack": {"by": ["UA"]}}},
                    ]
                },
            ),
        ),
        trig(
            "either",
            (
                "invoke",
                {
                    "any": [
                        {"threat": {"by": ["RU"]}},
                        {
                            "armed_attack": {
                                "by": ["UA"],
                                "intensity": {"window": "7 days", "min_events": 5},
                            }
                        },
                    ]
                },
            ),
        ),
    )
    ev = events(
        [
            ("2025-01-10", "RU", 33, 48, 0),
            ("2025-01-11", "RU", 33, 48, 0),
            ("2025-01-11", "UA", 33, 48, 0),
        ]
    )
    res = evaluate(a, ev, START, END)
    assert [(x.trigger, x.time.date().isoformat()) for x in res.activations] == [
        ("both", "2025-01-11")
    ]
    assert res.levels["both"][day_number(date(2025, 1, 11)) - day_number(START)] == -1
    why = res.not_reached[0]
    assert why.trigger == "either" and why.truth is Truth.false
    threat, ua = (lt.comparisons[0] for lt in why.leaves)
    assert (threat.observed, threat.threshold) == (0, 1)  # no threat events at all
    assert (ua.observed, ua.threshold, ua.margin) == (1, 5, -4)  # best 7-day window: 1 event


def test_territorial_seizure_from_incident_like_records() -> None:
    a = agreement(
        trig(
            "land",
            (
                "consult",
                {"territorial_seizure": {"by": ["RU"], "min_area_km2": 1, "persisted": "3 days"}},
            ),
            (
                "invoke",
                {"territorial_seizure": {"by": ["RU"], "min_area_km2": 10, "persisted": "7 days"}},
            ),
        )
    )

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    incidents = [
        Incident("I1", Side.obligor, at("2025-02-01T03:00:00Z"), at("2025-03-31T03:00:00Z"),
                 area_km2=4.0, max_depth_km=1.0),
        Incident("I2", Side.obligor, at("2025-02-10T03:00:00Z"), at("2025-02-11T03:00:00Z"),
                 reversed_at=at("2025-02-12T03:00:00Z"), area_km2=12.0, max_depth_km=2.0),
        Incident("I3", Side.obligor, at("2025-03-01T03:00:00Z"), at("2025-03-31T03:00:00Z"),
                 area_km2=30.0, max_depth_km=4.0),
    ]  # fmt: skip
    res = evaluate(a, None, START, END, incidents=incidents, quiet_days=0)
    got = [(x.level, x.time.date().isoformat(), list(x.evidence)) for x in res.activations]
    assert got == [("consult", "2025-02-05", ["I1"]), ("invoke", "2025-03-09", ["I3"])]
    # I3 starts to count on 4 March after 28 days with no new advance: a renewed escalation,
    # a new activation of the level then held (consult), with I3 as its evidence
    res = evaluate(a, None, START, END, incidents=incidents)
    got2 = [
        (x.level, x.time.date().isoformat(), list(x.evidence), x.renewed) for x in res.activations
    ]
    assert got2 == [
        ("consult", "2025-02-05", ["I1"], False),
        ("consult", "2025-03-05", ["I3"], True),
        ("invoke", "2025-03-09", ["I3"], False),
    ]
    # 30 quiet days needed: 28 are not enough, so no renewal
    res = evaluate(a, None, START, END, incidents=incidents, quiet_days=30)
    assert [x.renewed for x in res.activations] == [False, False]


def test_renewed_escalation_is_per_direction_and_spaced() -> None:
    a = agreement(
        trig("land", ("consult", {"territorial_seizure": {"by": ["RU"], "persisted": "1 day"}}))
    )

    def inc(name: str, day: str, unit: str) -> Incident:
        t = datetime.fromisoformat(f"{day}T03:00:00+00:00")
        return Incident(name, Side.obligor, t, t, area_km2=5.0, units=(unit,))

    incidents = [
        inc("A1", "2025-01-20", "UA-14"),  # onset (held from 21 Jan)
        inc("B1", "2025-01-25", "UA-23"),  # a new direction, but 4 days after the onset
        inc("A2", "2025-01-28", "UA-14"),  # Donetsk not quiet (A1 on the 21st)
        inc("B2", "2025-02-20", "UA-23"),  # Zaporizhzhia quiet 26 days: renewal
        inc("A3", "2025-02-25", "UA-14"),  # quiet since 29 Jan, but 5 days after a renewal
        inc("A4", "2025-03-20", "UA-14"),  # quiet since 26 Feb (22 days): renewal
    ]
    res = evaluate(a, None, START, END, incidents=incidents)
    got = [(x.time.date().isoformat(), x.renewed, list(x.evidence)) for x in res.activations]
    assert got == [
        ("2025-01-22", False, ["A1"]),
        ("2025-02-22", True, ["B2"]),
        ("2025-03-22", True, ["A4"]),
    ]
    # a naive oracle: renewal days by walking the days directly
    quiet = 14
    starts = {i.id: (i.first_seen.date() + timedelta(days=1)) for i in incidents}
    last_activation = starts["A1"]
    expected = []
    for name in ["B1", "A2", "B2", "A3", "A4"]:
        day, unit = starts[name], next(i.units[0] for i in incidents if i.id == name)
        before = [
            starts[o.id]
            for o in incidents
            if o.units[0] == unit and o.id != name and starts[o.id] < day
        ]
        if all((day - b).days > quiet for b in before) and (day - last_activation).days >= quiet:
            expected.append(name)
            last_activation = day
    assert expected == ["B2", "A4"]


def test_actor_map_file_errors_have_positions(tmp_path: Path) -> None:
    path = tmp_path / "actors.yaml"
    path.write_text(
        "schema: guarantor/actors@1\nactors:\n  - name: DPR\n    party: RU\n    confidence: 1.7\n"
    )
    with pytest.raises(UserError) as info:
        load_actor_map(path)
    assert f"{path}:5:17" in str(info.value) and "confidence" in str(info.value)


def test_checkpoint_refuses_another_agreement(tmp_path: Path) -> None:
    a = agreement(trig("t", ("invoke", {"armed_attack": {"by": ["RU"]}})))
    b = agreement(trig("t", ("invoke", {"armed_attack": {"by": ["UA"]}})))
    ev = Evaluator(a, START, END)
    ev.save(tmp_path / "c.npz")
    with pytest.raises(UserError, match="another agreement"):
        Evaluator(b, START, END).load(tmp_path / "c.npz")


RICH = agreement(
    trig(
        "attack",
        ("watch", {"armed_attack": {"by": ["RU"], "location": {"inside": "beneficiary"}}}),
        (
            "consult",
            {
                "armed_attack": {
                    "by": ["RU"],
                    "min_attribution": 0.5,
                    "intensity": {"window": "5 days", "min_events": 4, "min_distinct_days": 2},
                }
            },
        ),
        (
            "invoke",
            {
                "armed_attack": {
                    "by": ["RU"],
                    "min_attribution": 0.7,
                    "location": {"beyond_agreed_line_km": 20},
                    "intensity": {"window": "3 days", "min_fatalities": 6},
                    "sustained": "2 days",
                }
            },
        ),
    ),
    trig(
        "mixed",
        (
            "invoke",
            {
                "any": [
                    {
                        "all": [
                            {"armed_attack": {"by": ["UA"]}},
                            {
                                "not": {
                                    "armed_attack": {
                                        "by": ["RU"],
                                        "location": {"zone": "port", "inside": "anywhere"},
                                    }
                                }
                            },
                        ]
                    }
                ]
            },
        ),
    ),
)

row = st.tuples(
    st.integers(0, 89).map(lambda d: date.fromordinal(START.toordinal() + d).isoformat()),
    st.sampled_from(ACTORS),
    st.floats(29.5, 40.5),
    st.floats(44.5, 52.5),
    st.integers(0, 5),
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(row, min_size=0, max_size=60), cuts=st.lists(st.integers(0, 60), max_size=4))
def test_incremental_with_checkpoints_equals_batch_and_the_naive_loop(
    tmp_path_factory: Any, rows: list[Any], cuts: list[int]
) -> None:
    all_events = events(rows) if rows else events([("2025-01-01", "RU", 33, 48, 0)])
    batch = evaluate(RICH, all_events, START, END, PROXY, GEO)
    naive = naive_levels(RICH, [all_events], START, END, PROXY, GEO)
    for tid, series in batch.levels.items():
        assert (series.tolist(), batch.possible[tid].tolist()) == (naive[tid][0], naive[tid][1])
    bounds = sorted({0, len(all_events), *[min(c, len(all_events)) for c in cuts]})
    checkpoint = tmp_path_factory.mktemp("ck") / "state.npz"
    for lo, hi in itertools.pairwise(bounds):
        ev = Evaluator(RICH, START, END, PROXY, GEO)
        if checkpoint.exists():
            ev.load(checkpoint)
        sl = slice(lo, hi)
        ev.feed(
            EventColumns(
                all_events.day[sl],
                all_events.lon[sl],
                all_events.lat[sl],
                all_events.type_code[sl],
                all_events.actors[sl],
                all_events.fatalities[sl],
                ACTORS,
                list(all_events.ids or [])[sl],
            )
        )
        ev.save(checkpoint)
    final = Evaluator(RICH, START, END, PROXY, GEO)
    final.load(checkpoint)
    inc = final.result()
    assert [x.to_json() for x in inc.activations] == [x.to_json() for x in batch.activations]
    assert [m.to_json() for m in inc.undetermined] == [m.to_json() for m in batch.undetermined]
    assert [m.to_json() for m in inc.not_reached] == [m.to_json() for m in batch.not_reached]


def test_cli_checkpoint_resume_is_byte_identical_to_one_run(tmp_path: Path) -> None:
    import json

    spec = tmp_path / "a.yaml"
    spec.write_text(
        "schema: guarantor/agreement@1\nid: ck\ntitle: ck\nnature: proposal\n"
        "parties: [{id: RU, name: Russia}, {id: UA, name: Ukraine}]\n"
        "triggers:\n  - id: t\n    levels:\n"
        "      - {level: watch, when: {armed_attack: {by: [RU], location: {inside: anywhere}}}}\n"
        "      - {level: invoke, when: {armed_attack: {by: [RU], location: {inside: anywhere}, intensity: {window: 3 days, min_events: 3}}}}\n"
    )
    parts = []
    for k, days in enumerate([(1, 2), (3, 3, 9)]):
        path = tmp_path / f"p{k}.jsonl"
        path.write_text(
            "".join(
                json.dumps(
                    {
                        "source": "s",
                        "id": f"{k}-{i}",
                        "start": f"2025-01-0{d}T00:00:00Z",
                        "actors": ["RU"],
                        "type": "battle",
                    }
                )
                + "\n"
                for i, d in enumerate(days)
            )
        )
        parts.append(str(path))

    def run(*args: str) -> str:
        return cli(
            "monitor",
            "evaluate",
            str(spec),
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-31",
            "--format",
            "json",
            *args,
        )

    ck = tmp_path / "state.npz"
    run("--events", parts[0], "--checkpoint", str(ck))
    resumed = run("--events", parts[1], "--checkpoint", str(ck))
    once = run("--events", parts[0], "--events", parts[1])
    assert resumed == once
    again = run("--events", parts[0], "--checkpoint", str(ck))  # the same file once more
    assert again == once
    levels = [(a["level"], a["time"][:10]) for a in json.loads(once)["activations"]]
    assert levels == [("watch", "2025-01-02"), ("invoke", "2025-01-04"), ("watch", "2025-01-10")]


def test_grid_point_in_polygon_equals_exact_test() -> None:
    import shapely
    from shapely.geometry import Polygon

    from guarantor.monitor.geography import GRID_MIN_POINTS

    angles = np.linspace(0, 2 * np.pi, 3000, endpoint=False)
    radius = 1 + 0.1 * np.sin(41 * angles)
    star = Polygon(
        np.column_stack([31 + 8 * radius * np.cos(angles), 48 + 4 * radius * np.sin(angles)])
    )
    rng = np.random.default_rng(5)
    n = 4 * GRID_MIN_POINTS
    lon, lat = rng.uniform(21, 41, n), rng.uniform(43, 53, n)
    lon[:10] = np.nan
    geo = Geography(border=star)
    got = geo.inside("beneficiary", lon, lat)
    expected = shapely.contains_xy(star, lon, lat)
    assert got.dtype == bool and (got == expected).all()
    assert 0.2 < got.mean() < 0.6  # the test exercises both classes


def cli(*args: str) -> str:
    """Run `guarantor ARGS` in-process (the room's commands on a fresh root app); stdout."""
    import typer
    from typer.testing import CliRunner

    from guarantor.monitor import cli as monitor_cli
    from guarantor.obligations import cli as obligations_cli

    app = typer.Typer()
    monitor_cli.register(app)
    obligations_cli.register(app)
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_named_areas_come_from_the_zones_file() -> None:
    a = agreement(
        trig(
            "t",
            (
                "invoke",
                {"armed_attack": {"by": ["UA"], "location": {"inside": "obligor_territory"}}},
            ),
        )
    )
    ev = events([("2025-01-05", "UA", 33.0, 48.0, 0), ("2025-01-06", "UA", 39.5, 53.0, 0)])
    with pytest.raises(UserError, match="obligor_territory"):
        evaluate(a, ev, START, END, geography=GEO)
    geo = Geography(border=GEO.border, zones={"obligor_territory": box(38, 52, 45, 56)})
    assert [
        x.time.date().isoformat() for x in evaluate(a, ev, START, END, geography=geo).activations
    ] == ["2025-01-07"]


def test_feeding_the_same_events_twice_adds_nothing() -> None:
    a = agreement(
        trig(
            "t",
            (
                "invoke",
                {
                    "armed_attack": {
                        "by": ["RU"],
                        "intensity": {"window": "2 days", "min_events": 2},
                    }
                },
            ),
        )
    )
    ev = events([("2025-01-10", "RU", 33, 48, 1)])
    twice = Evaluator(a, START, END)
    twice.feed(ev)
    twice.feed(ev)
    assert twice.result().activations == [] and twice.skipped == 1
