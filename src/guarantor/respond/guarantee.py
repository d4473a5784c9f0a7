"""The whole guarantee: every step with needs planned together, fair over all of it and its years.

Each step keeps its own coverage optimum (its pledges are offered to each step it serves, as in a
single step's plan); the fairness stage then chooses, among those optima, the tasking whose money
over the guarantee's years is closest to each party's fair share of the whole, not of each step.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.respond.catalogue import Catalogue, default_catalogue
from guarantor.respond.contributions import Contributions, contributions
from guarantor.respond.fairness import fair_share_basis
from guarantor.respond.greedy import coverage, greedy
from guarantor.respond.optimise import Infeasible, Solution, optimise
from guarantor.respond.plan import (
    Locator,
    Method,
    ResponsePlan,
    assemble,
    check_scenario_steps,
    measured_scenario,
    plan_step,
    prepare_step,
    resolve_without,
)
from guarantor.respond.problem import merge_problems, split_solution
from guarantor.respond.scenario import LoadedScenario


@dataclass
class GuaranteePlan:
    """Every step with needs, planned together under one variant, and the money over the years."""

    agreement: str
    label: str
    without: list[str]
    plans: list[ResponsePlan]
    contributions: Contributions
    solution: Solution | None
    seconds: float = 0.0


def steps_with_needs(agreement: Agreement, scenario: LoadedScenario) -> list[str]:
    """Ids of the steps and standing duties that name capability needs (agreement or scenario)."""
    extra = scenario.scenario.steps
    out = []
    for step in agreement.ladder.steps:
        settings = extra.get(step.id) or extra.get(str(step.order))
        if step.needs or (settings is not None and settings.needs):
            out.append(step.id)
    out += [s.id for s in agreement.standing if s.needs]  # standing duties are planned like steps
    return out


def plan_guarantee(
    agreement: Agreement,
    *,
    catalogue: Catalogue | None = None,
    scenario: LoadedScenario | None = None,
    without: Sequence[str] = (),
    data_dir: Path | None = None,
    locate: Locator | None = None,
    method: Method = "milp",
    time_limit: float = 60.0,
    label: str | None = None,
    years: float | None = None,
) -> GuaranteePlan:
    """Plan every step with needs together; fair shares over the whole guarantee and its years."""
    started = time.perf_counter()
    catalogue = catalogue or default_catalogue()
    without = resolve_without(agreement, without)
    loaded, measured = measured_scenario(scenario, data_dir)
    check_scenario_steps(agreement, loaded)
    steps = steps_with_needs(agreement, loaded)
    setups = [
        prepare_step(agreement, s, catalogue, loaded, without, locate, years, measured)
        for s in steps
    ]
    view = setups[0].view if setups else None
    left_out = set(view.left_out) if view is not None else set()
    ag = view.agreement if view is not None else agreement
    basis = fair_share_basis(ag, [s.step for s in setups], left_out, loaded.scenario, data_dir)
    problems = [s.problem for s in setups]
    solution: Solution | None = None
    if method == "milp":
        try:
            solution = optimise(merge_problems(problems), basis, time_limit)
        except Infeasible:
            for s in steps:  # the step that cannot meet its hard needs says why
                plan_step(
                    agreement,
                    s,
                    catalogue=catalogue,
                    scenario=loaded,
                    without=without,
                    data_dir=data_dir,
                    locate=locate,
                    time_limit=time_limit,
                    years=years,
                )
            raise UserError(
                f"the hard requirements of {agreement.id}'s steps cannot be met together"
            ) from None
        xs = split_solution(problems, solution.x)
    else:
        xs = [greedy(p) for p in problems]
    plans = [
        assemble(
            s, x, solution, coverage(s.problem, greedy(s.problem)), basis, catalogue, method, label
        )
        for s, x in zip(setups, xs, strict=True)
    ]
    result = GuaranteePlan(
        agreement=agreement.id,
        label=plans[0].label if plans else (label or "all parties"),
        without=sorted(without),
        plans=plans,
        contributions=contributions(plans, basis, catalogue),
        solution=solution,
    )
    result.seconds = time.perf_counter() - started
    return result
