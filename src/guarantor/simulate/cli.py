"""Commands of the simulate room: `guarantor simulate run|sensitivity|parameters|calibration`.

`guarantor simulate DESIGNS...` is a documented shorthand for `guarantor simulate run DESIGNS...`.
Heavy libraries are imported inside the commands; the room computes, this module renders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from guarantor.errors import UserError
from guarantor.fileio import write_atomic
from guarantor.jsonout import Format, dumps, emit
from guarantor.simulate.designs import DEFAULT_DESIGNS
from guarantor.sources.locate import locate_data

_err = Console(stderr=True, highlight=False, soft_wrap=True)
OUT_FORMATS = (".json", ".csv")


class _RunByDefault(TyperGroup):
    """A group whose first argument, when it is not a command, starts `run` (design names)."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_RunByDefault,
    help="Compare guarantee designs under uncertainty (DESIGNS... alone means `run`).",
    no_args_is_help=True,
)

DESIGNS_HELP = "Design files or names in examples/designs (" + ", ".join(DEFAULT_DESIGNS) + ")."


def _progress(what: str) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
    )


def _check_out(out: Path | None, force: bool) -> None:
    if out is None:
        return
    if out.suffix.lower() not in OUT_FORMATS:
        raise UserError(f"--out {out}: expected a .json or .csv file")
    if out.exists() and not force:
        raise UserError(f"--out {out} exists; add --force to overwrite it")


def _check_plot(plot: Path | None, force: bool) -> None:
    from guarantor.simulate.plots import FORMATS

    if plot is None:
        return
    if plot.suffix.lower().lstrip(".") not in FORMATS:
        raise UserError(f"--plot {plot}: expected a .png, .svg or .pdf file")
    if plot.exists() and not force:
        raise UserError(f"--plot {plot} exists; add --force to overwrite it")


def _simulate(
    designs: list[str],
    draws: int,
    trials: int,
    seed: int,
    scheduler: str | None,
    workers: int,
    in_process: bool,
    params: Path | None,
    data: Path | None,
    no_calibration: bool,
) -> Any:
    from guarantor.simulate.run import simulate

    location = locate_data(data)
    data_path = None if no_calibration else location.path
    _err.print("calibration: " + (str(data_path) if data_path else "none (the priors in the file)"))
    with _progress("simulating") as bar:
        task = bar.add_task("draws", total=None)
        result = simulate(
            designs,
            draws,
            trials,
            seed,
            params_file=params,
            data=data_path,
            scheduler=None if in_process else scheduler,
            workers=0 if in_process else workers,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    _err.print(f"ran on {result.executor}")
    return result


_DRAWS = typer.Option(100, "--draws", min=1, help="Parameter draws (the PSA's outer loop).")
_TRIALS = typer.Option(
    10_000, "--trials", min=1, help="Trials (simulated years) per draw and design."
)
_SEED = typer.Option(0, "--seed", min=0, help="Seed: the same seed gives the same bytes.")
_SCHEDULER = typer.Option(
    None, "--scheduler", help="Dask scheduler address (tcp://HOST:8786); default a LocalCluster."
)
_WORKERS = typer.Option(2, "--workers", min=1, help="Workers of the LocalCluster.")
_IN_PROCESS = typer.Option(
    False, "--in-process", help="Run in this process without Dask (the same bytes)."
)
_PARAMS = typer.Option(
    None, "--params", help="Parameter YAML (default examples/designs/parameters.yaml)."
)
_DATA = typer.Option(None, "--data", envvar="GUARANTOR_DATA", help="Data folder for calibration.")
_NO_CAL = typer.Option(
    False, "--no-calibration", help="Use the file's priors even when data is present."
)
_FORCE = typer.Option(False, "--force", help="Overwrite an existing --out or --plot file.")


@app.command("run")
def run_command(
    designs: list[str] = typer.Argument(..., help=DESIGNS_HELP),
    draws: int = _DRAWS,
    trials: int = _TRIALS,
    seed: int = _SEED,
    scheduler: str | None = _SCHEDULER,
    workers: int = _WORKERS,
    in_process: bool = _IN_PROCESS,
    params: Path | None = _PARAMS,
    data: Path | None = _DATA,
    no_calibration: bool = _NO_CAL,
    out: Path | None = typer.Option(None, "--out", help="Also write the results (.json or .csv)."),
    plot: Path | None = typer.Option(None, "--plot", help="Intervals figure (.png, .svg, .pdf)."),
    force: bool = _FORCE,
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    """Every metric of every design as a median with a 90% interval over parameter draws."""
    from guarantor.simulate.render import (
        comparison_csv,
        design_notes,
        metrics_table,
        ranking_table,
    )

    _check_out(out, force)
    _check_plot(plot, force)
    result = _simulate(
        designs, draws, trials, seed, scheduler, workers, in_process, params, data, no_calibration
    )
    doc = result.to_json()
    if out is not None:
        write_atomic(out, comparison_csv(result) if out.suffix.lower() == ".csv" else dumps(doc))
        _err.print(f"results written to {out}")
    if plot is not None:
        from guarantor.simulate.plots import intervals_plot

        _err.print(f"plot: {intervals_plot(result, plot)}")
    if fmt is Format.json:
        emit(doc)
        return
    if fmt is Format.csv:
        typer.echo(comparison_csv(result), nl=False)
        return
    console = Console(highlight=False, width=max(Console().width, 120))
    console.print(ranking_table(result))
    console.print(metrics_table(result))
    for note in design_notes(result):
        console.print(f"[dim]{note}[/]")


@app.command("sensitivity")
def sensitivity_command(
    designs: list[str] = typer.Argument(..., help=DESIGNS_HELP),
    draws: int = _DRAWS,
    trials: int = typer.Option(5_000, "--trials", min=1, help="Trials per draw and design."),
    seed: int = _SEED,
    scheduler: str | None = _SCHEDULER,
    workers: int = _WORKERS,
    in_process: bool = _IN_PROCESS,
    params: Path | None = _PARAMS,
    data: Path | None = _DATA,
    no_calibration: bool = _NO_CAL,
    top: int = typer.Option(12, "--top", min=1, help="Parameters shown per design."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Importance figure of the first design (.png, .svg, .pdf)."
    ),
    force: bool = _FORCE,
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    """What moves each design's deterrence index (Sobol first-order indices), and which
    differences between designs are not robust and why."""
    from guarantor.simulate.render import flips_table, importance_csv, importance_table

    _check_plot(plot, force)
    result = _simulate(
        designs, draws, trials, seed, scheduler, workers, in_process, params, data, no_calibration
    )
    if plot is not None:
        from guarantor.simulate.plots import importance_plot

        _err.print(f"plot: {importance_plot(result, result.names[0], plot, top)}")
    if fmt is Format.json:
        doc = result.to_json()
        emit({k: doc[k] for k in ("seed", "draws", "trials", "importance", "flips", "pairwise")})
        return
    if fmt is Format.csv:
        typer.echo(importance_csv(result), nl=False)
        return
    console = Console(highlight=False, width=max(Console().width, 110))
    for name in result.names:
        console.print(importance_table(result, name, top))
    if result.flips:
        console.print(flips_table(result))
    else:
        console.print("every difference in deterrence between the designs is robust")


@app.command("parameters")
def parameters_command(
    params: Path | None = _PARAMS,
    data: Path | None = _DATA,
    no_calibration: bool = _NO_CAL,
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    """Every parameter: its provenance grade, distribution, 90% interval and source."""
    from guarantor.simulate.calibrate import calibrate
    from guarantor.simulate.params import load_parameters
    from guarantor.simulate.render import parameters_csv, parameters_table
    from guarantor.simulate.run import parameter_table

    location = locate_data(data)
    p, _ = calibrate(load_parameters(params), None if no_calibration else location.path)
    rows = parameter_table(p)
    if fmt is Format.json:
        emit({"parameters_sha256": p.digest, "parameters": rows})
    elif fmt is Format.csv:
        typer.echo(parameters_csv(rows), nl=False)
    else:
        Console(highlight=False, width=max(Console().width, 120)).print(parameters_table(rows))


@app.command("calibration")
def calibration_command(
    params: Path | None = _PARAMS,
    data: Path | None = _DATA,
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    """What each calibrated parameter was fitted on: data, method, n, fit, held-out check."""
    from guarantor.simulate.calibrate import calibrate
    from guarantor.simulate.params import load_parameters
    from guarantor.simulate.render import calibration_csv, calibration_table

    location = locate_data(data)
    if location.path is None:
        _err.print("no data folder: every calibrated parameter runs on its prior")
    _, records = calibrate(load_parameters(params), location.path)
    if fmt is Format.json:
        emit({"calibration": [r.to_json() for r in records]})
    elif fmt is Format.csv:
        typer.echo(calibration_csv(records), nl=False)
    else:
        Console(highlight=False, width=max(Console().width, 140)).print(calibration_table(records))


def register(root: typer.Typer) -> None:
    """Add the simulate command group to the root app."""
    root.add_typer(app, name="simulate")
