"""Dependency timing, the US backstop as its enablers, and money over a multi-year mission."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from guarantor.model import Agreement
from guarantor.model.lifecycle import Term
from guarantor.respond.availability import DelayKind
from guarantor.respond.catalogue import default_catalogue
from guarantor.respond.money import SpanBasis
from guarantor.respond.plan import plan_step
from guarantor.respond.render import gap_reason, plan_json
from guarantor.respond.scenario import LoadedScenario, Scenario

ENABLERS = {
    "isr_intelligence",
    "air_defence_interceptors",
    "airlift_tanker",
    "command_and_control",
    "deterrence_statement",
}


def _backstop(readiness: str) -> dict[str, Any]:
    return {
        "id": "us-backstop",
        "party": "US",
        "capability": "us_backstop",
        "quantity": 1,
        "readiness": readiness,
        "location": "remote",
    }


def _brigade(pid: str, party: str, readiness: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "party": party,
        "capability": "ground_brigade",
        "quantity": 1,
        "readiness": readiness,
        "depends_on": ["us-backstop"],
        **extra,
    }


def test_a_dependent_pledge_waits_until_what_it_depends_on_is_in_place(
    agreement_factory: Callable[..., Agreement],
) -> None:
    # the case: brigades ready at D+21 and D+28 depend on a backstop in place at D+32
    agreement = agreement_factory(
        pledges=[
            _backstop("32 days"),
            _brigade("fr-brigade", "FR", "21 days"),
            _brigade("uk-brigade", "UK", "28 days"),
            {
                "id": "pl",
                "party": "PL",
                "capability": "logistics",
                "quantity": 1,
                "readiness": "5 days",
                "depends_on": ["uk-brigade"],
            },
        ],
        needs=[
            {"capability": "ground_brigade", "quantity": 2, "needed_within": "40 days"},
            {"capability": "logistics", "quantity": 1, "needed_within": "40 days"},
        ],
    )
    plan = plan_step(agreement, "s1")
    by = {t.pledge: t for t in plan.tasking}
    assert by["fr-brigade"].by_days == by["uk-brigade"].by_days == 32
    wait = by["fr-brigade"].waits_for
    assert wait is not None and wait.kind is DelayKind.dependency
    assert (wait.body, wait.party, wait.ready_days, wait.days) == ("us-backstop", "US", 32, 11)
    assert by["pl"].by_days == 32  # a chain: it waits for the brigade, which waits for the backstop
    assert by["pl"].waits_for is not None and by["pl"].waits_for.body == "uk-brigade"
    shape = plan_json(plan)
    assert {t["by"] for t in shape["tasking"] if t["capability"] == "ground_brigade"} == {"D+32"}


def test_waiting_makes_a_unit_late_and_the_gap_says_for_what(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[_backstop("32 days"), _brigade("fr-brigade", "FR", "21 days")],
        needs=[{"capability": "ground_brigade", "quantity": 1, "needed_within": "30 days"}],
    )
    plan = plan_step(agreement, "s1")
    (late,) = [g for g in plan.gaps if g.capability == "ground_brigade"]
    assert late.late[0].waits_for is not None
    assert gap_reason(late) == (
        "too late: fr-brigade (FR) arrives 2 days late because it is waiting for us-backstop "
        "(US), in place D+32"
    )


def test_the_backstop_is_planned_as_the_enablers_it_stands_for(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[_backstop("3 days")],
        needs=[
            {"capability": "us_backstop", "quantity": 1, "where": "remote", "priority": 1},
            {"capability": "logistics", "quantity": 1, "priority": 1},
        ],
    )
    plan = plan_step(agreement, "s1")
    parts = default_catalogue().parts("us_backstop")
    reqs = [r for r in plan.requirements if r.part_of == "us_backstop"]
    assert {r.capability for r in reqs} == ENABLERS == set(parts)
    assert {r.capability: r.quantity for r in reqs} == parts
    # the parts share the backstop's priority weight: the backstop counts as one need
    assert sum(r.weight_share for r in reqs) == pytest.approx(1.0)
    assert plan.coverage_pct == pytest.approx(50.0)  # backstop met, logistics not
    tasks = {t.capability: t for t in plan.tasking}
    assert set(tasks) == ENABLERS and all(t.pledge == "us-backstop" for t in tasks.values())
    assert tasks["air_defence_interceptors"].quantity == parts["air_defence_interceptors"]
    assert tasks["deterrence_statement"].money_eur == 0  # a statement has no budget line
    assert tasks["isr_intelligence"].money_eur > 0  # the rest of the backstop now has a price
    us = next(f for f in plan.fair if f.party == "US")
    assert us.money_eur == pytest.approx(sum(t.money_eur for t in plan.tasking))


def test_a_multi_year_mission_counts_the_rotation(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[
            {"id": "fr", "party": "FR", "capability": "ground_brigade", "quantity": 1},
            {
                "id": "de",
                "party": "DE",
                "capability": "ground_brigade",
                "quantity": 1,
                "duration": "2 years",
            },
            {"id": "eu", "party": "EU", "capability": "financing_eur_per_year", "quantity": 1e9},
        ],
        needs=[
            {"capability": "ground_brigade", "quantity": 2},
            {"capability": "financing_eur_per_year", "quantity": 1e9, "where": "remote"},
        ],
    )
    brigade = default_catalogue()["ground_brigade"]
    assert brigade.rotation == 3
    one = plan_step(agreement, "s1")
    assert one.span.years == 1 and one.span.basis is SpanBasis.one_year
    by = {t.pledge: t for t in one.tasking}
    assert by["fr"].money_eur == pytest.approx(brigade.money_per_unit_year())
    assert by["fr"].units_held == 1  # one year: no rotation
    ten = plan_step(agreement, "s1", scenario=LoadedScenario(Scenario(years=10)))
    by = {t.pledge: t for t in ten.tasking}
    # three brigades held for one deployed, for ten years
    assert by["fr"].units_held == 3
    assert by["fr"].money_eur == pytest.approx(3 * 10 * brigade.money_per_unit_year())
    # a pledge for two years serves two years (still more than one: it rotates)
    assert by["de"].years == 2 and by["de"].money_eur == pytest.approx(3 * 2 * 1.2e9)
    # money counts at face value per year, without rotation
    assert by["eu"].money_eur == pytest.approx(10 * 1e9)
    assert plan_step(agreement, "s1", years=4).span.basis is SpanBasis.option


def test_the_agreements_term_sets_the_mission_when_nothing_else_does(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[{"id": "fr", "party": "FR", "capability": "logistics", "quantity": 1}],
        needs=[{"capability": "logistics", "quantity": 1}],
    )
    agreement.lifecycle.term = Term.model_validate(
        {"id": "term", "duration": "10 years", "assumed": {"duration": "no term in the text"}}
    )
    plan = plan_step(agreement, "s1")
    assert plan.span.basis is SpanBasis.term and plan.span.years == pytest.approx(10)
    # the term is assumed, so the plan's money rests on it
    assert ("term", "duration") in {(p.clause, p.part) for p in plan.assumed}
