"""The vectorised Monte Carlo engine: one chunk of trials for every design, as NumPy arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

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

CHUNK_TRIALS = 20_000  # fixed: results do not depend on how chunks are spread over workers
TIME_BIN_DAYS = 0.05
TIME_BINS = 14_600  # 730 days; one more bin for later (or never-arriving) responses
MAX_COUNT = 64  # violations per trial histogram; one more bin for more
KM2_EDGES = np.concatenate([[0.0, 1e-9], np.geomspace(1.0, 1e5, 101)])

Values = dict[str, float]
F64 = NDArray[np.float64]
BOOL = NDArray[np.bool_]


@dataclass
class Violations:
    """Per-violation outcomes of one design (arrays of equal length)."""

    seizure: BOOL
    km2: F64
    detect_hours: F64
    reached: BOOL
    decided: BOOL
    in_time: BOOL
    coverage: F64
    answered: BOOL
    response_days: F64
    value: F64


@dataclass
class Stats:
    """Sufficient statistics of one chunk for one design; chunks add up in a fixed order."""

    trials: int
    violations: int
    detected_24h: int
    reached: int
    decided_in_time: int
    decided: int
    answered: int
    coverage_sum: float
    value_sum: float
    response_hist: NDArray[np.int64]
    count_hist: NDArray[np.int64]
    unanswered_km2_hist: NDArray[np.int64]
    unanswered_km2_sum: float

    def add(self, other: Stats) -> Stats:
        """The statistics of both chunks (exact for counts; fixed order for float sums)."""
        return Stats(
            self.trials + other.trials,
            self.violations + other.violations,
            self.detected_24h + other.detected_24h,
            self.reached + other.reached,
            self.decided_in_time + other.decided_in_time,
            self.decided + other.decided,
            self.answered + other.answered,
            self.coverage_sum + other.coverage_sum,
            self.value_sum + other.value_sum,
            self.response_hist + other.response_hist,
            self.count_hist + other.count_hist,
            self.unanswered_km2_hist + other.unanswered_km2_hist,
            self.unanswered_km2_sum + other.unanswered_km2_sum,
        )


def _lognormal(
    rng: np.random.Generator, median: float, sigma: float, n: int | tuple[int, ...]
) -> F64:
    return rng.lognormal(math.log(median), sigma, n)


def draw_violations(rng: np.random.Generator, n: int, d: CompiledDesign, v: Values) -> Violations:
    """Draw n violations and follow each through detection, decision and delivery."""
    seizure = rng.random(n) < v["adversary.seizure_share"]
    km2 = _lognormal(rng, v["adversary.seizure_km2_median"], v["adversary.seizure_km2_sigma"], n)
    km2 = np.where(seizure, km2, 0.0)
    events = _lognormal(
        rng, v["adversary.events_per_week_median"], v["adversary.events_per_week_sigma"], n
    )
    deaths = _lognormal(
        rng, v["adversary.fatalities_per_week_median"], v["adversary.fatalities_per_week_sigma"], n
    )
    duration = _lognormal(
        rng, v["adversary.duration_days_median"], v["adversary.duration_days_sigma"], n
    )
    # detection: wait for the next pass, then passes until one sees it, then processing
    if d.monitored:
        p_pass = 1.0 - (1.0 - v["detection.per_sensor_pass_probability"]) ** d.sensors
        phase = rng.random(n) * d.cadence_hours
        passes = rng.geometric(max(p_pass, 1e-12), n) if p_pass > 0 else np.full(n, 10**9)
        processing = _lognormal(
            rng,
            v["detection.processing_delay_hours_median"],
            v["detection.processing_delay_hours_sigma"],
            n,
        )
        detect = phase + (passes - 1) * d.cadence_hours + processing
    else:
        detect = 24.0 * _lognormal(
            rng,
            v["detection.unmonitored_detection_days_median"],
            v["detection.unmonitored_detection_days_sigma"],
            n,
        )
    # attribution: first confidence from a Beta; below the bar, verification on request
    mean = v["detection.attribution_confidence_mean"]
    conc = v["detection.attribution_confidence_concentration"]
    a, b = max(mean * conc, 1e-6), max((1.0 - mean) * conc, 1e-6)
    confidence = rng.beta(a, b, n)
    required = d.rules.required_attribution
    verify = confidence < required
    if math.isnan(d.on_request_hours):
        wait = rng.exponential(24.0 * v["detection.unrequested_verification_days"], n)
    else:
        wait = rng.random(n) * d.on_request_hours
    attributed = ~verify | (v["detection.verified_confidence"] >= required)
    attributed_at = detect + np.where(verify, wait, 0.0)
    # trigger level: the earliest alternative the violation satisfies, in days from its start
    trigger_days = np.full(n, np.inf)
    r = d.rules
    rate_e = events * v["adversary.events_per_fatal_event"] / 7.0
    rate_f = deaths / 7.0
    for i in range(len(r.min_events)):
        # days of fighting at the drawn rates until the events and fatalities thresholds are met
        intensity = np.maximum(r.min_events[i] / rate_e, r.min_fatalities[i] / rate_f)
        need = np.maximum(r.min_days[i], intensity)
        ok = need <= duration
        if r.min_events[i] > 0 or r.min_fatalities[i] > 0:
            ok &= intensity <= r.window_days[i]
        if r.needs_seizure[i]:
            ok &= seizure & (km2 >= r.min_km2[i])
        trigger_days = np.where(ok, np.minimum(trigger_days, need), trigger_days)
    reached = np.isfinite(trigger_days)
    seized_at = np.maximum(attributed_at, np.where(reached, trigger_days * 24.0, 0.0))
    # decisions and delivery only for the violations that reach the trigger with attribution:
    # the rest are unanswered whatever the bodies would do, so nothing is drawn for them
    go = reached & attributed
    rows = np.flatnonzero(go)
    g = len(rows)
    adopted1, hours1 = _decide(rng, d.stage1, g, v)
    deadline = d.stage1.deadline_hours
    if math.isnan(deadline):
        deadline = 24.0 * v["general.reference_deadline_days"]
    if d.stage2 is not None:
        adopted2, hours2 = _decide(rng, d.stage2, g, v)
    else:
        adopted2, hours2 = np.ones(g, dtype=bool), np.zeros(g)
    # delivery: which contributing parties are there, then the precomputed plan for that set
    k = len(d.parties)
    if k:
        bits = rng.random((g, k)) < d.p_available
        index = bits.astype(np.int64) @ (np.int64(1) << np.arange(k, dtype=np.int64))
    else:
        index = np.full(g, len(d.coverage) - 1, dtype=np.int64)
    cover_g = d.coverage[index]
    first = d.first_days[index]
    gate = d.gate_days[index]
    late = _lognormal(rng, 1.0, v["delivery.lateness_sigma"], g)
    gate_draw = _lognormal(rng, 1.0, v["decisions.gate_delay_sigma"], g)
    arrival = (first - gate) * late + gate * gate_draw
    decided_g = adopted1 & adopted2
    answered_g = decided_g & (cover_g > 0) & np.isfinite(arrival)
    response_g = np.where(answered_g, (seized_at[rows] + hours1 + hours2) / 24.0 + arrival, np.inf)
    value_g = np.where(
        answered_g, cover_g * np.exp(-response_g / v["general.speed_discount_days"]), 0.0
    )
    decided = np.zeros(n, dtype=bool)
    decided[rows] = decided_g
    in_time = np.zeros(n, dtype=bool)
    in_time[rows] = adopted1 & (hours1 <= deadline)
    answered = np.zeros(n, dtype=bool)
    answered[rows] = answered_g
    coverage = np.zeros(n)
    coverage[rows] = np.where(decided_g, cover_g, 0.0)
    response = np.full(n, np.inf)
    response[rows] = response_g
    value = np.zeros(n)
    value[rows] = value_g
    return Violations(
        seizure,
        km2,
        detect,
        reached,
        decided,
        in_time,
        coverage,
        answered,
        response,
        value,
    )


def _decide(rng: np.random.Generator, s: DecisionStage, n: int, v: Values) -> tuple[BOOL, F64]:
    """Whether each decision is adopted and how many hours it takes."""
    if s.kind == AUTOMATIC:
        return np.ones(n, dtype=bool), np.zeros(n)
    m = len(s.members)
    agree = rng.random((n, m)) < s.agree
    position = _lognormal(
        rng, v["decisions.position_hours_median"], v["decisions.position_hours_sigma"], (n, m)
    )
    if s.kind == SILENCE:
        objects = rng.random((n, m)) < s.object
        adopted: BOOL = np.asarray(~objects.any(axis=1))
        return adopted, np.full(n, s.window_hours)
    if s.kind == UNILATERAL:
        return agree[:, s.decider], s.window_hours + position[:, s.decider]
    hours: F64 = position.max(axis=1)
    if s.kind == MAJORITY:
        share = (agree * s.weights).sum(axis=1) / s.weights.sum()
        adopted = np.asarray((share >= s.threshold) & agree[:, s.veto].all(axis=1))
        return adopted, hours
    if s.kind == EACH:
        first: F64 = np.where(agree, position, np.inf).min(axis=1)
        adopted = np.asarray(agree.any(axis=1))
        return adopted, first
    assert s.kind == CONSENSUS
    adopted = np.asarray(agree.all(axis=1))
    return adopted, hours


def violation_rate(d: CompiledDesign, v: Values, credibility: float) -> float:
    """Expected violations per trial, given the credibility the adversary perceives."""
    scale = max(0.0, 1.0 - v["adversary.deterrence_elasticity"] * credibility)
    return v["adversary.violation_rate_per_year"] * scale * v["general.horizon_days"] / 365.0


def pilot(seed: np.random.SeedSequence, d: CompiledDesign, v: Values) -> float:
    """The adversary's estimate of a design's credibility: mean response value of probe violations."""
    rng = np.random.Generator(np.random.PCG64(seed))
    out = draw_violations(rng, int(v["general.pilot_violations"]), d, v)
    return float(out.value.mean())


def run_chunk(
    seed: np.random.SeedSequence,
    trials: int,
    designs: list[CompiledDesign],
    v: Values,
    credibility: list[float],
) -> list[Stats]:
    """Simulate `trials` futures for every design from one seed stream (same draws per design)."""
    out: list[Stats] = []
    for d, cred in zip(designs, credibility, strict=True):
        rng = np.random.Generator(np.random.PCG64(seed))
        counts = rng.poisson(violation_rate(d, v, cred), trials)
        total = int(counts.sum())
        viol = draw_violations(rng, total, d, v)
        owner = np.repeat(np.arange(trials), counts)
        lost = np.bincount(owner, weights=np.where(viol.answered, 0.0, viol.km2), minlength=trials)
        times = viol.response_days[viol.answered]
        bins = np.minimum((times / TIME_BIN_DAYS).astype(np.int64), TIME_BINS)
        out.append(
            Stats(
                trials=trials,
                violations=total,
                detected_24h=int((viol.detect_hours <= 24.0).sum()),
                reached=int(viol.reached.sum()),
                decided_in_time=int(viol.in_time.sum()),
                decided=int(viol.decided.sum()),
                answered=int(viol.answered.sum()),
                coverage_sum=float(viol.coverage.sum()),
                value_sum=float(viol.value.sum()),
                response_hist=np.bincount(bins, minlength=TIME_BINS + 1).astype(np.int64),
                count_hist=np.bincount(
                    np.minimum(counts, MAX_COUNT), minlength=MAX_COUNT + 1
                ).astype(np.int64),
                unanswered_km2_hist=np.histogram(np.minimum(lost, KM2_EDGES[-1]), bins=KM2_EDGES)[
                    0
                ].astype(np.int64),
                unanswered_km2_sum=float(lost.sum()),
            )
        )
    return out
