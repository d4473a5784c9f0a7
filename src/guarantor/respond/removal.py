"""What leaving parties out costs: coverage, time, money, and the decisions and monitoring lost."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from guarantor.respond.plan import ResponsePlan
from guarantor.rules.without import Removal, RemovalKind

PLEDGES = (RemovalKind.pledge, RemovalKind.dependent_pledge)
DECISIONS = (
    RemovalKind.body,
    RemovalKind.procedure,
    RemovalKind.determination,
    RemovalKind.step_decision,
    RemovalKind.body_member,
    RemovalKind.procedure_member,
    RemovalKind.procedure_gate,
)
MONITORING = (RemovalKind.monitoring, RemovalKind.monitor)
DUTIES = (RemovalKind.obligation, RemovalKind.obligation_party, RemovalKind.role)


@dataclass(frozen=True)
class NeedChange:
    """How one need fares before and after the removal."""

    requirement: str
    capability: str
    where: str
    needed: float
    on_time_before: float
    on_time_after: float
    late_before: float
    late_after: float
    full_by_before: float | None  # day the need is fully met (on time or late); None: never
    full_by_after: float | None


@dataclass(frozen=True)
class RemovalCost:
    """What a variant loses against the base plan of the same step."""

    label: str
    without: tuple[str, ...]
    coverage_before: float
    coverage_after: float
    needs: tuple[NeedChange, ...]  # the needs that fare differently
    money_before: float  # EUR over the mission, every party
    money_after: float
    money_of_left_out: float  # what the parties left out carried in the base plan
    money_shift: tuple[tuple[str, float], ...]  # per remaining party: after - before
    pledges: tuple[Removal, ...]
    decisions: tuple[Removal, ...]  # bodies, procedures, determinations, memberships, gates
    monitoring: tuple[Removal, ...]
    duties: tuple[Removal, ...]

    @property
    def coverage_pp(self) -> float:
        """Coverage after minus before, in percentage points."""
        return self.coverage_after - self.coverage_before


def _met(plan: ResponsePlan) -> dict[str, tuple[float, float, float | None]]:
    """Per requirement: units on time, units late, and the day it is fully met (None: never)."""
    arrivals: dict[str, list[tuple[float, float, bool]]] = defaultdict(list)
    for t in plan.tasking:
        arrivals[t.requirement].append((t.by_days, t.quantity, t.late_days > 0))
    out: dict[str, tuple[float, float, float | None]] = {}
    for req in plan.requirements:
        on = sum(q for _, q, late in arrivals[req.id] if not late)
        late = sum(q for _, q, is_late in arrivals[req.id] if is_late)
        got, full = 0.0, None
        for day, q, _ in sorted(arrivals[req.id]):
            got += q
            if got >= req.quantity * (1 - 1e-9):
                full = day
                break
        out[req.id] = (on, late, full)
    return out


def removal_cost(base: ResponsePlan, variant: ResponsePlan) -> RemovalCost:
    """What the variant's parties left out cost against the base plan."""
    before, after = _met(base), _met(variant)
    changes = []
    for req in base.requirements:
        b = before.get(req.id, (0.0, 0.0, None))
        a = after.get(req.id, (0.0, 0.0, None))
        if b != a:
            changes.append(
                NeedChange(
                    req.id,
                    req.capability,
                    req.where.value,
                    req.quantity,
                    b[0],
                    a[0],
                    b[1],
                    a[1],
                    b[2],
                    a[2],
                )
            )
    money_b: dict[str, float] = defaultdict(float)
    money_a: dict[str, float] = defaultdict(float)
    for t in base.tasking:
        money_b[t.party] += t.money_eur
    for t in variant.tasking:
        money_a[t.party] += t.money_eur
    known = {(r.kind, r.clause, r.party) for r in base.removals}
    new = [r for r in variant.removals if (r.kind, r.clause, r.party) not in known]
    out_parties = {r.party for r in new if r.party} | (set(variant.without) - set(base.without))
    shift = tuple(
        (p, money_a.get(p, 0.0) - money_b.get(p, 0.0))
        for p in sorted(set(money_b) | set(money_a))
        if p not in out_parties and abs(money_a.get(p, 0.0) - money_b.get(p, 0.0)) > 0.5
    )
    return RemovalCost(
        label=variant.label,
        without=tuple(variant.without),
        coverage_before=base.coverage_pct,
        coverage_after=variant.coverage_pct,
        needs=tuple(changes),
        money_before=sum(money_b.values()),
        money_after=sum(money_a.values()),
        money_of_left_out=sum(v for p, v in money_b.items() if p in out_parties),
        money_shift=shift,
        pledges=tuple(r for r in new if r.kind in PLEDGES),
        decisions=tuple(r for r in new if r.kind in DECISIONS),
        monitoring=tuple(r for r in new if r.kind in MONITORING),
        duties=tuple(r for r in new if r.kind in DUTIES),
    )
