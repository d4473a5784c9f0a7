"""A sweep: chunks of trials with their own seed streams, run in-process or on Dask, reduced in order."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from guarantor import __version__
from guarantor.errors import UserError
from guarantor.simulate.compile import CompiledDesign
from guarantor.simulate.engine import (
    CHUNK_TRIALS,
    KM2_EDGES,
    MAX_COUNT,
    TIME_BIN_DAYS,
    TIME_BINS,
    Stats,
    pilot,
    run_chunk,
)
from guarantor.simulate.params import Parameters

Progress = Callable[[int, int], None]
CONNECT_TIMEOUT_S = 5.0
# Dask starts workers with MALLOC_TRIM_THRESHOLD_=64 KiB, which also fixes glibc's mmap
# threshold at 128 KiB: every chunk's arrays then come from fresh mmap pages, and a worker
# spent ~1.7x the CPU of the same chunk in-process (page faults). Large thresholds let the
# chunks reuse heap memory; a chunk peaks at ~35 MiB, so little is held back.
WORKER_ENVIRON = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": str(256 * 2**20),
    "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": str(64 * 2**20),
}


@dataclass
class DesignResult:
    """The outcome of one design over every trial."""

    design: CompiledDesign
    credibility: float
    stats: Stats
    changes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The scriptable fields of the issue, plus a 'details' block."""
        s = self.stats
        n = max(s.violations, 1)
        return {
            "name": self.design.name,
            "p_detect_24h": _r(s.detected_24h / n),
            "p_decision_in_time": _r(s.decided_in_time / n),
            "response_time_days": {
                "p50": quantile(s.response_hist, 0.5),
                "p90": quantile(s.response_hist, 0.9),
            },
            "coverage_mean": _r(s.coverage_sum / s.decided) if s.decided else 0.0,
            "unanswered_share": _r(1.0 - s.answered / n),
            "deterrence_index": _r(s.value_sum / n),
            "details": {
                "title": self.design.title,
                "violations": s.violations,
                "violations_per_trial_mean": _r(s.violations / max(s.trials, 1)),
                "p_trigger_reached": _r(s.reached / n),
                "p_decided": _r(s.decided / n),
                "answered": s.answered,
                "credibility_perceived_by_adversary": _r(self.credibility),
                "unanswered_km2_per_trial_mean": _r(s.unanswered_km2_sum / max(s.trials, 1)),
                "p_trial_with_unanswered_seizure": _r(
                    1.0 - s.unanswered_km2_hist[0] / max(s.trials, 1)
                ),
                "changes": self.changes,
                "notes": list(self.design.notes),
            },
        }


@dataclass
class SweepResult:
    """All designs of one run, with what makes it reproducible."""

    seed: int
    trials: int
    params: Parameters
    results: list[DesignResult]
    executor: str
    calibration: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The document `guarantor simulate --format json` prints."""
        return {
            "seed": self.seed,
            "trials": self.trials,
            "designs": [r.summary() for r in self.results],
            "parameters_file": _shown(self.params.file),
            "parameters_sha256": self.params.digest,
            "version": __version__,
            "chunk_trials": CHUNK_TRIALS,
            "calibration": self.calibration,
        }


def _shown(file: str) -> str:
    """A path inside the checkout as a relative path, so results do not depend on where it is."""
    root = Path(__file__).resolve().parents[3]
    try:
        return Path(file).resolve().relative_to(root).as_posix()
    except ValueError:
        return file


def _r(x: float) -> float:
    return round(float(x), 6)


def quantile(hist: np.ndarray[Any, Any], q: float) -> float | None:
    """The q-quantile of a response-time histogram (upper bin edge); None when beyond range."""
    total = int(hist.sum())
    if total == 0:
        return None
    index = int(np.searchsorted(np.cumsum(hist), math.ceil(q * total)))
    if index >= TIME_BINS:
        return None
    return round((index + 1) * TIME_BIN_DAYS, 2)


def chunk_plan(trials: int) -> list[int]:
    """Trials per chunk: fixed-size chunks, the last one shorter."""
    if trials < 1:
        raise UserError(f"--trials must be at least 1, got {trials}")
    return [min(CHUNK_TRIALS, trials - start) for start in range(0, trials, CHUNK_TRIALS)]


def seeds(seed: int, n_chunks: int) -> tuple[np.random.SeedSequence, list[np.random.SeedSequence]]:
    """The pilot's stream and one stream per chunk: child i of SeedSequence(seed), whatever runs it."""
    if seed < 0:
        raise UserError(f"--seed must be >= 0, got {seed}")
    children = np.random.SeedSequence(seed).spawn(n_chunks + 1)
    return children[0], children[1:]


def credibilities(
    designs: list[CompiledDesign], values: dict[str, float], pilot_seed: np.random.SeedSequence
) -> list[float]:
    """Each design's credibility as the adversary estimates it (the same probe draws for all)."""
    return [pilot(pilot_seed, d, values) for d in designs]


def run_sweep(
    designs: list[CompiledDesign],
    params: Parameters,
    trials: int,
    seed: int,
    client: Any | None = None,
    progress: Progress | None = None,
) -> tuple[list[float], list[Stats]]:
    """Run every chunk (on the Dask client when given) and add the results up in chunk order."""
    sizes = chunk_plan(trials)
    pilot_seed, chunk_seeds = seeds(seed, len(sizes))
    values = {k: p.value for k, p in params.params.items()}
    cred = credibilities(designs, values, pilot_seed)
    parts: list[list[Stats] | None] = [None] * len(sizes)
    if client is None:
        for i, (s, n) in enumerate(zip(chunk_seeds, sizes, strict=True)):
            parts[i] = run_chunk(s, n, designs, values, cred)
            if progress:
                progress(i + 1, len(sizes))
    else:
        from distributed import as_completed

        shared = client.scatter([designs, values, cred], broadcast=True)
        futures = [
            client.submit(run_chunk, s, n, *shared, pure=False, key=f"simulate-chunk-{i}-{seed}")
            for i, (s, n) in enumerate(zip(chunk_seeds, sizes, strict=True))
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        for done, future in enumerate(as_completed(futures), 1):  # type: ignore[no-untyped-call]
            parts[index[future.key]] = future.result()
            if progress:
                progress(done, len(sizes))
    totals: list[Stats] = []
    for j in range(len(designs)):
        acc = parts[0][j]  # type: ignore[index]
        for part in parts[1:]:
            acc = acc.add(part[j])  # type: ignore[index]
        totals.append(acc)
    return cred, totals


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int, processes: bool = True) -> Iterator[Any]:
    """A Dask client: a LocalCluster of `workers` when scheduler is None, else the given address."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is None:
        with dask.config.set(WORKER_ENVIRON):
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=":0",  # a free port: never clash with another cluster
                silence_logs=50,
            )
        try:
            with Client(cluster) as client:  # type: ignore[no-untyped-call]
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
    except Exception as exc:  # refused, timed out, or something that is not a Dask scheduler
        message = str(exc).splitlines()[0] if str(exc) else "no answer"
        raise UserError(
            f"cannot reach a Dask scheduler at {scheduler} within {CONNECT_TIMEOUT_S:g} s "
            f"({type(exc).__name__}: {message[:200]}); "
            "check the address (tcp://HOST:8786) or leave out --scheduler for a local cluster"
        ) from None
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]


__all__ = ["KM2_EDGES", "MAX_COUNT", "DesignResult", "SweepResult", "dask_client", "run_sweep"]
