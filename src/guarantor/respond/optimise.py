"""The allocation MILP (HiGHS through highspy): coverage first, then fairness, then cost."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix

from guarantor.respond.fairness import FairShareBasis
from guarantor.respond.problem import AllocationProblem

BN = 1e9  # values and costs enter the model in EUR bn, for numerical range
REL_TOL = 1e-7  # how far a later stage may give back an earlier stage's optimum (relative)
MIP_GAP = 1e-6  # relative gap at which HiGHS may call the coverage optimum proven
# Fairness is proven to within 1 % of the optimal deviation (or EUR 1 m; values are in EUR bn)
# and cost to within 0.01 %: the catalogue's costs are mostly assumed orders of magnitude, so finer
# fairness differences mean nothing, and proving them takes branch and bound minutes, not
# seconds (measured: benchmarks/README.md).
FAIR_REL_GAP = 1e-2
COST_REL_GAP = 1e-4
LATER_ABS_GAP = 1e-3
REL_GAP = {"coverage": MIP_GAP, "fairness": FAIR_REL_GAP, "cost": COST_REL_GAP}
LOG = False  # True prints the HiGHS log of every stage (for diagnosis)
HEURISTIC_EFFORT = 0.05  # HiGHS default; stated so that the benchmark can vary it


@dataclass(frozen=True)
class SolveStage:
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
    stages: list[SolveStage] = field(default_factory=list)

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
    problem: AllocationProblem, basis: FairShareBasis | None
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
        value = problem.money * problem.scale / BN
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


def _new_highs() -> highspy.Highs:
    """A HiGHS instance, without the banner HiGHS prints on stdout the first time (JSON stays pure)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def optimise(
    problem: AllocationProblem, basis: FairShareBasis | None, time_limit: float = 60.0
) -> Solution:
    """Solve the lexicographic stages; raise Infeasible when hard requirements cannot be met.

    Stages, each on the same HiGHS model: (1) maximise priority-weighted coverage; (2) hold every
    capability kind at its coverage optimum and minimise the fairness deviation; (3) hold that
    too and minimise cost. Each stage starts from the previous stage's plan (a feasible
    incumbent), which is what lets branch and bound prove the later optima quickly.
    """
    n = len(problem.arcs)
    if n == 0:
        return Solution(np.zeros(0))
    matrix, lb, ub, m = _matrices(problem, basis)
    extra = matrix.shape[1] - n
    ncol = n + extra
    upper = np.full(ncol, np.inf)
    for a, arc in enumerate(problem.arcs):
        cap = problem.offers[arc.offer].quantity
        need = problem.requirements[arc.req].quantity
        upper[a] = min(cap, need) / problem.scale[a]
    cover = np.concatenate([problem.coverage_vector(), np.zeros(extra)])
    # Plain L1: a relative distance (|M_p - t_p M| / t_p) would tell apart parties that are all
    # above their targets, but took 5-20 times longer to prove at 50 needs (docs/respond.md).
    fair = np.concatenate([np.zeros(n), np.ones(m), np.zeros(extra - m)])
    cost = np.concatenate([problem.cost * problem.scale / BN, np.zeros(extra)])

    inf = highspy.kHighsInf
    h = _new_highs()
    h.setOptionValue("output_flag", LOG)
    h.setOptionValue("random_seed", 0)
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = matrix.shape[0]
    lp.col_cost_ = np.zeros(ncol)
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.where(np.isfinite(upper), upper, inf)
    lp.row_lower_ = np.where(np.isfinite(lb), lb, -inf)
    lp.row_upper_ = np.where(np.isfinite(ub), ub, inf)
    csc = matrix.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    integer = np.concatenate([problem.integer, np.zeros(extra, dtype=bool)])
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer
    ]
    h.passModel(lp)
    all_cols = np.arange(ncol, dtype=np.int32)
    solution = Solution(np.zeros(n))
    deadline = time.perf_counter() + time_limit

    def run(
        name: str, objective: NDArray[np.float64], maximise: bool, start: NDArray[np.float64] | None
    ) -> NDArray[np.float64]:
        started = time.perf_counter()
        h.changeColsCost(ncol, all_cols, objective)
        h.changeObjectiveSense(
            highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        )
        h.setOptionValue("time_limit", max(1.0, deadline - started))
        h.setOptionValue("mip_rel_gap", REL_GAP[name])
        h.setOptionValue("mip_abs_gap", 1e-9 if name == "coverage" else LATER_ABS_GAP)
        h.setOptionValue("mip_heuristic_effort", HEURISTIC_EFFORT)
        if start is not None:
            incumbent = highspy.HighsSolution()
            incumbent.col_value = list(start)
            h.setSolution(incumbent)
        h.run()
        status = h.getModelStatus()
        seconds = time.perf_counter() - started
        if status == highspy.HighsModelStatus.kInfeasible:
            raise Infeasible(name)
        x = np.asarray(h.getSolution().col_value, dtype=float)
        if len(x) != ncol or not h.getInfo().primal_solution_status:
            raise RuntimeError(
                f"HiGHS stopped without a plan in stage {name!r}: {h.modelStatusToString(status)}"
            )
        proven = status == highspy.HighsModelStatus.kOptimal
        solution.stages.append(
            SolveStage(
                name,
                float(objective @ x),
                proven,
                float(h.getInfo().mip_gap),
                seconds,
                h.modelStatusToString(status),
            )
        )
        return x

    def hold(rows: csr_matrix, lower: NDArray[np.float64], upper_: NDArray[np.float64]) -> None:
        sparse = csr_matrix(rows)
        h.addRows(
            sparse.shape[0],
            np.where(np.isfinite(lower), lower, -inf),
            np.where(np.isfinite(upper_), upper_, inf),
            sparse.nnz,
            sparse.indptr[:-1].astype(np.int32),
            sparse.indices.astype(np.int32),
            sparse.data.astype(float),
        )

    x = run("coverage", cover, True, None)
    # Kinds (of one step) share no offer and no requirement, so the coverage optimum is the sum
    # of each kind's optimum: holding every kind at its own optimum is the same set of plans as
    # holding the total, and far easier for branch and bound than one dense row over every arc.
    groups = int(problem.group.max()) + 1
    rows = csr_matrix((cover[:n], (problem.group, np.arange(n))), shape=(groups, ncol))
    held = rows @ x
    hold(rows, held - REL_TOL * np.maximum(1.0, np.abs(held)), np.full(groups, np.inf))
    if m:
        x = run("fairness", fair, False, x)
        z2 = float(fair @ x)
        slack = max(1e-6, COST_REL_GAP * abs(z2))  # cost may give back 0.01 % of fairness
        hold(csr_matrix(fair.reshape(1, -1)), np.array([-np.inf]), np.array([z2 + slack]))
    x = run("cost", cost, False, x)
    values = x[:n] * problem.scale
    values[problem.integer] = np.round(values[problem.integer])
    solution.x = _top_up(problem, np.maximum(values, 0.0))
    return solution


def _top_up(problem: AllocationProblem, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Give back what solver tolerances shaved off divisible quantities (a few EUR of billions).

    A later stage may lower an earlier optimum by REL_TOL; for divisible kinds the cost stage
    spends exactly that, so a EUR 30 bn pledge comes out as 29,999,997,000. Where a need is short
    and its offer has spare, amounts within that tolerance go back.
    """
    sent_to = np.zeros(len(problem.requirements))
    used_by = np.zeros(len(problem.offers))
    for a, arc in enumerate(problem.arcs):
        sent_to[arc.req] += x[a]
        used_by[arc.offer] += x[a]
    for a, arc in enumerate(problem.arcs):
        if problem.integer[a] or x[a] <= 0:
            continue
        need = problem.requirements[arc.req].quantity
        short = need - sent_to[arc.req]
        spare = problem.offers[arc.offer].quantity - used_by[arc.offer]
        amount = min(short, spare)
        if 0 < amount <= 10 * REL_TOL * max(need, problem.offers[arc.offer].quantity):
            x[a] += amount
            sent_to[arc.req] += amount
            used_by[arc.offer] += amount
    return x
