"""Commands of the simulate room: `guarantor simulate` and `guarantor simulate-sensitivity`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from guarantor.fileio import write_atomic
from guarantor.jsonout import Format, TableOrJson, dumps, emit
from guarantor.simulate.designs import DEFAULT_DESIGNS
from guarantor.sources.locate import locate_data

_err = Console(stderr=True, highlight=False, soft_wrap=True)


def _progress(what: str) -> Progress:
    return Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    )


def simulate_command(
    designs: list[str] = typer.Argument(
        ..., help="Design files or names in examples/designs (" + ", ".join(DEFAULT_DESIGNS) + ")."
    ),
    trials: int = typer.Option(100_000, "--trials", min=1, help="Futures per design."),
    seed: int = typer.Option(
        0, "--seed", min=0, help="Seed: the same seed gives the same results."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address (tcp://HOST:8786); default a LocalCluster.",
    ),
    workers: int = typer.Option(2, "--workers", min=1, help="Workers of the LocalCluster."),
    in_process: bool = typer.Option(
        False, "--in-process", help="Run in this process without Dask (same results)."
    ),
    params: Path | None = typer.Option(
        None, "--params", help="Parameter YAML (default examples/designs/parameters.yaml)."
    ),
    data: Path | None = typer.Option(
        None, "--data", envvar="GUARANTOR_DATA", help="Data folder for calibration."
    ),
    no_calibration: bool = typer.Option(
        False, "--no-calibration", help="Use the parameter file's values even when data is present."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Also write the JSON results to this file."
    ),
    plots: Path | None = typer.Option(
        None, "--plots", help="Write distribution PNGs to this folder."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    """Compare guarantee designs over many simulated futures (Monte Carlo, optionally on Dask)."""
    from guarantor.simulate.engine import CHUNK_TRIALS
    from guarantor.simulate.run import simulate

    location = locate_data(data)
    data_path = None if no_calibration else location.path
    _err.print("calibration: " + (str(data_path) if data_path else "none (parameter-file values)"))
    use_dask = not in_process and (scheduler is not None or trials > CHUNK_TRIALS)
    if not in_process and scheduler is None and not use_dask:
        _err.print(f"{trials:,} trials fit in one chunk: running in-process (same results as Dask)")
    with _progress("simulating") as bar:
        task = bar.add_task("chunks", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = simulate(
            designs,
            trials,
            seed,
            params_file=params,
            data=data_path,
            scheduler=scheduler,
            workers=workers if use_dask else 0,
            progress=step,
        )
    _err.print(f"ran on {result.executor}")
    doc = result.to_json()
    if out is not None:
        write_atomic(out, dumps(doc))
        _err.print(f"results written to {out}")
    if plots is not None:
        from guarantor.simulate.plots import distributions

        for p in distributions(result, plots):
            _err.print(f"plot: {p}")
    if fmt is Format.json:
        emit(doc)
        return
    if fmt is Format.csv:
        from guarantor.simulate.render import comparison_csv

        typer.echo(comparison_csv(result), nl=False)
        return
    from guarantor.simulate.render import comparison_table

    console = Console(highlight=False, width=max(Console().width, 110))
    console.print(comparison_table(result))
    for r in result.results:
        for note in r.design.notes:
            console.print(f"[dim]{r.design.name}: {note}[/]")


def sensitivity_command(
    design: str = typer.Argument(..., help="Design file or name in examples/designs."),
    trials: int = typer.Option(
        10_000, "--trials", min=1, help="Futures per run (two runs per parameter)."
    ),
    seed: int = typer.Option(0, "--seed", min=0),
    params: Path | None = typer.Option(None, "--params", help="Parameter YAML."),
    data: Path | None = typer.Option(None, "--data", envvar="GUARANTOR_DATA"),
    no_calibration: bool = typer.Option(False, "--no-calibration"),
    plot: Path | None = typer.Option(None, "--plot", help="Write the tornado PNG here."),
    top: int = typer.Option(12, "--top", min=1, help="Bars to show."),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json."),
) -> None:
    """Tornado: how far each uncertain parameter moves a design's deterrence index."""
    from guarantor.simulate.render import tornado_table
    from guarantor.simulate.run import prepare
    from guarantor.simulate.sensitivity import tornado

    location = locate_data(data)
    loaded, _, p, _record = prepare([design], params, None if no_calibration else location.path)
    with _progress("sensitivity") as bar:
        task = bar.add_task("parameters", total=None)
        base, bars = tornado(
            loaded[0], p, trials, seed, lambda d, t: bar.update(task, completed=d, total=t)
        )
    if plot is not None:
        from guarantor.simulate.plots import tornado_plot

        _err.print(f"plot: {tornado_plot(loaded[0].name, base, bars, plot, top)}")
    if fmt is TableOrJson.json:
        emit(
            {
                "design": loaded[0].name,
                "seed": seed,
                "trials": trials,
                "parameters_sha256": p.digest,
                "deterrence_index": round(base, 6),
                "bars": [
                    {
                        "parameter": b.name,
                        "low": b.low,
                        "high": b.high,
                        "at_low": round(b.at_low, 6),
                        "at_high": round(b.at_high, 6),
                    }
                    for b in bars
                ],
            }
        )
        return
    Console(highlight=False).print(tornado_table(loaded[0].name, base, bars, top))


def register(app: typer.Typer) -> None:
    """Add the simulate commands to the root app."""
    app.command("simulate")(simulate_command)
    app.command("simulate-sensitivity")(sensitivity_command)
