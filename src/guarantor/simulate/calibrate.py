"""Calibrate base rates from the real data: UCDP under Minsk II, occupied-area series, Kiel tracker."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from guarantor.simulate.params import Parameters
from guarantor.sources.events_read import read_events
from guarantor.sources.locate import KIEL_FILE, UCDP_FILE

AREA_FILE = "frontline/liveuamap_territory_daily_km2.csv"
MINSK_START = dt.datetime(2015, 2, 15, tzinfo=dt.UTC)  # Minsk II ceasefire in force
MINSK_END = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
FLARE_MIN_EVENTS = 5  # a week with at least this many UCDP fatal events is a flare-up week
POSITIONAL_FROM = dt.date(2023, 1, 1)  # after the 2022 manoeuvre phase: a positional front
# Party ids of the example agreements → ISO codes in the Kiel tracker.
KIEL_ISO = {
    "US": "USA",
    "UK": "GBR",
    "FR": "FRA",
    "DE": "DEU",
    "IT": "ITA",
    "PL": "POL",
    "FI": "FIN",
    "CA": "CAN",
    "TR": "TUR",
    "EU": "EU",
}


def calibrate(params: Parameters, data: Path | None) -> tuple[Parameters, dict[str, Any]]:
    """Replace the parameters marked `calibrate:` by fits to the data; say what was used."""
    record: dict[str, Any] = {}
    if data is None:
        record["data"] = "none: parameter-file defaults (the fit of 26 Nov 2026), no calibration"
        return params, record
    record["data"] = str(data)
    fits: dict[str, tuple[float, str]] = {}
    ucdp = data / UCDP_FILE
    if ucdp.is_file():
        fits.update(_ucdp_minsk2(ucdp))
    area = data / AREA_FILE
    if area.is_file():
        fits.update(_weekly_gains(area))
    kiel = data / KIEL_FILE
    if kiel.is_file():
        fits.update(_kiel(kiel, params))
    for name, p in sorted(params.params.items()):
        if p.calibrate is None:
            continue
        if name in fits:
            value, source = fits[name]
            params = params.with_value(name, value, calibrated_from=source)
            record[name] = {"value": round(value, 6), "default": p.value, "from": source}
        else:
            record[name] = {"value": p.value, "from": "default (its data file is absent)"}
    return params, record


def _lognormal_fit(values: np.ndarray[Any, Any]) -> tuple[float, float]:
    logs = np.log(values)
    return float(np.exp(np.median(logs))), float(logs.std(ddof=1)) if len(logs) > 1 else 0.0


def _ucdp_minsk2(path: Path) -> dict[str, tuple[float, str]]:
    """Flare-up episodes: runs of consecutive weeks with >= 5 UCDP fatal events, Minsk II era."""
    result = read_events([path])
    weeks = (MINSK_END - MINSK_START).days // 7
    events = np.zeros(weeks)
    deaths = np.zeros(weeks)
    for e in result.events:
        if MINSK_START <= e.start < MINSK_END:
            w = (e.start - MINSK_START).days // 7
            if w < weeks:
                events[w] += 1
                deaths[w] += e.fatalities_best
    flare = events >= FLARE_MIN_EVENTS
    episodes: list[int] = []
    run = 0
    for f in flare:
        if f:
            run += 1
        elif run:
            episodes.append(run)
            run = 0
    if run:
        episodes.append(run)
    years = weeks * 7 / 365.25
    src = (
        f"{path.name}: {int(events.sum())} UCDP GED events {MINSK_START.date()}..{MINSK_END.date()}, "
        f"{int(flare.sum())} weeks with >= {FLARE_MIN_EVENTS} events in {len(episodes)} episodes"
    )
    out: dict[str, tuple[float, str]] = {}
    if not episodes:
        return out
    out["adversary.violation_rate_per_year"] = (len(episodes) / years, src)
    e_med, e_sd = _lognormal_fit(events[flare])
    f_med, f_sd = _lognormal_fit(np.maximum(deaths[flare], 1.0))
    d_med, d_sd = _lognormal_fit(np.array(episodes, dtype=float) * 7.0)
    out["adversary.events_per_week_median"] = (e_med, src)
    out["adversary.events_per_week_sigma"] = (e_sd, src)
    out["adversary.fatalities_per_week_median"] = (f_med, src)
    out["adversary.fatalities_per_week_sigma"] = (f_sd, src)
    out["adversary.duration_days_median"] = (d_med, src)
    out["adversary.duration_days_sigma"] = (max(d_sd, 0.1), src)
    return out


def _weekly_gains(path: Path) -> dict[str, tuple[float, str]]:
    """Weekly net gains of the occupied area (km²) in the weeks with a gain, positional phase."""
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
    gains = []
    for a, b in zip(days[::7], days[7::7], strict=False):
        change = by_day[b] - by_day[a]
        if change > 1.0:
            gains.append(change)
    if len(gains) < 5:
        return {}
    med, sd = _lognormal_fit(np.array(gains))
    src = (
        f"{path.name}: {len(gains)} weeks with a net gain of the occupied area, "
        f"{days[0]}..{days[-1]}"
    )
    return {
        "adversary.seizure_km2_median": (med, src),
        "adversary.seizure_km2_sigma": (sd, src),
    }


def _kiel(path: Path, params: Parameters) -> dict[str, tuple[float, str]]:
    """Per donor: allocations / commitments over the whole tracker, capped at 1."""
    allocated: dict[str, float] = defaultdict(float)
    committed: dict[str, float] = defaultdict(float)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                allocated[row["iso"]] += float(row["total"])
                committed[row["iso"]] += float(row["commitments"])
            except (KeyError, ValueError):
                continue  # the ledger room quarantines such rows; here they only drop out of a ratio
    out: dict[str, tuple[float, str]] = {}
    for party in params.parties:
        iso = KIEL_ISO.get(party)
        if iso and committed.get(iso, 0.0) > 0:
            ratio = min(1.0, allocated[iso] / committed[iso])
            out[f"parties.{party}.available"] = (
                ratio,
                f"{path.name}: {iso} allocations {allocated[iso]:.2f} / commitments "
                f"{committed[iso]:.2f} EUR bn",
            )
    return out
