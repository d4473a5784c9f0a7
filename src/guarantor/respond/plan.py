"""The planner: requirements → allocation → tasking, gaps, fair shares, for one step and variant."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from guarantor.errors import Position, UserError
from guarantor.model import Agreement
from guarantor.respond.availability import Availability, Unavailable, check_pledges
from guarantor.respond.catalogue import Catalogue, default_catalogue
from guarantor.respond.fairness import FairShare, fair_share_basis, fair_shares
from guarantor.respond.gaps import Gap, find_gaps
from guarantor.respond.greedy import coverage, greedy
from guarantor.respond.optimise import Infeasible, Solution, optimise
from guarantor.respond.problem import AllocationProblem, build_problem
from guarantor.respond.requirements import Requirement, find_step, step_requirements
from guarantor.respond.scenario import LoadedScenario, Scenario, load_scenario

Locator = Callable[[tuple[str | int, ...]], Position | None]
Method = Literal["milp", "greedy"]


@dataclass(frozen=True)
class Task:
    """One line of the tasking table: who sends how much of what, where, by when."""

    party: str
    pledge: str
    capability: str
    quantity: float
    unit: str | None
    where: str
    for_need_at: str
    by_days: float
    by: str
    late_days: float
    requirement: str


@dataclass
class ResponsePlan:
    """The outcome of planning one step of an agreement under one variant."""

    agreement: str
    step: str
    label: str
    without: list[str]
    method: Method
    requirements: list[Requirement]
    tasking: list[Task]
    gaps: list[Gap]
    fair: list[FairShare]
    unavailable: list[Unavailable]
    coverage_pct: float
    greedy_coverage_pct: float
    solution: Solution | None
    gdp_source: str
    integer_units: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The scriptable shape: coverage_pct, tasking, gaps, fair_share, unavailable_pledges."""
        merged: dict[tuple[str, str, str, str], float] = defaultdict(float)
        for t in self.tasking:
            merged[(t.party, t.capability, t.where, t.by)] += t.quantity
        return {
            "coverage_pct": round(self.coverage_pct, 2),
            "tasking": [
                {
                    "party": p,
                    "capability": c,
                    "quantity": _number(q, self.integer_units.get(c, False)),
                    "where": w,
                    "by": b,
                }
                for (p, c, w, b), q in sorted(merged.items())
            ],
            "gaps": [
                {
                    "capability": g.capability,
                    "quantity": _number(g.quantity, self.integer_units.get(g.capability, False)),
                    "reason": f"{g.reason} [{g.requirement}, {g.where}]",
                }
                for g in self.gaps
            ],
            "fair_share": {
                f.party: (round(f.ratio, 3) if f.ratio is not None else None) for f in self.fair
            },
            "unavailable_pledges": [
                {"party": u.party, "pledge": u.pledge, "reason": u.reason} for u in self.unavailable
            ],
        }


def _number(value: float, integer: bool) -> float | int:
    if integer or float(value).is_integer():
        return round(value)
    return round(value, 2)


def format_by(days: float, activation: dt.datetime | None) -> str:
    """'D+14' days after activation, or the UTC instant when the scenario sets an activation time."""
    if activation is None:
        return f"D+{days:.2f}".rstrip("0").rstrip(".")
    when = activation + dt.timedelta(days=days)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def plan_step(
    agreement: Agreement,
    step: str,
    *,
    catalogue: Catalogue | None = None,
    scenario: LoadedScenario | None = None,
    without: Sequence[str] = (),
    data_dir: Path | None = None,
    locate: Locator | None = None,
    method: Method = "milp",
    time_limit: float = 60.0,
    label: str | None = None,
) -> ResponsePlan:
    """Plan one ladder step: who sends what where by when, what is missing and why, fair shares."""
    started = time.perf_counter()
    catalogue = catalogue or default_catalogue()
    loaded = scenario if scenario is not None else load_scenario(None)
    sc = loaded.scenario
    known = agreement.party_ids()
    unknown = [p for p in without if p not in known]
    if unknown:
        raise UserError(
            f"--without names {', '.join(unknown)}, not a party of {agreement.id}; parties: "
            + ", ".join(sorted(known))
        )
    _, ladder_step = find_step(agreement, step)
    measured_notes: list[str] = []
    if sc.situation_from:
        loaded, measured_notes = _measure_situation(loaded, data_dir)
        sc = loaded.scenario
    requirements = step_requirements(agreement, ladder_step.id, catalogue, loaded, locate)
    excluded = agreement.expand(sorted(without)) if without else set()
    availability = check_pledges(agreement, ladder_step, catalogue, sc, set(without), locate)
    problem = build_problem(requirements, availability, catalogue, sc)
    basis = fair_share_basis(agreement, ladder_step, availability, excluded, sc, data_dir)
    baseline = greedy(problem)
    baseline_pct = coverage(problem, baseline)
    solution: Solution | None = None
    if method == "milp":
        try:
            solution = optimise(problem, basis, time_limit)
        except Infeasible:
            raise _diagnose(
                agreement, ladder_step.id, problem, requirements, availability, catalogue, sc
            ) from None
        x = solution.x
    else:
        x = baseline
    notes = measured_notes + list(availability.notes) + list(basis.notes)
    if solution is not None and not solution.proven:
        notes.append(
            "the solver stopped at its time limit: this plan is the best found, not a proven optimum"
        )
    for party, why in sorted(basis.unmeasured.items()):
        notes.append(f"fair share of {party} not measured: {why}")
    tasking = _tasking(problem, x, sc.activation)
    value_by_party: dict[str, float] = defaultdict(float)
    unpriced: set[tuple[str, str]] = set()
    for t in tasking:
        value_by_party[t.party] += t.quantity * catalogue[t.capability].value_eur
        if catalogue[t.capability].value_eur == 0:
            unpriced.add((t.party, t.capability))
    for party, kind in sorted(unpriced):
        notes.append(
            f"{party} is tasked {kind}, which the catalogue does not monetise: its fair-share "
            "ratio leaves it out (no ratio when that is all it is tasked)"
        )
    return ResponsePlan(
        agreement=agreement.id,
        step=ladder_step.id,
        label=label or ("without " + ", ".join(without) if without else "all parties"),
        without=sorted(without),
        method=method,
        requirements=problem.requirements,
        tasking=tasking,
        gaps=find_gaps(problem, x, catalogue),
        fair=[
            dataclasses.replace(f, ratio=None, band="n/a")
            if f.value_eur == 0 and any(p == f.party for p, _ in unpriced)
            else f
            for f in fair_shares(basis, dict(value_by_party))
        ],
        unavailable=availability.unavailable,
        coverage_pct=coverage(problem, x),
        greedy_coverage_pct=baseline_pct,
        solution=solution,
        gdp_source=basis.source,
        integer_units={k: c.integer for k, c in catalogue.capabilities.items()},
        notes=notes,
        seconds=time.perf_counter() - started,
    )


def _tasking(
    problem: AllocationProblem, x: NDArray[np.float64], activation: dt.datetime | None
) -> list[Task]:
    out: list[Task] = []
    for a, arc in enumerate(problem.arcs):
        if x[a] <= 1e-9:
            continue
        offer = problem.offers[arc.offer]
        req = problem.requirements[arc.req]
        out.append(
            Task(
                party=offer.party,
                pledge=offer.pledge,
                capability=offer.capability,
                quantity=float(x[a]),
                unit=req.unit,
                where=arc.place.value,
                for_need_at=req.where.value,
                by_days=offer.ready_days,
                by=format_by(offer.ready_days, activation),
                late_days=arc.late_days,
                requirement=req.id,
            )
        )
    return sorted(out, key=lambda t: (t.party, t.capability, t.pledge, t.requirement))


def _diagnose(
    agreement: Agreement,
    step: str,
    problem: AllocationProblem,
    requirements: list[Requirement],
    availability: Availability,
    catalogue: Catalogue,
    scenario: Scenario,
) -> UserError:
    """Explain, per hard requirement, why it cannot be met in full (from the soft plan's gaps)."""
    soft_reqs = [dataclasses.replace(r, hard=False) for r in requirements]
    soft = build_problem(soft_reqs, availability, catalogue, scenario)
    x = optimise(soft, None).x
    hard_ids = {r.id for r in requirements if r.hard}
    lines = [
        f"{g.requirement} {g.capability} @ {g.where}: {g.quantity:g} {g.unit or ''} short: {g.reason}".replace(
            "  ", " "
        )
        for g in find_gaps(soft, x, catalogue)
        if g.requirement in hard_ids
    ]
    return UserError(
        f"step {step!r} of {agreement.id} cannot meet its hard requirements in full",
        details=lines or ["(the requirements marked hard: true cannot be met together)"],
    )


def _measure_situation(
    loaded: LoadedScenario, data_dir: Path | None
) -> tuple[LoadedScenario, list[str]]:
    """The scenario with its `situation_from` values measured on the real data."""
    from guarantor.respond.situation import contact_line_km

    sc = loaded.scenario
    values = dict(sc.situation)
    notes: list[str] = []
    for name, spec in sorted(sc.situation_from.items()):
        where = loaded.locate("situation_from", name)
        if name in values:
            raise UserError(f"{name!r} is given both in situation and in situation_from", where)
        if data_dir is None:
            raise UserError(
                f"{name!r} is to be measured by the territory room, but no data folder was "
                "found: pass --data DIR (see ../shared/data/PROVENANCE.md)",
                where,
            )
        km, snapshot = contact_line_km(data_dir, spec.date)
        values[name] = km
        notes.append(f"{name} = {km:,.1f} km, measured on {snapshot} (territory room, geodesic)")
    updated = sc.model_copy(update={"situation": values})
    return LoadedScenario(updated, loaded.source), notes
