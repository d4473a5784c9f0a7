"""`guarantor check` and `guarantor render` as a script sees them: JSON shapes, tables, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.spec.clirun import run_cli

GRADED = """\
id: g
title: Graded
nature: treaty
documents:
  d: {title: The instrument, text: "Each Party shall consult within 24 hours at the Council."}
parties:
  - {id: US, name: United States}
  - {id: UK, name: United Kingdom}
  - {id: RU, name: Russia}
roles:
  - {party: RU, role: obligor}
pledges:
  - {id: real, party: UK, capability: brigade, quantity: 1, source: {grade: text, doc: d, quote: "Each Party shall consult"}}
  - {id: guess, party: US, capability: backstop, quantity: 2, source: {grade: assumed, reason: no text says so}}
  - {id: offer, party: US, capability: isr, quantity: 1, status: proposed, source: {grade: reported, doc: d}}
"""


def test_check_json_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GRADED, encoding="utf-8")
    result = run_cli(capsys, monkeypatch, "check", "--format", "json", str(path))
    doc = json.loads(result.out)
    assert result.code == 1  # GT104, GT105 ...: errors of the text
    assert doc["provenance"] == {
        "text": 1,
        "official": 0,
        "reported": 1,
        "assumed": 1,
        "ungraded": 0,
    }
    keys = {"code", "severity", "line", "column", "file", "path", "message", "explanation", "view"}
    assert all(set(f) == keys for f in doc["findings"])
    assert {f["view"] for f in doc["findings"]} == {"as_written", "as_encoded"}
    share = next(f for f in doc["findings"] if f["code"] == "GT122")
    assert share["view"] == "as_written" and share["message"].startswith("1 of 3")
    assert doc["unusable"] == []


def test_check_table_shows_views_and_grades(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GRADED, encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "200")
    result = run_cli(capsys, monkeypatch, "check", str(path))
    lines = result.out.splitlines()
    assert any("GT104" in line and "both" in line for line in lines)
    assert any("GT122" in line and "as written" in line for line in lines)
    assert (
        "g.yaml: provenance of clauses and graded parts: 1 text, 0 official, 1 reported, "
        "1 assumed, 0 ungraded" in result.out
    )
    assert "1 file(s) as written:" in result.err and "1 file(s) as encoded:" in result.err


def test_check_exit_codes(
    tmp_path: Path,
    examples_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clean = examples_dir / "agreements" / "nato_arts_4_6.yaml"
    assert run_cli(capsys, monkeypatch, "check", str(clean)).code == 0  # graded, no error finding
    budapest = examples_dir / "agreements" / "budapest_1994.yaml"
    assert run_cli(capsys, monkeypatch, "check", str(budapest)).code == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [\n", encoding="utf-8")
    result = run_cli(capsys, monkeypatch, "check", "--format", "json", str(bad))
    assert result.code == 2
    assert json.loads(result.out)["unusable"][0]["line"] == 2


def test_render_never_shows_an_assumed_pledge_as_committed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GRADED, encoding="utf-8")
    text = run_cli(capsys, monkeypatch, "render", str(path)).out
    assert (
        "United States is assumed by this encoding to pledge 2 × backstop, located beneficiary "
        "territory [status: committed; grade: assumed]." in text
    )
    assert (
        "United States proposes 1 × isr" in text and "[status: proposed; grade: reported]" in text
    )
    assert "*Source:* [assumed] assumed by this encoding: no text says so" in text
    assert "*Source:* [text] The instrument — “Each Party shall consult”" in text


def test_render_json_has_provenance_and_compiled_levels(
    examples_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = examples_dir / "agreements" / "budapest_1994.yaml"
    result = run_cli(capsys, monkeypatch, "render", "--format", "json", str(path))
    assert result.code == 0
    doc = json.loads(result.out)
    trigger = next(c for c in doc["clauses"] if c["id"] == "nuclear-aggression")
    assert set(trigger["provenance"]) == {"grade", "doc", "quote", "reason"}
    [level] = trigger["levels"]
    leaves = level["tree"]["any"]
    assert leaves[0]["leaf"]["requires"] == [{"attribute": "nuclear_weapons", "text": ""}]
    assert leaves[0]["leaf"]["window_days"] == 1  # the default, explicit in the data
    assert trigger["resolved_by"] is None


def test_table_prints_positions_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """':100:' is a position, not an emoji code."""
    head = GRADED.split("pledges:\n")[0]
    padding = "#\n" * (99 - head.count("\n") - 1)
    path = tmp_path / "g.yaml"
    path.write_text(
        head + padding + "pledges:\n  - {id: p, party: US, capability: c, quantity: 1}\n"
    )
    monkeypatch.setenv("COLUMNS", "200")
    result = run_cli(capsys, monkeypatch, "check", str(path))
    assert "g.yaml:100:5" in result.out
