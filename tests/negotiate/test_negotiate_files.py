"""Model files: our YAML, GMCR+ .gmcr import/export, bad input with locations, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.negotiate.cli import register
from guarantor.negotiate.concepts import CONCEPTS, Concept
from guarantor.negotiate.gmcr import to_gmcr, write_gmcr
from guarantor.negotiate.graph import Direction
from guarantor.negotiate.loading import load_conflict
from guarantor.negotiate.stability import Engine

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "negotiation"

GOOD_GMCR = {
    "decisionMakers": [
        {"name": "US", "options": [0, 1], "preferences": [[[2, "Y"]], [[1, "Y"]]], "payoffs": []},
        {
            "name": "USSR",
            "options": [2, 3],
            "preferences": [[[3, "N"]], {"compound": True, "members": [[[0, "N"]], [[1, "N"]]]}],
        },
    ],
    "options": [
        {"name": "air strike", "permittedDirection": "fwd"},
        {"name": "blockade", "permittedDirection": "both"},
        {"name": "withdraw", "permittedDirection": "both"},
        {"name": "escalate", "permittedDirection": "both"},
    ],
    "infeasibles": [[[2, "Y"], [3, "Y"]]],
    "coalitions": [0, 1],
    "useManualPreferenceRanking": False,
    "program": "gmcr-py",
    "version": "0.4.1",
}


def write(tmp: Path, name: str, content: object) -> Path:
    path = tmp / name
    path.write_text(
        content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8"
    )
    return path


def codes(path: Path, concept: str) -> list[int]:
    g = load_conflict(path).compile()
    return [int(g.codes[i]) for i in Engine(g).equilibria(Concept.parse(concept))]


def test_gmcr_import_prioritisation(tmp_path: Path) -> None:
    path = write(tmp_path, "cuban.gmcr", GOOD_GMCR)
    c = load_conflict(path)
    g = c.compile()
    assert g.n == 12
    assert c.options is not None and c.options.directions[0] is Direction.fwd
    # US: withdrawal first, then blockade: states with option 3 taken rank above the rest
    top = int(g.codes[int(g.payoff[0].argmax())])
    assert (top >> 2) & 1 and (top >> 1) & 1


@pytest.mark.parametrize(
    "name",
    ["cuban-missile-crisis.yaml", "syria-iraq.yaml", "elmira-options.yaml", "ukraine-2025.yaml"],
)
def test_gmcr_round_trip_keeps_the_analysis(tmp_path: Path, name: str) -> None:
    original = load_conflict(EXAMPLES / name)
    out = tmp_path / "model.gmcr"
    write_gmcr(original, out)
    again = load_conflict(out)
    g1, g2 = original.compile(), again.compile()
    assert (g1.codes == g2.codes).all()
    for d in range(len(g1.dms)):  # same preference order (payoff values may be renumbered)
        ranks1 = np.unique(g1.payoff[d], return_inverse=True)[1]
        ranks2 = np.unique(g2.payoff[d], return_inverse=True)[1]
        assert (ranks1 == ranks2).all()
    for concept in CONCEPTS:
        assert (Engine(g1).equilibria(concept) == Engine(g2).equilibria(concept)).all()
    doc = to_gmcr(original)
    assert set(doc) <= {
        "decisionMakers",
        "options",
        "infeasibles",
        "coalitions",
        "useManualPreferenceRanking",
        "program",
        "version",
    }


def bad(tmp_path: Path, name: str, content: object) -> UserError:
    with pytest.raises(UserError) as info:
        load_conflict(write(tmp_path, name, content)).compile()
    return info.value


def test_gmcr_unknown_key(tmp_path: Path) -> None:
    err = bad(tmp_path, "x.gmcr", {**GOOD_GMCR, "decisonMakers": []})
    assert "unknown key 'decisonMakers'" in str(err)
    assert err.location is not None and err.location.line is not None


def test_gmcr_option_owned_twice(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(GOOD_GMCR))
    doc["decisionMakers"][1]["options"] = [1, 2, 3]
    err = bad(tmp_path, "x.gmcr", doc)
    assert "owned by two decision makers" in str(err) and "US and USSR" in str(err)
    assert err.location is not None and err.location.line is not None


def test_gmcr_condition_names_missing_option(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(GOOD_GMCR))
    doc["decisionMakers"][0]["preferences"][0] = [[7, "Y"]]
    err = bad(tmp_path, "x.gmcr", doc)
    assert "names option 7" in str(err) and "decisionMakers[0].preferences[0]" in str(err)


@pytest.mark.parametrize(
    ("ranking", "message"),
    [([1, 2, 3], "omits state(s) 4"), ([1, 2, [3, 4], 2], "repeats state 2")],
)
def test_gmcr_bad_manual_ranking(tmp_path: Path, ranking: list[object], message: str) -> None:
    doc = {
        "decisionMakers": [
            {"name": "A", "options": [0], "preferenceRanking": ranking},
            {"name": "B", "options": [1], "preferenceRanking": [1, 2, 3, 4]},
        ],
        "options": [
            {"name": "a", "permittedDirection": "both"},
            {"name": "b", "permittedDirection": "both"},
        ],
        "infeasibles": [],
        "useManualPreferenceRanking": True,
    }
    err = bad(tmp_path, "x.gmcr", doc)
    assert message in str(err)


def test_gmcr_every_state_infeasible(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(GOOD_GMCR))
    doc["infeasibles"] = [[[0, "Y"]], [[0, "N"]]]
    err = bad(tmp_path, "x.gmcr", doc)
    assert "every state is infeasible" in str(err)


YAML_OK = """name: t
decision_makers:
  - name: A
    options: [{id: a}]
    preferences: [a]
  - name: B
    options: [{id: b}]
    preferences: ["!a", b]
"""


def test_yaml_missing_option_in_statement(tmp_path: Path) -> None:
    err = bad(tmp_path, "x.yaml", YAML_OK.replace('["!a", b]', '["!a", c]'))
    assert "unknown option 'c'" in str(err)
    assert err.location is not None and err.location.line == 8


def test_yaml_option_owned_twice(tmp_path: Path) -> None:
    err = bad(tmp_path, "x.yaml", YAML_OK.replace("options: [{id: b}]", "options: [{id: a}]"))
    assert "owned by two decision makers" in str(err)
    assert err.location is not None and err.location.line == 7


def test_yaml_unknown_key_and_ranking_errors(tmp_path: Path) -> None:
    err = bad(tmp_path, "x.yaml", YAML_OK.replace("name: t", "name: t\nstatus_qo: 0"))
    assert (
        "unknown key 'status_qo'" in str(err)
        and err.location is not None
        and err.location.line == 2
    )
    err = bad(tmp_path, "x.yaml", YAML_OK.replace("preferences: [a]", "ranking: [1, 0, 3]"))
    assert "omits state(s) 2" in str(err) and err.location is not None and err.location.line == 5
    err = bad(tmp_path, "x.yaml", YAML_OK.replace("preferences: [a]", "ranking: [1, 0, 3, [2, 1]]"))
    assert "repeats state 1" in str(err)


def test_yaml_every_state_infeasible(tmp_path: Path) -> None:
    err = bad(tmp_path, "x.yaml", YAML_OK + "infeasible: [a, '!a']\n")
    assert "every state is infeasible" in str(err)
    assert err.location is not None and err.location.line == 9


def test_statement_grammar() -> None:
    from guarantor.negotiate.conditions import parse

    names = {"a": 0, "b": 1, "c": 2, "1": 0, "2": 1}
    codes = np.arange(8, dtype=np.int64)

    def truth(text: str) -> list[int]:
        return [int(c) for c in codes[parse(text, names).evaluate(codes)]]

    assert truth("a & !b") == [1, 5]
    assert truth("a if b") == [0, 1, 3, 4, 5, 7]  # b implies a
    assert truth("a iff (b | c)") == [0, 3, 5, 7]
    assert truth("-1 & 2") == [2, 6]  # GMCR style: option numbers, '-' for not
    assert truth("not a or c and b") == [0, 2, 4, 6, 7]


def run_app(*args: str) -> Result:
    """The negotiate commands in-process (fast)."""
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in a subprocess (slow: used where exit code and stderr matter)."""
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "guarantor.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


def test_cli_analyze_json_shape() -> None:
    run = run_app("negotiate", "analyze", str(EXAMPLES / "elmira-options.yaml"), "--format", "json")
    doc = json.loads(run.stdout)
    assert set(doc) == {"states", "equilibria", "stability"}
    assert doc["states"][0] == {"decimal": 2, "ordered": 1, "options": "NYNNN"}
    assert set(doc["equilibria"]) == {str(c) for c in CONCEPTS}
    assert doc["equilibria"]["nash"] == [8, 9, 18, 21, 24, 25]
    assert doc["stability"]["MoE"]["seq"] == [int(s["decimal"]) for s in doc["states"]]


def test_cli_bad_input_has_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.gmcr", {**GOOD_GMCR, "colour": "red"})
    run = cli("negotiate", "analyze", str(path))
    assert run.returncode == 2
    assert "unknown key 'colour'" in run.stderr and "bad.gmcr:" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_cli_tour_commands(tmp_path: Path) -> None:
    ex = cli(
        "negotiate",
        "explain",
        str(EXAMPLES / "chicken.yaml"),
        "--state",
        "0",
        "--concept",
        "gmr",
        "--dm",
        "D1",
    )
    assert ex.returncode == 0 and "D2 takes d2_straight" in ex.stdout
    reach = cli(
        "negotiate", "reach", str(EXAMPLES / "elmira.yaml"), "--concept", "nash", "--format", "json"
    )
    assert reach.returncode == 0
    paths = {e["state"]: e["path"] for e in json.loads(reach.stdout)["equilibria"]}
    assert [s["to"] for s in paths[8]] == [5, 8]
    inv = cli(
        "negotiate",
        "inverse",
        str(EXAMPLES / "syria-iraq.yaml"),
        "--state",
        "YNN",
        "--concept",
        "nash",
        "--vary",
        "Syria",
        "--format",
        "json",
    )
    assert inv.returncode == 0 and json.loads(inv.stdout)["stable_profiles"] == 240
    sens = run_app(
        "negotiate",
        "sensitivity",
        str(EXAMPLES / "ukraine-2025.yaml"),
        "--concepts",
        "nash,seq",
        "--format",
        "json",
    )
    doc = json.loads(sens.stdout)
    assert doc["scenarios"] == 36 and all(
        set(s["counts"]) == {"nash", "seq"} for s in doc["states"]
    )
    assert {"scenario", "alternatives", "directions", "equilibria"} == set(doc["runs"][0])
    out = tmp_path / "m.gmcr"
    run_app("negotiate", "export", str(EXAMPLES / "cuban-missile-crisis.yaml"), "--out", str(out))
    assert json.loads(out.read_text())["useManualPreferenceRanking"] is True
    table = run_app(
        "negotiate",
        "analyze",
        str(EXAMPLES / "ukraine-2025.yaml"),
        "--concepts",
        "nash",
        "--coalitions",
    )
    assert "107608" in table.stdout and "status quo" in table.stdout


def test_demo_section_writes_its_files(tmp_path: Path) -> None:
    from rich.console import Console

    from guarantor.demo import DemoContext
    from guarantor.negotiate.demo import run
    from guarantor.sources.locate import DataFolder

    console = Console(record=True, width=100)
    ctx = DemoContext(DataFolder(None, "synthetic"), tmp_path, console, ROOT / "examples")
    run(ctx)
    out = tmp_path / "negotiate"
    analysis = json.loads((out / "ukraine-2025-analysis.json").read_text())
    assert analysis["equilibria"]["nash"] == ctx.results["negotiate"]["nash"]  # type: ignore[index]
    assert json.loads((out / "ukraine-2025.gmcr").read_text())["decisionMakers"][0]["name"] == "US"
    text = console.export_text()
    assert "Robustness over 36 scenarios" in text
    assert "(Paris, Jan 2026)" in text and "28-point plan" in text


def test_cli_csv_outputs() -> None:
    import csv
    import io

    rows = list(
        csv.DictReader(
            io.StringIO(
                run_app(
                    "negotiate", "analyze", str(EXAMPLES / "chicken.yaml"), "--format", "csv"
                ).stdout
            )
        )
    )
    assert [r["decimal"] for r in rows] == ["0", "1", "2", "3"]
    assert [r["seq_equilibrium"] for r in rows] == ["0", "1", "1", "0"]
    assert rows[0]["gmr_stable_for"] == "D1;D2"
    sens = run_app(
        "negotiate",
        "sensitivity",
        str(EXAMPLES / "cuban-missile-crisis.yaml"),
        "--flip",
        "air_strike",
        "--format",
        "csv",
    )
    table = list(csv.DictReader(io.StringIO(sens.stdout)))
    by_state = {r["state"]: r for r in table}
    # with a reversible air strike the US would call it off at 5 (it prefers 4): Nash in 1 of 2
    assert by_state["5"]["nash"] == "1"
    assert "nash" not in by_state["5"]["robust"].split(";")


def test_cli_coalition_stable_equilibria() -> None:
    out = run_app(
        "negotiate", "analyze", str(EXAMPLES / "elmira.yaml"), "--coalitions", "--format", "json"
    )
    doc = json.loads(out.stdout)
    assert doc["coalition_stable"]["nash"] == [8, 9]  # 5 falls to MoE + Uniroyal
    assert doc["coalition_stable"]["sim"] is None  # no options: not defined
    moves = doc["coalition_improvements"]["5"]
    assert moves == [
        {
            "coalition": ["MoE", "UR"],
            "from": 5,
            "to": 8,
            "moves": [{"dm": "MoE", "from": 5, "to": 6}, {"dm": "UR", "from": 6, "to": 8}],
        }
    ]
