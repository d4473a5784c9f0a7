"""Rich tables and CSV rows for plans and comparisons (for people; JSON goes through jsonout)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from guarantor.respond.catalogue import Catalogue
from guarantor.respond.compare import met_by_requirement
from guarantor.respond.gaps import amount
from guarantor.respond.plan import ResponsePlan

BAND_STYLE = {"low": "red", "in balance": "green", "high": "yellow", "n/a": "dim"}
SHORT_PLACE = {
    "beneficiary_territory": "beneficiary",
    "neighbouring_state": "neighbour",
    "at_sea": "sea",
    "remote": "remote",
    "own_territory": "home",
}


def _money(value: float) -> str:
    if value >= 1e9:
        return f"{value / 1e9:,.2f} bn"
    if value >= 1e6:
        return f"{value / 1e6:,.1f} m"
    return f"{value:,.0f}"


def plan_tables(plan: ResponsePlan) -> Group:
    """The tasking, gaps, unavailable pledges and fair shares of one plan as Rich tables."""
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
    for col in ("party", "capability", "quantity", "where", "for a need at", "by", "pledge"):
        tasking.add_column(col, justify="right" if col == "quantity" else "left")
    for t in plan.tasking:
        late = f" ({t.late_days:g} d late)" if t.late_days > 0 else ""
        tasking.add_row(
            t.party,
            t.capability,
            amount(t.quantity),
            t.where,
            t.for_need_at if t.for_need_at != t.where else "",
            t.by + late,
            t.pledge,
            style="yellow" if t.late_days > 0 else None,
        )
    parts.append(tasking if plan.tasking else Text("Tasking: nothing can be tasked", style="red"))
    if plan.gaps:
        gaps = Table(title="Gaps", title_justify="left", show_edge=False)
        for col in ("need", "capability", "quantity", "where", "reason"):
            gaps.add_column(col, justify="right" if col == "quantity" else "left")
        for g in plan.gaps:
            gaps.add_row(g.requirement, g.capability, amount(g.quantity), g.where, g.reason)
        parts.append(gaps)
    else:
        parts.append(Text("Gaps: none, every need is met on time", style="green"))
    if plan.unavailable:
        un = Table(title="Pledges that do not stand", title_justify="left", show_edge=False)
        for col in ("party", "pledge", "reason"):
            un.add_column(col)
        for u in plan.unavailable:
            un.add_row(u.party, u.pledge, u.reason)
        parts.append(un)
    fair = Table(
        title="Fair shares: contribution share ÷ GDP share (<0.8 low, 0.8–1.2 in balance, >1.2 high)",
        min_width=90,
        title_justify="left",
        show_edge=False,
    )
    for col in ("party", "value EUR/yr", "share", "GDP share", "target", "ratio", "band"):
        fair.add_column(col, justify="left" if col in ("party", "band") else "right")
    for f in plan.fair:
        fair.add_row(
            f.party,
            _money(f.value_eur),
            f"{100 * f.share:.1f}%" if f.target_share else "–",
            f"{100 * f.gdp_share:.1f}%" if f.ratio is not None or f.gdp_share else "–",
            f"{100 * f.target_share:.1f}%" if f.target_share else "–",
            f"{f.ratio:.2f}" if f.ratio is not None else "–",
            Text(f.band, style=BAND_STYLE.get(f.band, "")),
        )
    parts.append(fair)
    parts.append(Text(f"GDP: {plan.gdp_source}", style="dim"))
    for note in plan.notes:
        parts.append(Text(f"note: {note}", style="dim"))
    return Group(*parts)


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
        ", ".join(u.pledge for u in p.unavailable if u.category == "dependency") or "–"
        for p in plans
    ]
    table.add_row("lost through a dependency", *cascade)
    parties = sorted({f.party for p in plans for f in p.fair}) if fair_rows else []
    for party in parties:
        cells = []
        for p in plans:
            f = next((f for f in p.fair if f.party == party), None)
            if f is None or f.ratio is None:
                cells.append(Text("–", style="dim"))
            else:
                cells.append(Text(f"{f.ratio:.2f} {f.band}", style=BAND_STYLE[f.band]))
        table.add_row(f"fair share {party}", *cells)
    return table


def plan_csv(plan: ResponsePlan) -> str:
    """One CSV: tasking rows, then gap rows, then pledges that do not stand (column `kind`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["kind", "party", "capability", "quantity", "where", "by", "pledge", "reason"])
    for t in plan.tasking:
        writer.writerow(
            ["task", t.party, t.capability, _csvq(t.quantity), t.where, t.by, t.pledge, ""]
        )
    for g in plan.gaps:
        writer.writerow(["gap", "", g.capability, _csvq(g.quantity), g.where, "", "", g.reason])
    for u in plan.unavailable:
        writer.writerow(
            ["unavailable", u.party, u.capability, _csvq(u.quantity), "", "", u.pledge, u.reason]
        )
    for f in plan.fair:
        ratio = f"{f.ratio:.3f}" if f.ratio is not None else ""
        writer.writerow(["fair_share", f.party, "", ratio, "", "", "", f.band])
    return buf.getvalue()


def _csvq(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def fair_share_line(plan: ResponsePlan) -> str:
    """One line of fair shares: measured parties with a ratio, then those tasked nothing."""
    rated = [f for f in plan.fair if f.ratio is not None and f.value_eur > 0]
    idle = [f.party for f in plan.fair if f.ratio is not None and f.value_eur == 0]
    parts = [f"{f.party} {f.ratio:.2f} {f.band}" for f in rated]
    if idle:
        parts.append(f"{', '.join(idle)}: nothing tasked (0, low)")
    return " · ".join(parts) or "no measured contribution"
