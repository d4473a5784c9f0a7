"""Which pledges stand: exclusions, the dependency cascade, cycles, caveats, bad quantities."""

from __future__ import annotations

from collections.abc import Callable

from guarantor.model import Agreement, Where
from guarantor.respond.availability import (
    Availability,
    DelayKind,
    LossKind,
    check_pledges,
    left_out_pledges,
)
from guarantor.respond.catalogue import default_catalogue
from guarantor.respond.render import unavailable_reason
from guarantor.respond.scenario import Scenario
from guarantor.rules.without import without as leave_out

CATALOGUE = default_catalogue()


def _check(
    agreement: Agreement, without: set[str] | None = None, scenario: Scenario | None = None
) -> Availability:
    view = leave_out(agreement, sorted(without or ()))
    step = view.agreement.ladder.steps[0]
    result = check_pledges(view.agreement, step, CATALOGUE, scenario or Scenario())
    result.unavailable = left_out_pledges(agreement, view, step, CATALOGUE) + result.unavailable
    return result


def test_without_the_us_the_uk_and_french_brigades_fall_with_the_backstop(
    coalition: Agreement,
) -> None:
    result = _check(coalition, {"US"})
    reasons = {u.pledge: (u.category, unavailable_reason(u)) for u in result.unavailable}
    assert reasons["us-backstop"][0] == "excluded"
    for pledge in ("uk-brigade", "fr-brigade"):
        category, reason = reasons[pledge]
        assert category == "dependency"
        assert "depends on us-backstop (US)" in reason
    assert {o.pledge for o in result.offers} == {"de-ad", "it-bn", "pl-log"}


def test_with_the_us_everything_stands_and_the_vote_delays_the_uk(coalition: Agreement) -> None:
    result = _check(coalition)
    assert result.unavailable == []
    uk = next(o for o in result.offers if o.pledge == "uk-brigade")
    assert uk.ready_days == 21 + 7
    assert uk.delay is not None and uk.delay.kind is DelayKind.vote
    assert uk.delay.body == "House of Commons"


def test_failed_vote_removes_the_pledge(coalition: Agreement) -> None:
    result = _check(coalition, scenario=Scenario(votes={"UK": "failed"}))
    assert [(u.pledge, u.category) for u in result.unavailable] == [("uk-brigade", "vote_failed")]


def test_chained_dependencies_cascade_and_cycles_are_reported(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[
            {"id": "a", "party": "US", "capability": "us_backstop", "quantity": 1},
            {"id": "b", "party": "UK", "capability": "hq_c2", "quantity": 1, "depends_on": ["a"]},
            {
                "id": "c",
                "party": "FR",
                "capability": "logistics",
                "quantity": 1,
                "depends_on": ["b"],
            },
            {
                "id": "x",
                "party": "DE",
                "capability": "logistics",
                "quantity": 1,
                "depends_on": ["y"],
            },
            {
                "id": "y",
                "party": "DE",
                "capability": "logistics",
                "quantity": 1,
                "depends_on": ["x"],
            },
            {
                "id": "z",
                "party": "PL",
                "capability": "logistics",
                "quantity": 1,
                "depends_on": ["nope"],
            },
        ],
        needs=[{"capability": "logistics", "quantity": 1}],
    )
    result = _check(agreement, {"US"})
    by = {u.pledge: u for u in result.unavailable}
    why = {p: unavailable_reason(u) for p, u in by.items()}
    assert by["c"].category == "dependency" and "depends on b (UK)" in why["c"]
    assert "US is left out" in why["c"]  # the root cause travels down the chain
    assert by["c"].loss.root is not None and by["c"].loss.root.kind is LossKind.left_out
    assert by["x"].category == "cycle" and "x -> y -> x" in why["x"]
    assert by["y"].category == "cycle"
    assert by["z"].category == "invalid" and "unknown pledge(s) nope" in why["z"]


def test_bad_pledges_are_left_out_with_their_reason(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[
            {"id": "typo", "party": "FR", "capability": "ground_batallion", "quantity": 1},
            {"id": "huge", "party": "DE", "capability": "air_defence_long_range", "quantity": 5000},
            {
                "id": "units",
                "party": "PL",
                "capability": "logistics",
                "quantity": 1,
                "unit": "tonnes",
            },
            {
                "id": "gone",
                "party": "IT",
                "capability": "logistics",
                "quantity": 1,
                "status": "withdrawn",
            },
            {
                "id": "neutral",
                "party": "AT",
                "capability": "ground_battalion",
                "quantity": 1,
                "caveats": [{"kind": "neutrality"}],
            },
            {"id": "zero", "party": "NL", "capability": "logistics", "quantity": 0},
        ],
        needs=[{"capability": "logistics", "quantity": 1}],
    )
    by = {u.pledge: u for u in _check(agreement).unavailable}
    why = {p: unavailable_reason(u) for p, u in by.items()}
    assert by["typo"].loss.suggestion == "ground_battalion"
    assert "did you mean 'ground_battalion'" in why["typo"]
    assert "absurd" in why["huge"] and "60" in why["huge"]
    assert "'tonnes'" in why["units"]
    assert by["gone"].category == "withdrawn"
    assert by["neutral"].category == "caveat" and "neutrality" in why["neutral"]
    assert "zero" in why["zero"]


def test_caveats_narrow_where_a_pledge_may_deploy(coalition: Agreement) -> None:
    offers = {o.pledge: o for o in _check(coalition).offers}
    assert offers["de-ad"].places == frozenset({Where.neighbouring_state})
    # IT's pledge names Ukraine but forbids it: it may serve from anywhere else.
    assert Where.beneficiary_territory not in offers["it-bn"].places
    assert Where.neighbouring_state in offers["it-bn"].places


def test_approval_gates_of_the_step_procedure_delay_a_party(
    agreement_factory: Callable[..., Agreement],
) -> None:
    agreement = agreement_factory(
        pledges=[
            {
                "id": "us-ad",
                "party": "US",
                "capability": "air_defence_long_range",
                "quantity": 1,
                "readiness": "2 days",
            }
        ],
        needs=[{"capability": "air_defence_long_range", "quantity": 1}],
        procedures=[
            {
                "id": "p",
                "kind": "each_party",
                "gates": [
                    {
                        "party": "US",
                        "body": "US Congress",
                        "kind": "congressional_authorisation",
                        "expected_delay": "30 days",
                    }
                ],
            }
        ],
        step_extra={"procedure": "p"},
    )
    (offer,) = _check(agreement).offers
    assert offer.ready_days == 32
    (offer,) = _check(agreement, scenario=Scenario(votes={"US": "passed"})).offers
    assert offer.ready_days == 2
    (lost,) = _check(agreement, scenario=Scenario(votes={"US": "failed"})).unavailable
    assert lost.category == "vote_failed" and "US Congress" in unavailable_reason(lost)
