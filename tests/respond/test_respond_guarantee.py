"""The whole guarantee: steps planned together, money per year, fair over all of it; removal costs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.respond.compare import Variant, compare, removal_costs
from guarantor.respond.contributions import year_overlap
from guarantor.respond.guarantee import plan_guarantee
from guarantor.respond.plan import plan_step
from guarantor.respond.render import removal_json, removal_text
from guarantor.respond.scenario import LoadedScenario, Scenario, load_scenario
from guarantor.rules.without import RemovalKind
from guarantor.spec.load import load_agreement


def _two_steps() -> Agreement:
    """Two steps that each need one battalion; France and Germany each pledge one to each step."""
    battalion = {"capability": "ground_battalion", "quantity": 1, "needed_within": "30 days"}
    return Agreement.model_validate(
        {
            "id": "two",
            "title": "two steps",
            "nature": "politically_binding",
            "parties": [{"id": p, "name": p} for p in ("FR", "DE", "UA")],
            "roles": [{"party": "UA", "role": "beneficiary"}],
            "ladder": {
                "steps": [
                    {"id": "a", "order": 1, "action": "a", "needs": [battalion]},
                    {"id": "b", "order": 2, "action": "b", "needs": [battalion]},
                ]
            },
            "pledges": [
                {
                    "id": f"{p.lower()}-bn",
                    "party": p,
                    "capability": "ground_battalion",
                    "quantity": 1,
                    "readiness": "10 days",
                }
                for p in ("FR", "DE")
            ],
        }
    )


def test_fairness_is_over_the_whole_guarantee_not_each_step() -> None:
    agreement = _two_steps()
    # planned alone, each step gives its one battalion to the larger economy (DE)
    alone = {s: plan_step(agreement, s).tasking[0].party for s in ("a", "b")}
    assert alone == {"a": "DE", "b": "DE"}
    # planned together, the whole guarantee is closest to the GDP shares with one each
    whole = plan_guarantee(agreement)
    assert sorted(p.tasking[0].party for p in whole.plans) == ["DE", "FR"]
    assert all(p.coverage_pct == 100 for p in whole.plans)
    assert whole.solution is not None and whole.solution.proven
    ratios = {f.party: f.ratio for f in whole.contributions.fair}
    assert all(r is not None and 0.5 < r < 1.5 for r in ratios.values())


def test_contributions_are_money_per_year_over_each_steps_span() -> None:
    scenario = Scenario.model_validate(
        {"steps": {"a": {"years": 10}, "b": {"years": 2, "start_year": 3}}}
    )
    whole = plan_guarantee(_two_steps(), scenario=LoadedScenario(scenario))
    c = whole.contributions
    assert c.years == 10
    by_party = {p.party: p for p in c.parties}
    step_of = {p.tasking[0].party: p.step for p in whole.plans}
    long_party = next(p for p, s in step_of.items() if s == "a")
    short_party = next(p for p, s in step_of.items() if s == "b")
    yearly = 3 * 3.0e8  # a battalion held three times over a multi-year mission
    assert by_party[long_party].per_year == pytest.approx((yearly,) * 10)
    assert by_party[short_party].per_year == pytest.approx((0, 0, 0, yearly, yearly, 0, 0, 0, 0, 0))
    assert c.total_eur == pytest.approx(12 * yearly)
    assert year_overlap(0, 0.5, 1.0) == 0.5 and year_overlap(1, 0.5, 1.0) == 0.5


FIXTURE = Path(__file__).parent / "fixtures" / "coalition_ten_years.yaml"


def test_leaving_the_us_out_says_what_it_costs() -> None:
    coalition = load_agreement(FIXTURE)
    plans = compare(coalition, "force", [Variant("all parties"), Variant("without US", ("US",))])
    base = {t.pledge: t for t in plans[0].tasking}
    # the brigades wait for the backstop, which waits 30 days for Congress
    assert base["uk-brigade"].by_days == base["fr-brigade"].by_days == 32
    (cost,) = removal_costs(plans)
    assert cost.coverage_pp < -30 and cost.coverage_after == 0
    assert cost.money_of_left_out == pytest.approx(
        sum(t.money_eur for t in plans[0].tasking if t.party == "US")
    )
    assert dict(cost.money_shift) == {"FR": -36e9, "UK": -36e9}  # brigades held 3x for 10 years
    changed = {c.capability: c for c in cost.needs}
    assert changed["ground_brigade"].full_by_before == 32
    assert changed["ground_brigade"].full_by_after is None
    assert {"isr_intelligence", "airlift_tanker"} <= set(changed)
    assert [(r.clause, r.via) for r in cost.pledges] == [
        ("us-backstop", ""),
        ("uk-brigade", "us-backstop"),
        ("fr-brigade", "us-backstop"),
    ]
    assert {(r.kind, r.clause) for r in cost.monitoring} == {
        (RemovalKind.monitor, "watch"),
        (RemovalKind.monitoring, "watch"),
    }
    vetoes = [r for r in cost.decisions if r.veto]
    assert {r.clause for r in vetoes} == {"commission", "commission-consensus"}
    assert "could block decisions on its own" in removal_text(vetoes[0])
    gate = next(r for r in cost.decisions if r.kind is RemovalKind.procedure_gate)
    assert (gate.clause, gate.via) == ("national", "US Congress")
    assert [r.clause for r in cost.duties if r.kind is RemovalKind.obligation_party] == ["meet"]
    shape = removal_json(cost, None)
    assert shape["coverage_pct"]["change_pp"] == pytest.approx(cost.coverage_pp, abs=0.01)
    assert shape["money_eur"]["carried_by_left_out"] == round(cost.money_of_left_out)


def _app() -> typer.Typer:
    from guarantor.respond.cli import register

    app = typer.Typer()
    register(app)
    return app


def _json(*args: str) -> Any:
    result = CliRunner().invoke(_app(), list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_step_all_plans_the_guarantee_with_contributions_per_year() -> None:
    doc = _json("respond", str(FIXTURE), "--step", "all", "--format", "json")
    assert set(doc) == {"agreement", "label", "without", "steps", "contributions"}
    assert [s["step"] for s in doc["steps"]] == ["force", "support"]
    contributions = doc["contributions"]
    assert contributions["years"] == 10  # the agreement's 10-year term
    assert {s["from"] for s in contributions["steps"]} == {"term"}
    for row in contributions["parties"]:
        assert len(row["per_year_eur"]) == 10
        assert sum(row["per_year_eur"]) == pytest.approx(row["money_eur"], abs=10)
    short = _json("respond", str(FIXTURE), "--step", "all", "--years", "1", "--format", "json")
    assert short["contributions"]["years"] == 1
    both = _json(
        "respond", str(FIXTURE), "--step", "all", "--compare-without", "US", "--format", "json"
    )
    assert [v["label"] for v in both["variants"]] == ["all parties", "without US"]
    costs = both["variants"][1]["cost_of_removal"]
    assert costs["force"]["coverage_pct"]["change_pp"] < 0
    support = next(s["plan"] for s in doc["steps"] if s["step"] == "support")
    assert sum(t["quantity"] for t in support["tasking"]) == 10_000_000_000
    csv_out = CliRunner().invoke(
        _app(), ["respond", str(FIXTURE), "--step", "all", "--format", "csv"]
    )
    assert csv_out.exit_code == 0
    assert "# variant: all parties · contributions per year" in csv_out.stdout
    assert "party,year,money_eur" in csv_out.stdout


def test_a_standing_duty_is_planned_over_its_own_length(tmp_path: Path) -> None:
    data = load_agreement(FIXTURE).model_dump(mode="python", by_alias=True)
    data["standing"] = [
        {
            "id": "presence",
            "party": ["UK", "FR"],
            "kind": "training",
            "what": "train the armed forces",
            "lasts": "4 years",
            "needs": [{"capability": "training_mission", "quantity": 1}],
        }
    ]
    data["pledges"].append(
        {"id": "uk-trainers", "party": "UK", "capability": "training_mission", "quantity": 1}
    )
    agreement = Agreement.model_validate(data)
    whole = plan_guarantee(agreement)
    assert [p.step for p in whole.plans] == ["force", "support", "presence"]
    presence = whole.plans[-1]
    assert presence.span.years == pytest.approx(4, abs=0.01)
    assert presence.span.basis.value == "standing"
    assert [t.pledge for t in presence.tasking] == ["uk-trainers"]
    scenario = tmp_path / "s.yaml"
    scenario.write_text("steps:\n  presense: {years: 2}\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"s.yaml:2:\d+: .*'presense'.*did you mean 'presence'"):
        plan_guarantee(agreement, scenario=load_scenario(scenario))
