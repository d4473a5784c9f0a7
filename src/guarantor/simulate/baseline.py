"""The same scenario model as a plain per-trial Python loop: the benchmark's baseline and a test oracle.

Written by hand on purpose: it is the naive way an analyst would code the model, one violation
at a time, and it shares nothing with the vectorised engine but the compiled design and the
rules (each violation is read through `forms.level_onsets`, one element at a time). Agreement
between the two (in distribution; the random streams differ) checks the engine.
"""

from __future__ import annotations

import math
import random

import numpy as np

from guarantor.simulate.compile import SIMULATED_ESTABLISH, CompiledDesign, DecisionStage, StageKind
from guarantor.simulate.engine import violation_rates
from guarantor.simulate.forms import FORMS, Drawn, Form, level_onsets

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
    if s.kind is StageKind.automatic:
        return True, 0.0
    p_agree, p_object = s.probabilities(v)
    agree = [rng.random() < a for a in p_agree]
    pos = [
        _ln(rng, v["decisions.position_hours_median"], v["decisions.position_hours_sigma"])
        for _ in s.members
    ]
    if s.kind is StageKind.silence:
        return not any(rng.random() < o for o in p_object), s.window_hours
    if s.kind is StageKind.unilateral:
        return agree[s.decider], s.window_hours + pos[s.decider]
    if s.kind is StageKind.majority:
        share = sum(w for w, a in zip(s.weights, agree, strict=True) if a) / sum(s.weights)
        vetoed = any(not a for a, x in zip(agree, s.veto, strict=True) if x)
        return share >= s.threshold and not vetoed, max(pos)
    if s.kind is StageKind.each_party:
        times = [t for t, a in zip(pos, agree, strict=True) if a]
        return bool(times), min(times) if times else math.inf
    return all(agree), max(pos)


def _violation(rng: random.Random, form: Form, v: Values) -> Drawn:
    fu, st, air = "adversary.flare_up.", "adversary.strike.", "adversary.airspace."
    area = 0.0
    if form is Form.strike:
        events = _ln(rng, v[st + "strikes_per_day_median"], v[st + "strikes_per_day_sigma"])
        deaths = events * _ln(
            rng, v[st + "fatalities_per_strike_median"], v[st + "fatalities_per_strike_sigma"]
        )
        days = _ln(rng, v[st + "duration_days_median"], v[st + "duration_days_sigma"])
    elif form is Form.airspace:
        events = _ln(rng, v[air + "incursions_per_day_median"], v[air + "incursions_per_day_sigma"])
        deaths, days = 0.0, v[air + "duration_days_median"]
    else:
        weekly = _ln(
            rng, v[fu + "fatal_events_per_week_median"], v[fu + "fatal_events_per_week_sigma"]
        )
        events = weekly * v[fu + "events_per_fatal_event"] / 7.0
        deaths = (
            _ln(rng, v[fu + "fatalities_per_week_median"], v[fu + "fatalities_per_week_sigma"])
            / 7.0
        )
        days = _ln(rng, v[fu + "duration_days_median"], v[fu + "duration_days_sigma"])
        if form is Form.advance:
            area = _ln(
                rng, v["adversary.advance.area_km2_median"], v["adversary.advance.area_km2_sigma"]
            )
    one = np.array
    return Drawn(
        one([FORMS.index(form)], np.int8), one([events]), one([deaths]), one([days]), one([area])
    )


def one_violation(
    rng: random.Random, form: Form, d: CompiledDesign, v: Values
) -> tuple[bool, bool, bool, float]:
    """(detected within 24 h, decided in time, answered, response value) of one violation."""
    drawn = _violation(rng, form, v)
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
    established, settled = level_onsets(d.rules, drawn, SIMULATED_ESTABLISH)
    trigger = min(float(established[0]), float(settled[0]))
    if not math.isfinite(trigger):
        return detect <= 24.0, False, False, 0.0
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
    if not attributed:
        return detect <= 24.0, False, False, 0.0
    seized = max(at, trigger * 24.0)
    ok1, h1 = _decide(rng, d.stage1, v)
    ok2, h2 = _decide(rng, d.stage2, v) if d.stage2 is not None else (True, 0.0)
    deadline = d.stage1.deadline_hours
    if math.isnan(deadline):
        deadline = 24.0 * v["general.reference_deadline_days"]
    in_time = ok1 and h1 <= deadline
    decided = ok1 and ok2
    available = d.available(v)
    index = sum(1 << i for i, p in enumerate(available) if rng.random() < p)
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
    rates = violation_rates(v, credibility)
    n = det = timely = answered = 0
    value = 0.0
    for _ in range(trials):
        for k, form in enumerate(FORMS):
            for _ in range(_poisson(rng, float(rates[k]))):
                a, b, c, x = one_violation(rng, form, d, v)
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
