"""Calibration that says what it measured: data, method, sample size, fit and a held-out check.

Each fit returns, per parameter, a `Calibration`: the point estimate on all the data, bootstrap
(or posterior) replicates that become the parameter's distribution in the sensitivity analysis,
and, where the data allows, a check of a fit on the earlier years against the later ones.
Replicates of one fit share their index: replicate b of every parameter of a fit comes from the
same resample, so a parameter draw keeps the fit's joint uncertainty.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from guarantor.simulate.params import CalibrationKind

F64 = NDArray[np.float64]
REPLICATES = 400  # bootstrap replicates per fit
AREA_FILE = "frontline/liveuamap_territory_daily_km2.csv"
MINSK_START = dt.datetime(2015, 2, 15, tzinfo=dt.UTC)  # Minsk II ceasefire in force
MINSK_SPLIT = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # held-out check: fit before, test after
MINSK_END = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
FLARE_MIN_EVENTS = 5  # a week with at least this many UCDP fatal events is a flare-up week
POSITIONAL_FROM = dt.date(2023, 1, 1)  # after the 2022 manoeuvre phase: a positional front
AREA_SPLIT = dt.date(2024, 1, 1)
STRIKES_FROM = dt.datetime(2022, 4, 1, tzinfo=dt.UTC)  # after the withdrawal from the north
STRIKES_SPLIT = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
STRIKE_MAX_LONGITUDE = 33.0  # west of 33°E: far from the front, reached only by missiles/drones
KIEL_SPLIT = (2025, 1)  # fit on months before, check the months from then on
KIEL_MIN_MONTHS = 12  # fewer months with commitments: too little to fit phasing
LAGS = np.arange(1, 61)  # candidate mean phasing lags (months)


@dataclass(frozen=True)
class HeldOutCheck:
    """A fit on earlier data checked against later data it did not see."""

    fitted_on: str
    checked_on: str
    measure: str
    observed: float
    predicted_p05: float
    predicted_p95: float

    @property
    def passed(self) -> bool:
        """True when the later data falls inside the 90% predictive interval."""
        return self.predicted_p05 <= self.observed <= self.predicted_p95

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "fitted_on": self.fitted_on,
            "checked_on": self.checked_on,
            "measure": self.measure,
            "observed": round(self.observed, 6),
            "predicted_p05": round(self.predicted_p05, 6),
            "predicted_p95": round(self.predicted_p95, 6),
            "passed": self.passed,
        }


@dataclass(frozen=True)
class Calibration:
    """A parameter fitted to data: what was used, how, how well, and its replicates."""

    kind: CalibrationKind
    data: str
    method: str
    n: int
    estimate: float
    replicates: tuple[float, ...]
    fit: str
    check: HeldOutCheck | None = None

    def interval(self) -> tuple[float, float]:
        """The 90% interval of the replicates."""
        r = np.asarray(self.replicates)
        return float(np.quantile(r, 0.05)), float(np.quantile(r, 0.95))

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data (without the replicates)."""
        lo, hi = self.interval()
        return {
            "fit": self.kind.value,
            "data": self.data,
            "method": self.method,
            "n": self.n,
            "estimate": round(self.estimate, 6),
            "p05": round(lo, 6),
            "p95": round(hi, 6),
            "goodness_of_fit": self.fit,
            "held_out": None if self.check is None else self.check.to_json(),
        }


def fit_all(data: Path, parties_iso: dict[str, str]) -> dict[str, Calibration]:
    """Every fit whose data file is present, by parameter name."""
    from guarantor.sources.locate import KIEL_FILE, UCDP_FILE

    out: dict[str, Calibration] = {}
    ucdp = data / UCDP_FILE
    if ucdp.is_file():
        events = _ucdp_events(ucdp)
        out.update(minsk2_flare_ups(events, ucdp.name))
        out.update(long_range_strikes(events, ucdp.name))
    area = data / AREA_FILE
    if area.is_file():
        out.update(weekly_gains(area))
    kiel = data / KIEL_FILE
    if kiel.is_file():
        out.update(aid_phasing(kiel, parties_iso))
    return out


# ---- UCDP: flare-ups under Minsk II ------------------------------------------------------------


@dataclass(frozen=True)
class _UcdpEvent:
    start: dt.datetime
    longitude: float | None
    fatalities: int


def _ucdp_events(path: Path) -> list[_UcdpEvent]:
    from guarantor.sources.events_read import read_events

    return [_UcdpEvent(e.start, e.longitude, e.fatalities_best) for e in read_events([path]).events]


def _weeks(events: Sequence[_UcdpEvent], start: dt.datetime, end: dt.datetime) -> tuple[F64, F64]:
    weeks = (end - start).days // 7
    counts = np.zeros(weeks)
    deaths = np.zeros(weeks)
    for e in events:
        if start <= e.start < end:
            w = (e.start - start).days // 7
            if w < weeks:
                counts[w] += 1
                deaths[w] += e.fatalities
    return counts, deaths


def _episodes(flare: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(first week, length) of each run of flare-up weeks."""
    out: list[tuple[int, int]] = []
    start = -1
    for i, f in enumerate([*flare.tolist(), False]):
        if f and start < 0:
            start = i
        elif not f and start >= 0:
            out.append((start, i - start))
            start = -1
    return out


def _lognormal(values: F64) -> tuple[float, float]:
    logs = np.log(values)
    sd = float(logs.std(ddof=1)) if len(logs) > 1 else 0.0
    return float(np.exp(np.median(logs))), sd


def _median_check(
    train: F64, test: F64, rng: np.random.Generator, fitted_on: str, checked_on: str, measure: str
) -> HeldOutCheck | None:
    """The median of the later values against the medians a log-normal fitted on the earlier
    ones predicts for as many values (None when either side has fewer than five)."""
    if len(train) < 5 or len(test) < 5:
        return None
    med, sd = _lognormal(train)
    sims = np.median(rng.lognormal(math.log(med), max(sd, 1e-9), (5_000, len(test))), axis=1)
    return HeldOutCheck(
        fitted_on,
        checked_on,
        measure,
        float(np.median(test)),
        float(np.quantile(sims, 0.05)),
        float(np.quantile(sims, 0.95)),
    )


def _ks(values: F64) -> str:
    """Kolmogorov-Smirnov of log values against the fitted normal, in words."""
    from scipy import stats

    logs = np.log(values)
    if len(logs) < 3 or logs.std(ddof=1) == 0:
        return "too few values to test the log-normal fit"
    res = stats.kstest(logs, "norm", args=(float(np.median(logs)), float(logs.std(ddof=1))))
    return f"log-normal, Kolmogorov-Smirnov D {res.statistic:.3f} (p {res.pvalue:.2f})"


def minsk2_flare_ups(events: Sequence[_UcdpEvent], name: str) -> dict[str, Calibration]:
    """Flare-ups (runs of weeks with >= 5 fatal events) under Minsk II: rate, intensity, length.

    The rate's distribution is the Gamma posterior of a Poisson rate (Jeffreys prior); the
    intensities and lengths are bootstrapped over episodes (all weeks of a drawn episode).
    """
    counts, deaths = _weeks(events, MINSK_START, MINSK_END)
    flare = counts >= FLARE_MIN_EVENTS
    episodes = _episodes(flare)
    if len(episodes) < 5:
        return {}
    years = len(counts) * 7 / 365.25
    rng = np.random.default_rng(20150215)
    rate = len(episodes) / years
    rates = rng.gamma(len(episodes) + 0.5, 1.0 / years, REPLICATES)
    fits: dict[str, list[float]] = defaultdict(list)
    for _ in range(REPLICATES):
        pick = rng.integers(0, len(episodes), len(episodes))
        weeks = np.concatenate([np.arange(s, s + n) for s, n in (episodes[i] for i in pick)])
        for key, value in _episode_fit(
            counts[weeks], deaths[weeks], [episodes[i][1] for i in pick]
        ).items():
            fits[key].append(value)
    point = _episode_fit(counts[flare], deaths[flare], [n for _, n in episodes])
    check = _minsk2_check(counts, episodes)
    data = f"{name}: UCDP GED {MINSK_START.date()}..{MINSK_END.date()}"
    method = f"bootstrap over {len(episodes)} flare-up episodes ({REPLICATES} replicates)"
    n_weeks = int(flare.sum())
    prefix = "adversary.flare_up."
    out = {
        prefix + "rate_per_year": Calibration(
            CalibrationKind.ucdp_minsk2, data,
            f"Poisson rate, Gamma posterior (Jeffreys prior) of {len(episodes)} episodes in {years:.1f} years",
            len(episodes), rate, tuple(rates.tolist()),
            f"{n_weeks} of {len(counts)} weeks with >= {FLARE_MIN_EVENTS} fatal events", check,
        ),
    }  # fmt: skip
    fit_text = {
        "fatal_events_per_week": _ks(counts[flare]),
        "fatalities_per_week": _ks(np.maximum(deaths[flare], 1.0)),
        "duration_days": _ks(np.array([n for _, n in episodes], float) * 7.0),
    }
    for key, value in point.items():
        base = key.rsplit("_", 1)[0]
        out[prefix + key] = Calibration(
            CalibrationKind.ucdp_minsk2, data, method,
            n_weeks if "week" in key else len(episodes), value, tuple(fits[key]),
            fit_text[base], None,
        )  # fmt: skip
    return out


def _episode_fit(counts: F64, deaths: F64, lengths: list[int]) -> dict[str, float]:
    e_med, e_sd = _lognormal(counts)
    f_med, f_sd = _lognormal(np.maximum(deaths, 1.0))
    d_med, d_sd = _lognormal(np.array(lengths, dtype=float) * 7.0)
    return {
        "fatal_events_per_week_median": e_med,
        "fatal_events_per_week_sigma": e_sd,
        "fatalities_per_week_median": f_med,
        "fatalities_per_week_sigma": f_sd,
        "duration_days_median": d_med,
        "duration_days_sigma": max(d_sd, 0.1),
    }


def _minsk2_check(counts: F64, episodes: list[tuple[int, int]]) -> HeldOutCheck:
    """Episodes in 2020-2021 against the Poisson-Gamma prediction fitted on 2015-2019."""
    split = (MINSK_SPLIT - MINSK_START).days // 7
    before = sum(1 for s, _ in episodes if s < split)
    after = len(episodes) - before
    years_before = split * 7 / 365.25
    years_after = (len(counts) - split) * 7 / 365.25
    rng = np.random.default_rng(2020)
    predicted = rng.poisson(rng.gamma(before + 0.5, 1.0 / years_before, 20_000) * years_after)
    return HeldOutCheck(
        f"{MINSK_START.date()}..{(MINSK_SPLIT - dt.timedelta(days=1)).date()}",
        f"{MINSK_SPLIT.date()}..{(MINSK_END - dt.timedelta(days=1)).date()}",
        "flare-up episodes",
        float(after),
        float(np.quantile(predicted, 0.05)),
        float(np.quantile(predicted, 0.95)),
    )


# ---- UCDP: long-range strikes ------------------------------------------------------------------


def long_range_strikes(events: Sequence[_UcdpEvent], name: str) -> dict[str, Calibration]:
    """Strike days far from the front: fatal strikes per day and fatalities per strike."""
    deep = [
        e
        for e in events
        if e.start >= STRIKES_FROM
        and e.longitude is not None
        and e.longitude < STRIKE_MAX_LONGITUDE
    ]
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for e in deep:
        by_day[e.start.date()].append(max(e.fatalities, 1))
    days = sorted(by_day)
    if len(days) < 10:
        return {}
    per_day = np.array([len(by_day[d]) for d in days], dtype=float)
    rng = np.random.default_rng(20221010)
    fits: dict[str, list[float]] = defaultdict(list)
    for _ in range(REPLICATES):
        pick = rng.integers(0, len(days), len(days))
        for key, value in _strike_fit([by_day[days[i]] for i in pick]).items():
            fits[key].append(value)
    point = _strike_fit([by_day[d] for d in days])
    train = [by_day[d] for d in days if d < STRIKES_SPLIT.date()]
    test = [f for d in days if d >= STRIKES_SPLIT.date() for f in by_day[d]]
    check = _median_check(
        np.array([f for day in train for f in day], dtype=float),
        np.array(test, dtype=float),
        rng,
        f"{days[0]}..{STRIKES_SPLIT.date() - dt.timedelta(days=1)}",
        f"{STRIKES_SPLIT.date()}..{days[-1]}",
        "median fatalities per strike",
    )
    data = (
        f"{name}: UCDP GED events west of {STRIKE_MAX_LONGITUDE:g}°E from {STRIKES_FROM.date()} "
        f"({len(deep)} fatal events on {len(days)} days; the candidate release covers few months)"
    )
    method = f"bootstrap over {len(days)} strike days ({REPLICATES} replicates)"
    strikes = [f for d in days for f in by_day[d]]
    texts = {
        "strikes_per_day": _ks(per_day),
        "fatalities_per_strike": _ks(np.array(strikes, dtype=float)),
    }
    out: dict[str, Calibration] = {}
    for key, value in point.items():
        base = key.rsplit("_", 1)[0]
        out["adversary.strike." + key] = Calibration(
            CalibrationKind.ucdp_strikes, data, method,
            len(days) if key.startswith("strikes") else len(deep), value, tuple(fits[key]),
            texts[base], check if key.startswith("fatalities") and key.endswith("median") else None,
        )  # fmt: skip
    return out


def _strike_fit(days: list[list[int]]) -> dict[str, float]:
    per_day = np.array([len(d) for d in days], dtype=float)
    fat = np.array([f for d in days for f in d], dtype=float)
    s_med, s_sd = _lognormal(per_day)
    f_med, f_sd = _lognormal(fat)
    return {
        "strikes_per_day_median": s_med,
        "strikes_per_day_sigma": s_sd,
        "fatalities_per_strike_median": f_med,
        "fatalities_per_strike_sigma": f_sd,
    }


# ---- the occupied-area series: size of an advance -----------------------------------------------


def weekly_gains(path: Path) -> dict[str, Calibration]:
    """Weekly net gains of the occupied area (km²) in weeks with a gain, positional phase."""
    by_day: dict[dt.date, float] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                day = dt.date.fromisoformat(row["date"][:10])
                area = float(row["area"])
            except (KeyError, ValueError):
                continue  # the series has a few blank days; they are gaps, not zero
            if math.isfinite(area):
                by_day[day] = area
    days = sorted(d for d in by_day if d >= POSITIONAL_FROM)
    weeks = [(a, by_day[b] - by_day[a]) for a, b in zip(days[::7], days[7::7], strict=False)]
    gains = np.array([g for _, g in weeks if g > 1.0])
    if len(gains) < 10:
        return {}
    rng = np.random.default_rng(20230101)
    reps = [_lognormal(rng.choice(gains, len(gains))) for _ in range(REPLICATES)]
    med, sd = _lognormal(gains)
    train = np.array([g for d, g in weeks if g > 1.0 and d < AREA_SPLIT])
    test = np.array([g for d, g in weeks if g > 1.0 and d >= AREA_SPLIT])
    check = _median_check(
        train,
        test,
        rng,
        f"{days[0]}..{AREA_SPLIT - dt.timedelta(days=1)}",
        f"{AREA_SPLIT}..{days[-1]}",
        "median weekly gain (km²)",
    )
    data = f"{path.name}: {len(gains)} weeks with a net gain of the occupied area, {days[0]}..{days[-1]}"
    method = f"bootstrap over {len(gains)} weeks ({REPLICATES} replicates)"
    fit = _ks(gains)
    return {
        "adversary.advance.area_km2_median": Calibration(
            CalibrationKind.territory_weekly_gains, data, method, len(gains), med,
            tuple(r[0] for r in reps), fit, check,
        ),
        "adversary.advance.area_km2_sigma": Calibration(
            CalibrationKind.territory_weekly_gains, data, method, len(gains), sd,
            tuple(r[1] for r in reps), fit, None,
        ),
    }  # fmt: skip


# ---- Kiel: delivery against commitment, phasing modelled ---------------------------------------


@dataclass(frozen=True)
class _Donor:
    months: list[tuple[int, int]]
    committed: F64
    allocated: F64


def _kiel_donors(path: Path) -> dict[str, _Donor]:
    rows: dict[str, dict[tuple[int, int], tuple[float, float]]] = defaultdict(dict)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                key = (int(row["year"]), int(row["month"]))
                values = (float(row["commitments"]), float(row["total"]))
            except (KeyError, ValueError):
                continue  # the ledger room quarantines such rows; here they only drop out
            rows[row["iso"]][key] = values
    out: dict[str, _Donor] = {}
    if not rows:
        return out
    first = min(k for r in rows.values() for k in r)
    last = max(k for r in rows.values() for k in r)
    months = [
        (y, m)
        for y in range(first[0], last[0] + 1)
        for m in range(1, 13)
        if first <= (y, m) <= last
    ]
    for iso, r in rows.items():
        c = np.array([max(r.get(k, (0.0, 0.0))[0], 0.0) for k in months])
        a = np.array([max(r.get(k, (0.0, 0.0))[1], 0.0) for k in months])
        out[iso] = _Donor(months, c, a)
    return out


def _phased(committed: F64, lag: float) -> F64:
    """Cumulative amount due by each month when each commitment is paid out with mean `lag`."""
    t = np.arange(len(committed))
    due = 1.0 - np.exp(-(t[:, None] - t[None, :] + 1) / lag)
    due = np.where(t[:, None] >= t[None, :], due, 0.0)
    out: F64 = due @ committed
    return out


def _fit_phasing(committed: F64, allocated: F64) -> tuple[float, float, F64]:
    """(share delivered, mean lag in months, fitted monthly allocations): least squares on the
    cumulative series over a grid of lags, the share in closed form for each lag."""
    cum = np.cumsum(allocated)
    best: tuple[float, float, float] = (math.inf, 0.0, 1.0)
    for lag_months in LAGS:
        lag = float(lag_months)
        g = _phased(committed, lag)
        denom = float(g @ g)
        if denom <= 0:
            continue
        share = float(g @ cum) / denom
        sse = float(((cum - share * g) ** 2).sum())
        if sse < best[0]:
            best = (sse, share, lag)
    _, share, lag = best
    fitted = np.diff(share * _phased(committed, lag), prepend=0.0)
    return share, lag, fitted


def aid_phasing(path: Path, parties_iso: dict[str, str]) -> dict[str, Calibration]:
    """Per donor: the share of commitments delivered once each is paid out at the fitted lag.

    Allocations in month t are modelled as share x the commitments of months s <= t, each paid
    out over an exponential lag; share and lag are fitted to the cumulative allocations (least
    squares), replicates by resampling the monthly residuals; capped at 1 as a probability.
    """
    donors = _kiel_donors(path)
    out: dict[str, Calibration] = {}
    rng = np.random.default_rng(20220224)
    for party, iso in sorted(parties_iso.items()):
        donor = donors.get(iso)
        if donor is None or int((donor.committed > 0).sum()) < KIEL_MIN_MONTHS:
            continue
        share, lag, fitted = _fit_phasing(donor.committed, donor.allocated)
        resid = donor.allocated - fitted
        reps = []
        for _ in range(REPLICATES // 4):  # the grid fit is the cost: 100 replicates suffice here
            noisy = fitted + rng.choice(resid, len(resid))
            reps.append(min(1.0, _fit_phasing(donor.committed, noisy)[0]))
        cum = np.cumsum(donor.allocated)
        r2 = 1.0 - float(((cum - np.cumsum(fitted)) ** 2).sum()) / max(
            float(((cum - cum.mean()) ** 2).sum()), 1e-12
        )
        months = int((donor.committed > 0).sum())
        out[f"parties.{party}.available"] = Calibration(
            CalibrationKind.kiel_phasing,
            f"{path.name}: {iso}, {donor.months[0][0]}-{donor.months[0][1]:02d}.."
            f"{donor.months[-1][0]}-{donor.months[-1][1]:02d}, "
            f"commitments {donor.committed.sum():.2f}, allocations {donor.allocated.sum():.2f} EUR bn",
            "share delivered of commitments, phasing modelled: each paid out with an exponential "
            "lag; least squares on cumulative allocations; residual bootstrap",
            months,
            min(1.0, share),
            tuple(reps),
            f"mean lag {lag:g} months, R² of cumulative allocations {r2:.3f}"
            + ("; fitted share above 1 (allocations without recorded commitments): capped" if share > 1 else ""),
            _kiel_check(donor, rng),
        )  # fmt: skip
    return out


def _kiel_check(donor: _Donor, rng: np.random.Generator) -> HeldOutCheck | None:
    """Allocations after the split predicted from a fit on the months before it."""
    split = next((i for i, k in enumerate(donor.months) if k >= KIEL_SPLIT), None)
    if split is None or split < 12 or len(donor.months) - split < 6:
        return None
    share, lag, fitted = _fit_phasing(donor.committed[:split], donor.allocated[:split])
    resid = donor.allocated[:split] - fitted
    due = share * _phased(donor.committed, lag)
    expected = float(due[-1] - due[split - 1])
    horizon = len(donor.months) - split
    noise = rng.choice(resid, (5_000, horizon)).sum(axis=1)
    predicted = np.maximum(expected + noise, 0.0)
    y0, m0 = donor.months[0]
    ys, ms = donor.months[split]
    y1, m1 = donor.months[-1]
    return HeldOutCheck(
        f"{y0}-{m0:02d}..{donor.months[split - 1][0]}-{donor.months[split - 1][1]:02d}",
        f"{ys}-{ms:02d}..{y1}-{m1:02d}",
        "allocations (EUR bn)",
        float(donor.allocated[split:].sum()),
        float(np.quantile(predicted, 0.05)),
        float(np.quantile(predicted, 0.95)),
    )
