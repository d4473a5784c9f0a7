"""The probabilistic sensitivity analysis as one graph: parameter draws x designs x trial chunks.

Draw i of design j: a pilot (the adversary's estimate of the design's credibility under that
draw), then the trial chunks, then their reduction to metrics. Each task draws from its own
seed stream, `SeedSequence(seed, spawn_key=(1, i, k))` (k = 0 the pilot, k = 1 + c chunk c):
the same for every design of a draw (common random numbers) and whatever runs it. Chunks are
added in chunk order inside the reduction, so a seed gives the same bytes in-process, on one
Dask worker or on many.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from guarantor.errors import UserError
from guarantor.simulate.compile import CompiledDesign
from guarantor.simulate.draws import ParameterDraws, Values
from guarantor.simulate.engine import CHUNK_TRIALS, Stats, pilot, run_chunk
from guarantor.simulate.metrics import DrawOutcome, outcome

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


def chunk_plan(trials: int) -> list[int]:
    """Trials per chunk: fixed-size chunks, the last one shorter."""
    if trials < 1:
        raise UserError(f"--trials must be at least 1, got {trials}")
    return [min(CHUNK_TRIALS, trials - start) for start in range(0, trials, CHUNK_TRIALS)]


def stream(seed: int, draw: int, k: int) -> np.random.SeedSequence:
    """The seed stream of task k (0: pilot, 1 + c: chunk c) of a draw."""
    if seed < 0:
        raise UserError(f"--seed must be >= 0, got {seed}")
    return np.random.SeedSequence(seed, spawn_key=(1, draw, k))


def pilot_task(seed: np.random.SeedSequence, design: CompiledDesign, v: Values) -> float:
    """The credibility the adversary perceives under one draw."""
    return pilot(seed, design, v)


def chunk_task(
    seed: np.random.SeedSequence, n: int, design: CompiledDesign, v: Values, credibility: float
) -> Stats:
    """One chunk of trials."""
    return run_chunk(seed, n, design, v, credibility)


def reduce_task(horizon_days: float, credibility: float, *parts: Stats) -> DrawOutcome:
    """The chunks of one draw and design added in chunk order, as metrics."""
    total = parts[0]
    for part in parts[1:]:
        total = total.add(part)
    return outcome(total, horizon_days, credibility)


def run_draws(
    designs: list[CompiledDesign],
    draws: ParameterDraws,
    trials: int,
    seed: int,
    client: Any | None = None,
    progress: Progress | None = None,
) -> list[list[DrawOutcome]]:
    """Every design under every draw: [design][draw]. In-process (a loop over draws) without a
    client, else one Dask graph on it."""
    sizes = chunk_plan(trials)
    n = draws.count
    total = n * len(designs)
    if client is None:
        out: list[list[DrawOutcome]] = [[] for _ in designs]
        done = 0
        for i in range(n):
            for j, d in enumerate(designs):
                v = draws.per_design[j][i]
                cred = pilot_task(stream(seed, i, 0), d, v)
                parts = [
                    chunk_task(stream(seed, i, 1 + c), size, d, v, cred)
                    for c, size in enumerate(sizes)
                ]
                out[j].append(reduce_task(v["general.horizon_days"], cred, *parts))
                done += 1
                if progress:
                    progress(done, total)
        return out
    return _on_dask(client, designs, draws, sizes, seed, progress)


def _on_dask(
    client: Any,
    designs: list[CompiledDesign],
    draws: ParameterDraws,
    sizes: list[int],
    seed: int,
    progress: Progress | None,
) -> list[list[DrawOutcome]]:
    from distributed import as_completed

    n = draws.count
    shared = client.scatter(designs, broadcast=True)
    reduced: dict[str, tuple[int, int]] = {}
    futures = []
    for j, design in enumerate(shared):
        values = list(draws.per_design[j])
        tag = f"{seed}-{j}"
        creds = client.map(
            pilot_task,
            [stream(seed, i, 0) for i in range(n)],
            [design] * n,
            values,
            key=[f"simulate-pilot-{tag}-{i}" for i in range(n)],
            pure=False,
        )
        chunks = [
            client.map(
                chunk_task,
                [stream(seed, i, 1 + c) for i in range(n)],
                [size] * n,
                [design] * n,
                values,
                creds,
                key=[f"simulate-chunk-{tag}-{i}-{c}" for i in range(n)],
                pure=False,
            )
            for c, size in enumerate(sizes)
        ]
        outs = client.map(
            reduce_task,
            [v["general.horizon_days"] for v in values],
            creds,
            *chunks,
            key=[f"simulate-draw-{tag}-{i}" for i in range(n)],
            pure=False,
        )
        for i, f in enumerate(outs):
            reduced[f.key] = (j, i)
        futures.extend(outs)
        del creds, chunks  # only the reductions are kept: the scheduler frees the rest
    result: list[list[DrawOutcome | None]] = [[None] * n for _ in designs]
    for done, future in enumerate(as_completed(futures), 1):  # type: ignore[no-untyped-call]
        j, i = reduced[future.key]
        result[j][i] = future.result()
        future.release()
        if progress:
            progress(done, len(futures))
    return [[o for o in row if o is not None] for row in result]


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
