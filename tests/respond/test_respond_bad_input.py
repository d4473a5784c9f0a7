"""Bad agreements through the CLI: refused with a location, or planned with the problem stated."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.respond.cli import register

HEAD = """id: bad
title: bad input
nature: politically_binding
parties:
  - {id: UA, name: Ukraine}
  - {id: FR, name: France}
  - {id: DE, name: Germany}
  - {id: XX, name: Nowhere}
roles:
  - {party: UA, role: beneficiary}
ladder:
  steps:
    - id: s1
      order: 1
      action: respond
      needs:
        - {capability: ground_battalion, quantity: 2, needed_within: 30 days}
        - {capability: orbital_laser, quantity: 1}
pledges:
"""


def _invoke(path: Path) -> UserError:
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["respond", str(path), "--step", "s1", "--format", "json"])
    assert isinstance(result.exception, UserError), result.output
    assert result.stdout == ""
    return result.exception


def _run(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "guarantor.cli",
            "respond",
            str(path),
            "--step",
            "s1",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_negative_quantity_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "neg.yaml"
    path.write_text(
        HEAD + "  - {id: fr, party: FR, capability: ground_battalion, quantity: -3}\n",
        encoding="utf-8",
    )
    error = str(_invoke(path))
    assert f"{path}:20:" in error and "quantity" in error


def test_cyclic_dependencies_are_refused_by_the_loader(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(
        HEAD
        + "  - {id: a, party: FR, capability: logistics, quantity: 1, depends_on: [b]}\n"
        + "  - {id: b, party: DE, capability: logistics, quantity: 1, depends_on: [a]}\n",
        encoding="utf-8",
    )
    error = str(_invoke(path))
    assert f"{path}:" in error and "cycle" in error


def test_absurd_unknown_and_gdp_less_pledges_are_stated_in_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(
        HEAD
        + "  - {id: fr, party: FR, capability: ground_battalion, quantity: 1000000}\n"
        + "  - {id: de, party: DE, capability: ground_batallion, quantity: 1}\n"
        + "  - {id: xx, party: XX, capability: ground_battalion, quantity: 1}\n",
        encoding="utf-8",
    )
    result = _run(path)  # a fresh process: stdout must be exactly one JSON document
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    reasons = {u["pledge"]: u["reason"] for u in plan["unavailable_pledges"]}
    assert "absurd" in reasons["fr"] and f"[{path}:20:5]" in reasons["fr"]
    assert "did you mean 'ground_battalion'" in reasons["de"] and f"{path}:21:" in reasons["de"]
    gaps = [g["reason"] for g in plan["gaps"]]
    assert any(
        r.startswith("no capability kind can meet it: unknown capability kind 'orbital_laser'")
        for r in gaps
    )
    assert plan["fair_share"]["XX"] is None
    assert [t["party"] for t in plan["tasking"]] == ["XX"]
