"""Rich tables of plans, comparisons, removal costs and contributions over the years."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from guarantor.respond.availability import LossKind
from guarantor.respond.catalogue import Catalogue
from guarantor.respond.compare import met_by_requirement
from guarantor.respond.contributions import Contributions
from guarantor.respond.fairness import FairShare
from guarantor.respond.guarantee import GuaranteePlan
from guarantor.respond.plan import ResponsePlan, Task
from guarantor.respond.removal import RemovalCost
from guarantor.respond.render.words import (
    BAND_STYLE,
    BAND_WORDS,
    SHORT_PLACE,
    amount,
    format_by,
    gap_reason,
    gdp_text,
    money,
    need_change_text,
    plan_notes,
    ref,
    removal_text,
    unavailable_reason,
    years_text,
)
from guarantor.rules.plan import Provenance


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


def fair_share_line(plan: ResponsePlan) -> str:
    """One line of fair shares: measured parties with a ratio, then those tasked nothing."""
    rated = [f for f in plan.fair if f.ratio is not None and f.money_eur > 0]
    idle = [f.party for f in plan.fair if f.ratio is not None and f.money_eur == 0]
    parts = [f"{f.party} {f.ratio:.2f} {BAND_WORDS[f.band]}" for f in rated]
    if idle:
        parts.append(f"{', '.join(idle)}: nothing tasked (0, low)")
    return " · ".join(parts) or "no measured contribution"
