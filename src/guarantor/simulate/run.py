"""Compare designs: load, calibrate, compile, sweep (in-process or on Dask), collect results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from guarantor.errors import UserError
from guarantor.simulate.calibrate import calibrate
from guarantor.simulate.compile import CompiledDesign, compile_design
from guarantor.simulate.designs import DEFAULT_DESIGNS, Design, load_design
from guarantor.simulate.params import Parameters, load_parameters
from guarantor.simulate.sweep import DesignResult, Progress, SweepResult, dask_client, run_sweep


def prepare(
    names: Sequence[str], params_file: Path | None, data: Path | None
) -> tuple[list[Design], list[CompiledDesign], Parameters, dict[str, object]]:
    """Designs loaded and compiled against the (calibrated) parameters."""
    if not names:
        raise UserError(
            "name at least one design (a file, or one of " + ", ".join(DEFAULT_DESIGNS) + ")"
        )
    params = load_parameters(params_file)
    params, record = calibrate(params, data)
    designs = [load_design(n) for n in names]
    seen: set[str] = set()
    for d in designs:
        if d.name in seen:
            raise UserError(f"design {d.name!r} is named twice", d.location)
        seen.add(d.name)
    compiled = [compile_design(d, params) for d in designs]
    return designs, compiled, params, record


def simulate(
    names: Sequence[str],
    trials: int,
    seed: int,
    params_file: Path | None = None,
    data: Path | None = None,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
    processes: bool = True,
) -> SweepResult:
    """Run the comparison. workers=0 and no scheduler: in-process; else Dask (local or remote)."""
    if scheduler is None and workers <= 0:
        designs, compiled, params, record = prepare(names, params_file, data)
        cred, stats = run_sweep(compiled, params, trials, seed, None, progress)
        executor = "in-process (numpy)"
    else:
        # connect first: a scheduler that does not answer fails before any work is done
        with dask_client(scheduler, max(workers, 1), processes) as client:
            designs, compiled, params, record = prepare(names, params_file, data)
            cred, stats = run_sweep(compiled, params, trials, seed, client, progress)
            executor = f"dask {scheduler}" if scheduler else f"dask LocalCluster, {workers} workers"
    results = [
        DesignResult(c, cr, s, d.changes)
        for d, c, cr, s in zip(designs, compiled, cred, stats, strict=True)
    ]
    return SweepResult(seed, trials, params, results, executor, dict(record))
