"""The allocation problem: which offer may meet which requirement, how well, and what blocks it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from guarantor.model import Where
from guarantor.respond.availability import Availability, Offer, Unavailable
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.requirements import Requirement
from guarantor.respond.scenario import Scenario

TOO_LATE = "too_late"
ELSEWHERE = "elsewhere"
PLACE_CAVEAT = "place_caveat"


@dataclass(frozen=True)
class Arc:
    """A permitted placement: offer `offer` may send units to requirement `req` at `place`."""

    offer: int
    req: int
    factor: float  # 1 on time; below 1 when late (the lateness penalty)
    late_days: float
    place: Where


@dataclass
class Blocked:
    """Pledged quantity of a requirement's kind that cannot serve it, by cause, with pledge ids."""

    quantity: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    pledges: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    reasons: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, category: str, quantity: float, pledge: str, reason: str) -> None:
        """Record `quantity` of `pledge` blocked for `category`."""
        self.quantity[category] += quantity
        self.pledges[category].append(pledge)
        if reason not in self.reasons[category]:
            self.reasons[category].append(reason)


@dataclass
class AllocationProblem:
    """Everything the optimiser and the greedy baseline need, in plain arrays."""

    requirements: list[Requirement]
    offers: list[Offer]
    arcs: list[Arc]
    weights: NDArray[np.float64]  # priority weight per requirement
    scale: NDArray[np.float64]  # units per solver unit, per arc
    integer: NDArray[np.bool_]  # per arc
    known: list[bool]  # per requirement: its capability is in the catalogue
    blocked: list[Blocked]
    pledged_total: dict[str, float]  # capability -> quantity pledged for the step (all pledges)

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
    requirements: list[Requirement],
    availability: Availability,
    catalogue: Catalogue,
    scenario: Scenario,
) -> AllocationProblem:
    """Permitted placements of each offer on each requirement, and what blocks the others."""
    reqs = [r for r in requirements if r.quantity > 0]
    offers = availability.offers
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, offer in enumerate(offers):
        by_kind[offer.capability].append(i)
    unavailable_by_kind: dict[str, list[Unavailable]] = defaultdict(list)
    for u in availability.unavailable:
        unavailable_by_kind[u.capability].append(u)
    pledged_total: dict[str, float] = defaultdict(float)
    for offer in offers:
        pledged_total[offer.capability] += offer.quantity
    for u in availability.unavailable:
        pledged_total[u.capability] += u.quantity

    arcs: list[Arc] = []
    blocked: list[Blocked] = []
    best_place: dict[tuple[frozenset[Where], str, Where], Where | None] = {}
    for r_index, req in enumerate(reqs):
        block = Blocked()
        blocked.append(block)
        cap = catalogue.get(req.capability)
        for u in unavailable_by_kind.get(req.capability, []):
            block.add(u.category, u.quantity, f"{u.pledge} ({u.party})", u.reason)
        if cap is None:
            continue
        for o_index in by_kind.get(req.capability, []):
            offer = offers[o_index]
            if req.front_line and offer.not_front_line:
                block.add(
                    PLACE_CAVEAT,
                    offer.quantity,
                    f"{offer.pledge} ({offer.party})",
                    "not_front_line caveat on a front-line need",
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
                    block.add(
                        PLACE_CAVEAT,
                        offer.quantity,
                        f"{offer.pledge} ({offer.party})",
                        f"may deploy only to {', '.join(sorted(offer.places))}",
                    )
                else:
                    block.add(
                        ELSEWHERE,
                        offer.quantity,
                        f"{offer.pledge} ({offer.party})",
                        f"pledged for {offer.declared_place}",
                    )
                continue
            late = (
                0.0
                if req.needed_by_days is None
                else max(0.0, offer.ready_days - req.needed_by_days)
            )
            factor = scenario.late.factor(late)
            if factor <= 0:
                block.add(
                    TOO_LATE,
                    offer.quantity,
                    f"{offer.pledge} ({offer.party})",
                    f"ready D+{offer.ready_days:g}, needed by D+{req.needed_by_days:g}",
                )
                continue
            arcs.append(Arc(o_index, r_index, factor, late, place))

    scale = np.array([catalogue[offers[a.offer].capability].solver_scale for a in arcs])
    integer = np.array(
        [
            catalogue[offers[a.offer].capability].integer
            and catalogue[offers[a.offer].capability].solver_scale == 1
            for a in arcs
        ],
        dtype=bool,
    )
    weights = np.array([scenario.priority_weights[r.priority] for r in reqs], dtype=float)
    return AllocationProblem(
        requirements=reqs,
        offers=offers,
        arcs=arcs,
        weights=weights,
        scale=scale.astype(float) if len(arcs) else np.zeros(0),
        integer=integer if len(arcs) else np.zeros(0, dtype=bool),
        known=[r.capability in catalogue for r in reqs],
        blocked=blocked,
        pledged_total=dict(pledged_total),
    )
