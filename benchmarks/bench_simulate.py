"""Benchmark of the simulate room: vectorised trials vs a per-trial Python loop; 1 vs 2 Dask workers.

    .venv/bin/python benchmarks/bench_simulate.py [--quick]

Prints wall times, throughput (trials per minute for the five-design comparison), peak memory
and the ratios. The machine is shared: run it twice and read the figures as noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from typing import Any

from guarantor.simulate.baseline import run_loop
from guarantor.simulate.compile import CompiledDesign
from guarantor.simulate.designs import DEFAULT_DESIGNS
from guarantor.simulate.engine import CHUNK_TRIALS, Stats, run_chunk
from guarantor.simulate.params import Parameters
from guarantor.simulate.run import prepare
from guarantor.simulate.sweep import chunk_plan, credibilities, dask_client, run_sweep, seeds


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    """Run the three measurements and print them."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small smoke sizes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dask-only", action="store_true", help="only the 1 vs 2 worker sweep")
    ap.add_argument("--dask-trials", type=int, default=None, help="trials of the Dask sweep")
    args = ap.parse_args()
    trials = 100_000 if args.quick else 1_000_000
    loop_trials = 200 if args.quick else 2_000
    sweep_trials = args.dask_trials or (100_000 if args.quick else 2_000_000)
    print(f"machine: {os.cpu_count()} cores (shared with other work: timings are noisy)")
    designs, compiled, params, _ = prepare(list(DEFAULT_DESIGNS), None, None)
    values = {k: p.value for k, p in params.params.items()}
    names = ", ".join(d.name for d in designs)
    print(f"designs: {names}; parameters {params.digest[:12]} (file defaults, no calibration)")

    if not args.dask_only:
        _engine_and_loop(compiled, params, values, trials, loop_trials, args.seed)
    _dask(compiled, params, sweep_trials, args.seed)
    print(f"peak RSS of this process: {_rss_mb():.0f} MiB")


def _engine_and_loop(
    compiled: list[CompiledDesign],
    params: Parameters,
    values: dict[str, float],
    trials: int,
    loop_trials: int,
    seed: int,
) -> None:
    # 1. vectorised engine, in-process, five designs
    started, cpu = time.perf_counter(), time.process_time()
    cred, stats = run_sweep(compiled, params, trials, seed)
    engine_s = time.perf_counter() - started
    engine_cpu = time.process_time() - cpu
    per_min = trials / engine_s * 60
    violations = sum(s.violations for s in stats)
    print(
        f"vectorised: {trials:,} trials x 5 designs ({violations:,} violations) in "
        f"{engine_s:.2f} s = {per_min:,.0f} trials/minute for the five-design comparison"
    )
    print(f"  CPU time {engine_cpu:.2f} s = {trials / engine_cpu * 60:,.0f} trials per CPU-minute")
    tracemalloc.start()
    run_sweep(compiled, params, CHUNK_TRIALS, seed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak traced memory of one chunk ({CHUNK_TRIALS:,} trials): {peak / 2**20:.0f} MiB")

    # 2. the same model as a plain per-trial Python loop
    started, cpu = time.perf_counter(), time.process_time()
    for d, c in zip(compiled, cred, strict=True):
        run_loop(d, values, c, loop_trials, seed)
    loop_s = time.perf_counter() - started
    loop_cpu = time.process_time() - cpu
    loop_per_min = loop_trials / loop_s * 60
    print(
        f"per-trial loop: {loop_trials:,} trials x 5 designs in {loop_s:.2f} s = "
        f"{loop_per_min:,.0f} trials/minute"
    )
    print(f"  CPU time {loop_cpu:.2f} s = {loop_trials / loop_cpu * 60:,.0f} trials per CPU-minute")
    print(
        f"  ratio vectorised / loop: {per_min / loop_per_min:,.0f}x wall, "
        f"{(trials / engine_cpu) / (loop_trials / loop_cpu):,.0f}x CPU"
    )


def _timed_chunk(*args: Any) -> tuple[float, list[Stats]]:
    """run_chunk on a worker, with the CPU seconds it used there."""
    cpu = time.process_time()
    out = run_chunk(*args)
    return time.process_time() - cpu, out


def _dask(compiled: list[CompiledDesign], params: Parameters, sweep_trials: int, seed: int) -> None:
    # 3. Dask: the same large sweep on a LocalCluster of 1 and of 2 worker processes
    results = {}
    for workers in (1, 2):
        with dask_client(None, workers, processes=True) as client:
            client.submit(sum, [1]).result()  # workers up before timing
            started = time.perf_counter()
            _, stats_w = run_sweep(compiled, params, sweep_trials, seed, client)
            elapsed = time.perf_counter() - started
        results[workers] = (elapsed, stats_w)
        n_chunks = len(seeds(seed, -(-sweep_trials // CHUNK_TRIALS))[1])
        print(
            f"dask {workers} worker(s): {sweep_trials:,} trials x 5 designs ({n_chunks} chunks) "
            f"in {elapsed:.2f} s = {sweep_trials / elapsed * 60:,.0f} trials/minute"
        )
        with dask_client(None, workers, processes=True) as client:
            pilot_seed, chunk_seeds = seeds(seed, n_chunks)
            values = {k: p.value for k, p in params.params.items()}
            cred = credibilities(compiled, values, pilot_seed)
            sizes = chunk_plan(sweep_trials)
            futures = [
                client.submit(_timed_chunk, s, n, compiled, values, cred, pure=False)
                for s, n in zip(chunk_seeds, sizes, strict=True)
            ]
            cpu_s = sum(f.result()[0] for f in futures)
        print(f"  CPU seconds spent in chunks on the workers: {cpu_s:.1f} s")
    same = all(
        a.value_sum == b.value_sum and (a.response_hist == b.response_hist).all()
        for a, b in zip(results[1][1], results[2][1], strict=True)
    )
    print(f"  speed-up 2 workers / 1 worker: {results[1][0] / results[2][0]:.2f}x")
    print(f"  results of 1 and 2 workers bit-identical: {same}")


if __name__ == "__main__":
    main()
