"""The respond room's part of `guarantor demo`: the plan with and without the US, side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guarantor.fileio import write_atomic
from guarantor.jsonout import dumps
from guarantor.model import Agreement
from guarantor.respond.catalogue import default_catalogue
from guarantor.respond.compare import Variant, compare, comparison_json
from guarantor.respond.render import comparison_table, fair_share_line
from guarantor.spec.load import load_spec

if TYPE_CHECKING:
    from guarantor.demo import DemoContext

CASES: tuple[tuple[str, str, str], ...] = (
    ("aug2025_article5_like.yaml", "military-response", "August 2025 'Article 5-like' proposal"),
    ("paris_declaration_2026.yaml", "mnf-presence", "Paris Declaration 2026"),
)


def _depends_on(agreement: Agreement, pledge_id: str) -> list[str]:
    for pledge in agreement.pledges:
        if pledge.id == pledge_id:
            return list(pledge.depends_on)
    return []


def run(ctx: DemoContext) -> None:
    """Plan each example's military step with all parties and without the US; show the cascade."""
    console = ctx.console
    console.rule("[bold]Respond: who sends what, where, by when — with and without the US")
    catalogue = default_catalogue()
    data_dir = ctx.data.path
    gdp_source = ""
    for file, step, title in CASES:
        path = ctx.examples / "agreements" / file
        if not path.exists():
            console.print(f"[yellow]{file} is not in {path.parent}; skipped[/]")
            continue
        loaded = load_spec(path)
        plans = compare(
            loaded.agreement,
            step,
            [Variant("with the US"), Variant("without the US", ("US",))],
            catalogue=catalogue,
            data_dir=data_dir,
            locate=lambda p, src=loaded.source: src.locate(p),
        )
        console.print(f"\n[bold]{title}[/] — step [bold]{step}[/]")
        console.print(comparison_table(plans, catalogue, fair_rows=False))
        with_us, without = plans
        gdp_source = with_us.gdp_source
        lost = [u for u in without.unavailable if u.category == "dependency"]
        if lost:
            roots = sorted({d for u in lost for d in _depends_on(loaded.agreement, u.pledge)})
            console.print(
                "  [red]cascade without the US:[/] "
                + ", ".join(f"{u.pledge} ({u.party})" for u in lost)
                + f" depend on {', '.join(roots)} and fall with it"
            )
        seconds = sum(p.solution.seconds for p in plans if p.solution)
        proven = all(p.solution is not None and p.solution.proven for p in plans)
        console.print(
            f"  HiGHS {'proved' if proven else 'found (not proven)'} both plans in {seconds:.2f} s"
        )
        for plan in plans:
            console.print(f"  fair shares {plan.label}: {fair_share_line(plan)}")
        out = ctx.out / "respond" / f"{loaded.agreement.id}.{step}.compare.json"
        write_atomic(out, dumps(comparison_json(plans)))
        ctx.results[f"respond:{loaded.agreement.id}"] = {
            "with_us_pct": round(with_us.coverage_pct, 2),
            "without_us_pct": round(without.coverage_pct, 2),
        }
    console.print(
        f"[dim]GDP: {gdp_source}. Fair share = contribution share ÷ GDP share (<0.8 low, >1.2 high); "
        "contributions valued at the catalogue's indicative EUR per unit (planning weights, "
        "not prices); the US backstop is not monetised. Plans in "
        f"{ctx.out / 'respond'}[/]"
    )
