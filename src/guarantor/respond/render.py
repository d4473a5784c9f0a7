"""Words for the respond room's typed results: reasons, notes, Rich tables, CSV and JSON shapes.

Every sentence the room shows is made here, from the typed results of the planner (`plan.py`,
`guarantee.py`, `removal.py`); no other module of the room writes prose, and no code reads it back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from guarantor.respond.availability import Delay, DelayKind, LossKind, PledgeLoss, Unavailable
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.compare import met_by_requirement
from guarantor.respond.contributions import Contributions
from guarantor.respond.fairness import Band, FairShare, Unrated
from guarantor.respond.gaps import Gap, GapReason
from guarantor.respond.guarantee import GuaranteePlan
from guarantor.respond.money import MissionSpan, SpanBasis
from guarantor.respond.plan import PlanNote, PlanNoteKind, ResponsePlan, Task
from guarantor.respond.problem import Block, BlockCause
from guarantor.respond.removal import NeedChange, RemovalCost
from guarantor.rules.plan import Provenance
from guarantor.rules.without import Removal, RemovalKind

BAND_WORDS = {
    Band.low: "low",
    Band.in_balance: "in balance",
    Band.high: "high",
    Band.not_rated: "n/a",
}
BAND_STYLE = {Band.low: "red", Band.in_balance: "green", Band.high: "yellow", Band.not_rated: "dim"}
SHORT_PLACE = {
    "beneficiary_territory": "beneficiary",
    "neighbouring_state": "neighbour",
    "at_sea": "sea",
    "remote": "remote",
    "own_territory": "home",
}
HEADLINE: dict[GapReason, str] = {
    GapReason.late: "too late",
    GapReason.dependency: "lost through a dependency",
    GapReason.left_out: "left out in this variant",
    GapReason.caveats: "caveats forbid it",
    GapReason.approval_refused: "approval refused",
    GapReason.too_late: "too late",
    GapReason.elsewhere: "pledged for another place",
    GapReason.withdrawn: "pledge withdrawn",
    GapReason.not_usable: "pledge not usable",
    GapReason.taken: "taken by other needs",
    GapReason.not_enough: "not enough pledged",
    GapReason.nobody: "nobody pledged it",
    GapReason.unknown_kind: "no capability kind can meet it",
}
SPAN_WORDS = {
    SpanBasis.option: "--years",
    SpanBasis.step: "the scenario's years for this step",
    SpanBasis.scenario: "the scenario's years",
    SpanBasis.term: "the agreement's term",
    SpanBasis.one_year: "no term or years given: one year",
}


# --- numbers and times -------------------------------------------------------------------------


def amount(value: float) -> str:
    """A quantity for a sentence: 3 or 40,000,000,000 (never 4e+10)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def money(value: float) -> str:
    """EUR in bn or m for a table cell."""
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.2f} bn"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f} m"
    return f"{value:,.0f}"


def format_by(days: float, activation: dt.datetime | None) -> str:
    """'D+14' days after activation, or the UTC instant when the scenario sets an activation time."""
    if activation is None:
        return f"D+{days:.2f}".rstrip("0").rstrip(".")
    when = activation + dt.timedelta(days=days)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def _number(value: float, integer: bool) -> float | int:
    if integer or float(value).is_integer():
        return round(value)
    return round(value, 2)


def _csvq(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def years_text(years: float) -> str:
    """'10 years', '1 year', '2.5 years'."""
    text = f"{years:g}"
    return f"{text} year" if years == 1 else f"{text} years"


# --- reasons -----------------------------------------------------------------------------------


def _at(loss: PledgeLoss) -> str:
    return f" [{loss.position}]" if loss.position is not None else ""


def loss_reason(loss: PledgeLoss) -> str:
    """Why a pledge does not stand, in words."""
    k = loss.kind
    if k is LossKind.left_out:
        return f"party {loss.party} is left out in this variant"
    if k is LossKind.withdrawn:
        return "withdrawn"
    if k is LossKind.unknown_kind:
        hint = f" (did you mean {loss.suggestion!r}?)" if loss.suggestion else ""
        return f"unknown capability kind {loss.capability!r}{hint}{_at(loss)}"
    if k is LossKind.wrong_unit:
        return (
            f"quantity is in {loss.unit!r} but {loss.capability} is counted in "
            f"{loss.expected!r}{_at(loss)}"
        )
    if k is LossKind.absurd_quantity:
        return (
            f"quantity {loss.quantity:g} {loss.expected} is absurd for {loss.capability} (the "
            f"catalogue's ceiling per pledge is {loss.ceiling:g}){_at(loss)}"
        )
    if k is LossKind.zero_quantity:
        return f"quantity is zero{_at(loss)}"
    if k is LossKind.neutrality:
        return f"a neutrality caveat forbids a lethal capability ({loss.capability})"
    if k is LossKind.vote_failed:
        return f"the vote it is subject to failed ({loss.party}, scenario)"
    if k is LossKind.gate_failed:
        return f"{loss.party}'s approval gate failed: {loss.expected} ({loss.gate_kind}) (scenario)"
    if k is LossKind.no_place:
        return f"its caveats forbid every place it could deploy to{_at(loss)}"
    if k is LossKind.unknown_dependency:
        return f"depends on unknown pledge(s) {', '.join(loss.pledges)}{_at(loss)}"
    if k is LossKind.cycle:
        return f"cyclic dependency: {' -> '.join(loss.pledges)}{_at(loss)}"
    root = loss_reason(loss.root) if loss.root is not None else "it does not stand"
    return (
        f"lost through a dependency: depends on {loss.via} ({loss.via_party}), which does not "
        f"stand ({root})"
    )


def unavailable_reason(u: Unavailable) -> str:
    """Why a pledge does not stand in this plan, in words."""
    return loss_reason(u.loss)


def delay_text(delay: Delay, activation: dt.datetime | None = None) -> str:
    """What delays an offer, in words."""
    if delay.kind is DelayKind.gate:
        return f"{delay.body} ({delay.gate_kind}, expected {delay.expected})"
    if delay.kind is DelayKind.vote:
        return f"vote in {delay.body or 'parliament'} (expected {delay.expected})"
    if delay.kind is DelayKind.scenario:
        return f"scenario gate delay {delay.expected}"
    return (
        f"waiting for {delay.body} ({delay.party}), in place "
        f"{format_by(delay.ready_days, activation)}"
    )


def _block_why(block: Block) -> str:
    if block.loss is not None:
        return loss_reason(block.loss)
    if block.cause is BlockCause.front_line:
        return "not_front_line caveat on a front-line need"
    if block.cause is BlockCause.place_caveat:
        return f"may deploy only to {', '.join(sorted(block.places))}"
    if block.cause is BlockCause.elsewhere:
        return f"pledged for {block.declared}"
    return f"ready D+{block.ready_days:g}, needed by D+{block.needed_by_days:g}"


def _listed(items: list[str], sep: str = ", ", limit: int = 4) -> str:
    """Distinct items in order, at most `limit`, with a count of the rest."""
    distinct = list(dict.fromkeys(items))
    shown = sep.join(distinct[:limit])
    return shown + (f"{sep}and {len(distinct) - limit} more" if len(distinct) > limit else "")


def gap_reason(g: Gap, activation: dt.datetime | None = None) -> str:
    """Why part of a need is unmet: a fixed headline, the pledges concerned, their reasons."""
    head = HEADLINE[g.reason]
    if g.reason is GapReason.late:
        parts = []
        for a in g.late:
            text = f"{a.pledge} ({a.party}) arrives {a.days_late:g} days late"
            if a.waits_for is not None:
                text += f" because it is {delay_text(a.waits_for, activation)}"
            elif a.delay is not None:
                text += f" because of {delay_text(a.delay, activation)}"
            parts.append(text)
        return f"{head}: " + "; ".join(parts)
    if g.blocks:
        pledges = _listed([f"{b.pledge} ({b.party})" for b in g.blocks])
        if g.reason is GapReason.left_out:
            return f"{head}: {pledges}"
        whys = sorted({_block_why(b).removeprefix(head + ": ") for b in g.blocks})
        return f"{head}: {pledges}: {_listed(whys, '; ')}"
    if g.reason is GapReason.taken:
        return f"{head}: the rest of what was pledged went to other needs of higher value"
    if g.reason is GapReason.not_enough:
        return (
            f"{head}: {amount(g.pledged)} pledged in all for this step, {amount(g.needed)} needed"
        )
    if g.reason is GapReason.unknown_kind:
        hint = f" (did you mean {g.suggestion!r}?)" if g.suggestion else ""
        return f"{head}: unknown capability kind {g.capability!r}{hint}"
    return head


def ref(p: Provenance) -> str:
    """A clause and part as one reference: 'uk-brigade', 'mnf-deterrence.needs[0]'."""
    return f"{p.clause}.{p.part}" if p.part else p.clause


def assumed_refs(items: Sequence[Provenance]) -> list[str]:
    """The references of assumed clauses, sorted."""
    return sorted({ref(p) for p in items})


def span_text(span: MissionSpan) -> str:
    """How long the step's response lasts, and why."""
    start = f"from year {span.start_year:g} " if span.start_year else ""
    return f"{years_text(span.years)} {start}({SPAN_WORDS[span.basis]})"


def unrated_text(f: FairShare, gdp_unit: str) -> str:
    """Why a party has no fair-share ratio."""
    if f.unrated is Unrated.organisation:
        return (
            f"fair share of {f.party} not measured: an organisation, its economy is its members'; "
            "its contributions are left out of fair shares"
        )
    if f.unrated is Unrated.no_gdp:
        return (
            f"fair share of {f.party} not measured: no GDP figure for this party: add it to the "
            f"scenario's `gdp:` mapping (GDP in the table's unit: {gdp_unit})"
        )
    return f"fair share of {f.party} not measured: it is tasked only kinds without a money value"


def note_text(note: PlanNote) -> str:
    """A plan's note in words."""
    if note.kind is PlanNoteKind.measured:
        return (
            f"{note.subject} = {note.value:,.1f} km, measured on {note.source} (territory room, "
            "geodesic)"
        )
    if note.kind is PlanNoteKind.readiness_from_catalogue:
        return (
            "readiness not stated (the catalogue's readiness for the kind is used): "
            + ", ".join(note.items)
        )
    if note.kind is PlanNoteKind.not_proven:
        return "the solver stopped at its time limit: this plan is the best found, not a proven optimum"
    return (
        f"{note.subject} is tasked {', '.join(note.items)}, which the catalogue does not monetise: "
        "its fair-share ratio leaves it out (no ratio when that is all it is tasked)"
    )


def plan_notes(plan: ResponsePlan) -> list[str]:
    """Every note of a plan: the planner's, the GDP basis's, unrated parties, the mission's span."""
    out = [note_text(n) for n in plan.notes]
    b = plan.basis
    if b.kiel_uncovered:
        out.append(
            "Kiel tracker GDP does not cover "
            + ", ".join(b.kiel_uncovered)
            + "; using the World Bank table for every party"
        )
    out += [
        unrated_text(f, b.gdp_unit)
        for f in plan.fair
        if f.unrated in (Unrated.organisation, Unrated.no_gdp)
    ]
    out.append(
        f"money over the mission: {span_text(plan.span)}; units kept longer than a year count "
        "with their rotation"
    )
    return out


def gdp_text(plan: ResponsePlan) -> str:
    """Where the GDP figures come from."""
    return plan.gdp_source + (" (with scenario overrides)" if plan.basis.overridden else "")


def removal_text(r: Removal) -> str:
    """What one removal does, in words."""
    k = r.kind
    veto = " (it could block decisions on its own)" if r.veto else ""
    if k is RemovalKind.pledge:
        return f"{r.clause}: a pledge of {r.party}"
    if k is RemovalKind.dependent_pledge:
        return f"{r.clause}: falls with {r.via}, which it depends on"
    if k is RemovalKind.role:
        return f"{r.party} no longer holds the role {r.clause}"
    if k is RemovalKind.group_member:
        return f"{r.clause} loses its member {r.party}"
    if k is RemovalKind.body_member:
        return f"body {r.clause} loses its member {r.party}{veto}"
    if k is RemovalKind.body:
        why = "no member left" if r.via == "members" else f"its procedure {r.via} is gone"
        return f"body {r.clause} is gone: {why}"
    if k is RemovalKind.procedure_member:
        return f"procedure {r.clause} loses {r.party}{veto}"
    if k is RemovalKind.procedure_gate:
        return f"procedure {r.clause} loses {r.party}'s approval gate ({r.via})"
    if k is RemovalKind.procedure:
        why = f"its decider {r.party} is left out" if r.via == "decider" else "no member left"
        return f"procedure {r.clause} is gone: {why}"
    if k is RemovalKind.determination:
        return f"determination {r.clause} is lost: {r.via}, which makes it, is gone"
    if k is RemovalKind.step_decision:
        return f"step {r.clause} loses its decision through {r.via}"
    if k is RemovalKind.monitor:
        return f"monitoring {r.clause} loses its monitor {r.party}"
    if k is RemovalKind.monitoring:
        return f"monitoring {r.clause} is gone: no monitor left; what it monitored is unmonitored"
    if k is RemovalKind.obligation_party:
        return f"duty {r.clause}: {r.party} is no longer bound (others still are)"
    if k is RemovalKind.obligation:
        return f"duty {r.clause} is gone: {r.party} was the only party bound"
    return f"step {r.clause} no longer lists {r.party}"


def need_change_text(c: NeedChange, activation: dt.datetime | None) -> str:
    """How a need fares before → after."""

    def side(on: float, late: float, full: float | None) -> str:
        text = f"{amount(on)}/{amount(c.needed)}" + (f" +{amount(late)} late" if late else "")
        return text + (
            f", full by {format_by(full, activation)}" if full is not None else ", never full"
        )

    place = SHORT_PLACE.get(c.where, c.where)
    return (
        f"{c.capability} @ {place}: {side(c.on_time_before, c.late_before, c.full_by_before)} → "
        f"{side(c.on_time_after, c.late_after, c.full_by_after)}"
    )


# --- JSON --------------------------------------------------------------------------------------


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
                "quantity": _number(sum(t.quantity for t in ts), plan.integer_units.get(c, False)),
                "where": w,
                "by": b,
                "money_eur": round(sum(t.money_eur for t in ts)),
                "units_held": _number(sum(t.units_held for t in ts), False),
                "assumed": assumed_refs([a for t in ts for a in t.assumed]),
            }
            for (p, c, w, b), ts in sorted(merged.items())
        ],
        "gaps": [
            {
                "capability": g.capability,
                "quantity": _number(g.quantity, plan.integer_units.get(g.capability, False)),
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


# --- tables ------------------------------------------------------------------------------------


def _by(t: Task, activation: dt.datetime | None) -> str:
    text = format_by(t.by_days, activation)
    if t.late_days > 0:
        text += f" ({t.late_days:g} d late)"
    if t.waits_for is not None:
        text += f", after {t.waits_for.body}"
    return text


def plan_tables(plan: ResponsePlan) -> Group:
    """The tasking, gaps, unavailable pledges, fair shares and assumptions of one plan."""
    parts: list[Table | Text] = []
    head = Text.assemble(
        (f"{plan.agreement} · step {plan.step} · {plan.label}", "bold"),
        f"   coverage {plan.coverage_pct:.1f}% (greedy baseline {plan.greedy_coverage_pct:.1f}%)",
    )
    if plan.solution is not None and plan.solution.stages:
        proven = "proven optimum" if plan.solution.proven else "NOT proven optimal (time limit)"
        head.append(f" · HiGHS {plan.solution.seconds:.2f} s, {proven}", style="dim")
    parts.append(head)
    if not plan.requirements:
        parts.append(Text("This step lists no capability needs: there is nothing to allocate."))
        return Group(*parts)
    tasking = Table(title="Tasking", title_justify="left", show_edge=False)
    elsewhere = any(t.for_need_at != t.where for t in plan.tasking)
    assumed = any(t.assumed for t in plan.tasking)
    columns = ["party", "capability", "quantity", "where"]
    columns += ["for a need at"] if elsewhere else []
    columns += ["by", "pledge", "EUR"] + (["assumed"] if assumed else [])
    for col in columns:
        tasking.add_column(col, justify="right" if col in ("quantity", "EUR") else "left")
    for t in plan.tasking:
        held = f" ({amount(t.units_held)} held)" if t.units_held > t.quantity + 1e-9 else ""
        cells = [t.party, t.capability, amount(t.quantity) + held, t.where]
        cells += [t.for_need_at if t.for_need_at != t.where else ""] if elsewhere else []
        cells += [_by(t, plan.activation), t.pledge, money(t.money_eur)]
        cells += ["yes" if t.assumed else ""] if assumed else []
        tasking.add_row(*cells, style="yellow" if t.late_days > 0 else None)
    parts.append(tasking if plan.tasking else Text("Tasking: nothing can be tasked", style="red"))
    if plan.gaps:
        gaps = Table(title="Gaps", title_justify="left", show_edge=False)
        assumed = any(g.assumed for g in plan.gaps)
        columns = ["need", "capability", "quantity", "where", "reason"]
        for col in columns + (["assumed"] if assumed else []):
            gaps.add_column(col, justify="right" if col == "quantity" else "left")
        for g in plan.gaps:
            cells = [g.requirement, g.capability, amount(g.quantity), g.where]
            cells += [escape(gap_reason(g, plan.activation))]
            gaps.add_row(*cells, *(["yes" if g.assumed else ""] if assumed else []))
        parts.append(gaps)
    else:
        parts.append(Text("Gaps: none, every need is met on time", style="green"))
    if plan.unavailable:
        un = Table(title="Pledges that do not stand", title_justify="left", show_edge=False)
        for col in ("party", "pledge", "reason"):
            un.add_column(col)
        for u in plan.unavailable:
            un.add_row(u.party, u.pledge, escape(unavailable_reason(u)))
        parts.append(un)
    parts.append(fair_table(plan.fair, f"money over {years_text(plan.span.years)}"))
    parts.append(Text(f"GDP: {gdp_text(plan)}", style="dim"))
    parts += assumed_parts(plan.assumed)
    for note in plan_notes(plan):
        parts.append(Text(f"note: {note}", style="dim"))
    return Group(*parts)


def fair_table(fair: Sequence[FairShare], over: str) -> Table:
    """Fair shares: money share against GDP share, with the bands."""
    table = Table(
        title=f"Fair shares ({over}): money share ÷ GDP share (<0.8 low, >1.2 high)",
        min_width=90,
        title_justify="left",
        show_edge=False,
    )
    for col in ("party", "money EUR", "share", "GDP share", "target", "ratio", "band"):
        table.add_column(col, justify="left" if col in ("party", "band") else "right")
    for f in fair:
        table.add_row(
            f.party,
            money(f.money_eur),
            f"{100 * f.share:.1f}%" if f.target_share else "–",
            f"{100 * f.gdp_share:.1f}%" if f.ratio is not None or f.gdp_share else "–",
            f"{100 * f.target_share:.1f}%" if f.target_share else "–",
            f"{f.ratio:.2f}" if f.ratio is not None else "–",
            Text(BAND_WORDS[f.band], style=BAND_STYLE[f.band]),
        )
    return table


CATALOGUE_PREFIX = "catalogue:"


def assumed_parts(items: Sequence[Provenance]) -> list[Table | Text]:
    """The assumed clauses results rest on (with reasons), then the assumed catalogue values."""
    clauses = [p for p in items if not p.clause.startswith(CATALOGUE_PREFIX)]
    values = [p for p in items if p.clause.startswith(CATALOGUE_PREFIX)]
    out: list[Table | Text] = []
    if clauses:
        table = Table(
            title="Rests on assumed clauses (marked 'assumed' above)",
            title_justify="left",
            show_edge=False,
        )
        table.add_column("clause")
        table.add_column("reason")
        for p in sorted(clauses, key=lambda p: (p.clause, p.part)):
            table.add_row(escape(ref(p)), escape(p.reason or "(no reason given)"))
        out.append(table)
    if values:
        names = ", ".join(
            f"{p.clause.removeprefix(CATALOGUE_PREFIX)} {p.part}"
            for p in sorted(values, key=lambda p: (p.clause, p.part))
        )
        out.append(
            Text(
                f"assumed catalogue values (reasons: guarantor capabilities --format json): {names}",
                style="dim",
            )
        )
    return out


def comparison_table(
    plans: Sequence[ResponsePlan], catalogue: Catalogue, fair_rows: bool = True
) -> Table:
    """Variants side by side: coverage, each need met, pledges lost, fair-share ratios."""
    table = Table(
        title=f"{plans[0].agreement} · step {plans[0].step}: variants side by side",
        title_justify="left",
        caption="met on time / needed (+ late); P = priority, 1 highest",
        caption_justify="left",
    )
    table.add_column("")
    for p in plans:
        table.add_column(p.label, justify="right")
    table.add_row("coverage (priority-weighted)", *[f"{p.coverage_pct:.1f}%" for p in plans])
    table.add_row("greedy baseline", *[f"{p.greedy_coverage_pct:.1f}%" for p in plans])
    met = [met_by_requirement(p) for p in plans]
    for req in plans[0].requirements:
        cells = []
        for m in met:
            on, late, need = m.get(req.id, (0.0, 0.0, req.quantity))
            text = f"{amount(on)}/{amount(need)}" + (f" +{amount(late)} late" if late else "")
            style = "green" if on >= need - 1e-9 else ("yellow" if on + late > 0 else "red")
            cells.append(Text(text, style=style))
        place = SHORT_PLACE.get(req.where.value, req.where.value)
        known = "" if req.capability in catalogue else " (unknown kind)"
        table.add_row(f"{req.capability} @ {place} P{req.priority}{known}", *cells)
    table.add_row("pledges that do not stand", *[str(len(p.unavailable)) for p in plans])
    cascade = [
        ", ".join(u.pledge for u in p.unavailable if u.loss.kind is LossKind.dependency) or "–"
        for p in plans
    ]
    table.add_row("lost through a dependency", *cascade)
    table.add_row(
        "money over the mission", *[money(sum(t.money_eur for t in p.tasking)) for p in plans]
    )
    parties = sorted({f.party for p in plans for f in p.fair}) if fair_rows else []
    for party in parties:
        cells = []
        for p in plans:
            f = next((f for f in p.fair if f.party == party), None)
            if f is None or f.ratio is None:
                cells.append(Text("–", style="dim"))
            else:
                cells.append(Text(f"{f.ratio:.2f} {BAND_WORDS[f.band]}", style=BAND_STYLE[f.band]))
        table.add_row(f"fair share {party}", *cells)
    return table


def removal_tables(cost: RemovalCost, activation: dt.datetime | None) -> Group:
    """What leaving the parties out costs: coverage, time, money, decisions and monitoring lost."""
    parts: list[Table | Text] = [
        Text(
            f"What leaving out {', '.join(cost.without)} costs: coverage "
            f"{cost.coverage_before:.1f}% → {cost.coverage_after:.1f}% ({cost.coverage_pp:+.1f} pp); "
            f"money over the mission {money(cost.money_before)} → {money(cost.money_after)} EUR, "
            f"of which the parties left out carried {money(cost.money_of_left_out)}",
            style="bold",
        )
    ]
    table = Table(show_header=False, show_edge=False, box=None)
    table.add_column("what", style="dim")
    table.add_column("change")
    for c in cost.needs:
        table.add_row("need", escape(need_change_text(c, activation)))
    for party, delta in cost.money_shift:
        table.add_row("money", f"{party} {'+' if delta >= 0 else '−'}{money(abs(delta))} EUR")
    for label, items in (
        ("pledge lost", cost.pledges),
        ("decisions", cost.decisions),
        ("monitoring", cost.monitoring),
        ("duties", cost.duties),
    ):
        for r in items:
            table.add_row(label, escape(removal_text(r)))
    parts.append(table)
    return Group(*parts)


def contributions_table(c: Contributions, label: str) -> Table:
    """Money per party and year over the guarantee (years with the same money merged)."""
    segments: list[tuple[int, int]] = []
    for year in range(c.years):
        column = tuple(round(p.per_year[year]) for p in c.parties)
        if segments and tuple(round(p.per_year[segments[-1][0]]) for p in c.parties) == column:
            segments[-1] = (segments[-1][0], year)
        else:
            segments.append((year, year))
    table = Table(
        title=f"Contributions over the guarantee, {label}: EUR per year (rotation included) and "
        "fair shares over all of it",
        title_justify="left",
    )
    table.add_column("party")
    for a, b in segments:
        table.add_column(
            f"year {a + 1}" if a == b else f"years {a + 1}–{b + 1} (each)", justify="right"
        )
    table.add_column("all years", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("band")
    fair = {f.party: f for f in c.fair}
    for p in c.parties:
        f = fair.get(p.party)
        table.add_row(
            p.party,
            *[money(p.per_year[a]) for a, _ in segments],
            money(p.money_eur),
            f"{f.ratio:.2f}" if f is not None and f.ratio is not None else "–",
            Text(BAND_WORDS[f.band], style=BAND_STYLE[f.band]) if f is not None else Text("–"),
        )
    return table


def guarantee_tables(g: GuaranteePlan) -> Group:
    """Every step's plan, then the contributions over the guarantee's years."""
    parts: list[Group | Table | Text] = []
    for plan in g.plans:
        parts.append(plan_tables(plan))
        parts.append(Text(""))
    if not g.plans:
        parts.append(Text("No step of this agreement names capability needs: nothing to plan."))
        return Group(*parts)
    parts.append(contributions_table(g.contributions, g.label))
    if g.solution is not None:
        proven = "proven optimum" if g.solution.proven else "NOT proven optimal (time limit)"
        parts.append(
            Text(
                f"all steps solved together: HiGHS {g.solution.seconds:.2f} s, {proven}",
                style="dim",
            )
        )
    return Group(*parts)


# --- CSV ---------------------------------------------------------------------------------------

CSV_HEADER = [
    "kind",
    "party",
    "capability",
    "quantity",
    "where",
    "by",
    "pledge",
    "money_eur",
    "reason",
    "assumed",
]


def plan_csv(plan: ResponsePlan) -> str:
    """One CSV: tasks, gaps, pledges that do not stand, fair shares (column `kind`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for t in plan.tasking:
        writer.writerow(
            [
                "task",
                t.party,
                t.capability,
                _csvq(t.quantity),
                t.where,
                format_by(t.by_days, plan.activation),
                t.pledge,
                f"{t.money_eur:.0f}",
                "",
                " ".join(assumed_refs(t.assumed)),
            ]
        )
    for g in plan.gaps:
        writer.writerow(
            [
                "gap",
                "",
                g.capability,
                _csvq(g.quantity),
                g.where,
                "",
                "",
                "",
                gap_reason(g, plan.activation),
                " ".join(assumed_refs(g.assumed)),
            ]
        )
    for u in plan.unavailable:
        writer.writerow(
            [
                "unavailable",
                u.party,
                u.capability,
                _csvq(u.quantity),
                "",
                "",
                u.pledge,
                "",
                unavailable_reason(u),
                "",
            ]
        )
    for f in plan.fair:
        ratio = f"{f.ratio:.3f}" if f.ratio is not None else ""
        writer.writerow(
            [
                "fair_share",
                f.party,
                "",
                ratio,
                "",
                "",
                "",
                f"{f.money_eur:.0f}",
                BAND_WORDS[f.band],
                " ".join(assumed_refs(f.assumed)),
            ]
        )
    return buf.getvalue()


def contributions_csv(c: Contributions) -> str:
    """One row per party and year of the guarantee: party,year,money_eur."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["party", "year", "money_eur"])
    for p in c.parties:
        for year, value in enumerate(p.per_year, start=1):
            writer.writerow([p.party, year, f"{value:.0f}"])
    return buf.getvalue()


def fair_share_line(plan: ResponsePlan) -> str:
    """One line of fair shares: measured parties with a ratio, then those tasked nothing."""
    rated = [f for f in plan.fair if f.ratio is not None and f.money_eur > 0]
    idle = [f.party for f in plan.fair if f.ratio is not None and f.money_eur == 0]
    parts = [f"{f.party} {f.ratio:.2f} {BAND_WORDS[f.band]}" for f in rated]
    if idle:
        parts.append(f"{', '.join(idle)}: nothing tasked (0, low)")
    return " · ".join(parts) or "no measured contribution"


# --- the catalogue -----------------------------------------------------------------------------


def capability_rows(cat: Catalogue) -> list[dict[str, Any]]:
    """The catalogue as data: every kind with its values and their provenance."""
    rows = []
    for c in cat.capabilities.values():
        row = c.model_dump(mode="json", exclude={"sources"})
        row["provenance"] = {name: _grade_json(c, name) for name in c.graded_values()}
        rows.append(row)
    return rows


def _grade_json(c: Any, name: str) -> dict[str, str | None]:
    p = c.provenance_of(name)
    source = c.sources.get(name)
    return {
        "grade": p.grade.value if p.grade else None,
        "doc": p.doc,
        "quote": p.quote,
        "reason": p.reason,
        "note": source.note if source is not None else None,
    }


def capabilities_csv(cat: Catalogue) -> str:
    """One row per kind: units, money, readiness, rotation and the grade of each value."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "id",
            "unit",
            "domain",
            "integer",
            "lethal",
            "unit_size",
            "cost_eur_per_year",
            "readiness",
            "rotation",
            "stands_for",
            "anywhere",
            "grades",
        ]
    )
    for c in cat.capabilities.values():
        grades = " ".join(
            f"{n}={(c.provenance_of(n).grade or 'ungraded')}" for n in c.graded_values()
        )
        writer.writerow(
            [
                c.id,
                c.unit,
                c.domain,
                str(c.integer).lower(),
                str(c.lethal).lower(),
                f"{c.unit_size.count:g} {c.unit_size.of}" if c.unit_size else "",
                "face value"
                if c.face_value
                else (f"{c.cost_eur_per_year:g}" if c.cost_eur_per_year is not None else ""),
                str(c.readiness) if c.readiness else "",
                f"{c.rotation:g}",
                " ".join(f"{k}={v:g}" for k, v in sorted(c.stands_for.items())),
                str(c.anywhere).lower(),
                grades,
            ]
        )
    return buf.getvalue()


def capabilities_table(cat: Catalogue) -> Table:
    """The catalogue for people: each kind's size, money, readiness, rotation and their grades."""
    table = Table(
        title="Capability catalogue (grade of each value in brackets)", title_justify="left"
    )
    for col in ("id", "unit", "size", "EUR/unit/yr", "ready", "rotation", "serves / stands for"):
        table.add_column(col)

    def g(c: Any, name: str) -> str:
        grade = c.provenance_of(name).grade
        return escape(f" [{grade.value if grade else 'ungraded'}]")

    for c in cat.capabilities.values():
        size = f"{c.unit_size.count:g} {c.unit_size.of}{g(c, 'unit_size')}" if c.unit_size else ""
        if c.stands_for:
            cost = "its parts'"
        elif c.face_value:
            cost = "face value"
        elif c.cost_eur_per_year:
            cost = f"{c.cost_eur_per_year:,.0f}{g(c, 'cost_eur_per_year')}"
        else:
            cost = f"not monetised{g(c, 'cost_eur_per_year')}"
        ready = f"{c.readiness}{g(c, 'readiness')}" if c.readiness else ""
        rotation = f"{c.rotation:g}{g(c, 'rotation')}" if "rotation" in c.graded_values() else "–"
        if c.stands_for:
            serves = ", ".join(f"{v:g} {k}" for k, v in sorted(c.stands_for.items())) + g(
                c, "stands_for"
            )
        elif c.anywhere:
            serves = "anywhere"
        else:
            serves = "; ".join(f"{k}←{'/'.join(v)}" for k, v in sorted(c.serves.items()))
        table.add_row(c.id, c.unit, size, cost, ready, rotation, serves)
    return table
