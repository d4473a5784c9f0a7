"""Compare designs under uncertainty: load, check, calibrate, draw, run (in-process or on Dask),
rank. `simulate` is the room's one entry point; every figure it returns has an interval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from guarantor import __version__
from guarantor.errors import UserError
from guarantor.simulate.calibrate import CalibrationRecord, calibrate
from guarantor.simulate.compile import CompiledDesign, compile_design
from guarantor.simulate.designs import DEFAULT_DESIGNS, Design, load_design
from guarantor.simulate.draws import ParameterDraws, draw_parameters
from guarantor.simulate.engine import CHUNK_TRIALS
from guarantor.simulate.forms import FORMS
from guarantor.simulate.metrics import METRICS, DrawOutcome, Metric, number, summarise
from guarantor.simulate.params import Parameters, load_parameters
from guarantor.simulate.psa import Progress, chunk_plan, dask_client, run_draws
from guarantor.simulate.ranking import (
    Flip,
    Importance,
    Pairwise,
    RankProbability,
    flips,
    importance,
    pairwise,
    rank_probabilities,
    robust_rank,
)

F64 = NDArray[np.float64]
__all__ = ["DEFAULT_DESIGNS", "SimulationResult", "prepare", "simulate"]


@dataclass
class PreparedRun:
    """Designs loaded and compiled, with the (calibrated) parameters each one runs on."""

    designs: list[Design]
    compiled: list[CompiledDesign]
    params: Parameters
    sets: list[Parameters]  # per design: the parameters with its overrides
    calibration: list[CalibrationRecord]


def check_request(names: Sequence[str], draws: int, trials: int, seed: int) -> None:
    """Refuse a request that cannot run, before anything is read or started."""
    if not names:
        raise UserError(
            "name at least one design (a file, or one of " + ", ".join(DEFAULT_DESIGNS) + ")"
        )
    if draws < 1:
        raise UserError(f"--draws must be at least 1 (parameter draws), got {draws}")
    chunk_plan(trials)
    if seed < 0:
        raise UserError(f"--seed must be >= 0, got {seed}")


def prepare(names: Sequence[str], params_file: Path | None, data: Path | None) -> PreparedRun:
    """Designs loaded and compiled against the (calibrated) parameters; every error is located."""
    if not names:
        raise UserError(
            "name at least one design (a file, or one of " + ", ".join(DEFAULT_DESIGNS) + ")"
        )
    params = load_parameters(params_file)
    designs = [load_design(n) for n in names]
    seen: set[str] = set()
    for d in designs:
        if d.name in seen:
            raise UserError(f"design {d.name!r} is named twice", d.location)
        seen.add(d.name)
    for d in designs:
        d.parameters(params)  # overrides checked before the (slower) calibration
    params, record = calibrate(params, data)
    sets = [d.parameters(params) for d in designs]
    compiled = [compile_design(d, p) for d, p in zip(designs, sets, strict=True)]
    return PreparedRun(designs, compiled, params, sets, record)


@dataclass
class SimulationResult:
    """Every design under every parameter draw, with the rankings and what they rest on."""

    seed: int
    draws: int
    trials: int
    prepared: PreparedRun
    parameter_draws: ParameterDraws
    outcomes: list[list[DrawOutcome]]  # [design][draw]
    executor: str
    pairwise: list[Pairwise] = field(default_factory=list)
    ranks: list[RankProbability] = field(default_factory=list)
    importance: list[Importance] = field(default_factory=list)
    flips: list[Flip] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The designs' names, in the order given."""
        return [d.name for d in self.prepared.compiled]

    def values(self) -> F64:
        """[design, draw, metric] values."""
        return np.array([[o.values for o in row] for row in self.outcomes])

    def errors(self) -> F64:
        """[design, draw, metric] Monte Carlo standard errors."""
        return np.array([[o.se for o in row] for row in self.outcomes])

    def summary(self, j: int, metric: Metric) -> dict[str, Any]:
        """Median, 90% interval and Monte Carlo error of one design's metric."""
        m = METRICS.index(metric)
        return summarise(self.values()[j, :, m], self.errors()[j, :, m])

    def ranking(self) -> list[tuple[str, float, float | None]]:
        """Designs by median primary metric, with the share of draws each beats the next."""
        return robust_rank(self.names, self.values())

    def to_json(self) -> dict[str, Any]:
        """The document `guarantor simulate run --format json` prints."""
        values, errors = self.values(), self.errors()
        designs = []
        for j, d in enumerate(self.prepared.compiled):
            rows = self.outcomes[j]
            by_form = np.array([o.by_form for o in rows], dtype=float)  # draw, 3, form
            with np.errstate(invalid="ignore", divide="ignore"):
                reached = by_form[:, 1] / by_form[:, 0]
                answered = by_form[:, 2] / by_form[:, 0]
            forms = {
                f.value: {
                    "reach_at_best": d.reach[k].value,
                    "reached_median": number(float(np.nanmedian(reached[:, k])))
                    if np.isfinite(reached[:, k]).any()
                    else None,
                    "answered_median": number(float(np.nanmedian(answered[:, k])))
                    if np.isfinite(answered[:, k]).any()
                    else None,
                }
                for k, f in enumerate(FORMS)
            }
            settled = np.array([o.settled / max(o.violations, 1) for o in rows])
            designs.append(
                {
                    "name": d.name,
                    "title": d.title,
                    "metrics": {
                        m.value: summarise(values[j, :, i], errors[j, :, i])
                        for i, m in enumerate(METRICS)
                    },
                    "rests_on_assumed": [a.to_json() for a in d.assumed],
                    "details": {
                        "credibility_median": number(
                            float(np.median([o.credibility for o in rows]))
                        ),
                        "reached_through_determination_median": number(float(np.median(settled))),
                        "forms": forms,
                        "changes": self.prepared.designs[j].changes,
                        "notes": list(d.notes),
                    },
                }
            )
        params = self.prepared.params
        return {
            "seed": self.seed,
            "draws": self.draws,
            "trials": self.trials,
            "designs": designs,
            "ranking": [
                {
                    "name": n,
                    "median": number(med),
                    "p_beats_next": None if s is None else round(s, 6),
                }
                for n, med, s in self.ranking()
            ],
            "pairwise": [p.to_json() for p in self.pairwise],
            "ranks": [
                {
                    "design": r.design,
                    "metric": r.metric.value,
                    "rank": r.rank,
                    "probability": round(r.probability, 6),
                }
                for r in self.ranks
            ],
            "importance": [i.to_json() for i in self.importance],
            "flips": [f.to_json() for f in self.flips],
            "parameters": parameter_table(params),
            "calibration": [r.to_json() for r in self.prepared.calibration],
            "parameters_file": _shown(params.file),
            "parameters_sha256": params.digest,
            "version": __version__,
            "chunk_trials": CHUNK_TRIALS,
            "executor": self.executor,
        }


def parameter_table(params: Parameters) -> list[dict[str, Any]]:
    """Every parameter: grade, distribution, central value, 90% interval and source."""
    out = []
    u = np.array([0.05, 0.5, 0.95])
    for name, p in sorted(params.params.items()):
        if p.calibration is not None:
            lo, hi = p.calibration.interval()
            distribution = (
                f"bootstrap: {p.calibration.kind.value} ({len(p.calibration.replicates)})"
            )
            q = [lo, p.calibration.estimate, hi]
        else:
            distribution = p.spec.prior.describe()
            q = [float(x) for x in p.spec.prior.ppf(u)]
        out.append(
            {
                "parameter": name,
                "grade": p.grade.value,
                "distribution": distribution,
                "central": number(p.central()),
                "p05": number(q[0]),
                "p95": number(q[2]),
                "source": p.spec.source,
            }
        )
    return out


def _shown(file: str) -> str:
    """A path inside the checkout as a relative path, so results do not depend on where it is."""
    root = Path(__file__).resolve().parents[3]
    try:
        return Path(file).resolve().relative_to(root).as_posix()
    except ValueError:
        return file


def simulate(
    names: Sequence[str],
    draws: int,
    trials: int,
    seed: int,
    params_file: Path | None = None,
    data: Path | None = None,
    scheduler: str | None = None,
    workers: int = 0,
    progress: Progress | None = None,
    processes: bool = True,
    rank: bool = True,
) -> SimulationResult:
    """The sensitivity analysis of the designs. workers=0 and no scheduler: in-process (a loop
    over draws); else one Dask graph on a LocalCluster of `workers` or the given scheduler."""
    check_request(names, draws, trials, seed)
    prepared = prepare(names, params_file, data)
    parameter_draws = draw_parameters(prepared.sets, draws, seed)
    if scheduler is None and workers <= 0:
        outcomes = run_draws(prepared.compiled, parameter_draws, trials, seed, None, progress)
        executor = "in-process (numpy)"
    else:
        with dask_client(scheduler, max(workers, 1), processes) as client:
            outcomes = run_draws(prepared.compiled, parameter_draws, trials, seed, client, progress)
        executor = f"dask {scheduler}" if scheduler else f"dask LocalCluster, {workers} workers"
    result = SimulationResult(seed, draws, trials, prepared, parameter_draws, outcomes, executor)
    if rank:
        names_ = result.names
        values = result.values()
        result.pairwise = pairwise(names_, values)
        result.ranks = rank_probabilities(names_, values)
        result.importance = importance(prepared.compiled, parameter_draws, values, seed)
        result.flips = flips(names_, parameter_draws, values, result.pairwise, seed)
    return result
