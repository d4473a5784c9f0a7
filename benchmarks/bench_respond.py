"""Benchmark of the respond planner: HiGHS lexicographic MILP against the greedy baseline.

A synthetic coalition (40 parties, the 24 shipped capability kinds plus 11 synthetic ones, 1,200
pledges with caveats and dependencies, a US backstop that stands for five enablers and that other
pledges wait for) meets 10 .. 1,000 requirements over a 10-year mission (money with rotation in
the fairness stage). For each size, in a fresh process: the time to a proven optimum (all three
stages), the greedy baseline's time, both coverages, and peak memory.

    .venv/bin/python benchmarks/bench_respond.py            # full curve, 10 .. 1,000 requirements
    .venv/bin/python benchmarks/bench_respond.py --quick    # smoke size
    .venv/bin/python benchmarks/bench_respond.py --size 200 # the speed goal's size only
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import sys
import time
import tracemalloc
from typing import Any

from guarantor.model import Agreement
from guarantor.respond.catalogue import Capability, Catalogue, default_catalogue
from guarantor.respond.economy import world_bank_table
from guarantor.respond.fairness import fair_share_basis
from guarantor.respond.greedy import coverage, greedy
from guarantor.respond.optimise import optimise
from guarantor.respond.plan import prepare_step
from guarantor.respond.scenario import LoadedScenario, Scenario

MISSION_YEARS = 10.0  # multi-year: units count with their rotation in the fairness stage

PLACES = ["beneficiary_territory", "neighbouring_state", "at_sea", "remote"]


def catalogue_30() -> Catalogue:
    """The shipped kinds plus 11 synthetic ones."""
    extra = {
        f"synthetic_kind_{i:02d}": Capability(
            id=f"synthetic_kind_{i:02d}",
            name=f"synthetic kind {i}",
            unit="unit",
            domain="synthetic",
            integer=True,
            lethal=i % 2 == 0,
            cost_eur_per_year=1e7 * (i + 1),
            rotation=3,
            max_per_pledge=1000,
            serves={"beneficiary_territory": ["beneficiary_territory", "neighbouring_state"]},  # type: ignore[dict-item]
        )
        for i in range(11)
    }
    return default_catalogue().extended(Catalogue(extra))


def coalition(
    n_requirements: int, n_pledges: int = 1200, n_parties: int = 40, seed: int = 7
) -> Agreement:
    """A synthetic agreement of this size (deterministic for a seed)."""
    rng = random.Random(seed)
    cat = catalogue_30()
    kinds = [k for k in cat.ids() if k != "us_backstop"]
    parties = sorted(c for c in world_bank_table().values if c not in ("UKR", "RUS"))[:n_parties]
    pledges: list[dict[str, Any]] = [
        {  # stands for five enablers; the pledges that depend on it wait until it is in place
            "id": "backstop",
            "party": "USA",
            "capability": "us_backstop",
            "quantity": 1,
            "readiness": "12 days",
            "location": "remote",
        }
    ]
    for i in range(n_pledges - 1):
        kind = rng.choice(kinds)
        cap = cat[kind]
        scale = 1e8 if kind == "financing_eur_per_year" else 1
        pledge: dict[str, Any] = {
            "id": f"p{i}",
            "party": rng.choice(parties),
            "capability": kind,
            "quantity": rng.randint(1, min(6, int(cap.max_per_pledge))) * scale,
            "readiness": f"{rng.randint(0, 45)} days",
            "location": rng.choice(PLACES),
        }
        roll = rng.random()
        if roll < 0.10:
            pledge["caveats"] = [{"kind": "no_deployment_in", "where": ["beneficiary_territory"]}]
        elif roll < 0.18:
            pledge["caveats"] = [{"kind": "only_from", "where": ["neighbouring_state"]}]
        elif roll < 0.24:
            pledge["caveats"] = [{"kind": "subject_to_vote", "expected_delay": "10 days"}]
        if rng.random() < 0.08:
            pledge["depends_on"] = ["backstop"]
        elif i > 10 and rng.random() < 0.05:
            pledge["depends_on"] = [f"p{rng.randint(0, i - 1)}"]
        pledges.append(pledge)
    needs = [{"capability": "us_backstop", "quantity": 1, "where": "remote", "priority": 1}]
    for _ in range(n_requirements - 1):
        kind = rng.choice(kinds)
        scale = 1e8 if kind == "financing_eur_per_year" else 1
        needs.append(
            {
                "capability": kind,
                "quantity": rng.randint(1, 12) * scale,
                "where": rng.choice(PLACES),
                "needed_within": f"{rng.randint(3, 40)} days",
                "priority": rng.randint(1, 5),
            }
        )
    return Agreement.model_validate(
        {
            "id": "bench",
            "title": "synthetic coalition",
            "nature": "politically_binding",
            "parties": [{"id": p, "name": p} for p in [*parties, "UKR"]],
            "roles": [{"party": "UKR", "role": "beneficiary"}],
            "ladder": {"steps": [{"id": "s", "order": 1, "action": "respond", "needs": needs}]},
            "pledges": pledges,
        }
    )


def measure(n_requirements: int, without_us: bool, out: Any) -> None:
    """Run one size in this (fresh) process and send the figures back."""
    agreement = coalition(n_requirements)
    cat = catalogue_30()
    scenario = LoadedScenario(Scenario(years=MISSION_YEARS))
    without = ["USA"] if without_us else []
    tracemalloc.start()
    t0 = time.perf_counter()
    c0 = time.process_time()
    setup = prepare_step(agreement, "s", cat, scenario, without, None, None, [])
    problem, avail = setup.problem, setup.availability
    basis = fair_share_basis(
        setup.agreement, [setup.step], set(setup.view.left_out), scenario.scenario, None
    )
    t1 = time.perf_counter()
    c1 = time.process_time()
    x_greedy = greedy(problem)
    t2 = time.perf_counter()
    c2 = time.process_time()
    solution = optimise(problem, basis, time_limit=120)
    t3 = time.perf_counter()
    c3 = time.process_time()
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out.put(
        {
            "requirements": n_requirements,
            "without_us": without_us,
            "arcs": len(problem.arcs),
            "offers": len(problem.offers),
            "unavailable": len(avail.unavailable),
            "build_s": t1 - t0,
            "build_cpu_s": c1 - c0,
            "greedy_s": t2 - t1,
            "milp_s": t3 - t2,
            "milp_cpu_s": c3 - c2,
            "stages": {s.name: round(s.seconds, 3) for s in solution.stages},
            "proven": solution.proven,
            "greedy_pct": coverage(problem, x_greedy),
            "milp_pct": coverage(problem, solution.x),
            "py_peak_mb": py_peak / 2**20,
            "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def run_isolated(n: int, without_us: bool) -> dict[str, Any]:
    """One measurement in a fresh process so that peak memory is per size."""
    ctx = mp.get_context("spawn")
    queue: Any = ctx.Queue()
    proc = ctx.Process(target=measure, args=(n, without_us, queue))
    proc.start()
    result: dict[str, Any] = queue.get()
    proc.join()
    return result


def main() -> None:
    """Print the scaling table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size only (50 requirements)")
    parser.add_argument(
        "--size", type=int, action="append", help="only this number of requirements (repeatable)"
    )
    args = parser.parse_args()
    sizes = args.size or ([50] if args.quick else [10, 50, 100, 200, 400, 700, 1000])
    print(
        f"40 parties, {len(catalogue_30().ids())} capability kinds, 1,200 pledges (~24 % with "
        "caveats, ~13 % with dependencies, a US backstop of five enablers that dependants wait "
        f"for), a {MISSION_YEARS:g}-year mission; machine: 2 cores, 24 GB, shared (timings are noisy)"
    )
    header = (
        f"{'reqs':>5} {'variant':>7} {'arcs':>6} {'build cpu s':>11} {'greedy s':>9} {'MILP s':>7} "
        f"{'MILP cpu s':>10} "
        f"{'proven':>6} {'greedy %':>9} {'MILP %':>7} {'gain pp':>8} {'MILP/greedy time':>17} "
        f"{'py peak MB':>10} {'RSS peak MB':>11}"
    )
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    print(header, flush=True)
    for n in sizes:
        for without_us in (False, True):
            r = run_isolated(n, without_us)
            ratio = r["milp_s"] / max(r["greedy_s"], 1e-9)
            print(
                f"{n:>5} {'no US' if without_us else 'all':>7} {r['arcs']:>6} {r['build_cpu_s']:>11.3f} "
                f"{r['greedy_s']:>9.4f} {r['milp_s']:>7.3f} {r['milp_cpu_s']:>10.3f} "
                f"{r['proven']!s:>6} "
                f"{r['greedy_pct']:>9.2f} {r['milp_pct']:>7.2f} "
                f"{r['milp_pct'] - r['greedy_pct']:>8.2f} {ratio:>17.0f} "
                f"{r['py_peak_mb']:>10.1f} {r['rss_peak_mb']:>11.0f}"
            )
            print(f"      stages (wall s): {r['stages']}", file=sys.stderr, flush=True)
            sys.stdout.flush()
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
