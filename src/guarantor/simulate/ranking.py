"""Rankings that survive what we do not know: pairwise shares, rank probabilities, importance.

Over the parameter draws (every design runs on the same draws with common random numbers):
- `pairwise`: the share of draws in which design a beats design b on a metric (ties half);
  a difference is robust when one design wins in at least `ROBUST` of the draws;
- `rank_probabilities`: how often each design takes each rank;
- `importance`: Sobol first-order indices of each parameter for each design's metric, from the
  draws as they are (SALib's given-data estimator, `SALib.analyze.delta` with method "sobol");
- `flips`: for a difference that is not robust, the parameter that explains most of it and the
  value at which the better design changes.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from guarantor.simulate.compile import CompiledDesign
from guarantor.simulate.draws import ParameterDraws
from guarantor.simulate.metrics import METRICS, PRIMARY, Metric

F64 = NDArray[np.float64]
ROBUST = 0.9  # robust: one design better in at least 90% of the draws
MIN_DRAWS_FOR_IMPORTANCE = 100  # fewer draws: given-data first-order indices are mostly bias
IMPORTANCE_RESAMPLES = 20
FLIP_BINS = 10


@dataclass(frozen=True)
class Pairwise:
    """The share of draws in which design a beats design b on a metric."""

    a: str
    b: str
    metric: Metric
    p_a_better: float

    @property
    def robust(self) -> bool:
        """True when one of the two wins in at least ROBUST of the draws."""
        return self.p_a_better >= ROBUST or self.p_a_better <= 1.0 - ROBUST

    def to_json(self) -> dict[str, Any]:
        """The scriptable shape."""
        return {
            "a": self.a,
            "b": self.b,
            "metric": self.metric.value,
            "p_a_better": round(self.p_a_better, 6),
            "robust": self.robust,
        }


@dataclass(frozen=True)
class RankProbability:
    """How often a design takes a rank on a metric (1 = best)."""

    design: str
    metric: Metric
    rank: int
    probability: float


@dataclass(frozen=True)
class Importance:
    """A parameter's first-order (Sobol) index for one design's metric, with its 95% half-width."""

    parameter: str
    metric: Metric
    design: str
    index: float
    conf: float

    def to_json(self) -> dict[str, Any]:
        """The scriptable shape."""
        return {
            "parameter": self.parameter,
            "metric": self.metric.value,
            "design": self.design,
            "index": round(self.index, 6),
            "conf": round(self.conf, 6),
        }


@dataclass(frozen=True)
class Flip:
    """A difference that is not robust: the parameter that decides it and where."""

    a: str
    b: str
    metric: Metric
    parameter: str
    index: float  # first-order index of the parameter for the difference a - b
    at: float | None  # the value where the better design changes (None: no change seen)
    better_below: str  # the better design below that value (or throughout)
    better_above: str

    def to_json(self) -> dict[str, Any]:
        """The scriptable shape."""
        return {
            "a": self.a,
            "b": self.b,
            "metric": self.metric.value,
            "parameter": self.parameter,
            "index": round(self.index, 6),
            "at": None if self.at is None else round(self.at, 6),
            "better_below": self.better_below,
            "better_above": self.better_above,
        }


def _goodness(values: F64, metric: Metric) -> F64:
    """Larger is better, inf-safe."""
    out: F64 = values if metric.higher_is_better else -values
    return out


def pairwise(names: list[str], values: F64) -> list[Pairwise]:
    """Every pair of designs on every metric; `values` is [design, draw, metric]."""
    out: list[Pairwise] = []
    for ia in range(len(names)):
        for ib in range(ia + 1, len(names)):
            for m, metric in enumerate(METRICS):
                ga = _goodness(values[ia, :, m], metric)
                gb = _goodness(values[ib, :, m], metric)
                wins = (ga > gb).sum() + 0.5 * (ga == gb).sum()
                out.append(Pairwise(names[ia], names[ib], metric, float(wins / len(ga))))
    return out


def rank_probabilities(names: list[str], values: F64) -> list[RankProbability]:
    """How often each design takes each rank (ties share the better rank)."""
    from scipy.stats import rankdata

    out: list[RankProbability] = []
    for m, metric in enumerate(METRICS):
        good = _goodness(values[:, :, m], metric)
        ranks = rankdata(-good, method="min", axis=0)  # [design, draw]
        for j, name in enumerate(names):
            for r in range(1, len(names) + 1):
                p = float((ranks[j] == r).mean())
                if p > 0:
                    out.append(RankProbability(name, metric, r, p))
    return out


def _finite(y: F64) -> F64:
    """Infinite values (never answered) replaced by twice the largest finite one."""
    finite = y[np.isfinite(y)]
    cap = 2.0 * float(np.abs(finite).max()) + 1.0 if finite.size else 1.0
    out: F64 = np.where(np.isposinf(y), cap, np.where(np.isneginf(y), -cap, y))
    return out


def first_order(x: F64, y: F64, seed: int) -> tuple[F64, F64]:
    """Sobol first-order indices (and 95% half-widths) of each column of x for y; zero for
    constant columns or a constant y."""
    s1 = np.zeros(x.shape[1])
    conf = np.zeros(x.shape[1])
    y = _finite(y)
    varying = [k for k in range(x.shape[1]) if np.ptp(x[:, k]) > 0]
    if x.shape[0] < MIN_DRAWS_FOR_IMPORTANCE or not varying or np.ptp(y) == 0:
        return s1, conf
    from SALib.analyze import delta

    problem = {
        "num_vars": len(varying),
        "names": [f"x{k}" for k in varying],
        "bounds": [[float(x[:, k].min()), float(x[:, k].max())] for k in varying],
    }
    res = delta.analyze(
        problem,
        x[:, varying],
        y,
        num_resamples=IMPORTANCE_RESAMPLES,
        seed=seed,
        method="sobol",
    )
    s1[varying] = np.clip(np.nan_to_num(np.asarray(res["S1"], dtype=float)), 0.0, 1.0)
    conf[varying] = np.nan_to_num(np.asarray(res["S1_conf"], dtype=float))
    return s1, conf


def importance(
    designs: list[CompiledDesign], draws: ParameterDraws, values: F64, seed: int
) -> list[Importance]:
    """First-order indices of every varying parameter a design reads, for each of its metrics
    (none below MIN_DRAWS_FOR_IMPORTANCE draws)."""
    out: list[Importance] = []
    if draws.count < MIN_DRAWS_FOR_IMPORTANCE:
        return out
    for j, design in enumerate(designs):
        used = [k for k, name in enumerate(draws.names) if design.uses(name)]
        x = draws.matrices[j][:, used]
        for m, metric in enumerate(METRICS):
            s1, conf = first_order(x, values[j, :, m], seed)
            for i, k in enumerate(used):
                out.append(
                    Importance(draws.names[k], metric, design.name, float(s1[i]), float(conf[i]))
                )
    return out


def flips(
    names: list[str], draws: ParameterDraws, values: F64, pairs: list[Pairwise], seed: int
) -> list[Flip]:
    """For each pair whose primary difference is not robust: the deciding parameter, and where."""
    out: list[Flip] = []
    m = METRICS.index(PRIMARY)
    for p in pairs:
        if p.metric is not PRIMARY or p.robust:
            continue
        ia, ib = names.index(p.a), names.index(p.b)
        diff = _finite(values[ia, :, m]) - _finite(values[ib, :, m])
        x = draws.matrices[ia]
        s1, _ = first_order(x, diff, seed)
        if not s1.any():
            continue
        k = int(np.argmax(s1))
        at, below, above = _crossing(x[:, k], diff)
        name_of = {1: p.a, -1: p.b, 0: "neither"}
        out.append(
            Flip(
                p.a, p.b, PRIMARY, draws.names[k], float(s1[k]), at, name_of[below], name_of[above]
            )
        )
    return out


def _crossing(x: F64, diff: F64) -> tuple[float | None, int, int]:
    """Where the mean difference, binned by x, changes sign: (value, sign below, sign above)."""
    edges = np.quantile(x, np.linspace(0.0, 1.0, FLIP_BINS + 1))
    centres: list[float] = []
    means: list[float] = []
    for lo, hi in itertools.pairwise(edges):
        inside = (x >= lo) & (x <= hi)
        if inside.any():
            centres.append(float(x[inside].mean()))
            means.append(float(diff[inside].mean()))
    signs = [int(np.sign(v)) for v in means]
    for i in range(1, len(signs)):
        if signs[i] != signs[i - 1] and signs[i] != 0 and signs[i - 1] != 0:
            # linear interpolation between the two bin centres
            x0, x1, y0, y1 = centres[i - 1], centres[i], means[i - 1], means[i]
            at = x0 + (x1 - x0) * (-y0) / (y1 - y0) if y1 != y0 else x0
            return at, signs[i - 1], signs[i]
    overall = int(np.sign(float(np.mean(diff)))) if len(diff) else 0
    return None, overall, overall


def robust_rank(names: list[str], values: F64) -> list[tuple[str, float, float | None]]:
    """Designs by median primary metric, best first, with the share of draws in which each
    beats the next one down (None for the last)."""
    m = METRICS.index(PRIMARY)
    good = _goodness(values[:, :, m], PRIMARY)
    med = [float(np.quantile(good[j], 0.5, method="inverted_cdf")) for j in range(len(names))]
    order = sorted(range(len(names)), key=lambda j: (-med[j], j))
    out: list[tuple[str, float, float | None]] = []
    for pos, j in enumerate(order):
        nxt = order[pos + 1] if pos + 1 < len(order) else None
        share = None
        if nxt is not None:
            share = float(
                ((good[j] > good[nxt]).sum() + 0.5 * (good[j] == good[nxt]).sum()) / good.shape[1]
            )
        sign = 1.0 if PRIMARY.higher_is_better else -1.0
        out.append((names[j], sign * med[j] if math.isfinite(med[j]) else med[j], share))
    return out
