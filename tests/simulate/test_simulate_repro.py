"""Reproducibility: a seed gives the same results in-process, on a 2-worker LocalCluster, twice."""

from __future__ import annotations

import numpy as np
import pytest

from guarantor.jsonout import dumps
from guarantor.simulate.engine import CHUNK_TRIALS
from guarantor.simulate.run import simulate
from guarantor.simulate.sweep import chunk_plan, seeds

DESIGNS = ["aug2025", "paris2026_silence"]
TRIALS = 2 * CHUNK_TRIALS + 1_234  # three chunks, the last one short


@pytest.fixture(scope="module")
def in_process() -> str:
    return dumps(simulate(DESIGNS, TRIALS, 11).to_json())


def test_local_cluster_of_two_workers_matches_in_process_bit_for_bit(in_process: str) -> None:
    on_dask = simulate(DESIGNS, TRIALS, 11, workers=2, processes=False)
    assert on_dask.executor.startswith("dask LocalCluster")
    assert dumps(on_dask.to_json()) == in_process


def test_same_seed_same_bytes_and_another_seed_differs(in_process: str) -> None:
    assert dumps(simulate(DESIGNS, TRIALS, 11).to_json()) == in_process
    assert dumps(simulate(DESIGNS, TRIALS, 12).to_json()) != in_process


def test_results_carry_seed_parameter_hash_and_version(in_process: str) -> None:
    import orjson

    from guarantor import __version__

    doc = orjson.loads(in_process)
    assert doc["seed"] == 11 and doc["trials"] == TRIALS
    assert len(doc["parameters_sha256"]) == 64
    assert doc["version"] == __version__
    assert [d["name"] for d in doc["designs"]] == ["aug2025", "paris2026-silence"]
    for d in doc["designs"]:
        assert set(d) >= {
            "name",
            "p_detect_24h",
            "p_decision_in_time",
            "response_time_days",
            "coverage_mean",
            "unanswered_share",
            "deterrence_index",
        }
        assert set(d["response_time_days"]) == {"p50", "p90"}
        assert 0.0 <= d["unanswered_share"] <= 1.0
        assert d["details"]["violations"] > TRIALS  # several violations per year


def test_chunks_and_streams_do_not_depend_on_the_number_of_workers() -> None:
    assert chunk_plan(TRIALS) == [CHUNK_TRIALS, CHUNK_TRIALS, 1_234]
    _, three = seeds(5, 3)
    _, five = seeds(5, 5)
    for a, b in zip(three, five[:3], strict=True):
        assert np.array_equal(a.generate_state(4), b.generate_state(4))


def test_a_longer_run_adds_chunks_without_changing_the_first() -> None:
    from guarantor.simulate.engine import run_chunk
    from guarantor.simulate.run import prepare
    from guarantor.simulate.sweep import credibilities, run_sweep

    _, compiled, params, _ = prepare(["paris2026"], None, None)
    values = {k: p.value for k, p in params.params.items()}
    cred_short, short = run_sweep(compiled, params, CHUNK_TRIALS, 3)
    cred_long, long = run_sweep(compiled, params, 2 * CHUNK_TRIALS, 3)
    assert cred_short == cred_long
    pilot_seed, chunk_seeds = seeds(3, 2)
    assert credibilities(compiled, values, pilot_seed) == cred_short
    second = run_chunk(chunk_seeds[1], CHUNK_TRIALS, compiled, values, cred_short)[0]
    assert long[0].violations == short[0].violations + second.violations
    assert np.array_equal(long[0].response_hist, short[0].response_hist + second.response_hist)
    assert long[0].value_sum == short[0].value_sum + second.value_sum


def test_a_running_scheduler_given_by_address_gives_the_same_bytes(in_process: str) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        remote = simulate(DESIGNS, TRIALS, 11, scheduler=cluster.scheduler_address)
    assert remote.executor == f"dask {cluster.scheduler_address}"
    assert dumps(remote.to_json()) == in_process
