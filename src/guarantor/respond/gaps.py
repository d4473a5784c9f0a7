"""Gaps: what a plan leaves unmet, split by reason a planner can act on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from guarantor.respond import availability as av
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.problem import ELSEWHERE, PLACE_CAVEAT, TOO_LATE, AllocationProblem

NOBODY = "nobody pledged it"
NOT_ENOUGH = "not enough pledged"
TAKEN = "taken by other needs"
UNKNOWN_KIND = "no capability kind can meet it"

# Blocked capacity explains a shortfall in this order; categories sharing a headline merge.
HEADLINES: list[tuple[str, str]] = [
    (av.DEPENDENCY, "lost through a dependency"),
    (av.EXCLUDED, "left out in this variant"),
    (av.CAVEAT, "caveats forbid it"),
    (av.VOTE, "approval refused"),
    (PLACE_CAVEAT, "caveats forbid it"),
    (TOO_LATE, "too late"),
    (ELSEWHERE, "pledged for another place"),
    (av.WITHDRAWN, "pledge withdrawn"),
    (av.INVALID, "pledge not usable"),
    (av.CYCLE, "pledge not usable"),
]


@dataclass(frozen=True)
class Gap:
    """Part of a requirement left unmet (or met late), and why."""

    requirement: str
    capability: str
    quantity: float
    unit: str | None
    where: str
    headline: str
    reason: str


def find_gaps(
    problem: AllocationProblem, x: NDArray[np.float64], catalogue: Catalogue
) -> list[Gap]:
    """Every shortfall of every requirement, attributed to blocked capacity in a fixed order."""
    on_time = np.zeros(len(problem.requirements))
    late = np.zeros(len(problem.requirements))
    used_by_offer = np.zeros(len(problem.offers))
    late_detail: dict[int, list[str]] = {}
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
                f"{offer.pledge} ({offer.party}) arrives {arc.late_days:g} days late"
                + (f" because of {offer.delay_note}" if offer.delay_note else "")
            )
        else:
            on_time[arc.req] += x[a]
    out: list[Gap] = []
    for r, req in enumerate(problem.requirements):
        unit = req.unit or (catalogue[req.capability].unit if req.capability in catalogue else None)

        def gap(
            quantity: float, headline: str, detail: str, r: int = r, unit: str | None = unit
        ) -> None:
            req = problem.requirements[r]
            out.append(
                Gap(
                    req.id,
                    req.capability,
                    quantity,
                    unit,
                    req.where.value,
                    headline,
                    f"{headline}: {detail}" if detail else headline,
                )
            )

        if late[r] > 1e-9:
            gap(late[r], "too late", "; ".join(sorted(late_detail.get(r, []))))
        missing = req.quantity - on_time[r] - late[r]
        if missing <= 1e-6 * max(1.0, req.quantity):
            continue
        if not problem.known[r]:
            gap(
                missing,
                UNKNOWN_KIND,
                f"unknown capability kind {req.capability!r}{catalogue.suggest(req.capability)}",
            )
            continue
        block = problem.blocked[r]
        # headline -> (quantity, pledges, reasons)
        merged: dict[str, tuple[float, list[str], list[str]]] = {}
        for category, headline in HEADLINES:
            q = block.quantity.get(category, 0.0)
            if q > 0:
                total, pledges, reasons = merged.get(headline, (0.0, [], []))
                merged[headline] = (
                    total + q,
                    pledges + block.pledges[category],
                    reasons + block.reasons[category],
                )
        for headline, (q, pledges, reasons) in merged.items():
            if missing <= 1e-9:
                break
            take = min(q, missing)
            whys = sorted({why.removeprefix(headline + ": ") for why in reasons})
            if category_is_plain(headline):
                gap(take, headline, _listed(pledges))
            else:
                gap(take, headline, f"{_listed(pledges)}: {_listed(whys, '; ')}")
            missing -= take
        if missing <= 1e-9:
            continue
        taken = sum(used_by_offer[o] - sent for o, sent in serving.get(r, {}).items())
        if taken > 1e-9:
            take = min(taken, missing)
            gap(take, TAKEN, "the rest of what was pledged went to other needs of higher value")
            missing -= take
        if missing > 1e-9:
            pledged = problem.pledged_total.get(req.capability, 0.0)
            if pledged <= 0:
                gap(missing, NOBODY, "")
            else:
                gap(
                    missing,
                    NOT_ENOUGH,
                    f"{amount(pledged)} pledged in all for this step, {amount(req.quantity)} needed",
                )
    return out


def _listed(items: list[str], sep: str = ", ", limit: int = 4) -> str:
    """Distinct items in order, at most `limit`, with a count of the rest."""
    distinct = list(dict.fromkeys(items))
    shown = sep.join(distinct[:limit])
    return shown + (f"{sep}and {len(distinct) - limit} more" if len(distinct) > limit else "")


def category_is_plain(headline: str) -> bool:
    """True for headlines that say it all (the pledges' own reasons would repeat them)."""
    return headline == "left out in this variant"


def amount(value: float) -> str:
    """A quantity for a sentence: 3 or 40,000,000,000 (never 4e+10)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
