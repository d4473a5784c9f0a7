"""Requirements: what a ladder step needs, with quantities from the situation."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

from guarantor.errors import Position, UserError
from guarantor.model import Agreement, CapabilityNeed, LadderStep, Where
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.formula import evaluate
from guarantor.respond.scenario import LoadedScenario, ScenarioNeed
from guarantor.rules.compile import part_provenance, provenance
from guarantor.rules.plan import Provenance

Locator = Callable[[tuple[str | int, ...]], Position | None]


@dataclass(frozen=True)
class StepNeed:
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
    part_of: str | None = None  # the composite kind (us_backstop) this need is a part of
    weight_share: float = 1.0  # a composite's parts share its priority weight equally
    assumed: tuple[Provenance, ...] = ()  # the assumed clauses it rests on


def need_assumptions(step: LadderStep, index: int, need: CapabilityNeed) -> tuple[Provenance, ...]:
    """The assumed clauses a need of the agreement rests on: its quantity, or its default time."""
    part = f"needs[{index}]"
    prov = provenance(need.source, step.id, part) if need.source else part_provenance(step, part)
    out = [prov] if prov.assumed else []
    if need.needed_within is None and step.within is not None:
        within = part_provenance(step, "within")
        if within.assumed:
            out.append(within)
    return tuple(out)


def need_path(agreement: Agreement, index: int, step_id: str) -> tuple[str | int, ...]:
    """Where a step's (or a standing duty's) needs are written in the agreement file."""
    if index >= 0:
        return ("ladder", "steps", index, "needs")
    k = next(k for k, s in enumerate(agreement.standing) if s.id == step_id)
    return ("standing", k, "needs")


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
) -> list[StepNeed]:
    """The requirement list of a step: its needs, overridden or extended by the scenario."""
    index, ladder_step = find_step(agreement, step)
    entries: list[tuple[CapabilityNeed, str, Position | None, tuple[Provenance, ...]]] = []
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
            where = locate((*need_path(agreement, index, ladder_step.id), i)) if locate else None
            entries.append((need, "agreement", where, need_assumptions(ladder_step, i, need)))
    if overrides is not None:
        for i, need in enumerate(overrides.needs):
            where = scenario.locate("steps", scenario_key, "needs", i)
            entries.append((need, "scenario", where, ()))
    default_by = (
        ladder_step.within.days() if ladder_step.within and ladder_step.within.has_unit else None
    )
    out: list[StepNeed] = []
    for n, (need, origin, where, assumed) in enumerate(entries):
        whole = _resolve(ladder_step.id, n, need, origin, where, catalogue, scenario, default_by)
        whole = dataclasses.replace(whole, assumed=assumed)
        parts = catalogue.parts(need.capability)
        if len(parts) == 1:
            out.append(whole)
            continue
        for kind, per_unit in parts.items():  # a composite need is planned as its parts
            out.append(
                dataclasses.replace(
                    whole,
                    id=f"{whole.id}.{kind}",
                    capability=kind,
                    quantity=whole.quantity * per_unit,
                    unit=None,
                    part_of=need.capability,
                    weight_share=1.0 / len(parts),
                )
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
) -> StepNeed:
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
    return StepNeed(
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
