"""Requirements: what a ladder step needs, with quantities from the situation."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from guarantor.errors import Position, UserError
from guarantor.model import Agreement, CapabilityNeed, LadderStep, Where
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.formula import evaluate
from guarantor.respond.scenario import LoadedScenario, ScenarioNeed

Locator = Callable[[tuple[str | int, ...]], Position | None]


@dataclass(frozen=True)
class Requirement:
    """One need of a step, resolved to a number: capability, quantity, where, by when, priority."""

    id: str
    step: str
    capability: str
    quantity: float
    unit: str | None
    where: Where
    needed_by_days: float | None  # days after activation; None = no deadline
    priority: int
    front_line: bool = False
    hard: bool = False
    formula: str | None = None
    origin: str = "agreement"


def find_step(agreement: Agreement, step: str) -> tuple[int, LadderStep]:
    """The ladder step with this id or order number (and its index), or a UserError."""
    for index, candidate in enumerate(agreement.ladder.steps):
        if candidate.id == step or str(candidate.order) == step:
            return index, candidate
    for standing in agreement.standing:  # a standing duty with needs is planned like a step
        if standing.id == step and standing.needs:
            return -1, standing.as_step(len(agreement.ladder.steps) + 1)
    plannable = [f"{s.id} ({s.order})" for s in agreement.ladder.steps]
    plannable += [f"{s.id} (standing)" for s in agreement.standing if s.needs]
    known = ", ".join(plannable) or "none"
    raise UserError(f"agreement {agreement.id!r} has no ladder step {step!r}; steps: {known}")


def step_requirements(
    agreement: Agreement,
    step: str,
    catalogue: Catalogue,
    scenario: LoadedScenario,
    locate: Locator | None = None,
) -> list[Requirement]:
    """The requirement list of a step: its needs, overridden or extended by the scenario."""
    index, ladder_step = find_step(agreement, step)
    entries: list[tuple[CapabilityNeed, str, Position | None]] = []
    overrides = scenario.scenario.steps.get(ladder_step.id) or scenario.scenario.steps.get(
        str(ladder_step.order)
    )
    scenario_key = (
        ladder_step.id if ladder_step.id in scenario.scenario.steps else str(ladder_step.order)
    )
    replaced: set[tuple[str, Where]] = set()
    if overrides is not None:
        replaced = {(n.capability, n.where) for n in overrides.needs}
    if overrides is None or not overrides.replace:
        for i, need in enumerate(ladder_step.needs):
            if (need.capability, need.where) in replaced:
                continue
            where = locate(("ladder", "steps", index, "needs", i)) if locate else None
            entries.append((need, "agreement", where))
    if overrides is not None:
        for i, need in enumerate(overrides.needs):
            entries.append((need, "scenario", scenario.locate("steps", scenario_key, "needs", i)))
    default_by = (
        ladder_step.within.days() if ladder_step.within and ladder_step.within.has_unit else None
    )
    out: list[Requirement] = []
    for n, (need, origin, where) in enumerate(entries):
        out.append(
            _resolve(ladder_step.id, n, need, origin, where, catalogue, scenario, default_by)
        )
    return out


def _resolve(
    step_id: str,
    n: int,
    need: CapabilityNeed,
    origin: str,
    where: Position | None,
    catalogue: Catalogue,
    scenario: LoadedScenario,
    default_by: float | None,
) -> Requirement:
    if need.formula is not None:
        quantity = evaluate(need.formula, scenario.scenario.situation, where)
        if quantity < 0:
            raise UserError(
                f"formula {need.formula!r} gives a negative quantity ({quantity:g})", where
            )
    elif need.quantity is not None:
        quantity = need.quantity
    else:
        raise UserError(
            f"the need for {need.capability!r} has neither a quantity nor a formula", where
        )
    cap = catalogue.get(need.capability)
    if cap is not None and cap.integer:
        quantity = float(math.ceil(quantity - 1e-9))
    if cap is not None and not cap.accepts_unit(need.unit):
        raise UserError(
            f"the need for {need.capability!r} is counted in {need.unit!r}, but the catalogue "
            f"counts it in {cap.unit!r}",
            where,
        )
    if need.needed_within is not None and not need.needed_within.has_unit:
        raise UserError("needed_within needs a unit, e.g. '7 days'", where)
    by = need.needed_within.days() if need.needed_within is not None else default_by
    flags = need if isinstance(need, ScenarioNeed) else None
    return Requirement(
        id=f"{step_id}#{n + 1}",
        step=step_id,
        capability=need.capability,
        quantity=quantity,
        unit=need.unit,
        where=need.where,
        needed_by_days=by,
        priority=need.priority,
        front_line=flags.front_line if flags else False,
        hard=flags.hard if flags else False,
        formula=need.formula,
        origin=origin,
    )
