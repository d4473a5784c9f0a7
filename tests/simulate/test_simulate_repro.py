"""Reproducibility: a seed gives the same bytes in-process, on Dask with 1 or 2 workers, twice."""

from __future__ import annotations

import numpy as np
import pytest

from guarantor.jsonout import dumps
from guarantor.simulate.engine import CHUNK_TRIALS
from guarantor.simulate.psa import chunk_plan, stream
from guarantor.simulate.run import simulate

DESIGNS = ["aug2025", "paris2026_silence"]
DRAWS = 4
TRIALS = CHUNK_TRIALS + 1_234  # two chunks, the last one short


@pytest.fixture(scope="module")
def in_process() -> str:
    return dumps(_doc(simulate(DESIGNS, DRAWS, TRIALS, 11)))


def _doc(result: object) -> dict[str, object]:
    doc = result.to_json()  # type: ignore[attr-defined]
    doc.pop("executor")
    return doc


@pytest.mark.parametrize("workers", [1, 2])
def test_local_cluster_matches_in_process_bit_for_bit(in_process: str, workers: int) -> None:
    on_dask = simulate(DESIGNS, DRAWS, TRIALS, 11, workers=workers, processes=False)
    assert on_dask.executor.startswith("dask LocalCluster")
    assert dumps(_doc(on_dask)) == in_process


def test_same_seed_same_bytes_and_another_seed_differs(in_process: str) -> None:
    assert dumps(_doc(simulate(DESIGNS, DRAWS, TRIALS, 11))) == in_process
    assert dumps(_doc(simulate(DESIGNS, DRAWS, TRIALS, 12))) != in_process


def test_results_carry_seed_draws_parameter_hash_and_version(in_process: str) -> None:
    import orjson

    from guarantor import __version__

    doc = orjson.loads(in_process)
    assert (doc["seed"], doc["draws"], doc["trials"]) == (11, DRAWS, TRIALS)
    assert len(doc["parameters_sha256"]) == 64 and doc["version"] == __version__
    assert [d["name"] for d in doc["designs"]] == ["aug2025", "paris2026-silence"]


def test_streams_do_not_depend_on_the_number_of_draws_or_chunks() -> None:
    assert chunk_plan(TRIALS) == [CHUNK_TRIALS, 1_234]
    a = stream(5, 3, 1).generate_state(4)
    b = stream(5, 3, 1).generate_state(4)
    assert np.array_equal(a, b)
    assert not np.array_equal(stream(5, 3, 1).generate_state(4), stream(5, 3, 2).generate_state(4))
    assert not np.array_equal(stream(5, 3, 1).generate_state(4), stream(5, 4, 1).generate_state(4))


def test_a_running_scheduler_given_by_address_gives_the_same_bytes(in_process: str) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        remote = simulate(DESIGNS, DRAWS, TRIALS, 11, scheduler=cluster.scheduler_address)
    assert remote.executor == f"dask {cluster.scheduler_address}"
    assert dumps(_doc(remote)) == in_process
