"""The allocation problem: which offer may meet which requirement, how well, and what blocks it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from guarantor.model import Where
from guarantor.respond.availability import Availability, Cause, Offer, PledgeLoss, Unavailable
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.money import MissionSpan, offer_years, unit_money, units_held
from guarantor.respond.requirements import StepNeed
from guarantor.respond.scenario import Scenario


class BlockCause(StrEnum):
    """Why pledged capacity of a requirement's kind cannot serve it (beyond a pledge's loss)."""

    too_late = "too_late"
    elsewhere = "elsewhere"  # pledged for another place
    place_caveat = "place_caveat"  # only_from / no_deployment_in leave no place that serves it
    front_line = "front_line"  # a not_front_line caveat on a front-line need


@dataclass(frozen=True)
class Block:
    """Pledged quantity that cannot serve a requirement: a pledge that does not stand, or a place,
    caveat or time that keeps a standing one off it."""

    pledge: str
    party: str
    quantity: float
    loss: PledgeLoss | None = None  # the pledge does not stand
    cause: BlockCause | None = None  # it stands, but cannot serve this requirement
    places: frozenset[Where] = frozenset()  # place_caveat: where it may deploy
    declared: Where | None = None  # elsewhere: the place it is pledged for
    ready_days: float = 0.0  # too_late
    needed_by_days: float = 0.0  # too_late

    @property
    def category(self) -> Cause | BlockCause:
        """The category gaps are explained by."""
        if self.loss is not None:
            return self.loss.cause
        assert self.cause is not None
        return self.cause


@dataclass(frozen=True)
class Arc:
    """A permitted placement: offer `offer` may send units to requirement `req` at `place`."""

    offer: int
    req: int
    factor: float  # 1 on time; below 1 when late (the lateness penalty)
    late_days: float
    place: Where


@dataclass
class AllocationProblem:
    """Everything the optimiser and the greedy baseline need, in plain arrays."""

    requirements: list[StepNeed]
    offers: list[Offer]
    arcs: list[Arc]
    weights: NDArray[np.float64]  # priority weight per requirement
    scale: NDArray[np.float64]  # units per solver unit, per arc
    integer: NDArray[np.bool_]  # per arc
    known: list[bool]  # per requirement: its capability is in the catalogue
    blocked: list[list[Block]]  # per requirement
    pledged_total: dict[str, float]  # capability -> quantity pledged for the step (all pledges)
    money: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))  # EUR/unit, per arc
    cost: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))  # EUR/unit, per arc
    group: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    held: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))  # units held per unit
    years: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))  # years served, per arc

    def coverage_vector(self) -> NDArray[np.float64]:
        """Per arc: priority-weighted share of its requirement that one solver unit covers."""
        c = np.zeros(len(self.arcs))
        for a, arc in enumerate(self.arcs):
            req = self.requirements[arc.req]
            c[a] = self.weights[arc.req] * arc.factor * self.scale[a] / req.quantity
        return c

    def total_weight(self) -> float:
        """The coverage objective's maximum: every requirement fully met on time."""
        return float(
            sum(self.weights[i] for i, r in enumerate(self.requirements) if r.quantity > 0)
        )


def build_problem(
    requirements: list[StepNeed],
    availability: Availability,
    catalogue: Catalogue,
    scenario: Scenario,
    span: MissionSpan,
) -> AllocationProblem:
    """Permitted placements of each offer on each requirement, and what blocks the others."""
    reqs = [r for r in requirements if r.quantity > 0]
    offers = availability.offers
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, offer in enumerate(offers):
        by_kind[offer.capability].append(i)
    lost_by_kind: dict[str, list[tuple[Unavailable, float]]] = defaultdict(list)
    pledged_total: dict[str, float] = defaultdict(float)
    for offer in offers:
        pledged_total[offer.capability] += offer.quantity
    for u in availability.unavailable:
        for kind, quantity in u.parts or ((u.capability, u.quantity),):
            lost_by_kind[kind].append((u, quantity))
            pledged_total[kind] += quantity

    arcs: list[Arc] = []
    blocked: list[list[Block]] = []
    best_place: dict[tuple[frozenset[Where], str, Where], Where | None] = {}
    for r_index, req in enumerate(reqs):
        block: list[Block] = []
        blocked.append(block)
        cap = catalogue.get(req.capability)
        for u, quantity in lost_by_kind.get(req.capability, []):
            block.append(Block(u.pledge, u.party, quantity, loss=u.loss))
        if cap is None:
            continue
        for o_index in by_kind.get(req.capability, []):
            offer = offers[o_index]
            if req.front_line and offer.not_front_line:
                block.append(
                    Block(offer.pledge, offer.party, offer.quantity, cause=BlockCause.front_line)
                )
                continue
            key = (offer.places, req.capability, req.where)
            if key in best_place:
                place = best_place[key]
            else:
                # the need's own place first, then the others in a fixed order
                fits = sorted(
                    (p for p in offer.places if cap.can_serve(req.where, p)),
                    key=lambda p: (p != req.where, p.value),
                )
                place = best_place[key] = fits[0] if fits else None
            if place is None:
                if offer.place_caveats:
                    block.append(
                        Block(
                            offer.pledge,
                            offer.party,
                            offer.quantity,
                            cause=BlockCause.place_caveat,
                            places=offer.places,
                        )
                    )
                else:
                    block.append(
                        Block(
                            offer.pledge,
                            offer.party,
                            offer.quantity,
                            cause=BlockCause.elsewhere,
                            declared=offer.declared_place,
                        )
                    )
                continue
            late = (
                0.0
                if req.needed_by_days is None
                else max(0.0, offer.ready_days - req.needed_by_days)
            )
            factor = scenario.late.factor(late)
            if factor <= 0:
                block.append(
                    Block(
                        offer.pledge,
                        offer.party,
                        offer.quantity,
                        cause=BlockCause.too_late,
                        ready_days=offer.ready_days,
                        needed_by_days=req.needed_by_days or 0.0,
                    )
                )
                continue
            arcs.append(Arc(o_index, r_index, factor, late, place))

    kinds = sorted({offers[a.offer].capability for a in arcs})
    caps = [catalogue[offers[a.offer].capability] for a in arcs]
    scale = np.array([c.solver_scale for c in caps], dtype=float)
    integer = np.array([c.integer and c.solver_scale == 1 for c in caps], dtype=bool)
    weights = np.array(
        [scenario.priority_weights[r.priority] * r.weight_share for r in reqs], dtype=float
    )
    held = np.array([units_held(offers[a.offer], span) for a in arcs], dtype=float)
    years = np.array([offer_years(offers[a.offer], span) for a in arcs], dtype=float)
    return AllocationProblem(
        requirements=reqs,
        offers=offers,
        arcs=arcs,
        weights=weights,
        scale=scale,
        integer=integer,
        known=[r.capability in catalogue for r in reqs],
        blocked=blocked,
        pledged_total=dict(pledged_total),
        money=np.array([unit_money(offers[a.offer], span) for a in arcs], dtype=float),
        cost=np.array([offers[a.offer].cost_per_unit for a in arcs], dtype=float) * held * years,
        group=np.array([kinds.index(offers[a.offer].capability) for a in arcs], dtype=np.int64),
        held=held,
        years=years,
    )


def merge_problems(problems: Sequence[AllocationProblem]) -> AllocationProblem:
    """One problem of several steps' problems side by side (offers are copied per step).

    Coverage stays per step and per kind (hold groups are numbered apart); fairness and cost are
    then optimised over all of them together.
    """
    offers: list[Offer] = []
    reqs: list[StepNeed] = []
    arcs: list[Arc] = []
    groups: list[NDArray[np.int64]] = []
    next_group = 0
    for p in problems:
        o0, r0 = len(offers), len(reqs)
        offers += p.offers
        reqs += p.requirements
        arcs += [Arc(a.offer + o0, a.req + r0, a.factor, a.late_days, a.place) for a in p.arcs]
        groups.append(p.group + next_group)
        next_group += int(p.group.max()) + 1 if len(p.group) else 0

    def cat(name: str) -> NDArray[np.float64]:
        return np.concatenate([getattr(p, name) for p in problems]) if problems else np.zeros(0)

    return AllocationProblem(
        requirements=reqs,
        offers=offers,
        arcs=arcs,
        weights=cat("weights"),
        scale=cat("scale"),
        integer=cat("integer").astype(bool),
        known=[k for p in problems for k in p.known],
        blocked=[b for p in problems for b in p.blocked],
        pledged_total={},
        money=cat("money"),
        cost=cat("cost"),
        group=np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64),
        held=cat("held"),
        years=cat("years"),
    )


def split_solution(
    problems: Sequence[AllocationProblem], x: NDArray[np.float64]
) -> list[NDArray[np.float64]]:
    """The merged solution cut back into one vector per step's problem."""
    out = []
    start = 0
    for p in problems:
        out.append(x[start : start + len(p.arcs)])
        start += len(p.arcs)
    return out
