"""The same scenario model as a plain per-trial Python loop: the benchmark's baseline and a test oracle.

Written by hand on purpose: it is the naive way an analyst would code the model, and it shares
nothing with the vectorised engine but the compiled design, so agreement between the two (in
distribution; the random streams differ) checks the engine.
"""

from __future__ import annotations

import math
import random

from guarantor.simulate.compile import (
    AUTOMATIC,
    CONSENSUS,
    EACH,
    MAJORITY,
    SILENCE,
    UNILATERAL,
    CompiledDesign,
    DecisionStage,
)
from guarantor.simulate.engine import violation_rate

Values = dict[str, float]


def _ln(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(sigma * rng.gauss(0.0, 1.0))


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: fine for the small means of violations per year
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _decide(rng: random.Random, s: DecisionStage, v: Values) -> tuple[bool, float]:
    if s.kind == AUTOMATIC:
        return True, 0.0
    agree = [rng.random() < a for a in s.agree]
    pos = [
        _ln(rng, v["decisions.position_hours_median"], v["decisions.position_hours_sigma"])
        for _ in s.members
    ]
    if s.kind == SILENCE:
        return not any(rng.random() < o for o in s.object), s.window_hours
    if s.kind == UNILATERAL:
        return agree[s.decider], s.window_hours + pos[s.decider]
    if s.kind == MAJORITY:
        share = sum(w for w, a in zip(s.weights, agree, strict=True) if a) / sum(s.weights)
        vetoed = any(not a for a, x in zip(agree, s.veto, strict=True) if x)
        return share >= s.threshold and not vetoed, max(pos)
    if s.kind == EACH:
        times = [t for t, a in zip(pos, agree, strict=True) if a]
        return bool(times), min(times) if times else math.inf
    assert s.kind == CONSENSUS
    return all(agree), max(pos)


def one_violation(
    rng: random.Random, d: CompiledDesign, v: Values
) -> tuple[bool, bool, bool, float]:
    """(detected within 24 h, decided in time, answered, response value) of one violation."""
    seizure = rng.random() < v["adversary.seizure_share"]
    km2 = _ln(rng, v["adversary.seizure_km2_median"], v["adversary.seizure_km2_sigma"])
    events = _ln(rng, v["adversary.events_per_week_median"], v["adversary.events_per_week_sigma"])
    deaths = _ln(
        rng, v["adversary.fatalities_per_week_median"], v["adversary.fatalities_per_week_sigma"]
    )
    duration = _ln(rng, v["adversary.duration_days_median"], v["adversary.duration_days_sigma"])
    if d.monitored:
        p_pass = 1.0 - (1.0 - v["detection.per_sensor_pass_probability"]) ** d.sensors
        detect = rng.random() * d.cadence_hours
        while rng.random() >= p_pass:
            detect += d.cadence_hours
        detect += _ln(
            rng,
            v["detection.processing_delay_hours_median"],
            v["detection.processing_delay_hours_sigma"],
        )
    else:
        detect = 24.0 * _ln(
            rng,
            v["detection.unmonitored_detection_days_median"],
            v["detection.unmonitored_detection_days_sigma"],
        )
    mean = v["detection.attribution_confidence_mean"]
    conc = v["detection.attribution_confidence_concentration"]
    confidence = rng.betavariate(max(mean * conc, 1e-6), max((1 - mean) * conc, 1e-6))
    required = d.rules.required_attribution
    attributed, at = True, detect
    if confidence < required:
        attributed = v["detection.verified_confidence"] >= required
        if math.isnan(d.on_request_hours):
            at += rng.expovariate(1.0 / (24.0 * v["detection.unrequested_verification_days"]))
        else:
            at += rng.random() * d.on_request_hours
    trigger = math.inf
    r = d.rules
    for i in range(len(r.min_events)):
        rate_e = events * v["adversary.events_per_fatal_event"] / 7.0
        rate_f = deaths / 7.0
        need = max(r.min_days[i], r.min_events[i] / rate_e, r.min_fatalities[i] / rate_f)
        ok = need <= duration
        if r.min_events[i] > 0 or r.min_fatalities[i] > 0:
            ok = (
                ok
                and max(r.min_events[i] / rate_e, r.min_fatalities[i] / rate_f) <= r.window_days[i]
            )
        if r.needs_seizure[i]:
            ok = ok and seizure and km2 >= r.min_km2[i]
        if ok:
            trigger = min(trigger, need)
    reached = math.isfinite(trigger)
    seized = max(at, trigger * 24.0 if reached else 0.0)
    ok1, h1 = _decide(rng, d.stage1, v)
    ok2, h2 = _decide(rng, d.stage2, v) if d.stage2 is not None else (True, 0.0)
    deadline = d.stage1.deadline_hours
    if math.isnan(deadline):
        deadline = 24.0 * v["general.reference_deadline_days"]
    go = reached and attributed
    in_time = go and ok1 and h1 <= deadline
    decided = go and ok1 and ok2
    index = sum(1 << i for i, p in enumerate(d.p_available) if rng.random() < p)
    if not d.parties:
        index = len(d.coverage) - 1
    coverage = float(d.coverage[index])
    first, gate = float(d.first_days[index]), float(d.gate_days[index])
    arrival = (first - gate) * _ln(rng, 1.0, v["delivery.lateness_sigma"]) + gate * _ln(
        rng, 1.0, v["decisions.gate_delay_sigma"]
    )
    answered = decided and coverage > 0 and math.isfinite(arrival)
    value = 0.0
    if answered:
        response = (seized + h1 + h2) / 24.0 + arrival
        value = coverage * math.exp(-response / v["general.speed_discount_days"])
    return detect <= 24.0, in_time, answered, value


def run_loop(
    d: CompiledDesign, v: Values, credibility: float, trials: int, seed: int
) -> dict[str, float]:
    """Trials one by one; the same summary measures as the engine (without the histograms)."""
    rng = random.Random(seed)
    lam = violation_rate(d, v, credibility)
    n = det = timely = answered = 0
    value = 0.0
    for _ in range(trials):
        for _ in range(_poisson(rng, lam)):
            a, b, c, x = one_violation(rng, d, v)
            n += 1
            det += a
            timely += b
            answered += c
            value += x
    n = max(n, 1)
    return {
        "violations": float(n),
        "p_detect_24h": det / n,
        "p_decision_in_time": timely / n,
        "unanswered_share": 1.0 - answered / n,
        "deterrence_index": value / n,
    }
