"""Gaps: what a plan leaves unmet, split by reason a planner can act on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from guarantor.respond.availability import Cause, Delay
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.problem import AllocationProblem, Block, BlockCause
from guarantor.respond.requirements import StepNeed
from guarantor.rules.plan import Provenance


class GapReason(StrEnum):
    """Why part of a requirement is unmet (or met late), in the order gaps are explained."""

    late = "late"  # sent, but arrives after the needed-by time
    dependency = "dependency"  # lost through a dependency
    left_out = "left_out"  # its party is left out in this variant
    caveats = "caveats"  # caveats forbid it
    approval_refused = "approval_refused"
    too_late = "too_late"  # ready too late to count at all
    elsewhere = "elsewhere"  # pledged for another place
    withdrawn = "withdrawn"
    not_usable = "not_usable"  # an invalid pledge (kind, unit, quantity) or a dependency cycle
    taken = "taken"  # the capacity went to needs of more value
    not_enough = "not_enough"  # not enough pledged
    nobody = "nobody"  # nobody pledged it
    unknown_kind = "unknown_kind"  # no capability kind can meet it


# Blocked capacity explains a shortfall in this order; categories sharing a reason merge.
REASON_OF: list[tuple[Cause | BlockCause, GapReason]] = [
    (Cause.dependency, GapReason.dependency),
    (Cause.excluded, GapReason.left_out),
    (Cause.caveat, GapReason.caveats),
    (Cause.vote_failed, GapReason.approval_refused),
    (BlockCause.place_caveat, GapReason.caveats),
    (BlockCause.front_line, GapReason.caveats),
    (BlockCause.too_late, GapReason.too_late),
    (BlockCause.elsewhere, GapReason.elsewhere),
    (Cause.withdrawn, GapReason.withdrawn),
    (Cause.invalid, GapReason.not_usable),
    (Cause.cycle, GapReason.not_usable),
]


@dataclass(frozen=True)
class LateArrival:
    """Units of a pledge sent to a requirement that arrive after its needed-by time."""

    pledge: str
    party: str
    days_late: float
    delay: Delay | None  # the approval or vote that delays it
    waits_for: Delay | None  # the dependency it waits for


@dataclass(frozen=True)
class Gap:
    """Part of a requirement left unmet (or met late), and why (words are made in respond.render)."""

    requirement: str
    capability: str
    quantity: float
    unit: str | None
    where: str
    reason: GapReason
    blocks: tuple[Block, ...] = ()  # the blocked pledges that explain it
    late: tuple[LateArrival, ...] = ()  # reason `late`
    pledged: float = 0.0  # not_enough: pledged in all for the step
    needed: float = 0.0  # not_enough: the requirement's quantity
    suggestion: str | None = None  # unknown_kind: the closest known kind
    assumed: tuple[Provenance, ...] = ()  # the assumed clauses the requirement rests on


def _gap(
    req: StepNeed, unit: str | None, quantity: float, reason: GapReason, details: dict[str, Any]
) -> Gap:
    return Gap(
        req.id,
        req.capability,
        quantity,
        unit,
        req.where.value,
        reason,
        assumed=req.assumed,
        **details,
    )


def find_gaps(
    problem: AllocationProblem, x: NDArray[np.float64], catalogue: Catalogue
) -> list[Gap]:
    """Every shortfall of every requirement, attributed to blocked capacity in a fixed order."""
    on_time = np.zeros(len(problem.requirements))
    late = np.zeros(len(problem.requirements))
    used_by_offer = np.zeros(len(problem.offers))
    late_detail: dict[int, list[LateArrival]] = {}
    serving: dict[int, dict[int, float]] = {}  # requirement -> offer -> quantity sent to it
    for a, arc in enumerate(problem.arcs):
        sent = serving.setdefault(arc.req, {})
        sent[arc.offer] = sent.get(arc.offer, 0.0) + float(x[a])
        if x[a] <= 0:
            continue
        used_by_offer[arc.offer] += x[a]
        if arc.late_days > 0:
            late[arc.req] += x[a]
            offer = problem.offers[arc.offer]
            late_detail.setdefault(arc.req, []).append(
                LateArrival(offer.pledge, offer.party, arc.late_days, offer.delay, offer.waits_for)
            )
        else:
            on_time[arc.req] += x[a]
    out: list[Gap] = []
    for r, req in enumerate(problem.requirements):
        unit = req.unit or (catalogue[req.capability].unit if req.capability in catalogue else None)

        def gap(
            quantity: float, reason: GapReason, r: int = r, unit: str | None = unit, **details: Any
        ) -> None:
            out.append(_gap(problem.requirements[r], unit, quantity, reason, details))

        if late[r] > 1e-9:
            arrivals = sorted(late_detail.get(r, []), key=lambda a: (a.pledge, a.party))
            gap(late[r], GapReason.late, late=tuple(arrivals))
        missing = req.quantity - on_time[r] - late[r]
        if missing <= 1e-6 * max(1.0, req.quantity):
            continue
        if not problem.known[r]:
            gap(missing, GapReason.unknown_kind, suggestion=catalogue.close_match(req.capability))
            continue
        merged: dict[GapReason, list[Block]] = {}
        for category, reason in REASON_OF:
            merged.setdefault(reason, []).extend(
                b for b in problem.blocked[r] if b.category is category
            )
        for reason, blocks in merged.items():
            if missing <= 1e-9 or not blocks:
                continue
            take = min(sum(b.quantity for b in blocks), missing)
            gap(take, reason, blocks=tuple(blocks))
            missing -= take
        if missing <= 1e-9:
            continue
        taken = sum(used_by_offer[o] - sent for o, sent in serving.get(r, {}).items())
        if taken > 1e-9:
            take = min(taken, missing)
            gap(take, GapReason.taken)
            missing -= take
        if missing > 1e-9:
            pledged = problem.pledged_total.get(req.capability, 0.0)
            if pledged <= 0:
                gap(missing, GapReason.nobody)
            else:
                gap(missing, GapReason.not_enough, pledged=pledged, needed=req.quantity)
    return out
