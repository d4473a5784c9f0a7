"""`--format`: commands whose output has no CSV form refuse `csv` instead of printing the table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
NEGOTIATION = ROOT / "examples" / "negotiation"
AGREEMENT = ROOT / "examples" / "agreements" / "budapest_1994.yaml"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    """The real root CLI, as `main()` runs it: each room loads when its command runs."""
    from guarantor import cli

    return cli.app


def invoke(app: typer.Typer, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


# Commands that print a table or JSON only: each is given everything it needs, plus `--format csv`.
TABLE_OR_JSON = {
    "negotiate explain": [
        "negotiate",
        "explain",
        str(NEGOTIATION / "chicken.yaml"),
        "--state",
        "0",
    ],
    "negotiate reach": ["negotiate", "reach", str(NEGOTIATION / "elmira.yaml")],
    "negotiate inverse": [
        "negotiate",
        "inverse",
        str(NEGOTIATION / "chicken.yaml"),
        "--state",
        "0",
        "--vary",
        "D1",
    ],
    "ledger append": [
        "ledger",
        "append",
        "act",
        "--party",
        "Norway",
        "--payload",
        "{}",
        "--database",
        "{tmp}/ledger.sqlite",
    ],
    "check": ["check", str(AGREEMENT)],
    "diff": ["diff", str(AGREEMENT), str(AGREEMENT)],
    "territory map": ["territory", "map", "--territory", "{tmp}/none", "--plot", "{tmp}/map.png"],
    "territory fetch": [
        "territory",
        "fetch",
        "--base-url",
        "http://127.0.0.1:9",
        "--dest",
        "{tmp}/cache",
    ],
}


@pytest.mark.parametrize("command", sorted(TABLE_OR_JSON))
def test_table_or_json_commands_refuse_csv(app: typer.Typer, command: str, tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in TABLE_OR_JSON[command]]
    result = invoke(app, *args, "--format", "csv")
    assert result.exit_code == 2, result.output
    assert "--format" in result.output and "'csv' is not one of" in result.output
    assert list(tmp_path.iterdir()) == []  # refused before doing anything


def test_a_table_or_json_command_still_prints_json(app: typer.Typer) -> None:
    result = invoke(app, *TABLE_OR_JSON["negotiate explain"], "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["state"] == 0 and doc["explanations"]


def test_a_command_with_csv_still_prints_csv(app: typer.Typer) -> None:
    result = invoke(
        app, "negotiate", "analyze", str(NEGOTIATION / "elmira-options.yaml"), "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:4] == ["decimal", "ordered", "state", "nash_equilibrium"]
    assert len(rows) > 1 and rows[1][0].isdigit()
