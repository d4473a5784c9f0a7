"""Bad input: out-of-range parameters, unknown keys, parties without parameters, dead schedulers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from guarantor.errors import UserError
from guarantor.simulate.designs import load_design
from guarantor.simulate.params import default_parameters_path, load_parameters, parse_parameters
from guarantor.simulate.run import prepare

DEFAULT = default_parameters_path().read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    agree: {value: 0.75,",
            "    agree: {value: 1.5,",
            "probability: it must lie in [0, 1]",
        ),
        ("    available: {value: 0.97,", "    available: {value: -0.2,", "probability"),
        ("    value: 7.72\n", "    value: -3\n", "must not be negative"),
        ("    value: 24\n    low: 12", "    value: -24\n    low: -30", "must not be negative"),
        ("  horizon_days: {value: 365,", "  horizon_days: {value: 36.5,", "whole number"),
        ("    value: 0.7\n    low: 0.4", "    value: 0.3\n    low: 0.4", "low <= value <= high"),
    ],
)
def test_out_of_range_values_name_file_and_line(old: str, new: str, message: str) -> None:
    assert old in DEFAULT
    text = DEFAULT.replace(old, new, 1)
    with pytest.raises(UserError) as err:
        parse_parameters(text, "bad.yaml")
    assert message in err.value.message
    loc = err.value.location
    assert loc is not None and loc.file == "bad.yaml"
    assert loc.line == _line_of(text, new.strip().splitlines()[0].strip()[:20])


def test_unknown_parameter_missing_source_and_missing_party_key() -> None:
    text = DEFAULT.replace("  seizure_share:", "  seizure_shares:", 1)
    with pytest.raises(UserError, match=r"unknown parameter adversary\.seizure_shares"):
        parse_parameters(text, "p.yaml")
    text = DEFAULT.replace(
        '  horizon_days: {value: 365, source: "one year of a ceasefire per trial; designs are compared per year"}',
        "  horizon_days: {value: 365}",
    )
    with pytest.raises(UserError, match="needs a 'source'"):
        parse_parameters(text, "p.yaml")
    cut = DEFAULT.index("  UA:\n")
    block_end = DEFAULT.index("  RU:\n")
    ua = DEFAULT[cut:block_end]
    text = DEFAULT.replace(
        ua, "\n".join(ln for ln in ua.splitlines() if "gate_pass" not in ln) + "\n"
    )
    with pytest.raises(UserError, match=r"parties\.UA has no 'gate_pass'"):
        parse_parameters(text, "p.yaml")


def test_a_design_with_a_party_without_parameters_is_refused(tmp_path: Path) -> None:
    cut = DEFAULT.index("  CN:\n")
    end = DEFAULT.index("  UK:\n")
    params = tmp_path / "no_china.yaml"
    params.write_text(DEFAULT[:cut] + DEFAULT[end:], encoding="utf-8")
    with pytest.raises(UserError, match="needs parameters for party CN") as err:
        prepare(["budapest1994"], params, None)
    assert err.value.location is not None and "budapest1994.yaml" in err.value.location.file


def test_design_overlay_errors_point_into_the_design_file(
    tmp_path: Path, examples_dir: Path
) -> None:
    agreement = examples_dir / "agreements" / "paris_declaration_2026.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema: guarantor/simulate-design@1\nname: x\n"
        f"agreement: {agreement}\nresponse_step: support-on-attack\n"
        "procedure_override: {procedure: nope, kind: silence, objection_window: 2 days}\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="not a decision procedure") as err:
        load_design(str(bad))
    assert err.value.location is not None and err.value.location.line == 5
    bad.write_text(
        "schema: guarantor/simulate-design@1\nname: x\n"
        f"agreement: {agreement}\nresponse_step: support-on-attack\nwithout: [XX]\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="not a party"):
        load_design(str(bad))
    bad.write_text(
        "schema: guarantor/simulate-design@1\nname: x\nagreement: a.yaml\nresponse_step: s\n"
        "colour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="unknown key 'colour'"):
        load_design(str(bad))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guarantor.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "120"},
    )


def test_a_scheduler_that_does_not_answer_is_a_clear_error_and_writes_nothing(
    tmp_path: Path,
) -> None:
    out = tmp_path / "results.json"
    run = _cli(
        "simulate",
        "budapest1994",
        "--trials",
        "100",
        "--scheduler",
        "tcp://127.0.0.1:9",
        "--out",
        str(out),
        "--format",
        "json",
        "--no-calibration",
    )
    assert run.returncode == 2
    assert "cannot reach a Dask scheduler at tcp://127.0.0.1:9" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_parameter_file_through_the_command_writes_nothing(tmp_path: Path) -> None:
    from guarantor.jsonout import Format
    from guarantor.simulate.cli import simulate_command

    params = tmp_path / "p.yaml"
    params.write_text(
        DEFAULT.replace("    agree: {value: 0.1, low: 0.0,", "    agree: {value: 9, low: 0.0,", 1)
    )
    out = tmp_path / "r.json"
    with pytest.raises(UserError) as err:
        simulate_command(
            designs=["budapest1994"],
            trials=100,
            seed=0,
            scheduler=None,
            workers=2,
            in_process=True,
            params=params,
            data=None,
            no_calibration=True,
            out=out,
            plots=tmp_path / "plots",
            fmt=Format.json,
        )
    assert f"{params}:" in str(err.value) and "must lie in [0, 1]" in str(err.value)
    assert err.value.location is not None and err.value.location.line == _line_of(
        params.read_text(), "agree: {value: 9"
    )
    assert sorted(tmp_path.iterdir()) == [params]


def test_json_is_one_document_on_stdout() -> None:
    import orjson

    run = _cli(
        "simulate",
        "aug2025_no_us_backstop",
        "budapest1994",
        "--trials",
        "500",
        "--seed",
        "4",
        "--format",
        "json",
        "--no-calibration",
    )
    assert run.returncode == 0, run.stderr
    doc = orjson.loads(run.stdout)
    assert doc["seed"] == 4 and doc["trials"] == 500
    assert [d["name"] for d in doc["designs"]] == ["aug2025-no-us-backstop", "budapest1994"]
    floor = doc["designs"][1]
    assert floor["deterrence_index"] == 0.0 and floor["unanswered_share"] == 1.0
    assert floor["response_time_days"] == {"p50": None, "p90": None}


def test_the_shipped_parameters_load() -> None:
    p = load_parameters()
    assert p["general.horizon_days"] == 365
    assert {"US", "UK", "FR", "DE", "RU", "CN", "UA", "EU"} <= set(p.parties)
