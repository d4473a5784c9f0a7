"""The vectorised Monte Carlo engine: one chunk of trials for one design, as NumPy arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from guarantor.simulate.compile import SIMULATED_ESTABLISH, CompiledDesign, DecisionStage, StageKind
from guarantor.simulate.forms import FORMS, Drawn, Form, Reach, level_onsets

CHUNK_TRIALS = 20_000  # fixed: results do not depend on how chunks are spread over workers
TIME_BIN_DAYS = 0.05
TIME_BINS = 14_600  # 730 days; one more bin for later (or never-arriving) responses
MAX_COUNT = 64  # violations per trial histogram; one more bin for more
KM2_EDGES = np.concatenate([[0.0, 1e-9], np.geomspace(1.0, 1e5, 101)])
N_FORMS = len(FORMS)

Values = dict[str, float]
F64 = NDArray[np.float64]
BOOL = NDArray[np.bool_]
I64 = NDArray[np.int64]


@dataclass
class Violations:
    """Outcomes of one design's violations (sorted by form): every violation's detection and
    trigger, and for the `rows` that reach it with attribution, decision and response."""

    form: NDArray[np.int8]
    km2: F64
    detect_hours: F64
    reached: BOOL
    settled: BOOL  # reached only as undetermined: the determining body settles it
    rows: I64  # the violations that reach the step with attribution
    decided: BOOL  # per row
    in_time: BOOL  # per row
    coverage: F64  # per row (0 where not decided)
    answered: BOOL  # per row
    response_days: F64  # per row (inf where not answered)
    value: F64  # per row (0 where not answered)

    def answered_all(self) -> BOOL:
        """Per violation: answered."""
        out = np.zeros(self.form.shape[0], dtype=bool)
        out[self.rows] = self.answered
        return out


@dataclass
class Stats:
    """Sufficient statistics of one chunk for one design; chunks add up in a fixed order."""

    trials: int
    violations: int
    detected_24h: int
    reached: int
    settled: int
    decided_in_time: int
    decided: int
    answered: int
    coverage_sum: float
    coverage_sq_sum: float
    value_sum: float
    value_sq_sum: float
    count_sq_sum: int  # sum over trials of (violations in the trial)^2
    by_form: I64  # shape (3, forms): violations, reached, answered
    response_hist: I64
    count_hist: I64
    unanswered_km2_hist: I64
    unanswered_km2_sum: float

    def add(self, other: Stats) -> Stats:
        """The statistics of both chunks (exact for counts; fixed order for float sums)."""
        return Stats(
            self.trials + other.trials,
            self.violations + other.violations,
            self.detected_24h + other.detected_24h,
            self.reached + other.reached,
            self.settled + other.settled,
            self.decided_in_time + other.decided_in_time,
            self.decided + other.decided,
            self.answered + other.answered,
            self.coverage_sum + other.coverage_sum,
            self.coverage_sq_sum + other.coverage_sq_sum,
            self.value_sum + other.value_sum,
            self.value_sq_sum + other.value_sq_sum,
            self.count_sq_sum + other.count_sq_sum,
            self.by_form + other.by_form,
            self.response_hist + other.response_hist,
            self.count_hist + other.count_hist,
            self.unanswered_km2_hist + other.unanswered_km2_hist,
            self.unanswered_km2_sum + other.unanswered_km2_sum,
        )


def _lognormal(
    rng: np.random.Generator, median: float, sigma: float, n: int | tuple[int, ...]
) -> F64:
    return rng.lognormal(math.log(median), sigma, n)


def _form_params(v: Values) -> dict[Form, tuple[float, float, float, float, float, float]]:
    """Per form: median and spread of intensity (events a day), of fatalities (a day, or per
    strike for strikes) and of length (days)."""
    fu, st, air = "adversary.flare_up.", "adversary.strike.", "adversary.airspace."
    fighting = (
        v[fu + "fatal_events_per_week_median"] * v[fu + "events_per_fatal_event"] / 7.0,
        v[fu + "fatal_events_per_week_sigma"],
        v[fu + "fatalities_per_week_median"] / 7.0,
        v[fu + "fatalities_per_week_sigma"],
        v[fu + "duration_days_median"],
        v[fu + "duration_days_sigma"],
    )
    return {
        Form.flare_up: fighting,
        Form.advance: fighting,  # an advance fights like a flare-up, and takes ground
        Form.strike: (v[st + "strikes_per_day_median"], v[st + "strikes_per_day_sigma"],
                      v[st + "fatalities_per_strike_median"], v[st + "fatalities_per_strike_sigma"],
                      v[st + "duration_days_median"], v[st + "duration_days_sigma"]),
        Form.airspace: (v[air + "incursions_per_day_median"], v[air + "incursions_per_day_sigma"],
                        1.0, 0.0, v[air + "duration_days_median"], 0.0),
    }  # fmt: skip


def draw_forms(rng: np.random.Generator, counts: I64, v: Values) -> Drawn:
    """Steady violations, `counts[k]` of form k, sorted by form: intensity, length, area taken."""
    params = _form_params(v)
    parts: list[tuple[F64, F64, F64, F64]] = []
    for k, f in enumerate(FORMS):
        m = int(counts[k])
        e_med, e_sig, f_med, f_sig, d_med, d_sig = params[f]
        z = rng.standard_normal((3, m))
        events = e_med * np.exp(e_sig * z[0])
        days = d_med * np.exp(d_sig * z[2])
        if f is Form.airspace:
            fatalities = np.zeros(m)
        elif f is Form.strike:
            fatalities = events * f_med * np.exp(f_sig * z[1])  # fatalities per strike
        else:
            fatalities = f_med * np.exp(f_sig * z[1])
        area = np.zeros(m)
        if f is Form.advance:
            ad = "adversary.advance."
            area = _lognormal(rng, v[ad + "area_km2_median"], v[ad + "area_km2_sigma"], m)
        parts.append((events, fatalities, days, area))
    form = np.repeat(np.arange(N_FORMS, dtype=np.int8), counts)
    cols = [np.concatenate([p[i] for p in parts]) for i in range(4)]
    return Drawn(form, cols[0], cols[1], cols[2], cols[3])


def _level_onsets(d: CompiledDesign, drawn: Drawn, counts: I64) -> tuple[F64, F64]:
    """Established and settled onsets, evaluated only for forms that can reach the step."""
    n = drawn.form.shape[0]
    established = np.full(n, np.inf)
    settled = np.full(n, np.inf)
    start = 0
    for k, m in enumerate(counts.tolist()):
        if m and d.reach[k] is not Reach.never:
            part = drawn.slice(start, start + m)
            established[start : start + m], settled[start : start + m] = level_onsets(
                d.rules, part, SIMULATED_ESTABLISH
            )
        start += m
    return established, settled


def draw_violations(
    rng: np.random.Generator, counts: I64, d: CompiledDesign, v: Values
) -> Violations:
    """Draw `counts[k]` violations of form k (sorted by form) and follow each through detection,
    decision and delivery."""
    drawn = draw_forms(rng, counts, v)
    form = drawn.form
    n = form.shape[0]
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
    # the step's trigger levels under the compiled rules (the monitor's day rules): established,
    # or undetermined and settled by the determining body (its decision is stage 1)
    established_days, settled_days = _level_onsets(d, drawn, counts)
    trigger_days = np.minimum(established_days, settled_days)
    reached = np.isfinite(trigger_days)
    settled = reached & (settled_days < established_days)
    # attribution of the violations that reach the step: a first confidence from a Beta; below
    # the bar, verification on request (the others need none: nothing is drawn for them)
    hit = np.flatnonzero(reached)
    mean = v["detection.attribution_confidence_mean"]
    conc = v["detection.attribution_confidence_concentration"]
    a, b = max(mean * conc, 1e-6), max((1.0 - mean) * conc, 1e-6)
    confidence = rng.beta(a, b, hit.size)
    required = d.rules.required_attribution
    verify = confidence < required
    if math.isnan(d.on_request_hours):
        wait = rng.exponential(24.0 * v["detection.unrequested_verification_days"], hit.size)
    else:
        wait = rng.random(hit.size) * d.on_request_hours
    attributed = ~verify | (v["detection.verified_confidence"] >= required)
    attributed_at = detect[hit] + np.where(verify, wait, 0.0)
    # decisions and delivery only for the violations that reach the trigger with attribution:
    # the rest are unanswered whatever the bodies would do, so nothing is drawn for them
    rows = hit[attributed]
    seized_at = np.maximum(attributed_at[attributed], trigger_days[rows] * 24.0)
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
        bits = rng.random((g, k)) < d.available(v)
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
    response_g = np.where(answered_g, (seized_at + hours1 + hours2) / 24.0 + arrival, np.inf)
    value_g = np.where(
        answered_g, cover_g * np.exp(-response_g / v["general.speed_discount_days"]), 0.0
    )
    in_time = adopted1 & (hours1 <= deadline)
    coverage = np.where(decided_g, cover_g, 0.0)
    return Violations(
        form, drawn.area_km2, detect, reached, settled, rows, decided_g, in_time, coverage,
        answered_g, response_g, value_g,
    )  # fmt: skip


def _decide(rng: np.random.Generator, s: DecisionStage, n: int, v: Values) -> tuple[BOOL, F64]:
    """Whether each decision is adopted and how many hours it takes (inf where not adopted).

    Members state their positions after log-normal times; only the times that matter are drawn
    (the decider's, the first willing member's, or the last member's where the decision is
    adopted), as the largest or smallest standard normal mapped once through the log-normal.
    """
    if s.kind is StageKind.automatic:
        return np.ones(n, dtype=bool), np.zeros(n)
    p_agree, p_object = s.probabilities(v)
    m = len(s.members)
    median = v["decisions.position_hours_median"]
    sigma = v["decisions.position_hours_sigma"]
    if s.kind is StageKind.silence:
        objects = rng.random((n, m)) < p_object
        adopted: BOOL = np.asarray(~objects.any(axis=1))
        return adopted, np.full(n, s.window_hours)
    agree = rng.random((n, m)) < p_agree
    if s.kind is StageKind.unilateral:
        hours: F64 = s.window_hours + median * np.exp(sigma * rng.standard_normal(n))
        return agree[:, s.decider], hours
    if s.kind is StageKind.each_party:
        z = np.where(agree, rng.standard_normal((n, m)), np.inf)
        return np.asarray(agree.any(axis=1)), median * np.exp(sigma * z.min(axis=1))
    if s.kind is StageKind.majority:
        share = (agree * s.weights).sum(axis=1) / s.weights.sum()
        adopted = np.asarray((share >= s.threshold) & agree[:, s.veto].all(axis=1))
    else:
        adopted = np.asarray(agree.all(axis=1))
    hours = np.full(n, np.inf)
    rows = np.flatnonzero(adopted)
    hours[rows] = median * np.exp(sigma * rng.standard_normal((rows.size, m)).max(axis=1))
    return adopted, hours


def base_rates(v: Values) -> F64:
    """Violations per year of each form with no guarantee in force."""
    return np.array([v[f"adversary.{f.value}.rate_per_year"] for f in FORMS])


def violation_rates(v: Values, credibility: float) -> F64:
    """Expected violations of each form per trial, given the credibility the adversary perceives."""
    scale = max(0.0, 1.0 - v["adversary.deterrence_elasticity"] * credibility)
    out: F64 = base_rates(v) * scale * v["general.horizon_days"] / 365.0
    return out


def pilot(seed: np.random.SeedSequence, d: CompiledDesign, v: Values) -> float:
    """The adversary's estimate of a design's credibility: mean response value of probe violations
    (forms in proportion to their base rates)."""
    rates = base_rates(v)
    if rates.sum() <= 0:
        return 0.0
    rng = np.random.Generator(np.random.PCG64(seed))
    n = int(v["general.pilot_violations"])
    out = draw_violations(rng, rng.multinomial(n, rates / rates.sum()), d, v)
    return float(out.value.sum()) / max(n, 1)


def run_chunk(
    seed: np.random.SeedSequence,
    trials: int,
    d: CompiledDesign,
    v: Values,
    credibility: float,
) -> Stats:
    """Simulate `trials` futures of one design from one seed stream (every design of a draw
    starts from the same stream: common random numbers)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    counts_by_form = rng.poisson(violation_rates(v, credibility), (trials, N_FORMS))
    counts = counts_by_form.sum(axis=1)
    total = int(counts.sum())
    per_form = counts_by_form.sum(axis=0)
    viol = draw_violations(rng, per_form, d, v)
    # km² taken without an answer, per trial: only advances take ground (their slice, in
    # trial order like every slice of one form)
    k = FORMS.index(Form.advance)
    start = int(per_form[:k].sum())
    stop = start + int(per_form[k])
    answered = viol.answered_all()
    owner = np.repeat(np.arange(trials), counts_by_form[:, k])
    lost = np.bincount(
        owner, weights=np.where(answered[start:stop], 0.0, viol.km2[start:stop]), minlength=trials
    )
    reached_by_form = np.bincount(viol.form[viol.reached], minlength=N_FORMS)
    answered_forms = viol.form[viol.rows[viol.answered]]
    by_form = np.stack(
        [per_form, reached_by_form, np.bincount(answered_forms, minlength=N_FORMS)]
    ).astype(np.int64)
    times = viol.response_days[viol.answered]
    bins = np.minimum((times / TIME_BIN_DAYS).astype(np.int64), TIME_BINS)
    return Stats(
        trials=trials,
        violations=total,
        detected_24h=int((viol.detect_hours <= 24.0).sum()),
        reached=int(viol.reached.sum()),
        settled=int(viol.settled.sum()),
        decided_in_time=int(viol.in_time.sum()),
        decided=int(viol.decided.sum()),
        answered=int(viol.answered.sum()),
        coverage_sum=float(viol.coverage.sum()),
        coverage_sq_sum=float((viol.coverage**2).sum()),
        value_sum=float(viol.value.sum()),
        value_sq_sum=float((viol.value**2).sum()),
        count_sq_sum=int((counts.astype(np.int64) ** 2).sum()),
        by_form=by_form,
        response_hist=np.bincount(bins, minlength=TIME_BINS + 1).astype(np.int64),
        count_hist=np.bincount(np.minimum(counts, MAX_COUNT), minlength=MAX_COUNT + 1).astype(
            np.int64
        ),
        unanswered_km2_hist=np.histogram(np.minimum(lost, KM2_EDGES[-1]), bins=KM2_EDGES)[0].astype(
            np.int64
        ),
        unanswered_km2_sum=float(lost.sum()),
    )
