"""Bad model files get one located message; named outcomes; typed JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.negotiate.cli import register
from guarantor.negotiate.loading import load_conflict

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "negotiation"
SETTINGS = settings(
    deadline=None,
    max_examples=120,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

MODEL: dict[str, Any] = {
    "name": "t",
    "decision_makers": [
        {
            "name": "A",
            "options": [{"id": "a"}, {"id": "b", "direction": "forward"}],
            "preferences": ["a", "!b"],
        },
        {"name": "B", "options": [{"id": "c"}], "ranking": [[0, 1], 5, 2]},
    ],
    "infeasible": ["a & b", {"requires": ["c", "a"]}],
    "status_quo": "NNN",
    "outcomes": [{"id": "deal", "taken": ["a", "c"]}],
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 300),
    st.text(max_size=6),
    st.lists(st.integers(0, 9), max_size=3),
    st.dictionaries(st.sampled_from(["id", "x", "name"]), st.integers(0, 3), max_size=2),
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for k, v in enumerate(doc):
            out += _paths(v, (*prefix, k))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(doc))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return copy


def _check(path: Path) -> None:
    """Loading succeeds, or fails with one UserError that names the file (and a line)."""
    try:
        load_conflict(path).compile()
    except UserError as err:
        assert err.location is not None and err.location.file == str(path)
        assert err.message


@given(st.data())
@SETTINGS
def test_any_changed_value_is_accepted_or_located(tmp_path: Path, data: st.DataObject) -> None:
    paths = _paths(MODEL)
    where = data.draw(st.sampled_from(paths))
    doc = _set(MODEL, where, data.draw(scalars))
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    _check(path)


@given(st.data())
@SETTINGS
def test_any_renamed_key_is_located_with_a_suggestion(tmp_path: Path, data: st.DataObject) -> None:
    keyed = [p for p in _paths(MODEL) if isinstance(p[-1], str)]
    where = data.draw(st.sampled_from(keyed))
    key = where[-1]
    typo = key[:-1] if len(key) > 2 else key + "x"
    doc = json.loads(json.dumps(MODEL))
    node = doc
    for step in where[:-1]:
        node = node[step]
    node[typo] = node.pop(key)
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_conflict(path).compile()
    err = info.value  # a renamed required key is also missing: both are reported
    said = [err.message, *err.details]
    assert any(f"unknown key {typo!r}" in m and f"did you mean {key!r}" in m for m in said)
    assert err.location is not None and err.location.line is not None


def test_the_base_model_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(MODEL, sort_keys=False), encoding="utf-8")
    conflict = load_conflict(path)
    outcome = conflict.outcome("deal")
    assert outcome is not None and outcome.code == 0b101


GMCR: dict[str, Any] = {
    "decisionMakers": [
        {"name": "A", "options": [0], "preferences": [[[0, "Y"]]]},
        {"name": "B", "options": [1], "preferences": [{"compound": True, "members": [[[1, "N"]]]}]},
    ],
    "options": [{"name": "a", "permittedDirection": "both"}, {"name": "b"}],
    "infeasibles": [[[0, "Y"], [1, "Y"]]],
    "useManualPreferenceRanking": False,
}


@given(st.data())
@SETTINGS
def test_any_changed_gmcr_value_is_accepted_or_located(tmp_path: Path, data: st.DataObject) -> None:
    where = data.draw(st.sampled_from(_paths(GMCR)))
    doc = _set(GMCR, where, data.draw(scalars))
    path = tmp_path / "m.gmcr"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    _check(path)


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ({"id": "x", "taken": ["a", "zz"]}, "unknown option 'zz'"),
        ({"id": "x", "taken": ["a", "b"]}, "not a feasible state"),
        ({"id": "x"}, "exactly one of 'taken' or 'state'"),
        ({"id": "deal", "taken": ["a"]}, "appears twice"),
        ({"id": "NYN", "taken": ["a"]}, "reads as a state code"),
    ],
)
def test_bad_outcomes_are_located(tmp_path: Path, outcome: dict[str, Any], message: str) -> None:
    doc = json.loads(json.dumps(MODEL))
    doc["outcomes"].append(outcome)
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, default_flow_style=None), "utf-8")
    with pytest.raises(UserError) as info:
        load_conflict(path)
    assert message in info.value.message
    assert info.value.location is not None and info.value.location.line is not None


def run_app(*args: str) -> str:
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_a_named_outcome_is_a_state_argument() -> None:
    doc = json.loads(
        run_app(
            "negotiate",
            "explain",
            str(EXAMPLES / "ukraine-2025.yaml"),
            "--state",
            "force_without_guarantee",
            "--dm",
            "Russia",
            "--concept",
            "gmr",
            "--format",
            "json",
        )
    )
    (russia,) = doc["explanations"]
    assert russia["stable"] is False and russia["lines"][0].startswith("State 123970")
    first = russia["improvements"][0]
    assert set(first) == {"to", "kind", "sanction", "outcome"} and first["kind"] is None


def test_inverse_json_is_data_not_sentences() -> None:
    doc = json.loads(
        run_app(
            "negotiate",
            "inverse",
            str(EXAMPLES / "syria-iraq.yaml"),
            "--state",
            "YNN",
            "--vary",
            "Syria",
            "--format",
            "json",
        )
    )
    assert doc["stable_profiles"] == 384 and doc["concept"] == "seq"
    assert doc["conditions"][0] == {"dm": "Syria", "move_to": 0, "candidate_sanctions": [4]}
    nash = json.loads(
        run_app(
            "negotiate",
            "inverse",
            str(EXAMPLES / "syria-iraq.yaml"),
            "--state",
            "1",
            "--concept",
            "nash",
            "--vary",
            "Syria:1-6",
            "--format",
            "json",
        )
    )
    assert nash["conditions"][0]["candidate_sanctions"] is None
    assert {(n["prefers"], n["to"]) for n in nash["necessary"]} == {(1, 0), (1, 2)}
