"""Benchmark of the negotiate engine against the brute-force oracle on synthetic conflicts.

Synthetic conflicts as GMCR+'s authors test it: random strict rankings, no infeasible states,
all options reversible. For each size: wall and CPU time (CPU time is less disturbed by other
processes on a shared machine) and peak traced memory per stability concept for the
vectorised engine, and the explicit-definition oracle in the same run where it can finish.

    .venv/bin/python benchmarks/bench_negotiate.py            # full: 4,096 / 16,384 / 2^20 states
    .venv/bin/python benchmarks/bench_negotiate.py --quick    # smoke size
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from guarantor.negotiate.concepts import CONCEPTS, GMR, NASH, SEQ, SMR, Concept
from guarantor.negotiate.graph import Direction, OptionInfo, build_option_graph
from guarantor.negotiate.oracle import Oracle
from guarantor.negotiate.stability import Engine

# GMCR+ (gmcr-py) figures measured on this kind of machine, from the project's reference notes
# (../shared/reference/graph-model.md); GMCR+ itself is not run here (its licence forbids reuse).
GMCR_PLUS = {
    (4, 12): {"nash": 0.09, "gmr": 4.58, "seq": 3.77, "sim": 9.41, "smr": 59.8},
    (2, 14): {"nash": 2.2, "gmr": 116.1, "seq": 28.9, "sim": 125.0, "smr": 42.5},
}


def synthetic(n_dms: int, n_options: int, seed: int = 7) -> tuple[object, float]:
    """A conflict with options split evenly, no infeasible states, random strict rankings."""
    rng = np.random.default_rng(seed)
    owners = tuple(k * n_dms // n_options for k in range(n_options))
    info = OptionInfo(
        tuple(f"o{k}" for k in range(n_options)), owners, (Direction.both,) * n_options
    )
    n = 1 << n_options
    payoff = np.stack([rng.permutation(n).astype(np.int64) for _ in range(n_dms)])
    start = time.perf_counter()
    g = build_option_graph(
        "synthetic",
        tuple(f"D{d}" for d in range(n_dms)),
        info,
        np.arange(n, dtype=np.int64),
        payoff,
    )
    return g, time.perf_counter() - start


def measure(fn: object) -> tuple[float, float, float, object]:
    """Wall seconds, CPU seconds and peak traced MB of one call."""
    tracemalloc.reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()  # type: ignore[operator]
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    return seconds, cpu_seconds, peak / 2**20, result


def run(n_dms: int, n_options: int, concepts: tuple[Concept, ...], oracle_max: int) -> None:
    g, build = synthetic(n_dms, n_options)
    print(f"\n{n_dms} DMs x {n_options} options = {g.n:,} states (moves built in {build:.2f} s)")
    print(
        f"{'concept':>8} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'oracle s':>9} {'ratio':>8} {'GMCR+ s':>8}"
    )
    ref = GMCR_PLUS.get((n_dms, n_options), {})
    for concept in concepts:
        eng = Engine(g)  # type: ignore[arg-type]
        secs, cpu, mb, table = measure(lambda eng=eng, c=concept: eng.table(c))
        o_text, ratio = "skipped", ""
        if g.n <= oracle_max:

            def brute(c: Concept = concept) -> object:
                oracle = Oracle(g)  # type: ignore[arg-type]  # fresh: moves derived again, no cache
                return np.array(
                    [[oracle.stable(c, d, s) for s in range(g.n)] for d in range(n_dms)]
                )

            o_secs, _, _, slow = measure(brute)
            assert (slow == table).all(), f"engine and oracle disagree on {concept}"
            o_text, ratio = f"{o_secs:.3f}", f"{o_secs / max(secs, 1e-9):.0f}x"
        gm = f"{ref[str(concept)]:.2f}" if str(concept) in ref else ""
        print(f"{concept!s:>8} {secs:8.3f} {cpu:8.3f} {mb:8.1f} {o_text:>9} {ratio:>8} {gm:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke sizes only")
    parser.add_argument(
        "--oracle-max", type=int, default=256, help="largest state count the oracle runs on"
    )
    args = parser.parse_args()
    tracemalloc.start()
    if args.quick:
        run(3, 6, CONCEPTS, args.oracle_max)
    else:
        run(4, 8, CONCEPTS, args.oracle_max)  # 256 states: engine and oracle side by side
        run(4, 12, CONCEPTS, args.oracle_max)
        run(2, 14, CONCEPTS, args.oracle_max)
        run(4, 20, (NASH, GMR, SEQ, SMR), args.oracle_max)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(
        f"\npeak RSS of the whole process: {peak_rss:,.0f} MB (tracemalloc adds some overhead to times)"
    )


if __name__ == "__main__":
    main()
