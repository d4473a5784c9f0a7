"""The planner: requirements → allocation → tasking, gaps, fair shares, for one step and variant."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from guarantor.errors import Position, UserError
from guarantor.model import Agreement, LadderStep, UnknownParty
from guarantor.respond.assumptions import merged, money_assumptions, offer_assumptions
from guarantor.respond.availability import (
    Availability,
    Delay,
    Unavailable,
    check_pledges,
    left_out_pledges,
)
from guarantor.respond.catalogue import Catalogue, default_catalogue
from guarantor.respond.fairness import FairShare, FairShareBasis, fair_share_basis, fair_shares
from guarantor.respond.gaps import Gap, find_gaps
from guarantor.respond.greedy import coverage, greedy
from guarantor.respond.money import MissionSpan, step_span
from guarantor.respond.optimise import Infeasible, Solution, optimise
from guarantor.respond.problem import AllocationProblem, build_problem
from guarantor.respond.requirements import StepNeed, find_step, step_requirements
from guarantor.respond.scenario import LoadedScenario, load_scenario
from guarantor.rules.plan import Provenance
from guarantor.rules.without import PartiesOut, Removal
from guarantor.rules.without import without as leave_out

Locator = Callable[[tuple[str | int, ...]], Position | None]
Method = Literal["milp", "greedy"]


@dataclass(frozen=True)
class Task:
    """One line of the tasking: who sends how much of what, where, by when, at what cost."""

    party: str
    pledge: str
    capability: str
    quantity: float
    unit: str | None
    where: str
    for_need_at: str
    by_days: float
    late_days: float
    requirement: str
    money_eur: float = 0.0  # what these units cost their sender over the mission
    units_held: float = 0.0  # units its sender holds for them (rotation over a long mission)
    years: float = 1.0  # years they serve
    delay: Delay | None = None  # the approval or vote that delays them
    waits_for: Delay | None = None  # the dependency they wait for
    part_of: str | None = None  # the composite kind (us_backstop) this is a part of
    assumed: tuple[Provenance, ...] = ()  # the assumed clauses it rests on


class PlanNoteKind(StrEnum):
    """What a plan's note is about."""

    measured = "measured"  # a situation value measured on the real data
    readiness_from_catalogue = "readiness_from_catalogue"  # pledges without a readiness
    not_proven = "not_proven"  # the solver stopped at its time limit
    unpriced = "unpriced"  # a party is tasked a kind without a money value


@dataclass(frozen=True)
class PlanNote:
    """Something the reader of a plan should know (words are made in respond.render)."""

    kind: PlanNoteKind
    subject: str = ""  # measured: the value's name; unpriced: the party
    items: tuple[str, ...] = ()  # readiness_from_catalogue: the pledges; unpriced: the kinds
    value: float = 0.0  # measured: the value
    source: str = ""  # measured: the snapshot it was measured on


@dataclass
class ResponsePlan:
    """The outcome of planning one step of an agreement under one variant."""

    agreement: str
    step: str
    label: str
    without: list[str]
    method: Method
    requirements: list[StepNeed]
    tasking: list[Task]
    gaps: list[Gap]
    fair: list[FairShare]
    unavailable: list[Unavailable]
    coverage_pct: float
    greedy_coverage_pct: float
    solution: Solution | None
    basis: FairShareBasis
    span: MissionSpan
    activation: dt.datetime | None = None
    removals: tuple[Removal, ...] = ()  # what leaving the parties out changed in the agreement
    integer_units: dict[str, bool] = field(default_factory=dict)
    notes: list[PlanNote] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def gdp_source(self) -> str:
        """Where the GDP figures of the fair shares come from."""
        return self.basis.source

    @property
    def assumed(self) -> tuple[Provenance, ...]:
        """Every assumed clause a result of this plan rests on."""
        return merged(
            *(r.assumed for r in self.requirements),
            *(t.assumed for t in self.tasking),
            *(f.assumed for f in self.fair),
            self.span.assumed,
        )


@dataclass
class StepSetup:
    """One step made ready to solve: its requirements, the pledges that stand, the problem."""

    agreement: Agreement  # with the parties left out taken out
    step: LadderStep
    requirements: list[StepNeed]
    availability: Availability
    problem: AllocationProblem
    span: MissionSpan
    view: PartiesOut
    scenario: LoadedScenario
    notes: list[PlanNote]


def check_scenario_steps(agreement: Agreement, loaded: LoadedScenario) -> None:
    """A UserError, at its line, for a scenario's `steps:` key that names no step of the agreement."""
    known = {s.id for s in agreement.ladder.steps} | {str(s.order) for s in agreement.ladder.steps}
    known |= {s.id for s in agreement.standing}
    for key in loaded.scenario.steps:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UserError(
                f"the scenario sets step {key!r}, which {agreement.id} does not have{hint} "
                "(steps and standing duties: " + ", ".join(sorted(known)) + ")",
                loaded.locate("steps", key),
            )


def resolve_without(agreement: Agreement, without: Sequence[str]) -> list[str]:
    """The ids of the parties --without names (by code, name or ISO code: "FR", "France", "FRA");
    a UserError, with the closest party, when one names no party of the agreement."""
    try:
        return agreement.party_names().resolve_all(without, "--without")
    except UnknownParty as exc:
        raise UserError(str(exc)) from None


def prepare_step(
    agreement: Agreement,
    step: str,
    catalogue: Catalogue,
    loaded: LoadedScenario,
    without: Sequence[str],
    locate: Locator | None,
    years: float | None,
    measured: list[PlanNote],
) -> StepSetup:
    """Requirements, availability and the allocation problem of one step under one variant."""
    view = leave_out(agreement, list(without))
    ag = view.agreement
    _, ladder_step = find_step(ag, step)
    positions = {
        p.id: (locate(("pledges", i)) if locate else None) for i, p in enumerate(agreement.pledges)
    }
    requirements = step_requirements(ag, ladder_step.id, catalogue, loaded, locate)
    availability = check_pledges(ag, ladder_step, catalogue, loaded.scenario, positions)
    order = {p.id: i for i, p in enumerate(agreement.pledges)}
    availability.unavailable = sorted(
        [*left_out_pledges(agreement, view, ladder_step, catalogue), *availability.unavailable],
        key=lambda u: order.get(u.pledge, len(order)),
    )
    span = step_span(ag, ladder_step, loaded.scenario, years)
    problem = build_problem(requirements, availability, catalogue, loaded.scenario, span)
    notes = list(measured)
    if availability.readiness_from_catalogue:
        notes.append(
            PlanNote(
                PlanNoteKind.readiness_from_catalogue,
                items=tuple(sorted(availability.readiness_from_catalogue)),
            )
        )
    return StepSetup(
        ag, ladder_step, requirements, availability, problem, span, view, loaded, notes
    )


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
    years: float | None = None,
) -> ResponsePlan:
    """Plan one ladder step: who sends what where by when, what is missing and why, fair shares."""
    started = time.perf_counter()
    catalogue = catalogue or default_catalogue()
    without = resolve_without(agreement, without)
    loaded, measured = measured_scenario(scenario, data_dir)
    check_scenario_steps(agreement, loaded)
    setup = prepare_step(agreement, step, catalogue, loaded, without, locate, years, measured)
    basis = fair_share_basis(
        setup.agreement, [setup.step], set(setup.view.left_out), loaded.scenario, data_dir
    )
    baseline = greedy(setup.problem)
    solution: Solution | None = None
    if method == "milp":
        try:
            solution = optimise(setup.problem, basis, time_limit)
        except Infeasible:
            raise _diagnose(setup, catalogue) from None
        x = solution.x
    else:
        x = baseline
    plan = assemble(
        setup, x, solution, coverage(setup.problem, baseline), basis, catalogue, method, label
    )
    plan.seconds = time.perf_counter() - started
    return plan


def assemble(
    setup: StepSetup,
    x: NDArray[np.float64],
    solution: Solution | None,
    baseline_pct: float,
    basis: FairShareBasis,
    catalogue: Catalogue,
    method: Method,
    label: str | None,
) -> ResponsePlan:
    """The plan of one step from a solution of its problem."""
    without = list(setup.view.parties)
    notes = list(setup.notes)
    if solution is not None and not solution.proven:
        notes.append(PlanNote(PlanNoteKind.not_proven))
    tasking = make_tasking(setup, x, catalogue)
    money, unpriced, assumed = party_money(tasking, catalogue)
    for party, kinds in sorted(unpriced.items()):
        if money.get(party, 0.0) == 0:  # tasked nothing with a money value: it gets no ratio
            notes.append(PlanNote(PlanNoteKind.unpriced, party, tuple(sorted(kinds))))
    return ResponsePlan(
        agreement=setup.agreement.id,
        step=setup.step.id,
        label=label or ("without " + ", ".join(without) if without else "all parties"),
        without=sorted(without),
        method=method,
        requirements=setup.problem.requirements,
        tasking=tasking,
        gaps=find_gaps(setup.problem, x, catalogue),
        fair=fair_shares(basis, money, set(unpriced), assumed),
        unavailable=setup.availability.unavailable,
        coverage_pct=coverage(setup.problem, x),
        greedy_coverage_pct=baseline_pct,
        solution=solution,
        basis=basis,
        span=setup.span,
        activation=setup.scenario.scenario.activation,
        removals=setup.view.removals,
        integer_units={k: c.integer for k, c in catalogue.capabilities.items()},
        notes=notes,
    )


def party_money(
    tasking: Sequence[Task], catalogue: Catalogue
) -> tuple[dict[str, float], dict[str, set[str]], dict[str, tuple[Provenance, ...]]]:
    """Money per party, the unmonetised kinds each is tasked, and the assumed costs it rests on."""
    money: dict[str, float] = defaultdict(float)
    unpriced: dict[str, set[str]] = defaultdict(set)
    assumed: dict[str, tuple[Provenance, ...]] = {}
    for t in tasking:
        money[t.party] += t.money_eur
        cap = catalogue.get(t.capability)
        if cap is not None and not cap.monetised:
            unpriced[t.party].add(t.capability)
        assumed[t.party] = merged(
            assumed.get(t.party, ()), money_assumptions(catalogue, t.capability)
        )
    return dict(money), dict(unpriced), assumed


def make_tasking(setup: StepSetup, x: NDArray[np.float64], catalogue: Catalogue) -> list[Task]:
    """The tasks of a solution: one per arc that sends something."""
    problem = setup.problem
    pledges = {p.id: p for p in setup.agreement.pledges}
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
                late_days=arc.late_days,
                requirement=req.id,
                money_eur=float(x[a] * problem.money[a]),
                units_held=float(x[a] * problem.held[a]),
                years=float(problem.years[a]),
                delay=offer.delay,
                waits_for=offer.waits_for,
                part_of=offer.composite,
                assumed=merged(
                    req.assumed, offer_assumptions(offer, pledges.get(offer.pledge), catalogue)
                ),
            )
        )
    return sorted(out, key=lambda t: (t.party, t.capability, t.pledge, t.requirement))


def _diagnose(setup: StepSetup, catalogue: Catalogue) -> UserError:
    """Explain, per hard requirement, why it cannot be met in full (from the soft plan's gaps)."""
    from guarantor.respond.render import gap_reason

    soft_reqs = [dataclasses.replace(r, hard=False) for r in setup.requirements]
    soft = build_problem(
        soft_reqs, setup.availability, catalogue, setup.scenario.scenario, setup.span
    )
    x = optimise(soft, None).x
    hard_ids = {r.id for r in setup.requirements if r.hard}
    lines = [
        f"{g.requirement} {g.capability} @ {g.where}: {g.quantity:g} {g.unit or ''} short: "
        f"{gap_reason(g)}".replace("  ", " ")
        for g in find_gaps(soft, x, catalogue)
        if g.requirement in hard_ids
    ]
    return UserError(
        f"step {setup.step.id!r} of {setup.agreement.id} cannot meet its hard requirements in full",
        details=lines or ["(the requirements marked hard: true cannot be met together)"],
    )


def measured_scenario(
    scenario: LoadedScenario | None, data_dir: Path | None
) -> tuple[LoadedScenario, list[PlanNote]]:
    """The scenario (the empty one when none), with its `situation_from` values measured."""
    loaded = scenario if scenario is not None else load_scenario(None)
    sc = loaded.scenario
    if not sc.situation_from:
        return loaded, []
    from guarantor.respond.situation import contact_line_km

    values = dict(sc.situation)
    notes: list[PlanNote] = []
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
        notes.append(PlanNote(PlanNoteKind.measured, name, value=km, source=snapshot))
    updated = sc.model_copy(update={"situation": values})
    return LoadedScenario(updated, loaded.source), notes
