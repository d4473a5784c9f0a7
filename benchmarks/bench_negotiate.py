"""Benchmark of the negotiate engine against baselines, on synthetic conflicts and on a model file.

Synthetic conflicts as GMCR+'s authors test it: random strict rankings, no infeasible states,
all options reversible. For each size: wall and CPU time (CPU time is less disturbed by other
processes on a shared machine) and peak traced memory per stability concept for the
vectorised engine, and the explicit-definition oracle in the same run where it can finish.

With `--model FILE` (default: the 2025 negotiation model), the room's commands on that model:
compile, each concept, SIM beside the previous padded-grid joint-reply step (the baseline,
below; both must agree), `analyze --concepts nash --coalitions` and `sensitivity` over every
preference scenario.

    .venv/bin/python benchmarks/bench_negotiate.py            # full: 4,096 / 16,384 / 2^20 states
    .venv/bin/python benchmarks/bench_negotiate.py --quick    # smoke size
    .venv/bin/python benchmarks/bench_negotiate.py --sizes 4x12 2x14
    .venv/bin/python benchmarks/bench_negotiate.py --model examples/negotiation/ukraine-2025.yaml
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np

from guarantor.negotiate.analysis import analyse
from guarantor.negotiate.concepts import CONCEPTS, GMR, NASH, SEQ, SIM, SMR, Concept
from guarantor.negotiate.graph import BoolArray, Direction, IntArray, OptionInfo, build_option_graph
from guarantor.negotiate.loading import load_conflict
from guarantor.negotiate.oracle import Oracle
from guarantor.negotiate.sensitivity import sensitivity
from guarantor.negotiate.stability import Engine, Replies

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "examples" / "negotiation" / "ukraine-2025.yaml"

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


class PaddedGridEngine(Engine):
    """The baseline: the joint-reply step as it was, every combination of the widest tables.

    For each set of repliers, all combinations up to each replier's largest number of replies
    anywhere are built for every undeterred move at once (and masked where a state has fewer).
    """

    def joint_replies(self, r: Replies, live: IntArray, deterred: BoolArray) -> None:
        """Mark the moves that a joint reply deters, by padded full grids."""
        k = len(r.tables)
        for size in range(2, k + 1):
            for movers in itertools.combinations(range(k), size):
                if live.size == 0:
                    return
                widths = [range(1, r.tables[j].shape[0]) for j in movers]
                grid = np.array(list(itertools.product(*widths)), dtype=np.int64).reshape(-1, size)
                if grid.shape[0] == 0:
                    continue
                step = max(1, 4_000_000 // grid.shape[0])
                for lo in range(0, live.size, step):
                    part = live[lo : lo + step]
                    s = r.sources[part]
                    ok = np.ones((grid.shape[0], part.size), dtype=bool)
                    code = np.broadcast_to(r.base[part], ok.shape).copy()
                    for x in range(k):
                        if x in movers:
                            cols = grid[:, movers.index(x)]
                            ok &= r.degrees[x][s][None, :] >= cols[:, None]
                            code |= r.tables[x][cols][:, s]
                        else:
                            code |= r.tables[x][0][s][None, :]
                    hit = ok & r.deterring(code, s[None, :])
                    deterred[part[hit.any(axis=0)]] = True
                live = live[~deterred[live]]


def model_run(path: Path) -> None:
    """The room's work on one model file, SIM beside the padded-grid baseline."""
    print(f"\nmodel {path} (load average {os.getloadavg()[0]:.1f})")
    secs, cpu, mb, g = measure(lambda: load_conflict(path).compile())
    print(f"{'compile':>24} {secs:8.3f} {cpu:8.3f} {mb:8.1f}   {g.n:,} states")  # type: ignore[attr-defined]
    print(f"{'step':>24} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for concept in CONCEPTS:
        eng = Engine(g)  # type: ignore[arg-type]
        secs, cpu, mb, _ = measure(lambda eng=eng, c=concept: eng.table(c))
        print(f"{concept!s:>24} {secs:8.3f} {cpu:8.3f} {mb:8.1f}")
    new = Engine(g)  # type: ignore[arg-type]
    old = PaddedGridEngine(g)  # type: ignore[arg-type]
    s_new, c_new, m_new, t_new = measure(lambda: new.table(SIM))
    s_old, c_old, m_old, t_old = measure(lambda: old.table(SIM))
    assert (t_new == t_old).all(), "SIM: the engine and the padded-grid baseline disagree"  # type: ignore[attr-defined]
    print(f"{'sim, padded grid (base)':>24} {s_old:8.3f} {c_old:8.3f} {m_old:8.1f}")
    print(
        f"{'sim ratio base / engine':>24} {s_old / s_new:7.1f}x {c_old / c_new:7.1f}x {m_old / m_new:7.1f}x"
    )
    secs, cpu, mb, _ = measure(lambda: analyse(g, (NASH,), coalitions=True))  # type: ignore[arg-type]
    print(f"{'nash + coalitions':>24} {secs:8.3f} {cpu:8.3f} {mb:8.1f}")
    conflict = load_conflict(path)
    secs, cpu, mb, sens = measure(lambda: sensitivity(conflict, (NASH, SEQ)))
    runs = len(sens.runs)  # type: ignore[attr-defined]
    print(f"{'sensitivity nash,seq':>24} {secs:8.3f} {cpu:8.3f} {mb:8.1f}   {runs} scenarios")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke sizes only")
    parser.add_argument(
        "--oracle-max", type=int, default=256, help="largest state count the oracle runs on"
    )
    parser.add_argument("--sizes", nargs="*", help="DMSxOPTIONS sizes, e.g. 4x12 2x14")
    parser.add_argument(
        "--model", nargs="?", const=str(MODEL), help="a model file (default: the 2025 model)"
    )
    args = parser.parse_args()
    tracemalloc.start()
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores shared: see README)")
    if args.model:
        model_run(Path(args.model))
    elif args.sizes:
        for size in args.sizes:
            n_dms, n_options = (int(x) for x in size.lower().split("x"))
            concepts = CONCEPTS if n_options <= 16 else (NASH, GMR, SEQ, SMR)
            run(n_dms, n_options, concepts, args.oracle_max)
    elif args.quick:
        run(3, 6, CONCEPTS, args.oracle_max)
        model_run(MODEL)
    else:
        run(4, 8, CONCEPTS, args.oracle_max)  # 256 states: engine and oracle side by side
        run(4, 12, CONCEPTS, args.oracle_max)
        run(2, 14, CONCEPTS, args.oracle_max)
        model_run(MODEL)
        run(4, 20, (NASH, GMR, SEQ, SMR), args.oracle_max)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(
        f"\npeak RSS of the whole process: {peak_rss:,.0f} MB (tracemalloc adds some overhead to times)"
    )


if __name__ == "__main__":
    main()
