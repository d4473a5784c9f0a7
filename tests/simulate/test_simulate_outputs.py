"""What the analyst sees: the scriptable JSON, CSV, robust ranking, importance, plots."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from guarantor.simulate.metrics import METRICS
from guarantor.simulate.plots import importance_plot, intervals_plot
from guarantor.simulate.render import comparison_csv
from guarantor.simulate.run import SimulationResult, simulate


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return simulate(["paris2026", "paris2026_silence", "budapest1994"], 32, 600, 3)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guarantor.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "140"},
    )


def test_the_scriptable_json_has_the_documented_shape() -> None:
    run = _cli(
        "simulate", "paris2026", "budapest1994", "--draws", "3", "--trials", "300",
        "--seed", "4", "--format", "json", "--no-calibration",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    doc: dict[str, Any] = orjson.loads(run.stdout)  # one document on stdout
    assert [d["name"] for d in doc["designs"]] == ["paris2026", "budapest1994"]
    for d in doc["designs"]:
        assert set(d["metrics"]) == {m.value for m in METRICS}
        for m in d["metrics"].values():
            assert set(m) == {"median", "p05", "p95", "mc_se"}
    floor = doc["designs"][1]["metrics"]
    assert floor["deterrence_index"]["median"] == 0.0 and floor["unanswered_share"]["p05"] == 1.0
    assert floor["response_p50_days"]["median"] is None  # never answered
    assert {"a", "b", "metric", "p_a_better"} <= set(doc["pairwise"][0])
    assert doc["importance"] == [] or {"parameter", "metric", "index"} <= set(doc["importance"][0])
    assert (doc["seed"], doc["draws"], doc["trials"]) == (4, 3, 300)


def test_intervals_contain_the_median_and_mc_error_is_small(result: SimulationResult) -> None:
    doc = result.to_json()
    for d in doc["designs"]:
        for name, m in d["metrics"].items():
            if m["median"] is None:
                continue
            assert m["p05"] <= m["median"] <= m["p95"], (d["name"], name)
            assert m["mc_se"] is None or m["mc_se"] >= 0


def test_pairwise_shares_ranks_and_robustness(result: SimulationResult) -> None:
    doc = result.to_json()
    pairs = {(p["a"], p["b"], p["metric"]): p for p in doc["pairwise"]}
    floor = pairs[("paris2026", "budapest1994", "deterrence_index")]
    assert floor["p_a_better"] == 1.0 and floor["robust"]
    for metric in (m.value for m in METRICS):
        for design in result.names:
            total = sum(
                r["probability"]
                for r in doc["ranks"]
                if r["design"] == design and r["metric"] == metric
            )
            assert total == pytest.approx(1.0)
    ranking = doc["ranking"]
    assert ranking[-1]["name"] == "budapest1994" and ranking[-1]["p_beats_next"] is None


def test_importance_is_per_design_parameter_and_metric(result: SimulationResult) -> None:
    assert result.importance == []  # 32 draws: too few for first-order indices
    result = simulate(["paris2026", "budapest1994"], 100, 200, 5)
    rows = [
        i
        for i in result.importance
        if i.design == "paris2026" and i.metric.value == "deterrence_index"
    ]
    assert rows and all(0.0 <= i.index <= 1.0 for i in rows)
    names = {i.parameter for i in rows}
    assert "adversary.flare_up.events_per_fatal_event" in names
    assert not any(n.startswith("parties.CN.") for n in names)  # China takes no part in Paris
    assert not any(i.parameter.startswith("general.") for i in rows)  # conventions are fixed
    floor = [
        i
        for i in result.importance
        if i.design == "budapest1994" and i.metric.value == "deterrence_index"
    ]
    assert all(i.index == 0.0 for i in floor)  # the floor stays at zero whatever the draw


def test_csv_has_one_row_per_design_and_metric(result: SimulationResult) -> None:
    rows = list(csv.reader(io.StringIO(comparison_csv(result))))
    assert rows[0] == ["name", "metric", "median", "p05", "p95", "mc_se"]
    assert len(rows) == 1 + len(result.names) * len(METRICS)
    assert {r[0] for r in rows[1:]} == set(result.names)


def test_plots_are_written_and_deterministic(tmp_path: Path, result: SimulationResult) -> None:
    a = intervals_plot(result, tmp_path / "a.png")
    b = intervals_plot(result, tmp_path / "b.png")
    assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and a.read_bytes() == b.read_bytes()
    svg = importance_plot(result, "paris2026", tmp_path / "i.svg")  # empty: too few draws
    assert svg.read_text().lstrip().startswith("<?xml") and not list(tmp_path.glob(".*.tmp"))


def test_parameters_and_calibration_commands(tmp_path: Path) -> None:
    run = _cli("simulate", "parameters", "--no-calibration", "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    by = {r["parameter"]: r for r in rows}
    assert by["adversary.deterrence_elasticity"]["grade"] == "assumed"
    assert by["general.horizon_days"]["grade"] == "convention"
    # with no data, calibrated parameters run on their priors and say so
    assert by["adversary.flare_up.rate_per_year"]["grade"] == "assumed"
    empty = tmp_path / "empty"
    empty.mkdir()
    run = _cli("simulate", "calibration", "--data", str(empty), "--format", "json")
    assert run.returncode == 0, run.stderr
    records = orjson.loads(run.stdout)["calibration"]
    assert records and not any(r["fitted"] for r in records)


def test_sensitivity_prints_importance(tmp_path: Path) -> None:
    run = _cli(
        "simulate", "sensitivity", "paris2026", "budapest1994", "--draws", "100", "--trials", "100",
        "--in-process", "--no-calibration", "--plot", str(tmp_path / "s.png"),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "what moves deterrence_index" in run.stdout
    assert (tmp_path / "s.png").stat().st_size > 1000
