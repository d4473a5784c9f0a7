"""The outcome measures of a design, each with its Monte Carlo standard error, from chunk statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from guarantor.simulate.engine import TIME_BIN_DAYS, TIME_BINS, Stats

F64 = NDArray[np.float64]


class Metric(StrEnum):
    """An outcome measure of a design over one parameter draw."""

    deterrence_index = "deterrence_index"
    unanswered_share = "unanswered_share"
    p_decision_in_time = "p_decision_in_time"
    p_detect_24h = "p_detect_24h"
    response_p50_days = "response_p50_days"
    coverage_mean = "coverage_mean"
    violations_per_year = "violations_per_year"

    @property
    def higher_is_better(self) -> bool:
        """True when a design with a higher value is the better one."""
        return self in (
            Metric.deterrence_index,
            Metric.p_decision_in_time,
            Metric.p_detect_24h,
            Metric.coverage_mean,
        )

    @property
    def digits(self) -> int:
        """Decimals shown in tables."""
        return 2 if self in (Metric.response_p50_days, Metric.violations_per_year) else 3


METRICS: tuple[Metric, ...] = tuple(Metric)
PRIMARY = Metric.deterrence_index  # the measure the first table ranks by


@dataclass(frozen=True)
class DrawOutcome:
    """One design under one parameter draw: each metric with its Monte Carlo standard error."""

    values: F64  # in METRICS order; inf for a response time when nothing is answered
    se: F64
    credibility: float
    violations: int
    by_form: NDArray[np.int64]  # (violations, reached, answered) x forms
    settled: int  # reached only as undetermined, settled by the determining body

    def value(self, metric: Metric) -> float:
        """One metric's value."""
        return float(self.values[METRICS.index(metric)])


def _share(k: int, n: int) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 0.0
    p = k / n
    return p, math.sqrt(max(p * (1.0 - p), 0.0) / n)


def _mean(total: float, squares: float, n: int) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 0.0
    m = total / n
    var = max(squares / n - m * m, 0.0)
    return m, math.sqrt(var / n)


def hist_quantile(hist: NDArray[np.int64], q: float) -> float:
    """The q-quantile of a response-time histogram (upper bin edge); inf when beyond range."""
    total = int(hist.sum())
    if total == 0:
        return math.inf
    index = int(np.searchsorted(np.cumsum(hist), max(1, math.ceil(q * total))))
    if index >= TIME_BINS:
        return math.inf
    return (index + 1) * TIME_BIN_DAYS


def outcome(stats: Stats, horizon_days: float, credibility: float) -> DrawOutcome:
    """Every metric of one design under one draw, from its chunk statistics."""
    n = stats.violations
    values: dict[Metric, tuple[float, float]] = {
        Metric.deterrence_index: _mean(stats.value_sum, stats.value_sq_sum, n),
        Metric.unanswered_share: _share(n - stats.answered, n),
        Metric.p_decision_in_time: _share(stats.decided_in_time, n),
        Metric.p_detect_24h: _share(stats.detected_24h, n),
        Metric.coverage_mean: _mean(stats.coverage_sum, stats.coverage_sq_sum, stats.decided),
    }
    per_year = 365.0 / horizon_days
    rate, rate_se = _mean(float(n), float(stats.count_sq_sum), stats.trials)
    values[Metric.violations_per_year] = (rate * per_year, rate_se * per_year)
    answered = stats.answered
    p50 = hist_quantile(stats.response_hist, 0.5)
    se = math.inf
    if answered > 0 and math.isfinite(p50):
        # the quantile's standard error from the order statistics: half the distance between
        # the quantiles one binomial standard error either side of 0.5
        d = math.sqrt(0.25 / answered)
        lo = hist_quantile(stats.response_hist, 0.5 - d)
        hi = hist_quantile(stats.response_hist, 0.5 + d)
        se = (hi - lo) / 2.0 if math.isfinite(hi) else math.inf
    values[Metric.response_p50_days] = (p50, se)
    return DrawOutcome(
        values=np.array([values[m][0] for m in METRICS]),
        se=np.array([values[m][1] for m in METRICS]),
        credibility=credibility,
        violations=n,
        by_form=stats.by_form.copy(),
        settled=stats.settled,
    )


def number(x: float, digits: int = 6) -> float | None:
    """A float for JSON: rounded, None for infinite or undefined."""
    if not math.isfinite(x):
        return None
    return round(float(x), digits)


def summarise(values: F64, se: F64) -> dict[str, Any]:
    """Median and 90% interval over draws, and the Monte Carlo error of one draw (RMS of the
    per-draw standard errors); inf values (never answered) count as the largest."""
    finite_se = se[np.isfinite(se)]
    mc = float(np.sqrt(np.mean(finite_se**2))) if finite_se.size else math.inf
    return {
        "median": number(float(np.quantile(values, 0.5, method="inverted_cdf"))),
        "p05": number(float(np.quantile(values, 0.05, method="inverted_cdf"))),
        "p95": number(float(np.quantile(values, 0.95, method="inverted_cdf"))),
        "mc_se": number(mc),
    }
