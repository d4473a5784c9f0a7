"""Bad input: impossible priors, unknown parameters and keys, parties without parameters, a draw
count of 0, dead schedulers: each a located error before any work starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guarantor.errors import UserError
from guarantor.simulate.designs import load_design
from guarantor.simulate.params import default_parameters_path, load_parameters, parse_parameters
from guarantor.simulate.run import prepare, simulate

DEFAULT = default_parameters_path().read_text(encoding="utf-8")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (  # a probability with a prior that can exceed 1
            "    agree: {prior: {kind: triangular, low: 0.5, mode: 0.75, high: 0.9}",
            "    agree: {prior: {kind: lognormal, median: 0.75, sigma: 0.2}",
            "impossible here: the parameter is a probability in [0, 1]",
        ),
        (  # a probability outside [0, 1]
            "    agree: {prior: {kind: triangular, low: 0.5, mode: 0.75, high: 0.9}",
            "    agree: {prior: {kind: uniform, low: 0.5, high: 1.2}",
            "a probability in [0, 1]",
        ),
        (  # a negative rate
            "      prior: {kind: triangular, low: 0.5, mode: 1.9, high: 4}",
            "      prior: {kind: uniform, low: -1, high: 4}",
            "is impossible here: the parameter is 0 or more",
        ),
        (  # a median that must be positive
            "      prior: {kind: lognormal, median: 7, sigma: 0.09}",
            "      prior: {kind: uniform, low: 0, high: 9}",
            "greater than 0",
        ),
        (  # a count that is not fixed
            "    prior: {kind: fixed, value: 365}",
            "    prior: {kind: uniform, low: 300, high: 400}",
            "a fixed whole number",
        ),
        (  # a prior in the wrong order
            "    prior: {kind: triangular, low: 0.2, mode: 0.7, high: 0.95}",
            "    prior: {kind: triangular, low: 0.8, mode: 0.7, high: 0.95}",
            "expected low <= mode <= high",
        ),
        (  # a calibrated parameter without its fit
            "      grade: calibrated\n      calibrate: ucdp_minsk2\n      source: >-\n        flare-ups",
            "      grade: calibrated\n      source: >-\n        flare-ups",
            "names its fit in 'calibrate'",
        ),
    ],
)
def test_impossible_priors_name_file_and_line(old: str, new: str, message: str) -> None:
    assert old in DEFAULT
    text = DEFAULT.replace(old, new, 1)
    with pytest.raises(UserError) as err:
        parse_parameters(text, "bad.yaml")
    assert message in str(err.value)
    loc = err.value.location
    assert loc is not None and loc.file == "bad.yaml" and loc.line is not None
    first = new.strip().splitlines()[0].strip()
    assert abs(loc.line - _line_of(text, first)) <= 3


def test_unknown_keys_say_what_is_expected() -> None:
    text = DEFAULT.replace("  deterrence_elasticity:", "  deterrence_elasticty:", 1)
    with pytest.raises(UserError, match="did you mean 'deterrence_elasticity'") as err:
        parse_parameters(text, "p.yaml")
    assert err.value.location is not None
    assert err.value.location.line == _line_of(text, "deterrence_elasticty")
    text = DEFAULT.replace(
        "    source: one year of a ceasefire per trial; designs are compared per year\n", "", 1
    )
    with pytest.raises(UserError, match="missing required key 'source'"):
        parse_parameters(text, "p.yaml")
    text = DEFAULT.replace(
        'grade: assumed, source: "the beneficiary asks',
        'grade: guessed, source: "the beneficiary asks',
        1,
    )
    with pytest.raises(UserError, match="grade"):
        parse_parameters(text, "p.yaml")


def test_a_design_with_a_party_without_parameters_is_refused(tmp_path: Path) -> None:
    cut = DEFAULT.index("  CN:\n")
    end = DEFAULT.index("  UK:\n")
    params = tmp_path / "no_china.yaml"
    params.write_text(DEFAULT[:cut] + DEFAULT[end:], encoding="utf-8")
    with pytest.raises(UserError, match="needs parameters for party CN") as err:
        prepare(["budapest1994"], params, None)
    assert err.value.location is not None and "budapest1994.yaml" in err.value.location.file


def _design(tmp_path: Path, extra: str) -> Path:
    agreement = EXAMPLES / "agreements" / "paris_declaration_2026.yaml"
    path = tmp_path / "design.yaml"
    path.write_text(
        "schema: guarantor/simulate-design@1\nname: x\n"
        f"agreement: {agreement}\nresponse_step: support-on-attack\n" + extra,
        encoding="utf-8",
    )
    return path


def test_a_design_naming_a_parameter_that_does_not_exist(tmp_path: Path) -> None:
    path = _design(
        tmp_path,
        "parameters:\n  detection.per_sensor_pass_probabilty:\n"
        "    prior: {kind: beta, mean: 0.8, concentration: 20}\n    grade: assumed\n"
        "    source: better sensors\n",
    )
    with pytest.raises(UserError) as err:
        prepare([str(path)], None, None)
    assert "does not exist" in err.value.message
    assert "did you mean 'detection.per_sensor_pass_probability'" in err.value.message
    assert err.value.location is not None and err.value.location.line == 6
    # an existing parameter with an impossible prior for it
    path = _design(
        tmp_path,
        "parameters:\n  detection.per_sensor_pass_probability:\n"
        "    prior: {kind: lognormal, median: 0.8, sigma: 0.5}\n    grade: assumed\n"
        "    source: better sensors\n",
    )
    with pytest.raises(UserError, match="probability in") as err:
        prepare([str(path)], None, None)
    assert err.value.location is not None and err.value.location.line == 6


def test_design_overlay_errors_point_into_the_design_file(tmp_path: Path) -> None:
    path = _design(
        tmp_path, "procedure_override: {procedure: nope, kind: silence, objection_window: 2 days}\n"
    )
    with pytest.raises(UserError, match="not a decision procedure") as err:
        load_design(str(path))
    assert err.value.location is not None and err.value.location.line == 5
    path = _design(tmp_path, "without: [XX]\n")
    with pytest.raises(UserError, match="not a party"):
        load_design(str(path))
    path = _design(tmp_path, "colour: red\n")
    with pytest.raises(UserError, match="unknown key 'colour'"):
        load_design(str(path))


@settings(max_examples=25, deadline=None)
@given(draws=st.integers(max_value=0), trials=st.integers(1, 10), seed=st.integers(0, 5))
def test_a_draw_count_of_zero_or_less_is_refused_before_any_work(
    draws: int, trials: int, seed: int
) -> None:
    with pytest.raises(UserError, match="--draws must be at least 1"):
        simulate(["no-such-design-is-read"], draws, trials, seed)


def test_bad_trials_seed_and_names_are_refused_before_any_work() -> None:
    with pytest.raises(UserError, match="--trials"):
        simulate(["no-such-design"], 1, 0, 0)
    with pytest.raises(UserError, match="--seed"):
        simulate(["no-such-design"], 1, 1, -1)
    with pytest.raises(UserError, match="name at least one design"):
        simulate([], 1, 1, 0)
    with pytest.raises(UserError, match="did you mean 'paris2026'"):
        simulate(["paris2062"], 1, 1, 0)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guarantor.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "120"},
    )


def test_a_scheduler_that_does_not_answer_is_a_clear_error_and_writes_nothing(
    tmp_path: Path,
) -> None:
    out = tmp_path / "results.json"
    run = _cli(
        "simulate", "budapest1994", "--draws", "2", "--trials", "100",
        "--scheduler", "tcp://127.0.0.1:9", "--out", str(out), "--format", "json",
        "--no-calibration",
    )  # fmt: skip
    assert run.returncode == 2
    assert "cannot reach a Dask scheduler at tcp://127.0.0.1:9" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_draw_count_of_zero_on_the_command_line() -> None:
    run = _cli("simulate", "run", "paris2026", "--draws", "0", "--format", "json")
    assert run.returncode == 2 and "--draws" in run.stderr and run.stdout == ""


def test_bad_parameter_file_through_the_command_writes_nothing(tmp_path: Path) -> None:
    params = tmp_path / "p.yaml"
    params.write_text(
        DEFAULT.replace(
            "    agree: {prior: {kind: triangular, low: 0.0, mode: 0.1, high: 0.3}",
            "    agree: {prior: {kind: triangular, low: 0.0, mode: 0.1, high: 9}",
            1,
        )
    )
    out = tmp_path / "r.json"
    run = _cli(
        "simulate", "run", "budapest1994", "--draws", "2", "--trials", "100", "--in-process",
        "--params", str(params), "--no-calibration", "--out", str(out),
        "--plot", str(tmp_path / "p.png"), "--format", "json",
    )  # fmt: skip
    assert run.returncode == 2
    line = _line_of(params.read_text(), "high: 9}")
    assert f"{params}:{line}:" in run.stderr and "probability in [0, 1]" in run.stderr
    assert sorted(tmp_path.iterdir()) == [params]


def test_out_and_plot_are_checked_before_the_run(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text("{}")
    run = _cli("simulate", "run", "budapest1994", "--out", str(tmp_path / "r.json"))
    assert run.returncode == 2 and "--force" in run.stderr
    run = _cli("simulate", "run", "budapest1994", "--plot", str(tmp_path / "p.gif"))
    assert run.returncode == 2 and ".png" in run.stderr


def test_the_shipped_parameters_load() -> None:
    p = load_parameters()
    assert p["general.horizon_days"] == 365
    assert {"US", "UK", "FR", "DE", "RU", "CN", "UA", "EU"} <= set(p.parties)
    assert all(q.spec.source for q in p.params.values())
    varying = [q for q in p.params.values() if q.varies]
    assert len(varying) > 40
