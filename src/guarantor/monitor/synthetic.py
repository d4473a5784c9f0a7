"""SYNTHETIC events for demos without data and for benchmarks: clearly not real observations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np

from guarantor.monitor.columns import MAX_ACTORS, TYPE_CODE, EventColumns, day_number

SYNTHETIC_ACTORS = [
    "Government of Russia (Soviet Union)",
    "Government of Ukraine",
    "DPR",
    "LPR",
    "Unknown armed group",
]


def synthetic_chunks(
    total: int,
    start: date,
    days: int,
    chunk: int = 1_000_000,
    seed: int = 7,
    bounds: tuple[float, float, float, float] = (22.0, 44.0, 40.5, 52.5),
    with_ids: bool = False,
) -> Iterator[EventColumns]:
    """`total` SYNTHETIC events over `days` days from `start`, in chunks, reproducible by seed.

    Events cluster in time (bursts of fighting) and space (a band in the east), so that
    windows and thresholds are exercised; actor codes follow SYNTHETIC_ACTORS.
    """
    rng = np.random.default_rng(seed)
    first = day_number(start)
    kinds = np.array(
        [
            TYPE_CODE[k]
            for k in (
                "battle",
                "remote_violence",
                "one_sided",
                "threat",
                "airspace_violation",
                "protest",
            )
        ],
        dtype=np.int8,
    )
    kind_p = np.array([0.45, 0.35, 0.08, 0.04, 0.05, 0.03])
    intensity = 0.3 + rng.gamma(0.6, 1.0, size=days)  # daily weights: bursts
    day_p = intensity / intensity.sum()
    minx, miny, maxx, maxy = bounds
    done = 0
    while done < total:
        n = min(chunk, total - done)
        day = (first + rng.choice(days, size=n, p=day_p)).astype(np.int32)
        east = rng.random(n) < 0.7
        lon = np.where(east, rng.normal(37.5, 1.2, n), rng.uniform(minx, maxx, n))
        lat = np.where(east, rng.normal(48.2, 0.8, n), rng.uniform(miny, maxy, n))
        actors = np.full((n, MAX_ACTORS), -1, dtype=np.int32)
        actors[:, 0] = rng.choice(len(SYNTHETIC_ACTORS), size=n, p=[0.35, 0.3, 0.15, 0.1, 0.1])
        actors[:, 1] = np.where(rng.random(n) < 0.6, 1, -1)
        ids = [f"syn:{done + i}" for i in range(n)] if with_ids else None
        yield EventColumns(
            day=day,
            lon=lon,
            lat=lat,
            type_code=rng.choice(kinds, size=n, p=kind_p),
            actors=actors,
            fatalities=rng.poisson(0.8, n).astype(np.int64),
            actor_names=SYNTHETIC_ACTORS,
            ids=ids,
        )
        done += n
