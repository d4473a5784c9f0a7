"""The allocation MILP (HiGHS through scipy): coverage first, then fairness, then cost."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix

from guarantor.respond.fairness import FairShareBasis
from guarantor.respond.problem import Problem

BN = 1e9  # values and costs enter the model in EUR bn, for numerical range
REL_TOL = 1e-7  # how far a later stage may give back an earlier stage's optimum (relative)
MIP_GAP = 1e-6  # relative gap at which HiGHS may call a solution optimal


@dataclass(frozen=True)
class Stage:
    """One lexicographic stage: what was optimised, the optimum, and whether it was proven."""

    name: str
    objective: float
    proven: bool
    mip_gap: float
    seconds: float
    message: str


@dataclass
class Solution:
    """Quantities per arc (in real units) and the record of each stage."""

    x: NDArray[np.float64]
    stages: list[Stage] = field(default_factory=list)

    @property
    def proven(self) -> bool:
        """True when every stage was solved to a proven optimum."""
        return all(s.proven for s in self.stages)

    @property
    def seconds(self) -> float:
        """Solver time over all stages."""
        return sum(s.seconds for s in self.stages)


class Infeasible(Exception):
    """The hard requirements cannot all be met (raised for the planner to diagnose)."""


def _matrices(
    problem: Problem, basis: FairShareBasis | None
) -> tuple[csr_matrix, NDArray[np.float64], NDArray[np.float64], int]:
    """Constraint rows: offer capacity, requirement quantity, and the fairness deviations.

    Columns are [x (one per arc) | d (deviation per party) | V_p (value per party) | V (total)];
    the fairness block goes through V_p and V so that every row stays sparse.
    """
    n = len(problem.arcs)
    parties = basis.parties if basis is not None else []
    m = len(parties)
    extra = 2 * m + 1 if m else 0
    arc_offer = np.array([arc.offer for arc in problem.arcs], dtype=int)
    arc_req = np.array([arc.req for arc in problem.arcs], dtype=int)
    offers, offer_row = np.unique(arc_offer, return_inverse=True)
    reqs, req_row = np.unique(arc_req, return_inverse=True)
    offer_scale: dict[int, float] = {}
    req_scale: dict[int, float] = {}
    for a, arc in enumerate(problem.arcs):
        offer_scale[arc.offer] = float(problem.scale[a])
        req_scale[arc.req] = float(problem.scale[a])
    rows: list[NDArray[np.int64]] = [offer_row, len(offers) + req_row]
    cols: list[NDArray[np.int64]] = [np.arange(n), np.arange(n)]
    vals: list[NDArray[np.float64]] = [np.ones(n), np.ones(n)]
    lb: list[NDArray[np.float64]] = [np.zeros(len(offers))]
    ub: list[NDArray[np.float64]] = [
        np.array([problem.offers[o].quantity / offer_scale[o] for o in offers.tolist()])
    ]
    quantities = np.array([problem.requirements[r].quantity / req_scale[r] for r in reqs.tolist()])
    hard = np.array([problem.requirements[r].hard for r in reqs.tolist()], dtype=bool)
    lb.append(np.where(hard, quantities, 0.0))
    ub.append(quantities)
    r = len(offers) + len(reqs)
    if m and basis is not None:
        index = {p: k for k, p in enumerate(parties)}
        owner = np.array([index.get(problem.offers[o].party, -1) for o in arc_offer.tolist()])
        value = (
            np.array([problem.offers[arc.offer].value_per_unit for arc in problem.arcs])
            * problem.scale
            / BN
        )
        col_d, col_vp, col_v = n, n + m, n + 2 * m
        mask = (owner >= 0) & (value != 0)
        k = np.arange(m)
        # V_p - sum(value * x over p's arcs) = 0
        rows += [r + owner[mask], r + k]
        cols += [np.flatnonzero(mask), col_vp + k]
        vals += [-value[mask], np.ones(m)]
        lb.append(np.zeros(m))
        ub.append(np.zeros(m))
        r += m
        # V - sum(V_p) = 0
        rows += [np.full(m + 1, r)]
        cols += [np.concatenate([col_vp + k, [col_v]])]
        vals += [np.concatenate([-np.ones(m), [1.0]])]
        lb.append(np.zeros(1))
        ub.append(np.zeros(1))
        r += 1
        target = np.array([basis.target[p] for p in parties])
        for sign in (1.0, -1.0):
            # sign * (V_p - t_p V) - d_p <= 0, so d_p >= |V_p - t_p V|
            rows += [r + k, r + k, r + k]
            cols += [col_vp + k, np.full(m, col_v), col_d + k]
            vals += [np.full(m, sign), -sign * target, -np.ones(m)]
            lb.append(np.full(m, -np.inf))
            ub.append(np.zeros(m))
            r += m
    matrix = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(r, n + extra),
    ).tocsr()
    return matrix, np.concatenate(lb), np.concatenate(ub), m


def optimise(problem: Problem, basis: FairShareBasis | None, time_limit: float = 60.0) -> Solution:
    """Solve the lexicographic stages; raise Infeasible when hard requirements cannot be met."""
    n = len(problem.arcs)
    if n == 0:
        return Solution(np.zeros(0))
    matrix, lb, ub, m = _matrices(problem, basis)
    extra = matrix.shape[1] - n
    upper = np.full(n + extra, np.inf)
    for a, arc in enumerate(problem.arcs):
        cap = problem.offers[arc.offer].quantity
        need = problem.requirements[arc.req].quantity
        upper[a] = min(cap, need) / problem.scale[a]
    bounds = Bounds(np.zeros(n + extra), upper)
    integrality = np.concatenate([problem.integer.astype(int), np.zeros(extra, dtype=int)])
    cover = np.concatenate([problem.coverage_vector(), np.zeros(extra)])
    fair = np.concatenate([np.zeros(n), np.ones(m), np.zeros(extra - m)])
    per_unit = np.array([problem.offers[arc.offer].cost_per_unit for arc in problem.arcs])
    cost = np.concatenate([per_unit * problem.scale / BN, np.zeros(extra)])
    constraints: list[LinearConstraint] = [LinearConstraint(matrix, lb, ub)]
    solution = Solution(np.zeros(n))
    deadline = time.perf_counter() + time_limit

    def run(name: str, objective: NDArray[np.float64], sense: float) -> NDArray[np.float64]:
        started = time.perf_counter()
        res = milp(
            c=sense * objective,
            constraints=constraints,
            integrality=integrality,
            bounds=bounds,
            options={
                "time_limit": max(1.0, deadline - started),
                "mip_rel_gap": MIP_GAP,
                "presolve": True,
            },
        )
        seconds = time.perf_counter() - started
        if res.x is None:
            if res.status == 2:
                raise Infeasible(name)
            raise RuntimeError(f"HiGHS stopped without a solution in stage {name!r}: {res.message}")
        gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
        x = np.asarray(res.x, dtype=float)
        solution.stages.append(
            Stage(name, float(objective @ x), res.status == 0, gap, seconds, str(res.message))
        )
        return x

    x = run("coverage", cover, -1.0)
    z1 = float(cover @ x)
    constraints.append(
        LinearConstraint(cover.reshape(1, -1), z1 - REL_TOL * max(1.0, abs(z1)), np.inf)
    )
    if m:
        x = run("fairness", fair, 1.0)
        z2 = float(fair @ x)
        constraints.append(
            LinearConstraint(fair.reshape(1, -1), -np.inf, z2 + REL_TOL * max(1.0, abs(z2)) + 1e-9)
        )
    x = run("cost", cost, 1.0)
    values = x[:n] * problem.scale
    values[problem.integer] = np.round(values[problem.integer])
    solution.x = np.maximum(values, 0.0)
    return solution
