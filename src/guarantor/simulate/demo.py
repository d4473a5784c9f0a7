"""The simulate section of `guarantor demo`: a small sensitivity analysis of the five designs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from guarantor.fileio import write_atomic
from guarantor.jsonout import dumps
from guarantor.simulate.designs import DEFAULT_DESIGNS

if TYPE_CHECKING:
    from guarantor.demo import DemoContext

DEMO_DRAWS = 40  # a small version; docs/simulate.md shows 1,000 draws
DEMO_TRIALS = 2_000
DEMO_SEED = 2026
IMPORTANCE_DESIGN = "paris2026"


def run(ctx: DemoContext) -> None:
    """Compare the five example designs over parameter draws, on the real-data calibration."""
    from rich.rule import Rule

    from guarantor.simulate.plots import importance_plot, intervals_plot
    from guarantor.simulate.render import (
        design_notes,
        flips_table,
        importance_table,
        metrics_table,
        ranking_table,
    )
    from guarantor.simulate.run import simulate

    console = ctx.console
    console.print(Rule("[bold]simulate[/]: guarantee designs under uncertainty"))
    data = ctx.data.path
    if data is None:
        console.print(
            "[yellow]no real data: every calibrated parameter runs on its prior in the "
            "parameter file (reported as assumed)[/]"
        )
    started = time.perf_counter()
    result = simulate(list(DEFAULT_DESIGNS), DEMO_DRAWS, DEMO_TRIALS, DEMO_SEED, data=data)
    console.print(ranking_table(result))
    console.print(metrics_table(result))
    name = next(n for n in result.names if n.startswith(IMPORTANCE_DESIGN))
    if result.importance:
        console.print(importance_table(result, name, 6))
    else:
        console.print(
            f"[dim]importance (Sobol indices) needs more draws than this small run's "
            f"{DEMO_DRAWS}: see `guarantor simulate sensitivity` and docs/simulate.md[/]"
        )
    if result.flips:
        console.print(flips_table(result))
    for note in design_notes(result)[:8]:
        console.print(f"[dim]{note}[/]")
    out = ctx.out / "simulate"
    doc = result.to_json()
    write_atomic(out / "simulate.json", dumps(doc))
    plots = [intervals_plot(result, out / "simulate_intervals.png")]
    if result.importance:
        plots.append(importance_plot(result, name, out / "simulate_importance.png"))
    console.print(
        "deterrence index = mean over violations of coverage x exp(-days to first response / 30) "
        "for answered violations, 0 otherwise; intervals over parameter draws (docs/simulate.md)"
    )
    console.print(
        f"wrote {out / 'simulate.json'} and {len(plots)} plots in {time.perf_counter() - started:.1f} s"
    )
    ctx.results["simulate"] = doc
