"""The scriptable (JSON) shapes of plans, comparisons, removal costs and contributions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from guarantor.respond.contributions import Contributions
from guarantor.respond.guarantee import GuaranteePlan
from guarantor.respond.plan import ResponsePlan, Task
from guarantor.respond.removal import RemovalCost
from guarantor.respond.render.words import (
    assumed_refs,
    format_by,
    gap_reason,
    json_number,
    removal_text,
    unavailable_reason,
)
from guarantor.rules.plan import Provenance
from guarantor.rules.without import Removal


def plan_json(plan: ResponsePlan) -> dict[str, Any]:
    """The scriptable shape of one plan (see docs/respond.md for every key)."""
    merged: dict[tuple[str, str, str, str], list[Task]] = defaultdict(list)
    for t in plan.tasking:
        merged[(t.party, t.capability, t.where, format_by(t.by_days, plan.activation))].append(t)
    return {
        "coverage_pct": round(plan.coverage_pct, 2),
        "tasking": [
            {
                "party": p,
                "capability": c,
                "quantity": json_number(
                    sum(t.quantity for t in ts), plan.integer_units.get(c, False)
                ),
                "where": w,
                "by": b,
                "money_eur": round(sum(t.money_eur for t in ts)),
                "units_held": json_number(sum(t.units_held for t in ts), False),
                "assumed": assumed_refs([a for t in ts for a in t.assumed]),
            }
            for (p, c, w, b), ts in sorted(merged.items())
        ],
        "gaps": [
            {
                "capability": g.capability,
                "quantity": json_number(g.quantity, plan.integer_units.get(g.capability, False)),
                "reason": f"{gap_reason(g, plan.activation)} [{g.requirement}, {g.where}]",
                "assumed": assumed_refs(g.assumed),
            }
            for g in plan.gaps
        ],
        "fair_share": {
            f.party: (round(f.ratio, 3) if f.ratio is not None else None) for f in plan.fair
        },
        "money_eur": {f.party: round(f.money_eur) for f in plan.fair},
        "unavailable_pledges": [
            {"party": u.party, "pledge": u.pledge, "reason": unavailable_reason(u)}
            for u in plan.unavailable
        ],
        "mission": {
            "start_year": plan.span.start_year,
            "years": round(plan.span.years, 4),
            "from": plan.span.basis.value,
        },
        "assumptions": assumptions_json(plan.assumed),
    }


def assumptions_json(items: Sequence[Provenance]) -> list[dict[str, str | None]]:
    """The assumed clauses results rest on, with their reasons."""
    return [
        {"clause": p.clause, "part": p.part, "reason": p.reason}
        for p in sorted(items, key=lambda p: (p.clause, p.part))
    ]


def removal_json(cost: RemovalCost, activation: dt.datetime | None) -> dict[str, Any]:
    """What leaving parties out costs, as data."""

    def removals(items: Sequence[Removal]) -> list[dict[str, Any]]:
        return [
            {
                "kind": r.kind.value,
                "clause": r.clause,
                "party": r.party,
                "via": r.via,
                "veto": r.veto,
                "text": removal_text(r),
            }
            for r in items
        ]

    return {
        "coverage_pct": {
            "before": round(cost.coverage_before, 2),
            "after": round(cost.coverage_after, 2),
            "change_pp": round(cost.coverage_pp, 2),
        },
        "needs": [
            {
                "requirement": c.requirement,
                "capability": c.capability,
                "where": c.where,
                "needed": c.needed,
                "on_time": [c.on_time_before, c.on_time_after],
                "late": [c.late_before, c.late_after],
                "full_by": [
                    None if d is None else format_by(d, activation)
                    for d in (c.full_by_before, c.full_by_after)
                ],
            }
            for c in cost.needs
        ],
        "money_eur": {
            "before": round(cost.money_before),
            "after": round(cost.money_after),
            "carried_by_left_out": round(cost.money_of_left_out),
            "shift": {p: round(v) for p, v in cost.money_shift},
        },
        "pledges_lost": removals(cost.pledges),
        "decisions_lost": removals(cost.decisions),
        "monitoring_lost": removals(cost.monitoring),
        "duties_lost": removals(cost.duties),
    }


def comparison_json(plans: Sequence[ResponsePlan], costs: Sequence[RemovalCost]) -> dict[str, Any]:
    """The scriptable shape of a comparison: each variant's plan, and what each removal costs."""
    by_label = {c.label: c for c in costs}
    return {
        "agreement": plans[0].agreement if plans else None,
        "step": plans[0].step if plans else None,
        "variants": [
            {
                "label": p.label,
                "without": p.without,
                "plan": plan_json(p),
                **(
                    {"cost_of_removal": removal_json(by_label[p.label], p.activation)}
                    if p.label in by_label
                    else {}
                ),
            }
            for p in plans
        ],
    }


def contributions_json(c: Contributions) -> dict[str, Any]:
    """Money per party and year over the guarantee, and the fair shares over all of it."""
    return {
        "years": c.years,
        "total_eur": round(c.total_eur),
        "parties": [
            {
                "party": p.party,
                "per_year_eur": [round(v) for v in p.per_year],
                "money_eur": round(p.money_eur),
            }
            for p in c.parties
        ],
        "fair_share": {
            f.party: (round(f.ratio, 3) if f.ratio is not None else None) for f in c.fair
        },
        "steps": [
            {
                "step": s.step,
                "start_year": s.start_year,
                "years": round(s.years, 4),
                "from": s.basis.value,
            }
            for s in c.spans
        ],
    }


def guarantee_json(g: GuaranteePlan) -> dict[str, Any]:
    """The scriptable shape of the whole guarantee under one variant."""
    return {
        "agreement": g.agreement,
        "label": g.label,
        "without": g.without,
        "steps": [{"step": p.step, "plan": plan_json(p)} for p in g.plans],
        "contributions": contributions_json(g.contributions),
    }


def guarantee_comparison_json(plans: Sequence[GuaranteePlan]) -> dict[str, Any]:
    """Variants of the whole guarantee, with each step's removal cost against the first."""
    from guarantor.respond.removal import removal_cost

    out = []
    for g in plans:
        doc = guarantee_json(g)
        if g is not plans[0]:
            base = {p.step: p for p in plans[0].plans}
            doc["cost_of_removal"] = {
                p.step: removal_json(removal_cost(base[p.step], p), p.activation)
                for p in g.plans
                if p.step in base
            }
        out.append(doc)
    return {"agreement": plans[0].agreement if plans else None, "variants": out}
