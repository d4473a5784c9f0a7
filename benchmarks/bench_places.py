"""Benchmark: the gazetteer's lookups beside a naive scan of every place, in the same run.

* nearest 3 settlements to a point: the k-d tree (`Gazetteer.near`) vs a pure-Python scan of every
  place with the haversine formula, and vs a NumPy scan (every distance per query, then a sort);
* the nearest town of 10,000+ for many events at once (`nearest_indices`) vs the NumPy scan;
* a name: the folded-name index (`Gazetteer.lookup`) vs folding and comparing every name;
* describing an area (an incident's extent) by the places inside and nearest.

Every lookup's answer is checked against the scan's. Timings are CPU seconds (process_time, so a
loaded machine inflates them less than wall time) and wall seconds; the figure is the best of the
rounds. The real gazetteer is read from the data folder (GeoNames, 3,815 places).

    .venv/bin/python benchmarks/bench_places.py            # 3 rounds, 2,000 points
    .venv/bin/python benchmarks/bench_places.py --quick    # 1 round, 300 points
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

from guarantor.territory.places import (
    EARTH_RADIUS_KM,
    Gazetteer,
    haversine_km,
    load_gazetteer,
    match_key,
    nearest_indices,
)

BBOX = (22.1, 44.3, 40.2, 52.4)  # Ukraine, lon/lat


def _timed(fn: Callable[[], Any], rounds: int) -> tuple[float, float, Any]:
    """Best CPU and wall seconds over the rounds, and the last answer."""
    best_cpu = best_wall = math.inf
    answer = None
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        answer = fn()
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    return best_cpu, best_wall, answer


def naive_near(g: Gazetteer, lat: float, lon: float, k: int) -> list[int]:
    """Every place's haversine distance in a Python loop, then the k smallest."""
    dist = [
        (haversine_km(lat, lon, float(g.lat[i]), float(g.lon[i])), g.ids[i], i)
        for i in range(len(g))
    ]
    dist.sort()
    return [i for _, _, i in dist[:k]]


def numpy_near(g: Gazetteer, lat: float, lon: float, k: int) -> list[int]:
    """Every distance at once with NumPy, then a partial sort."""
    p1, p2 = np.radians(lat), np.radians(g.lat)
    dl = np.radians(g.lon - lon)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    d = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    best = np.argpartition(d, k)[:k]
    return [int(i) for i in best[np.argsort(d[best], kind="stable")]]


def naive_lookup(g: Gazetteer, name: str) -> list[int]:
    """Fold every name and compare, then the largest first."""
    key = match_key(name)
    found = [i for i, n in enumerate(g.names) if match_key(n) == key]
    return sorted(found, key=lambda i: (-int(g.population[i]), g.ids[i]))


def row(label: str, ours: tuple[float, float], base: tuple[float, float], per: int) -> str:
    """One line: per-query times and the ratio (CPU and wall)."""
    return (
        f"{label:<46} ours {1e6 * ours[0] / per:9.1f} µs CPU {1e6 * ours[1] / per:9.1f} µs wall | "
        f"baseline {1e6 * base[0] / per:9.1f} µs CPU | ratio {base[0] / ours[0]:7.1f}x CPU "
        f"{base[1] / ours[1]:7.1f}x wall"
    )


def main() -> None:
    """Run the benchmark and print its lines."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--points", type=int, default=None)
    args = parser.parse_args()
    rounds = 1 if args.quick else 3
    n = args.points or (300 if args.quick else 2_000)
    c0 = time.process_time()
    g = load_gazetteer()
    print(
        f"gazetteer: {len(g):,} places from {g.source} (read in {time.process_time() - c0:.3f} s CPU)"
    )
    rng = random.Random(7)
    points = [(rng.uniform(BBOX[1], BBOX[3]), rng.uniform(BBOX[0], BBOX[2])) for _ in range(n)]

    ours = _timed(lambda: [[p.geonameid for p in g.near(la, lo, 3)] for la, lo in points], rounds)
    sub = points[: max(50, n // 10)]  # the pure-Python scan is slow: a tenth of the points
    scan = _timed(lambda: [naive_near(g, la, lo, 3) for la, lo in sub], rounds)
    vec = _timed(lambda: [numpy_near(g, la, lo, 3) for la, lo in points], rounds)
    mismatch = sum(
        [p for p in a] != [g.ids[i] for i in b] for a, b in zip(ours[2], scan[2], strict=False)
    )
    mismatch += sum(
        [p for p in a] != [g.ids[i] for i in b] for a, b in zip(ours[2], vec[2], strict=True)
    )
    scale = len(points) / len(sub)
    print(
        f"{n:,} random points in Ukraine, {rounds} round(s); answers differing from the scans: {mismatch}"
    )
    print(
        row(
            "nearest 3 (k-d tree) vs pure-Python scan",
            ours[:2],
            (scan[0] * scale, scan[1] * scale),
            n,
        )
    )
    print(row("nearest 3 (k-d tree) vs NumPy scan", ours[:2], vec[:2], n))

    lats = np.array([p[0] for p in points])
    lons = np.array([p[1] for p in points])
    big = np.flatnonzero(g.population >= 10_000)
    batch = _timed(lambda: nearest_indices(g, lats, lons, 10_000), rounds)

    def numpy_batch() -> list[int]:
        out = []
        for la, lo in points:
            p1, p2 = np.radians(la), np.radians(g.lat[big])
            dl = np.radians(g.lon[big] - lo)
            h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
            out.append(int(big[np.argmin(h)]))
        return out

    vbatch = _timed(numpy_batch, rounds)
    same = int(np.sum(np.asarray(batch[2]) == np.asarray(vbatch[2])))
    print(row(f"events -> nearest town 10k+ (batch), {same}/{n} same", batch[:2], vbatch[:2], n))

    names = [g.names[rng.randrange(len(g))] for _ in range(200)]
    look = _timed(lambda: [[p.geonameid for p in g.lookup(x, 1000)] for x in names], rounds)
    naive = _timed(lambda: [naive_lookup(g, x) for x in names], rounds)
    differ = sum(
        not set(g.ids[i] for i in b) <= set(a) for a, b in zip(look[2], naive[2], strict=True)
    )
    print(f"200 names; exact matches missing from the index's answer: {differ}")
    print(row("name (folded index, exact + prefix) vs scan", look[:2], naive[:2], len(names)))

    boxes = [shapely.box(lo - 0.05, la - 0.03, lo + 0.05, la + 0.03) for la, lo in points[:200]]
    described = _timed(
        lambda: [g.describe(b.centroid.x, b.centroid.y, b).near for b in boxes], rounds
    )
    print(
        f"{'describe an area (inside, then nearest)':<46} ours "
        f"{1e6 * described[0] / len(boxes):9.1f} µs CPU {1e6 * described[1] / len(boxes):9.1f} µs wall"
    )


if __name__ == "__main__":
    main()
