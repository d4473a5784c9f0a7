"""The planner end to end on small agreements: tasking, gaps with reasons, fair shares, JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from guarantor.errors import UserError
from guarantor.jsonout import dumps
from guarantor.model import Agreement
from guarantor.respond.plan import plan_step
from guarantor.respond.render import plan_json, plan_notes
from guarantor.respond.scenario import Lateness, LoadedScenario, Scenario


def _headlines(shape: dict[str, object]) -> list[tuple[str, str]]:
    gaps = shape["gaps"]
    assert isinstance(gaps, list)
    return [(g["capability"], g["reason"].split(":")[0].split(" [")[0]) for g in gaps]


def test_json_has_exactly_the_documented_shape(coalition: Agreement) -> None:
    out = plan_json(plan_step(coalition, "s1"))
    assert set(out) == {
        "coverage_pct",
        "tasking",
        "gaps",
        "fair_share",
        "money_eur",
        "unavailable_pledges",
        "mission",
        "assumptions",
    }
    task_keys = {
        "party",
        "capability",
        "quantity",
        "where",
        "by",
        "money_eur",
        "units_held",
        "assumed",
    }
    assert all(set(t) == task_keys for t in out["tasking"])
    assert all(set(g) == {"capability", "quantity", "reason", "assumed"} for g in out["gaps"])
    assert all(set(u) == {"party", "pledge", "reason"} for u in out["unavailable_pledges"])


def test_with_the_us_the_force_stands_and_without_it_the_brigades_are_lost(
    coalition: Agreement,
) -> None:
    with_us = plan_json(plan_step(coalition, "s1"))
    brigades = [t for t in with_us["tasking"] if t["capability"] == "ground_brigade"]
    assert sorted((t["party"], t["quantity"], t["by"]) for t in brigades) == [
        ("FR", 1, "D+21"),
        ("UK", 1, "D+28"),  # 21 days readiness + 7 days for the Commons vote
    ]
    without = plan_json(plan_step(coalition, "s1", without=["US"]))
    assert without["coverage_pct"] < with_us["coverage_pct"]
    assert ("ground_brigade", "lost through a dependency") in _headlines(without)
    # the backstop is planned as the enablers it stands for; without the US each is a gap
    for enabler in ("isr_intelligence", "air_defence_interceptors", "airlift_tanker",
                    "command_and_control", "deterrence_statement"):  # fmt: skip
        assert (enabler, "left out in this variant") in _headlines(without)
    lost = {u["pledge"] for u in without["unavailable_pledges"]}
    assert lost == {"us-backstop", "uk-brigade", "fr-brigade"}
    assert "US" not in without["fair_share"]


def test_caveats_decide_placement_and_explain_gaps(coalition: Agreement) -> None:
    out = plan_json(plan_step(coalition, "s1"))
    # DE's batteries may only stand in a neighbouring state, the need is in Ukraine.
    assert ("air_defence_long_range", "caveats forbid it") in _headlines(out)
    # IT forbids deployment in Ukraine: its battalions are not sent to a need there.
    assert not any(t["party"] == "IT" for t in out["tasking"])
    assert ("ground_battalion", "caveats forbid it") in _headlines(out)


def test_nobody_pledged_it_and_unknown_kinds(agreement_factory: Callable[..., Agreement]) -> None:
    agreement = agreement_factory(
        pledges=[{"id": "fr", "party": "FR", "capability": "logistics", "quantity": 1}],
        needs=[
            {"capability": "naval_task_group", "quantity": 1, "where": "at_sea"},
            {"capability": "space_lasers", "quantity": 2},
            {"capability": "logistics", "quantity": 1},
        ],
    )
    plan = plan_step(agreement, "s1")
    heads = _headlines(plan_json(plan))
    assert ("naval_task_group", "nobody pledged it") in heads
    assert ("space_lasers", "no capability kind can meet it") in heads
    assert plan.coverage_pct == pytest.approx(100 * 16 / 48)  # one of three priority-1 needs


def test_late_units_count_less_and_are_reported(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[
            {
                "id": "slow",
                "party": "FR",
                "capability": "logistics",
                "quantity": 1,
                "readiness": "20 days",
            },
            {
                "id": "too-slow",
                "party": "DE",
                "capability": "logistics",
                "quantity": 1,
                "readiness": "200 days",
            },
        ],
        needs=[{"capability": "logistics", "quantity": 2, "needed_within": "10 days"}],
    )
    plan = plan_step(agreement, "s1")
    heads = _headlines(plan_json(plan))
    assert ("logistics", "too late") in heads
    # one of two units 10 days late: worth 0.5 - 10 * 0.01 = 0.4 of a unit on time
    assert plan.coverage_pct == pytest.approx(100 * 0.4 / 2)
    strict = LoadedScenario(Scenario(late=Lateness(value=0.0)))
    assert plan_step(agreement, "s1", scenario=strict).coverage_pct == 0


def test_coverage_comes_before_fairness_and_fairness_before_cost(
    agreement_factory: Callable[..., Agreement],
) -> None:
    # FR is far above its GDP share if it sends both; fairness would prefer DE, but DE is late.
    agreement = agreement_factory(
        pledges=[
            {
                "id": "fr",
                "party": "FR",
                "capability": "ground_battalion",
                "quantity": 2,
                "readiness": "5 days",
            },
            {
                "id": "de",
                "party": "DE",
                "capability": "ground_battalion",
                "quantity": 2,
                "readiness": "60 days",
            },
            {
                "id": "pl-cheap",
                "party": "PL",
                "capability": "logistics",
                "quantity": 1,
                "cost_eur": 1e6,
            },
            {
                "id": "pl-dear",
                "party": "PL",
                "capability": "logistics",
                "quantity": 1,
                "cost_eur": 9e8,
            },
        ],
        needs=[
            {"capability": "ground_battalion", "quantity": 2, "needed_within": "10 days"},
            {"capability": "logistics", "quantity": 1, "priority": 5},
        ],
    )
    plan = plan_step(agreement, "s1")
    sent = {(t.pledge, t.quantity) for t in plan.tasking}
    assert ("fr", 2.0) in sent  # on time beats fair
    assert ("pl-cheap", 1.0) in sent and not any(p == "pl-dear" for p, _ in sent)
    assert plan.solution is not None and plan.solution.proven
    assert [s.name for s in plan.solution.stages] == ["coverage", "fairness", "cost"]


def test_fairness_spreads_work_when_coverage_allows(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[
            {"id": "fr", "party": "FR", "capability": "ground_battalion", "quantity": 4},
            {"id": "de", "party": "DE", "capability": "ground_battalion", "quantity": 4},
        ],
        needs=[{"capability": "ground_battalion", "quantity": 4}],
    )
    plan = plan_step(agreement, "s1")
    sent = {t.party: t.quantity for t in plan.tasking}
    # GDP shares DE ≈ 0.60, FR ≈ 0.40: the closest whole split of 4 battalions is DE 2-3, FR 1-2
    assert sent["DE"] >= sent["FR"] >= 1
    ratios = plan_json(plan)["fair_share"]
    assert all(0.5 < r < 1.6 for r in ratios.values())


def test_missing_gdp_is_stated_not_fatal(agreement_factory: Callable[..., Agreement]) -> None:
    agreement = agreement_factory(
        pledges=[
            {"id": "x", "party": "XX", "capability": "logistics", "quantity": 1},
            {"id": "f", "party": "FR", "capability": "logistics", "quantity": 1},
        ],
        needs=[{"capability": "logistics", "quantity": 2}],
    )
    plan = plan_step(agreement, "s1")
    assert plan_json(plan)["fair_share"]["XX"] is None
    assert any("XX" in n and "gdp" in n for n in plan_notes(plan))
    fixed = plan_step(agreement, "s1", scenario=LoadedScenario(Scenario(gdp={"XX": 3030.9})))
    assert plan_json(fixed)["fair_share"]["XX"] == pytest.approx(1.0)


def test_hard_requirements_refuse_with_a_diagnosis(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[{"id": "f", "party": "FR", "capability": "logistics", "quantity": 1}],
        needs=[],
    )
    scenario = Scenario.model_validate(
        {"steps": {"s1": {"needs": [{"capability": "logistics", "quantity": 3, "hard": True}]}}}
    )
    with pytest.raises(UserError) as info:
        plan_step(agreement, "s1", scenario=LoadedScenario(scenario))
    text = str(info.value)
    assert "cannot meet its hard requirements" in text
    assert "2 unit short: not enough pledged" in text


def test_the_same_inputs_give_byte_identical_json(coalition: Agreement) -> None:
    first = dumps(plan_json(plan_step(coalition, "s1", without=["US"])))
    assert first == dumps(plan_json(plan_step(coalition, "s1", without=["US"])))


def test_unknown_step_and_party_are_user_errors(coalition: Agreement) -> None:
    with pytest.raises(UserError, match="no ladder step 'nope'; steps: s1 \\(1\\)"):
        plan_step(coalition, "nope")
    with pytest.raises(UserError, match="--without: 'XX' is not a party of the agreement"):
        plan_step(coalition, "s1", without=["XX"])


def test_without_accepts_the_name_and_iso_codes(coalition: Agreement) -> None:
    by_code = plan_json(plan_step(coalition, "s1", without=["US"]))
    names = coalition.party_names()
    for text in ("us", "USA", "usa", " United States "):
        assert names.resolve(text) == "US"
        assert plan_json(plan_step(coalition, "s1", without=[text])) == by_code
    with pytest.raises(UserError, match="did you mean 'US'"):
        plan_step(coalition, "s1", without=["Unitd States"])


def test_fair_share_caps_move_the_target(coalition: Agreement) -> None:
    plain = {f.party: f for f in plan_step(coalition, "s1").fair}
    capped = plan_step(
        coalition, "s1", scenario=LoadedScenario(Scenario(fair_share_caps={"US": 0.1635}))
    )
    targets = {f.party: f for f in capped.fair}
    assert plain["US"].target_share > 0.5
    assert targets["US"].target_share == pytest.approx(0.1635)
    assert sum(f.target_share for f in targets.values()) == pytest.approx(1.0)


def test_divisible_money_is_sent_in_full_not_shaved_by_tolerances(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[
            {
                "id": "eu",
                "party": "EU",
                "capability": "financing_eur_per_year",
                "quantity": 30e9,
                "unit": "EUR per year",
                "cost_eur": 30e9,
            },
            {"id": "de", "party": "DE", "capability": "financing_eur_per_year", "quantity": 5e9},
        ],
        needs=[{"capability": "financing_eur_per_year", "quantity": 40e9, "where": "remote"}],
    )
    out = plan_json(plan_step(agreement, "s1"))
    sent = {t["party"]: t["quantity"] for t in out["tasking"]}
    assert sent == {"EU": 30_000_000_000, "DE": 5_000_000_000}
    assert [g["quantity"] for g in out["gaps"]] == [5_000_000_000]
