"""Benchmark of the simulate room.

    .venv/bin/python benchmarks/bench_simulate.py [engine|psa|all] [--quick]
    .venv/bin/python benchmarks/bench_simulate.py psa --draws 1000 --trials 10000 [--loop-draws N]

`engine` (issue 13): the vectorised engine with three-valued rules, five designs at the central
parameters, in the workload of the recorded figure (flare-ups and advances at 7.72 a year, as the
earlier model drew them; no strikes or airspace violations): trials per minute for the
five-design comparison, beside the per-trial Python loop in the same run.

`psa` (issue 18): the probabilistic sensitivity analysis, draws x 5 designs x trials, as one Dask
graph on a LocalCluster of 2 worker processes, beside the per-draw loop in this process (the same
computation, `--loop-draws` of the draws, extrapolated when fewer); peak memory of the client and
the workers; whether the two give the same bytes on the draws both ran.

Prints wall and CPU times and the ratios. The machine is shared: record `uptime` with any figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from guarantor.jsonout import dumps
from guarantor.simulate.baseline import run_loop
from guarantor.simulate.compile import CompiledDesign
from guarantor.simulate.designs import DEFAULT_DESIGNS
from guarantor.simulate.draws import ParameterDraws, draw_parameters
from guarantor.simulate.engine import CHUNK_TRIALS, pilot, run_chunk
from guarantor.simulate.psa import chunk_plan, dask_client, run_draws, stream
from guarantor.simulate.run import prepare


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _earlier_workload(v: dict[str, float]) -> dict[str, float]:
    """The recorded figure's workload: 7.72 flare-ups a year, a quarter of them taking ground."""
    out = dict(v)
    out["adversary.flare_up.rate_per_year"] = 7.72 * 0.75
    out["adversary.advance.rate_per_year"] = 7.72 * 0.25
    out["adversary.strike.rate_per_year"] = 0.0
    out["adversary.airspace.rate_per_year"] = 0.0
    return out


# The two-valued engine before issue 13 (the DNF walker), run from a `git archive` of this commit
# in a subprocess of the same run: the baseline of the three-valued engine's throughput.
EARLIER_REF = "530cc7885505368602fbb00024ed5afc1125fd1d"
EARLIER = """
import json, sys, time
from guarantor.simulate.run import DEFAULT_DESIGNS, prepare
from guarantor.simulate.sweep import run_sweep
_, compiled, params, _ = prepare(list(DEFAULT_DESIGNS), None, None)
trials = int(sys.argv[1])
started, cpu = time.perf_counter(), time.process_time()
_, stats = run_sweep(compiled, params, trials, 1)
print(json.dumps({"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                  "violations": sum(s.violations for s in stats)}))
"""


def _earlier(ref: str, trials: int) -> dict[str, float] | None:
    """Time the earlier engine on the same trials (None when git or the ref is not there)."""
    import json
    import subprocess
    import sys
    import tempfile

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", ref, "src", "examples"],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        run = subprocess.run(
            [sys.executable, "-c", EARLIER, str(trials)],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp,
            env={**os.environ, "PYTHONPATH": str(Path(tmp) / "src")},
        )
    out: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    return out


def _timed_new(
    compiled: list[CompiledDesign], v: dict[str, float], trials: int, seed: int
) -> tuple[float, float, int]:
    sizes = chunk_plan(trials)
    started, cpu = time.perf_counter(), time.process_time()
    violations = 0
    for d in compiled:
        cred = pilot(stream(seed, 0, 0), d, v)
        for c, n in enumerate(sizes):
            violations += run_chunk(stream(seed, 0, 1 + c), n, d, v, cred).violations
    return time.perf_counter() - started, time.process_time() - cpu, violations


def engine(quick: bool, seed: int, against: str) -> None:
    """Trials per minute of the five-design comparison, beside the earlier two-valued engine
    (interleaved, twice each) and the per-trial loop."""
    trials = 100_000 if quick else 1_000_000
    loop_trials = 200 if quick else 2_000
    prepared = prepare(list(DEFAULT_DESIGNS), None, None)
    compiled = prepared.compiled
    v = _earlier_workload(prepared.params.central())
    print(f"load average at start: {_load()}")
    print(f"designs: {', '.join(d.name for d in compiled)} (central parameters, no calibration)")
    runs: list[tuple[str, float, float, int]] = []
    for _ in range(2):  # interleaved with the earlier engine: both see the same load
        runs.append(("three-valued (this tree)", *_timed_new(compiled, v, trials, seed)))
        earlier = _earlier(against, trials)
        if earlier is not None:
            runs.append(
                (
                    "two-valued (" + against[:10] + ")",
                    earlier["wall"],
                    earlier["cpu"],
                    int(earlier["violations"]),
                )
            )
    for name, wall, used, violations in runs:
        print(
            f"{name}: {trials:,} trials x 5 designs ({violations:,} violations) in {wall:.2f} s "
            f"= {trials / wall * 60:,.0f} trials/minute wall, {trials / used * 60:,.0f} per CPU-minute"
        )
    best_new = min(r[2] for r in runs if r[0].startswith("three"))
    old_runs = [r[2] for r in runs if r[0].startswith("two")]
    if old_runs:
        print(
            f"  three-valued / two-valued throughput (best CPU of each): {min(old_runs) / best_new:.2f}"
        )
    wall, used = min((r[1], r[2]) for r in runs if r[0].startswith("three"))
    per_min = trials / wall * 60
    started, cpu = time.perf_counter(), time.process_time()
    for d in compiled:
        run_loop(d, v, 0.0, loop_trials, seed)
    loop_wall = time.perf_counter() - started
    loop_cpu = time.process_time() - cpu
    loop_per_min = loop_trials / loop_wall * 60
    print(
        f"per-trial loop: {loop_trials:,} trials x 5 designs in {loop_wall:.2f} s "
        f"= {loop_per_min:,.0f} trials/minute (CPU {loop_cpu:.2f} s)"
    )
    print(
        f"  ratio vectorised / loop: {per_min / loop_per_min:,.0f}x wall, "
        f"{(trials / best_new) / (loop_trials / loop_cpu):,.0f}x CPU"
    )
    print(f"load average at end: {_load()}; peak RSS {_rss_mb():.0f} MiB")


def _worker_cpu(client: Any) -> float:
    def used() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    return float(sum(client.run(used).values()))


def _worker_rss(client: Any) -> float:
    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    return float(sum(client.run(peak).values()))


def psa(draws: int, trials: int, loop_draws: int, seed: int, workers: int) -> None:
    """The PSA on Dask beside the per-draw loop, with memory and bit-identity."""
    prepared = prepare(list(DEFAULT_DESIGNS), None, None)
    compiled: list[CompiledDesign] = prepared.compiled
    print(f"load average at start: {_load()}")
    parameter_draws = draw_parameters(prepared.sets, draws, seed)
    print(
        f"{draws:,} draws x {len(compiled)} designs x {trials:,} trials "
        f"({len(parameter_draws.names)} uncertain parameters; chunks of {CHUNK_TRIALS:,})"
    )
    with dask_client(None, workers, processes=True) as client:
        client.submit(sum, [1]).result()  # workers up before timing
        cpu_before = _worker_cpu(client)
        started = time.perf_counter()
        on_dask = run_draws(compiled, parameter_draws, trials, seed, client)
        dask_wall = time.perf_counter() - started
        workers_cpu = _worker_cpu(client) - cpu_before
        workers_mb = _worker_rss(client)
    print(
        f"dask LocalCluster, {workers} worker processes: {dask_wall:.1f} s wall "
        f"(target < 180 s); peak RSS client {_rss_mb():.0f} MiB + workers {workers_mb:.0f} MiB "
        f"= {_rss_mb() + workers_mb:.0f} MiB (target < 2048)"
    )
    print(
        f"  CPU seconds on the workers: {workers_cpu:.1f} s (idle-machine estimate of the wall "
        f"time: {workers_cpu / workers:.1f} s)"
    )
    subset = _first(parameter_draws, loop_draws)
    started, cpu = time.perf_counter(), time.process_time()
    looped = run_draws(compiled, subset, trials, seed)
    loop_wall = time.perf_counter() - started
    loop_cpu = time.process_time() - cpu
    scale = draws / loop_draws
    print(
        f"per-draw loop in this process: {loop_draws:,} draws in {loop_wall:.1f} s wall, "
        f"{loop_cpu:.1f} s CPU; for {draws:,} draws: {loop_wall * scale:.1f} s"
        + (" (extrapolated)" if loop_draws < draws else "")
    )
    print(f"  speed-up dask / loop: {loop_wall * scale / dask_wall:.2f}x")
    same = dumps([[o.values.tolist() for o in row[:loop_draws]] for row in on_dask]) == dumps(
        [[o.values.tolist() for o in row] for row in looped]
    )
    print(f"  dask and loop bit-identical on the {loop_draws:,} draws both ran: {same}")
    print(f"load average at end: {_load()}")


def _first(d: ParameterDraws, n: int) -> ParameterDraws:
    return ParameterDraws(
        d.names,
        tuple(np.asarray(m[:n]) for m in d.matrices),
        tuple(tuple(rows[:n]) for rows in d.per_design),
    )


def main() -> None:
    """Run the measurements and print them."""
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="?", choices=("engine", "psa", "all"), default="all")
    ap.add_argument("--quick", action="store_true", help="smoke sizes")
    ap.add_argument("--draws", type=int, default=None, help="PSA draws (1,000; 40 with --quick)")
    ap.add_argument("--trials", type=int, default=None, help="PSA trials (10,000; 1,000 quick)")
    ap.add_argument("--loop-draws", type=int, default=None, help="draws of the per-draw loop")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--against", default=EARLIER_REF, help="git ref of the earlier engine")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores (shared: timings are noisy)")
    if args.what in ("engine", "all"):
        engine(args.quick, args.seed, args.against)
    if args.what in ("psa", "all"):
        draws = args.draws or (40 if args.quick else 1_000)
        trials = args.trials or (1_000 if args.quick else 10_000)
        psa(draws, trials, args.loop_draws or draws, args.seed, args.workers)


if __name__ == "__main__":
    main()
