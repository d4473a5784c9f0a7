"""The model: engine against the per-trial loop, design properties, calibration on real data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from guarantor.simulate.baseline import run_loop
from guarantor.simulate.calibrate import calibrate
from guarantor.simulate.compile import CONSENSUS, EACH, MAJORITY, SILENCE, compile_design
from guarantor.simulate.designs import load_design
from guarantor.simulate.engine import draw_violations
from guarantor.simulate.params import Parameters, load_parameters
from guarantor.simulate.run import prepare
from guarantor.simulate.sweep import run_sweep


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters()


def _values(p: Parameters) -> dict[str, float]:
    return {k: q.value for k, q in p.params.items()}


def test_compiled_designs_read_the_agreements(params: Parameters) -> None:
    # the August 2025 statements named no determining body: each guarantor decides for itself
    aug = compile_design(load_design("aug2025"), params)
    assert aug.stage1.kind == EACH and "US" in aug.stage1.members and aug.stage2 is None
    assert aug.rules.required_attribution == 0.9
    assert aug.cadence_hours == 24.0 and math.isnan(aug.on_request_hours) and aug.sensors == 3
    paris = compile_design(load_design("paris2026"), params)
    assert paris.stage1.kind == CONSENSUS and paris.stage1.deadline_hours == 72.0
    assert paris.stage2 is not None and paris.stage2.kind == EACH
    assert len(aug.coverage) == 1 << len(aug.parties)
    # all parties available gives the planner's full plan; none available gives nothing
    assert aug.coverage[-1] == max(aug.coverage) > 0 and aug.coverage[0] == 0.0
    silence = compile_design(load_design("paris2026_silence"), params)
    assert silence.stage1.kind == SILENCE and silence.stage1.window_hours == 48.0
    assert math.isnan(silence.on_request_hours)
    floor = compile_design(load_design("budapest1994"), params)
    assert floor.stage1.kind == MAJORITY and not floor.monitored
    assert "RU" in floor.stage1.members and floor.stage1.veto[floor.stage1.members.index("RU")]


def test_removing_the_us_backstop_cascades_to_the_brigades(params: Parameters) -> None:
    full = compile_design(load_design("aug2025"), params)
    cut = compile_design(load_design("aug2025_no_us_backstop"), params)
    assert {"UK", "FR"} <= set(full.parties)
    assert not {"UK", "FR"} & set(cut.parties)
    assert cut.coverage[-1] < full.coverage[-1]


@pytest.mark.parametrize("name", ["aug2025", "paris2026_silence", "budapest1994"])
def test_engine_agrees_with_the_per_trial_loop(name: str, params: Parameters) -> None:
    d = compile_design(load_design(name), params)
    v = _values(params)
    _, stats = run_sweep([d], params, 10_000, 1)
    s = stats[0]
    loop = run_loop(d, v, 0.0, 1_500, 2)
    # the loop uses credibility 0; compare per-violation shares, which do not depend on it
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


def test_more_agreement_means_more_answers_and_more_deterrence(params: Parameters) -> None:
    design = load_design("paris2026")
    willing = params
    for party in ("US", "UK", "FR", "DE", "UA"):
        willing = willing.with_value(f"parties.{party}.agree", 1.0)
    base = compile_design(design, params)
    keen = compile_design(design, willing)
    cred, (s_base, s_keen) = run_sweep([base, keen], params, 20_000, 5)
    assert s_keen.answered / s_keen.violations > s_base.answered / s_base.violations
    assert s_keen.value_sum / s_keen.violations > s_base.value_sum / s_base.violations
    # a more credible design is perceived so and deters: fewer violations per trial
    assert cred[1] > cred[0]
    assert s_keen.violations < s_base.violations


def test_the_budapest_floor_answers_nothing(params: Parameters) -> None:
    d = compile_design(load_design("budapest1994"), params)
    out = draw_violations(np.random.default_rng(0), 5_000, d, _values(params))
    assert not out.reached.any() and not out.answered.any() and out.value.sum() == 0.0


def test_silence_blocks_less_often_than_consensus(params: Parameters) -> None:
    _, compiled, p, _ = prepare(["paris2026", "paris2026_silence"], None, None)
    _, (consensus, silence) = run_sweep(compiled, p, 20_000, 9)
    assert (
        silence.decided_in_time / silence.violations
        > consensus.decided_in_time / consensus.violations
    )


@pytest.mark.data
def test_calibration_from_the_real_data(shared_data: Path, params: Parameters) -> None:
    cal, record = calibrate(params, shared_data)
    rate = record["adversary.violation_rate_per_year"]
    assert "UCDP GED events 2015-02-15..2022-01-01" in rate["from"]
    assert 2 < rate["value"] < 30
    assert cal.params["adversary.violation_rate_per_year"].calibrated_from == rate["from"]
    assert "liveuamap" in record["adversary.seizure_km2_median"]["from"]
    us = record["parties.US.available"]
    assert "USA allocations" in us["from"] and 0.9 < us["value"] <= 1.0
    assert record["parties.EU.available"]["value"] < 0.6  # EU commitments far ahead of allocations
    # parties not in the tracker keep their documented defaults
    assert cal["parties.RU.available"] == params["parties.RU.available"]
