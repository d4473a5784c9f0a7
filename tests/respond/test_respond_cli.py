"""`guarantor respond` on the encoded examples: JSON shape, comparison, CSV, user errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from guarantor.respond.cli import register
from guarantor.respond.plan import plan_step
from guarantor.respond.render import unavailable_reason
from guarantor.spec.load import load_agreement

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _json(*args: str) -> dict[str, object]:
    result = runner.invoke(_app(), list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("file", "step"),
    [
        ("paris_declaration_2026.yaml", "mnf-presence"),
        ("aug2025_article5_like.yaml", "military-response"),
    ],
)
def test_examples_with_and_without_the_us_show_the_uk_french_cascade(
    examples_dir: Path, file: str, step: str
) -> None:
    agreement = load_agreement(examples_dir / "agreements" / file)
    with_us = plan_step(agreement, step)
    without = plan_step(agreement, step, without=["US"])
    assert without.coverage_pct < with_us.coverage_pct
    lost = {u.pledge: u for u in without.unavailable if u.category == "dependency"}
    assert {"uk-brigade", "fr-brigade"} <= set(lost)
    assert all(u.loss.via == "us-backstop" for u in lost.values())
    assert all("us-backstop" in unavailable_reason(u) for u in lost.values())
    assert {"UK", "FR"} <= {t.party for t in with_us.tasking if t.capability == "ground_brigade"}
    assert with_us.solution is not None and with_us.solution.proven


def test_json_compare_and_csv(examples_dir: Path) -> None:
    paris = str(examples_dir / "agreements" / "paris_declaration_2026.yaml")
    plan = _json("respond", paris, "--step", "mnf-presence", "--format", "json", "--without", "US")
    assert {"coverage_pct", "tasking", "gaps", "fair_share", "unavailable_pledges"} <= set(plan)
    both = _json(
        "respond", paris, "--step", "mnf-presence", "--compare-without", "US", "--format", "json"
    )
    labels = [v["label"] for v in both["variants"]]  # type: ignore[index]
    assert labels == ["all parties", "without US"]
    assert both["variants"][1]["plan"] == plan  # type: ignore[index]
    cost = both["variants"][1]["cost_of_removal"]  # type: ignore[index]
    assert cost["coverage_pct"]["change_pp"] < 0
    assert {r["clause"] for r in cost["pledges_lost"]} >= {"us-backstop", "uk-brigade"}
    assert [r["clause"] for r in cost["monitoring_lost"] if r["kind"] == "monitoring"] == [
        "us-led-monitoring"
    ]
    csv_out = runner.invoke(_app(), ["respond", paris, "--step", "mnf-presence", "--format", "csv"])
    assert csv_out.exit_code == 0
    assert (
        csv_out.stdout.splitlines()[0]
        == "kind,party,capability,quantity,where,by,pledge,money_eur,reason,assumed"
    )
    assert any(line.startswith("task,UK,ground_brigade,1,") for line in csv_out.stdout.splitlines())


def test_scenario_formulas_size_the_force(examples_dir: Path) -> None:
    paris = str(examples_dir / "agreements" / "paris_declaration_2026.yaml")
    scenario = str(examples_dir / "scenarios" / "paris_reassurance_2026.yaml")
    plan = _json(
        "respond", paris, "--step", "mnf-presence", "--scenario", scenario, "--format", "json"
    )
    tasks = plan["tasking"]
    assert isinstance(tasks, list)
    assert all(t["by"].startswith("2026-09-") for t in tasks)  # dated from the activation
    gaps = plan["gaps"]
    assert isinstance(gaps, list)
    # ceil(1200 / 400) = 3 brigades needed, 2 pledged
    assert {"capability": "ground_brigade", "quantity": 1} in [
        {k: g[k] for k in ("capability", "quantity")} for g in gaps
    ]


def test_capabilities_lists_the_catalogue() -> None:
    out = _json("capabilities", "--format", "json")
    ids = {c["id"] for c in out["capabilities"]}  # type: ignore[union-attr]
    assert {"air_defence_long_range", "us_backstop", "financing_eur_per_year"} <= ids


def test_user_errors_exit_2_with_location(tmp_path: Path, examples_dir: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("situation:\n  contact_line_km: 1200\nvotes:\n  UK: maybe\n", encoding="utf-8")
    paris = str(examples_dir / "agreements" / "paris_declaration_2026.yaml")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "guarantor.cli",
            "respond",
            paris,
            "--step",
            "mnf-presence",
            "--scenario",
            str(bad),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    expected = "votes.UK: Input should be 'passed', 'failed' or 'pending' (got 'maybe')"
    assert f"{bad}:4:7: {expected}" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_an_unknown_party_exits_2_with_the_closest(examples_dir: Path) -> None:
    paris = str(examples_dir / "agreements" / "paris_declaration_2026.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "guarantor.cli", "respond", paris, "--step", "mnf-presence",
         "--without", "Frnace", "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "--without: 'Frnace' is not a party of the agreement" in result.stderr
    assert "did you mean 'FR' (France)?" in result.stderr
