"""Variants side by side: the same step (or the whole guarantee) with and without some parties."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from guarantor.model import Agreement
from guarantor.respond.guarantee import GuaranteePlan, plan_guarantee
from guarantor.respond.plan import ResponsePlan, plan_step
from guarantor.respond.removal import RemovalCost, removal_cost


@dataclass(frozen=True)
class Variant:
    """A named variant: the parties left out."""

    label: str
    without: tuple[str, ...] = ()


def parse_variant(text: str) -> Variant:
    """'US' or 'US,UK' → a variant without those parties, labelled 'without US, UK'."""
    parties = tuple(sorted({p.strip() for p in text.split(",") if p.strip()}))
    return Variant("without " + ", ".join(parties), parties)


def compare(
    agreement: Agreement,
    step: str,
    variants: Sequence[Variant],
    base_without: Sequence[str] = (),
    **options: Any,
) -> list[ResponsePlan]:
    """One plan per variant (the first is the base), with identical options otherwise."""
    plans: list[ResponsePlan] = []
    for variant in variants:
        without = sorted({*base_without, *variant.without})
        plans.append(plan_step(agreement, step, without=without, label=variant.label, **options))
    return plans


def compare_guarantee(
    agreement: Agreement,
    variants: Sequence[Variant],
    base_without: Sequence[str] = (),
    **options: Any,
) -> list[GuaranteePlan]:
    """One plan of the whole guarantee per variant (the first is the base)."""
    return [
        plan_guarantee(
            agreement,
            without=sorted({*base_without, *v.without}),
            label=v.label,
            **options,
        )
        for v in variants
    ]


def removal_costs(plans: Sequence[ResponsePlan]) -> list[RemovalCost]:
    """What each variant after the first loses against the first."""
    return [removal_cost(plans[0], p) for p in plans[1:]]


def met_by_requirement(plan: ResponsePlan) -> dict[str, tuple[float, float, float]]:
    """Per requirement id: (on time, late, needed)."""
    out: dict[str, tuple[float, float, float]] = {
        r.id: (0.0, 0.0, r.quantity) for r in plan.requirements
    }
    for task in plan.tasking:
        on, late, need = out[task.requirement]
        if task.late_days > 0:
            late += task.quantity
        else:
            on += task.quantity
        out[task.requirement] = (on, late, need)
    return out
