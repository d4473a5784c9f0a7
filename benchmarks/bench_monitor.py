"""Benchmark: trigger evaluation on 10 million SYNTHETIC events, engine vs a naive per-event loop.

    .venv/bin/python benchmarks/bench_monitor.py            # 10M events (about a minute or two)
    .venv/bin/python benchmarks/bench_monitor.py --quick    # 200k events, smoke size

Two agreements of 24 triggers each: attribute-only (event type, attribution, 7-day windows) and
geometric (point in the real Ukraine border, 2,992 vertices, when ../shared/data is present,
beyond an agreed line, a named zone, 7-day windows, persistence). The engine streams 1M-event
chunks; the naive loop (guarantor.monitor.oracle) runs on a subsample and is extrapolated; the
two must agree on that subsample (established and possible levels, three-valued). Peak memory
is the process's maximum resident set size. Building the shapes' buffers and point-in-polygon
grids happens once per process and is timed apart ("setup", on a 300,000-event warm-up), since
it does not grow with the number of events.

The previous release's two-valued engine (commit 702da8b, `--previous`) runs the same agreements
on the same events in a subprocess of the same run (from a git worktree it adds under /tmp), so
the cost of three-valued evaluation is measured as a ratio, not read off an older table.
All timings are CPU seconds of the process (time.process_time), so that other work on a shared
machine inflates them far less than wall time; events/s are per CPU second.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import box

from guarantor.model import Agreement
from guarantor.monitor.actors import ActorEntry, ActorMap
from guarantor.monitor.columns import EventColumns
from guarantor.monitor.engine import Evaluator
from guarantor.monitor.geography import Geography, read_geojson_geometry
from guarantor.monitor.oracle import naive_levels
from guarantor.monitor.synthetic import synthetic_chunks

REPO = Path(__file__).resolve().parents[1]
BORDER = (
    REPO.parent
    / "shared"
    / "data"
    / "boundaries"
    / "naturalearth_10m_ukraine_admin0_deu_pov.geojson"
)
START = date(2022, 1, 1)
DAYS = 365


def agreement(geometric: bool) -> Agreement:
    """24 triggers (3 levels each on 8 of them): type, attribution, windows; and places if asked."""
    return Agreement.model_validate(agreement_doc(geometric))


def agreement_doc(geometric: bool) -> dict[str, Any]:
    """The benchmark agreement as a plain mapping (readable by the previous release too)."""
    triggers = []
    kinds = ["armed_attack", "threat", "airspace_violation"]
    for i in range(24):
        kind = kinds[i % 3]
        pred: dict[str, Any] = {
            "by": ["RU"] if i % 2 == 0 else ["RU", "BY"],
            "min_attribution": round(0.3 + 0.05 * (i % 10), 2),
        }
        pred["intensity"] = {
            "window": "7 days",
            "min_events": 50 + 10 * i,
            "min_fatalities": 20 + i,
        }
        if geometric:
            pred["location"] = [
                {"inside": "beneficiary"},
                {"inside": "beneficiary", "beyond_agreed_line_km": 5 + i},
                {"inside": "anywhere", "zone": "odesa"},
                {"inside": "beneficiary_incl_sea"},
            ][i % 4]
            if i % 3 == 0:
                pred["sustained"] = "3 days"
        levels = [{"level": "invoke", "when": {kind: pred}}]
        if i < 8:
            levels.insert(
                0,
                {
                    "level": "watch",
                    "when": {kind: {**pred, "intensity": {"window": "7 days", "min_events": 5}}},
                },
            )
            levels.insert(
                1,
                {
                    "level": "consult",
                    "when": {"all": [{kind: pred}, {"not": {"threat": {"by": ["UA"]}}}]},
                },
            )
        triggers.append({"id": f"t{i:02d}", "levels": levels})
    return {
        "id": "bench",
        "title": "benchmark",
        "nature": "proposal",
        "parties": [
            {"id": "RU", "name": "Russia"},
            {"id": "UA", "name": "Ukraine"},
            {"id": "BY", "name": "Belarus"},
        ],
        "triggers": triggers,
    }


# Runs inside the previous release (its own `guarantor` on PYTHONPATH): the same agreement,
# geography and synthetic events through its engine; prints the engine seconds as JSON.
PREVIOUS_DRIVER = """
import json, sys, time
from datetime import date, timedelta
from shapely.geometry import box
from guarantor.model import Agreement
from guarantor.monitor.actors import ActorEntry, ActorMap
from guarantor.monitor.engine import Evaluator
from guarantor.monitor.geography import Geography, read_geojson_geometry
from guarantor.monitor.synthetic import synthetic_chunks
job = json.load(sys.stdin)
a = Agreement.model_validate(job["agreement"])
border = read_geojson_geometry(__import__("pathlib").Path(job["border"]))
geo = Geography(border=border, agreed_line_held=border.intersection(box(37.5, 44.0, 41.0, 52.5)),
                zones={"odesa": box(29.5, 45.5, 31.5, 47.0)})
actors = ActorMap.from_entries([ActorEntry(**e) for e in job["actors"]])
start = date.fromisoformat(job["start"])
def run(total):
    ev = Evaluator(a, start, start + timedelta(days=job["days"] - 1), actors, geo)
    spent = 0.0
    for chunk in synthetic_chunks(total, start, job["days"], seed=11):
        t = time.process_time(); ev.feed(chunk); spent += time.process_time() - t
    t = time.process_time(); ev.result(); spent += time.process_time() - t
    return spent
run(300_000)
print(json.dumps({"seconds": run(job["total"])}))
"""


def previous_worktree(ref: str) -> Path:
    """A checkout of the previous release under /tmp (added once with `git worktree`)."""
    path = Path(f"/tmp/guarantor-prev-{ref}")
    if not (path / "src" / "guarantor").exists():
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-f", str(path), ref],
            check=True,
            capture_output=True,
        )
    return path


def run_previous(ref: str, geometric: bool, total: int) -> float:
    """Seconds the previous release's engine spends on the same run (a subprocess)."""
    job = {
        "agreement": agreement_doc(geometric),
        "border": str(BORDER),
        "actors": [e.model_dump() for e in ACTOR_ENTRIES],
        "start": START.isoformat(),
        "days": DAYS,
        "total": total,
    }
    env = {**os.environ, "PYTHONPATH": str(previous_worktree(ref) / "src")}
    out = subprocess.run(
        [sys.executable, "-c", PREVIOUS_DRIVER],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    seconds: float = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
    return seconds


def geography() -> tuple[Geography, str]:
    if BORDER.exists():
        border = read_geojson_geometry(BORDER)
        what = f"Natural Earth 10m Ukraine border ({BORDER.name})"
    else:  # a generated polygon with thousands of vertices
        angles = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
        radius = 1 + 0.05 * np.sin(37 * angles)
        from shapely.geometry import Polygon

        border = Polygon(
            np.column_stack([31 + 9 * radius * np.cos(angles), 48.5 + 4 * radius * np.sin(angles)])
        )
        what = "a generated 4,000-vertex polygon (no ../shared/data)"
    held = border.intersection(box(37.5, 44.0, 41.0, 52.5))
    return Geography(
        border=border, agreed_line_held=held, zones={"odesa": box(29.5, 45.5, 31.5, 47.0)}
    ), what


ACTOR_ENTRIES = [
    ActorEntry(name="Government of Russia (Soviet Union)", party="RU", confidence=1.0),
    ActorEntry(name="DPR", party="RU", confidence=0.7, relation="proxy"),
    ActorEntry(name="LPR", party="RU", confidence=0.6, relation="proxy"),
    ActorEntry(name="Unknown armed group", party="RU", confidence=0.3, relation="proxy"),
    ActorEntry(name="Government of Ukraine", party="UA", confidence=1.0),
]
ACTORS = ActorMap.from_entries(ACTOR_ENTRIES)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_engine(a: Agreement, geo: Geography, total: int) -> tuple[float, Evaluator]:
    ev = Evaluator(a, START, START + timedelta(days=DAYS - 1), ACTORS, geo)
    spent = 0.0
    for chunk in synthetic_chunks(total, START, DAYS, seed=11):
        t = time.process_time()
        ev.feed(chunk)
        spent += time.process_time() - t
    t = time.process_time()
    ev.result()
    spent += time.process_time() - t
    return spent, ev


def run_naive(
    a: Agreement, geo: Geography, sample: EventColumns
) -> tuple[float, dict[str, list[int]]]:
    t = time.process_time()
    levels = naive_levels(a, [sample], START, START + timedelta(days=DAYS - 1), ACTORS, geo)
    return time.process_time() - t, levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200k events, 2k for the naive loop")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument(
        "--previous",
        default="702da8b",
        help="git ref of the previous release to run beside (empty: skip)",
    )
    args = parser.parse_args()
    total = args.events or (200_000 if args.quick else 10_000_000)
    naive_n = 2_000 if args.quick else 20_000
    geo, what = geography()
    print(
        f"events: {total:,} SYNTHETIC over {DAYS} days, 1M-event chunks; naive loop on {naive_n:,} and extrapolated"
    )
    print(f"border: {what}")
    print(
        "machine: shared 2-core VM, 24 GB; CPU timings are noisy (other engineers run at the same time)"
    )
    sample = next(synthetic_chunks(naive_n, START, DAYS, seed=11, chunk=naive_n))
    rows = []
    for label, geometric in (("attribute-only", False), ("geometric + windows", True)):
        a = agreement(geometric)
        # One-time setup, timed apart: line buffers and the point-in-polygon grids are built
        # once per shape and process, whatever the number of events.
        t = time.process_time()
        run_engine(a, geo, 300_000)
        setup = time.process_time() - t
        spent, _ = run_engine(a, geo, total)
        naive_t, naive = run_naive(a, geo, sample)
        # the same subsample through the engine must give the same levels
        check = Evaluator(a, START, START + timedelta(days=DAYS - 1), ACTORS, geo)
        check.feed(sample)
        got = check.result()
        same = all(
            (got.levels[k].tolist(), got.possible[k].tolist()) == v for k, v in naive.items()
        )
        eng_rate = total / spent
        naive_rate = naive_n / naive_t
        rows.append((label, len(a.triggers), eng_rate, naive_rate, eng_rate / naive_rate, same))
        print(
            f"{label:22s} {len(a.triggers)} triggers: engine {spent:7.2f} s = {eng_rate:12,.0f} events/s | "
            f"naive {naive_rate:10,.0f} events/s (on {naive_n:,}) | ratio {eng_rate / naive_rate:8.1f}x | "
            f"agree on subsample: {same} | setup {setup:.1f} s once | peak RSS so far {peak_mb():,.0f} MB"
        )
        if args.previous and BORDER.exists():
            before = run_previous(args.previous, geometric, total)
            print(
                f"{'':22s} previous release {args.previous} (two-valued): {before:7.2f} s = "
                f"{total / before:12,.0f} events/s | three-valued costs "
                f"{(spent / before - 1) * 100:+.1f}% (goal: at most +15%)"
            )
        sys.stdout.flush()
    print(f"peak memory (max RSS of the whole run): {peak_mb():,.0f} MB")
    if not all(r[5] for r in rows):
        raise SystemExit("engine and naive loop disagree")


if __name__ == "__main__":
    main()
