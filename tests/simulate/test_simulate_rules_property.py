"""One semantics: the monitor and the simulator's compiled evaluation give the same answers.

For generated agreements (armed-attack leaves with windows, counts, fatalities, distinct days,
sustained, requirements; all/any/not) and a generated steady violation (k attributed events a
day with f fatalities each, in place, for D days), `monitor.engine.evaluate` over the event
stream and the simulator's `forms.level_onsets` (through `rules.onset`) must agree: established
or not, undetermined or not, and on the same day. And no lint claim ("this level can never be
established by a conventional attack", `rules.worlds.best_truth`) may be contradicted.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guarantor.model import Agreement
from guarantor.model.triggers import Level
from guarantor.monitor.columns import MAX_ACTORS, TYPE_CODE, EventColumns, day_number
from guarantor.monitor.engine import evaluate
from guarantor.monitor.reading import EVENTS_ESTABLISH
from guarantor.rules import Resolver, Truth, compile_agreement
from guarantor.rules.worlds import WORLDS, WorldKind, best_truth
from guarantor.simulate.compile import SIMULATED_ESTABLISH, StepLevel, StepRules
from guarantor.simulate.forms import FORMS, Drawn, Form, level_onsets

START = date(2025, 1, 1)
RANK = list(Level).index(Level.invoke)


@st.composite
def attack_leaf(draw: st.DrawFn) -> dict[str, Any]:
    leaf: dict[str, Any] = {"by": ["RU"]}
    intensity: dict[str, Any] = {}
    if draw(st.booleans()):
        intensity["window"] = f"{draw(st.integers(1, 9))} days"
    if draw(st.booleans()):
        intensity["min_events"] = draw(st.integers(1, 40))
    if draw(st.booleans()):
        intensity["min_fatalities"] = draw(st.integers(1, 60))
    if draw(st.booleans()):
        intensity["min_distinct_days"] = draw(st.integers(1, 6))
    if intensity:
        leaf["intensity"] = intensity
    if draw(st.booleans()):
        leaf["sustained"] = f"{draw(st.integers(1, 5))} days"
    requirement = draw(st.sampled_from(["none", "none", "deliberate", "conventional", "nuclear"]))
    if requirement == "deliberate":
        leaf["deliberate"] = True
    elif requirement in ("conventional", "nuclear"):
        leaf["weapons"] = requirement
    return {"armed_attack": leaf}


def trees(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    if depth == 0:
        return attack_leaf()
    sub = trees(depth - 1)
    return st.one_of(
        attack_leaf(),
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(sub, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        sub.map(lambda x: {"not": x}),
    )


def agreement(when: dict[str, Any]) -> Agreement:
    return Agreement.model_validate(
        {
            "id": "generated",
            "title": "generated",
            "nature": "proposal",
            "parties": [{"id": "RU", "name": "Russia"}, {"id": "UA", "name": "Ukraine"}],
            "roles": [{"party": "UA", "role": "beneficiary"}, {"party": "RU", "role": "adversary"}],
            "triggers": [{"id": "t", "levels": [{"level": "invoke", "when": when}]}],
        }
    )


def stream(k: int, f: int, days: int) -> EventColumns:
    n = k * days
    actors = np.full((n, MAX_ACTORS), -1, dtype=np.int32)
    actors[:, 0] = 0
    first = day_number(START)
    return EventColumns(
        day=np.repeat(np.arange(days, dtype=np.int32) + first, k),
        lon=np.full(n, 33.0),
        lat=np.full(n, 48.0),
        type_code=np.full(n, TYPE_CODE["battle"], dtype=np.int8),
        actors=actors,
        fatalities=np.full(n, f, dtype=np.int64),
        actor_names=["RU"],
        ids=[f"e{i}" for i in range(n)],
    )


def monitor_onsets(a: Agreement, k: int, f: int, days: int) -> tuple[float, float]:
    """(first day-end the level is at least undetermined, first it is established); inf: never."""
    period = days + 9 + 5 + 3
    end = date.fromordinal(START.toordinal() + period - 1)
    res = evaluate(a, stream(k, f, days), START, end)
    established = np.flatnonzero(res.levels["t"] >= RANK)
    possible = np.flatnonzero(res.possible["t"] >= RANK)
    return (
        float(possible[0] + 1) if possible.size else math.inf,
        float(established[0] + 1) if established.size else math.inf,
    )


def simulator_onsets(
    a: Agreement, k: int, f: int, days: int, established: dict[Any, bool]
) -> tuple[float, float]:
    plan = compile_agreement(a)
    level = plan.trigger("t").levels[0]
    resolver = Resolver("det", "body", None, None, False)  # read the undetermined onset too
    rules = StepRules(
        plan.leaves, (StepLevel("t", Level.invoke, level.tree, resolver),), ("RU",), 0.0
    )
    one = np.array
    v = Drawn(one([FORMS.index(Form.flare_up)], np.int8), one([float(k)]), one([float(k * f)]), one([float(days)]), one([0.0]))  # fmt: skip
    est, settled = level_onsets(rules, v, established)
    return float(min(settled[0], est[0])), float(est[0])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    when=trees(),
    k=st.integers(1, 6),
    f=st.integers(0, 4),
    days=st.integers(1, 12),
)
def test_monitor_and_simulator_agree_on_steady_violations(
    when: dict[str, Any], k: int, f: int, days: int
) -> None:
    a = agreement(when)
    monitor = monitor_onsets(a, k, f, days)
    simulator = simulator_onsets(a, k, f, days, dict(EVENTS_ESTABLISH))
    assert simulator == monitor, (when, k, f, days)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    when=trees(),
    k=st.integers(1, 6),
    f=st.integers(0, 4),
    days=st.integers(1, 12),
)
def test_no_lint_claim_is_contradicted(when: dict[str, Any], k: int, f: int, days: int) -> None:
    a = agreement(when)
    plan = compile_agreement(a)
    tree = plan.trigger("t").levels[0].tree
    claim = best_truth(plan, tree, WORLDS[WorldKind.conventional_attack])
    _, established_by_monitor = monitor_onsets(a, k, f, days)
    _, established_by_simulator = simulator_onsets(a, k, f, days, SIMULATED_ESTABLISH)
    if claim is not Truth.true:  # lint says a conventional attack can never establish it
        assert math.isinf(established_by_monitor), (when, k, f, days)
        assert math.isinf(established_by_simulator), (when, k, f, days)
    if claim is Truth.false:  # not even undetermined, for a violation known to be conventional
        # (the monitor, which does not know the weapons, may still call it undetermined:
        # knowing less is never a contradiction)
        possible, _ = simulator_onsets(a, k, f, days, SIMULATED_ESTABLISH)
        assert math.isinf(possible), (when, k, f, days)


def test_a_deliberate_attack_is_undetermined_never_silently_true() -> None:
    a = agreement({"armed_attack": {"by": ["RU"], "deliberate": True}})
    assert monitor_onsets(a, 3, 1, 4) == (1.0, math.inf)
    assert simulator_onsets(a, 3, 1, 4, SIMULATED_ESTABLISH) == (1.0, math.inf)


def test_not_is_kleene_negation_not_always_true() -> None:
    a = agreement({"not": {"armed_attack": {"by": ["RU"]}}})
    # an attack on days 0..4: `not attack` first holds at the end of day 5, when it has stopped
    assert simulator_onsets(a, 2, 1, 5, SIMULATED_ESTABLISH) == (6.0, 6.0)
    assert monitor_onsets(a, 2, 1, 5) == (6.0, 6.0)
    # an attack that needs 3 days of fighting: `not attack` holds on the first day
    b = agreement(
        {
            "not": {
                "armed_attack": {"by": ["RU"], "intensity": {"window": "3 days", "min_events": 5}}
            }
        }
    )
    assert (
        simulator_onsets(b, 2, 1, 5, SIMULATED_ESTABLISH)
        == (1.0, 1.0)
        == monitor_onsets(b, 2, 1, 5)
    )


def test_a_leaf_that_stops_holding_does_not_meet_a_later_one() -> None:
    # A holds on days 0..4 only (1-day window over 5 days of fighting); B needs 3 days in a
    # 10-day window sustained 5 days: from day 6. Both never hold together.
    a = agreement(
        {
            "all": [
                {"armed_attack": {"by": ["RU"]}},
                {"armed_attack": {"by": ["RU"], "intensity": {"window": "10 days", "min_events": 3}, "sustained": "5 days"}},
            ]
        }
    )  # fmt: skip
    assert monitor_onsets(a, 1, 0, 5) == (math.inf, math.inf)
    assert simulator_onsets(a, 1, 0, 5, SIMULATED_ESTABLISH) == (math.inf, math.inf)
