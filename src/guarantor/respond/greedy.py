"""The greedy baseline: most urgent needs first, each filled from the soonest-ready offers."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numpy.typing import NDArray

from guarantor.respond.problem import AllocationProblem


def greedy(problem: AllocationProblem) -> NDArray[np.float64]:
    """Quantities per arc: requirements by (priority, needed-by), offers by (on time, ready, cost)."""
    left = [offer.quantity for offer in problem.offers]
    arcs_of: dict[int, list[int]] = defaultdict(list)
    for a, arc in enumerate(problem.arcs):
        arcs_of[arc.req].append(a)
    order = sorted(
        range(len(problem.requirements)),
        key=lambda r: (
            problem.requirements[r].priority,
            problem.requirements[r].needed_by_days
            if problem.requirements[r].needed_by_days is not None
            else float("inf"),
            problem.requirements[r].id,
        ),
    )
    x = np.zeros(len(problem.arcs))
    for r in order:
        need = problem.requirements[r].quantity
        candidates = sorted(
            arcs_of.get(r, []),
            key=lambda a: (
                -problem.arcs[a].factor,
                problem.offers[problem.arcs[a].offer].ready_days,
                problem.offers[problem.arcs[a].offer].cost_per_unit,
                problem.offers[problem.arcs[a].offer].pledge,
            ),
        )
        for a in candidates:
            if need <= 0:
                break
            o = problem.arcs[a].offer
            take = min(need, left[o])
            if problem.integer[a]:
                take = float(np.floor(take + 1e-9))
            if take > 0:
                x[a] = take
                left[o] -= take
                need -= take
    return x


def coverage(problem: AllocationProblem, x: NDArray[np.float64]) -> float:
    """Priority-weighted coverage in percent (late units count at their lateness factor)."""
    total = problem.total_weight()
    if total <= 0:
        return 100.0
    if len(problem.arcs) == 0:
        return 0.0
    c = problem.coverage_vector() / problem.scale
    return float(100.0 * (c @ x) / total)
