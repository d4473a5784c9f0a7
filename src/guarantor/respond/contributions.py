"""Contributions over time: what each party carries in each year of the guarantee, in money."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from guarantor.respond.assumptions import merged
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.fairness import FairShare, FairShareBasis, fair_shares
from guarantor.respond.money import MissionSpan
from guarantor.respond.plan import ResponsePlan, party_money
from guarantor.rules.plan import Provenance


@dataclass(frozen=True)
class PartyYears:
    """One party's money in each year of the guarantee (year 1 first) and over all of it."""

    party: str
    per_year: tuple[float, ...]
    money_eur: float


@dataclass(frozen=True)
class Contributions:
    """Who carries what over the guarantee's years, and the fair shares over all of it."""

    years: int  # year columns: from the guarantee's start to the end of its longest step
    parties: tuple[PartyYears, ...]
    fair: tuple[FairShare, ...]
    spans: tuple[MissionSpan, ...]  # each step's start and length
    total_eur: float


def year_overlap(year: int, start: float, length: float) -> float:
    """How much of year `year` (0 = the first) a span from `start` lasting `length` covers."""
    return max(0.0, min(year + 1.0, start + length) - max(float(year), start))


def contributions(
    plans: Sequence[ResponsePlan], basis: FairShareBasis, catalogue: Catalogue
) -> Contributions:
    """Money per party and year over the steps' plans, and fair shares over the whole guarantee."""
    horizon = max((math.ceil(p.span.start_year + p.span.years - 1e-9) for p in plans), default=0)
    per_year: dict[str, list[float]] = defaultdict(lambda: [0.0] * horizon)
    tasks = [t for p in plans for t in p.tasking]
    for plan in plans:
        for task in plan.tasking:
            if task.years <= 0:
                continue
            yearly = task.money_eur / task.years
            row = per_year[task.party]
            for year in range(horizon):
                row[year] += yearly * year_overlap(year, plan.span.start_year, task.years)
    money, unpriced, assumed = party_money(tasks, catalogue)
    fair = fair_shares(basis, money, set(unpriced), assumed)
    rows = tuple(
        PartyYears(p, tuple(per_year[p]), money.get(p, 0.0))
        for p in sorted(set(money) | {f.party for f in fair})
    )
    return Contributions(
        years=horizon,
        parties=rows,
        fair=tuple(fair),
        spans=tuple(p.span for p in plans),
        total_eur=sum(money.values()),
    )


def assumed_in(contrib: Contributions) -> tuple[Provenance, ...]:
    """Every assumed catalogue value the guarantee's money rests on."""
    return merged(*(f.assumed for f in contrib.fair), *(s.assumed for s in contrib.spans))
