"""The model: designs read through the compiled rules, engine against the per-trial loop,
undetermined levels, assumed clauses, calibration on real data."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from guarantor.rules import compile_agreement
from guarantor.simulate.baseline import run_loop
from guarantor.simulate.calibrate import calibrate
from guarantor.simulate.compile import StageKind, compile_design
from guarantor.simulate.designs import load_design
from guarantor.simulate.engine import draw_violations, run_chunk
from guarantor.simulate.forms import FORMS, Form, Reach
from guarantor.simulate.params import Parameters, ParamGrade, load_parameters

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters()


@pytest.fixture(scope="module")
def central(params: Parameters) -> dict[str, float]:
    return params.central()


def _stats(
    design: Any, v: dict[str, float], trials: int, seed: int, credibility: float = 0.0
) -> Any:
    return run_chunk(np.random.SeedSequence(seed), trials, design, v, credibility)


def test_compiled_designs_read_the_agreements(params: Parameters) -> None:
    # the August 2025 statements named no determining body: each guarantor decides for itself
    aug = compile_design(load_design("aug2025"), params)
    assert aug.stage1.kind is StageKind.each_party and "US" in aug.stage1.members
    assert aug.stage2 is None and aug.rules.required_attribution == 0.9
    assert aug.cadence_hours == 24.0 and math.isnan(aug.on_request_hours) and aug.sensors == 3
    assert len(aug.coverage) == 1 << len(aug.parties)
    assert aug.coverage[-1] == max(aug.coverage) > 0 and aug.coverage[0] == 0.0
    # the trigger levels come from the one compiled plan, every default made explicit
    plan = compile_agreement(load_design("aug2025").agreement)
    assert aug.rules.leaves == plan.leaves
    attack = next(lv for lv in aug.rules.levels if lv.trigger == "armed-attack")
    leaf = aug.rules.leaves[attack.tree.leaf]
    assert (leaf.window_days, leaf.min_events, leaf.min_fatalities, leaf.sustained_days) == (
        7,
        20,
        10,
        3,
    )
    paris = compile_design(load_design("paris2026"), params)
    assert paris.stage1.kind is StageKind.consensus and paris.stage1.deadline_hours == 72.0
    assert paris.stage2 is not None and paris.stage2.kind is StageKind.each_party
    silence = compile_design(load_design("paris2026_silence"), params)
    assert silence.stage1.kind is StageKind.silence and silence.stage1.window_hours == 48.0
    floor = compile_design(load_design("budapest1994"), params)
    assert floor.stage1.kind is StageKind.majority and not floor.monitored
    assert "RU" in floor.stage1.members and floor.stage1.veto[floor.stage1.members.index("RU")]


def _with_deliberate(tmp_path: Path, agreement: str, old: str, step: str) -> Any:
    """A design of an example agreement whose attack leaf also needs 'deliberate: true'."""
    text = (EXAMPLES / "agreements" / agreement).read_text(encoding="utf-8")
    assert old in text
    ag = tmp_path / agreement
    indent = " " * (len(old.split("\n")[-1]) - len(old.split("\n")[-1].lstrip()))
    needs = "by: [RU], deliberate: true" if "{" in old else f"by: [RU]\n{indent}deliberate: true"
    ag.write_text(text.replace(old, old.replace("by: [RU]", needs), 1))
    design = tmp_path / f"d_{agreement}"
    design.write_text(
        f"schema: guarantor/simulate-design@1\nname: deliberate\nagreement: {ag}\n"
        f"response_step: {step}\n",
        encoding="utf-8",
    )
    return load_design(str(design))


def test_deliberate_attack_is_undetermined_and_answered_only_through_the_determination(
    tmp_path: Path, params: Parameters, central: dict[str, float]
) -> None:
    design = _with_deliberate(
        tmp_path,
        "paris_declaration_2026.yaml",
        "armed_attack: {by: [RU], location: {inside: beneficiary}}\n        note: No threshold",
        "support-on-attack",
    )
    paris = compile_design(design, params)
    # 'deliberate: true' is a fact no observation establishes: at best undetermined
    assert paris.reach[FORMS.index(Form.flare_up)] is Reach.undetermined
    assert paris.reach[FORMS.index(Form.airspace)] is Reach.never
    assert any(
        "answered only through the determination commission-attribution" in n for n in paris.notes
    )
    s = _stats(paris, central, 3_000, 1)
    assert s.reached > 0 and s.settled == s.reached  # every reach goes through the commission
    plain = compile_design(load_design("paris2026"), params)
    assert plain.reach[FORMS.index(Form.flare_up)] is Reach.established
    assert _stats(plain, central, 3_000, 1).settled == 0


def test_an_undetermined_level_with_no_determining_body_is_never_answered(
    tmp_path: Path, params: Parameters, central: dict[str, float]
) -> None:
    # the August 2025 statements name no determining body: a 'deliberate' level is never settled
    design = _with_deliberate(
        tmp_path,
        "aug2025_article5_like.yaml",
        "armed_attack:\n            by: [RU]",
        "military-response",
    )
    compiled = compile_design(design, params)
    attack = next(lv for lv in compiled.rules.levels if lv.trigger == "armed-attack")
    assert attack.resolver is None
    assert any("no body determines it, so it is never answered" in n for n in compiled.notes)
    v = dict(central)
    v["adversary.advance.rate_per_year"] = 0.0  # seizures would reach the other trigger
    s = _stats(compiled, v, 2_000, 3)
    assert s.violations > 0 and s.reached == 0 and s.answered == 0


def test_removing_the_us_backstop_cascades_to_the_brigades(params: Parameters) -> None:
    full = compile_design(load_design("aug2025"), params)
    cut = compile_design(load_design("aug2025_no_us_backstop"), params)
    assert {"UK", "FR"} <= set(full.parties)
    assert not {"UK", "FR"} & set(cut.parties)
    assert cut.coverage[-1] < full.coverage[-1]


@pytest.mark.parametrize("name", ["aug2025", "paris2026_silence", "budapest1994"])
def test_engine_agrees_with_the_per_trial_loop(
    name: str, params: Parameters, central: dict[str, float]
) -> None:
    d = compile_design(load_design(name), params)
    s = _stats(d, central, 10_000, 1)
    loop = run_loop(d, central, 0.0, 1_000, 2)
    n = s.violations
    for key, engine in (
        ("p_detect_24h", s.detected_24h / n),
        ("p_decision_in_time", s.decided_in_time / n),
        ("unanswered_share", 1 - s.answered / n),
        ("deterrence_index", s.value_sum / n),
    ):
        m = loop["violations"]
        se = math.sqrt(max(engine * (1 - engine), 1e-4) / m)
        assert abs(loop[key] - engine) < 5 * se + 1e-9, (key, loop[key], engine)


def test_more_agreement_means_more_answers(params: Parameters, central: dict[str, float]) -> None:
    design = compile_design(load_design("paris2026"), params)
    keen = dict(central)
    for party in ("US", "UK", "FR", "DE", "UA"):
        keen[f"parties.{party}.agree"] = 1.0
    base = _stats(design, central, 10_000, 5)
    more = _stats(design, keen, 10_000, 5)
    assert more.answered / more.violations > base.answered / base.violations
    assert more.value_sum / more.violations > base.value_sum / base.violations
    # a design perceived as credible deters: fewer violations per trial
    deterred = _stats(design, central, 10_000, 5, credibility=0.8)
    assert deterred.violations < base.violations


def test_the_budapest_floor_answers_nothing(params: Parameters, central: dict[str, float]) -> None:
    d = compile_design(load_design("budapest1994"), params)
    out = draw_violations(np.random.default_rng(0), np.array([2_000, 500, 300, 800]), d, central)
    assert not out.reached.any() and out.rows.size == 0 and out.value.sum() == 0.0
    assert all(r is Reach.never for r in d.reach)


def test_each_form_meets_the_thresholds_of_its_own_leaves(
    params: Parameters, central: dict[str, float]
) -> None:
    paris = compile_design(load_design("paris2026"), params)
    counts = np.array([3_000, 3_000, 3_000, 3_000])
    out = draw_violations(np.random.default_rng(2), counts, paris, central)
    reached = [out.reached[out.form == k].mean() for k in range(len(FORMS))]
    assert reached[FORMS.index(Form.airspace)] == 0.0  # no airspace leaf in the Paris trigger
    assert reached[FORMS.index(Form.flare_up)] > 0.0 and reached[FORMS.index(Form.advance)] > 0.0


def test_assumed_clauses_are_named(params: Parameters) -> None:
    paris = compile_design(load_design("paris2026"), params)
    parts = {(a.clause, a.part) for a in paris.assumed}
    # the 72 hours and the 0.9 attribution are the encoding's, and the results say so
    assert ("commission-attribution", "within") in parts
    assert ("commission-attribution", "min_attribution") in parts
    assert all(a.reason for a in paris.assumed)
    floor = compile_design(load_design("budapest1994"), params)
    assert floor.assumed == ()


def test_calibrated_parameters_without_data_are_reported_as_assumed(params: Parameters) -> None:
    p, records = calibrate(params, None)
    rate = p.params["adversary.flare_up.rate_per_year"]
    assert rate.spec.grade is ParamGrade.calibrated and rate.grade is ParamGrade.assumed
    assert records and all(not r.to_json()["fitted"] for r in records)


@pytest.mark.data
def test_calibration_from_the_real_data(shared_data: Path, params: Parameters) -> None:
    cal, records = calibrate(params, shared_data)
    by = {r.parameter: r.to_json() for r in records}
    rate = by["adversary.flare_up.rate_per_year"]
    assert rate["fitted"] and "UCDP GED 2015-02-15..2022-01-01" in rate["data"]
    assert rate["n"] > 20 and rate["p05"] < rate["estimate"] < rate["p95"]
    assert rate["held_out"]["fitted_on"].startswith("2015") and rate["held_out"][
        "checked_on"
    ].startswith("2020")
    assert cal.params["adversary.flare_up.rate_per_year"].grade is ParamGrade.calibrated
    area = by["adversary.advance.area_km2_median"]
    assert "liveuamap" in area["data"] and "Kolmogorov-Smirnov" in area["goodness_of_fit"]
    us = by["parties.US.available"]
    assert us["fitted"] and "phasing" in us["method"] and 0.8 < us["estimate"] <= 1.0
    assert us["held_out"] is not None and us["held_out"]["checked_on"].startswith("2025")
    # Türkiye has three donor-months: too few to fit; its prior stands in
    assert not by["parties.TR.available"]["fitted"]
    assert cal.params["parties.TR.available"].grade is ParamGrade.assumed
    # a fit's replicates are its distribution in the sensitivity analysis
    fit = cal.params["adversary.flare_up.rate_per_year"].calibration
    assert fit is not None and len(fit.replicates) >= 100
