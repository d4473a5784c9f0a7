"""The simulate section of `guarantor demo`: the five designs compared, plots, a tornado."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from guarantor.fileio import write_atomic
from guarantor.jsonout import dumps
from guarantor.simulate.designs import DEFAULT_DESIGNS, load_design
from guarantor.simulate.run import simulate

if TYPE_CHECKING:
    from guarantor.demo import DemoContext

DEMO_TRIALS = 20_000  # one chunk: in-process; `guarantor simulate` scales out on Dask
DEMO_SEED = 2026
TORNADO_DESIGN = "paris2026"
TORNADO_TRIALS = 2_000


def run(ctx: DemoContext) -> None:
    """Compare the five example designs on the real-data calibration (or the file's defaults)."""
    from rich.rule import Rule

    from guarantor.simulate.plots import distributions, tornado_plot
    from guarantor.simulate.render import comparison_table, tornado_table
    from guarantor.simulate.sensitivity import tornado

    console = ctx.console
    console.print(Rule("[bold]simulate[/]: guarantee designs under uncertainty"))
    data = ctx.data.path
    if data is None:
        console.print(
            "[yellow]no real data: base rates are the parameter file's documented defaults "
            "(SYNTHETIC calibration)[/]"
        )
    started = time.perf_counter()
    result = simulate(list(DEFAULT_DESIGNS), DEMO_TRIALS, DEMO_SEED, data=data)
    console.print(comparison_table(result))
    calibrated = [
        k for k, v in result.calibration.items() if isinstance(v, dict) and "default" in v
    ]
    if calibrated:
        console.print(
            f"calibrated from {data}: {len(calibrated)} parameters (UCDP under Minsk II, "
            "occupied-area series, Kiel tracker); see simulate.json"
        )
    out = ctx.out / "simulate"
    write_atomic(out / "simulate.json", dumps(result.to_json()))
    plots = distributions(result, out)
    design = load_design(TORNADO_DESIGN)  # the comparison's calibrated parameters serve it too
    base, bars = tornado(design, result.params, TORNADO_TRIALS, DEMO_SEED)
    console.print(tornado_table(design.name, base, bars, top=6))
    plots.append(tornado_plot(design.name, base, bars, out / "simulate_tornado.png"))
    console.print(
        "deterrence index = mean over violations of coverage x exp(-days to first response / 30) "
        "for answered violations, 0 otherwise (docs/simulate.md)"
    )
    console.print(
        f"wrote {out / 'simulate.json'} and {len(plots)} plots in {time.perf_counter() - started:.1f} s"
    )
    ctx.results["simulate"] = result.to_json()
