"""Scenarios a policy analyst can review (tests/scenarios/*.yaml), run like `guarantor replay`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict, Field

from guarantor.model import Agreement
from guarantor.model.triggers import Level
from guarantor.monitor.actors import ActorEntry, ActorMap
from guarantor.monitor.columns import MAX_ACTORS, TYPE_CODE, EventColumns, day_number
from guarantor.monitor.geography import Geography
from guarantor.obligations.replay import run_history
from guarantor.rules import Measure
from guarantor.sources.acts import Act, ActLog
from guarantor.spec.load import load_agreement, load_yaml_model
from guarantor.territory.incident import Incident, Side

SCENARIOS = Path(__file__).parent / "scenarios"
Box = tuple[float, float, float, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date


class Geo(_Strict):
    border: Box | None = None
    agreed_line_held: Box | None = None
    zones: dict[str, Box] = Field(default_factory=dict)


class EventRow(_Strict):
    day: dt.date
    type: str = "battle"
    actors: list[str] = Field(default_factory=list)
    lon: float | None = 33.0
    lat: float | None = 48.0
    fatalities: int = 0
    fatalities_known: bool = True
    count: int = Field(default=1, ge=1)


class IncidentRow(_Strict):
    id: str
    side: Side = Side.obligor
    first_seen: dt.datetime
    last_seen: dt.datetime | None = None
    confirmed_at: dt.datetime | None = None
    reversed_at: dt.datetime | None = None
    area_km2: float
    max_depth_km: float = 0.0
    centroid: tuple[float, float] = (33.0, 48.0)


class ExpectedActivation(_Strict):
    trigger: str
    level: Level
    time: dt.date


class ExpectedUndetermined(_Strict):
    trigger: str
    level: Level
    time: dt.date
    unknown: list[str] = Field(default_factory=list)


class ExpectedDuty(_Strict):
    source: str
    party: str
    status: Literal["waiting", "open", "met", "overdue", "breached", "unverified", "unrecorded"]
    due: dt.datetime | None = None
    opened: dt.datetime | None = None
    assumed: list[str] | None = None


class ExpectedComparison(_Strict):
    trigger: str
    level: Level
    measure: Measure
    observed: float | None = None
    margin: float | None = None


class Expect(_Strict):
    activations: list[ExpectedActivation] = Field(default_factory=list)
    undetermined: list[ExpectedUndetermined] = Field(default_factory=list)
    obligations: list[ExpectedDuty] = Field(default_factory=list)
    absent_obligations: list[str] = Field(default_factory=list)
    traces: list[ExpectedComparison] = Field(default_factory=list)


class Scenario(_Strict):
    schema_: Literal["guarantor/scenario@1"] = Field(alias="schema")
    title: str
    note: str = ""
    agreement: str | dict[str, Any]
    period: Period
    geography: Geo = Field(default_factory=Geo)
    actors: list[ActorEntry] = Field(default_factory=list)
    events: list[EventRow] = Field(default_factory=list)
    incidents: list[IncidentRow] = Field(default_factory=list)
    acts: list[Act] = Field(default_factory=list)
    assume_votes: bool = True
    expect: Expect


def _box(b: Box | None) -> Any:
    from shapely.geometry import box

    return None if b is None else box(*b)


def _agreement(sc: Scenario, path: Path) -> Agreement:
    if isinstance(sc.agreement, str):
        return load_agreement(path.parent / sc.agreement)
    return Agreement.model_validate(sc.agreement)


def _events(rows: list[EventRow]) -> EventColumns | None:
    expanded = [r for r in rows for _ in range(r.count)]
    if not expanded:
        return None
    names = sorted({a for r in expanded for a in r.actors})
    n = len(expanded)
    actors = np.full((n, MAX_ACTORS), -1, dtype=np.int32)
    for i, r in enumerate(expanded):
        for j, a in enumerate(r.actors[:MAX_ACTORS]):
            actors[i, j] = names.index(a)
    return EventColumns(
        day=np.array([day_number(r.day) for r in expanded], dtype=np.int32),
        lon=np.array([np.nan if r.lon is None else r.lon for r in expanded]),
        lat=np.array([np.nan if r.lat is None else r.lat for r in expanded]),
        type_code=np.array([TYPE_CODE[r.type] for r in expanded], dtype=np.int8),
        actors=actors,
        fatalities=np.array([r.fatalities for r in expanded], dtype=np.int64),
        actor_names=names,
        ids=[f"ev{i}" for i in range(n)],
        fatalities_known=np.array([r.fatalities_known for r in expanded], dtype=bool),
    )


def _incidents(rows: list[IncidentRow], end: dt.date) -> list[Incident]:
    last = dt.datetime.combine(end, dt.time(), dt.UTC)
    return [
        Incident(
            r.id,
            r.side,
            r.first_seen,
            r.last_seen or r.reversed_at or last,
            confirmed_at=r.confirmed_at,
            reversed_at=r.reversed_at,
            area_km2=r.area_km2,
            current_area_km2=0.0 if r.reversed_at else r.area_km2,
            max_depth_km=r.max_depth_km,
            centroid=r.centroid,
        )
        for r in rows
    ]


FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path: Path) -> None:
    """The agreement, on this history, means exactly what the scenario says."""
    sc, _ = load_yaml_model(path, Scenario)
    agreement = _agreement(sc, path)
    g = sc.geography
    geography = Geography(
        border=_box(g.border),
        agreed_line_held=_box(g.agreed_line_held),
        zones={k: _box(v) for k, v in g.zones.items()},
    )
    result, timeline = run_history(
        agreement,
        sc.period.from_,
        sc.period.to,
        _events(sc.events),
        _incidents(sc.incidents, sc.period.to),
        ActLog(tuple(sorted(sc.acts, key=lambda a: (a.time, a.kind, a.party)))),
        ActorMap.from_entries(sc.actors),
        geography,
        sc.assume_votes,
    )
    got = [(a.trigger, a.level, a.time.date()) for a in result.activations]
    want = [(x.trigger, x.level, x.time) for x in sc.expect.activations]
    assert got == want, f"{path.name}: activations"
    got_u = [
        (u.trigger, u.level, u.time.date(), sorted({x.what for x in u.unknown}))
        for u in result.undetermined
    ]
    want_u = [(x.trigger, x.level, x.time, sorted(x.unknown)) for x in sc.expect.undetermined]
    assert got_u == want_u, f"{path.name}: undetermined"
    owed = {(o.source, o.party): o for o in timeline.owed}
    for duty in sc.expect.obligations:
        o = owed.get((duty.source, duty.party))
        assert o is not None, f"{path.name}: no duty {duty.source} for {duty.party}"
        assert o.status.value == duty.status, f"{path.name}: {duty.source}/{duty.party} status"
        if duty.due is not None:
            assert o.due == duty.due, f"{path.name}: {duty.source}/{duty.party} due"
        if duty.opened is not None:
            assert o.opened == duty.opened, f"{path.name}: {duty.source}/{duty.party} opened"
        if duty.assumed is not None:
            assert sorted(a.value for a in o.assumed) == sorted(duty.assumed)
    for source in sc.expect.absent_obligations:
        assert all(o.source != source for o in timeline.owed), f"{path.name}: {source} opened"
    traces = {(a.trigger, a.level): a.trace for a in result.activations}
    for c in sc.expect.traces:
        trace = traces.get((c.trigger, c.level))
        assert trace is not None, f"{path.name}: no activation {c.trigger}/{c.level}"
        found = [x for lt in trace.leaves for x in lt.comparisons if x.measure is c.measure]
        assert found, f"{path.name}: no {c.measure} in the trace"
        if c.observed is not None:
            assert found[0].observed == pytest.approx(c.observed)
        if c.margin is not None:
            assert found[0].margin == pytest.approx(c.margin)


def test_there_are_enough_scenarios() -> None:
    """The corpus covers the language: at least 40 reviewed cases."""
    assert len(FILES) >= 40, f"only {len(FILES)} scenarios"
