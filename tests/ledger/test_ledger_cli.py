"""The `guarantor ledger` commands: scriptable JSON, verify's exit code, user errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import typer
from typer.testing import CliRunner

from guarantor.ledger.cli import register

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("version")  # a second command so that `ledger` stays a sub-command
    def _version() -> None:
        """Unused."""

    return app


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(_app(), list(args))
    return result.exit_code, result.stdout


def test_append_summary_and_verify_as_json(tmp_path: Path) -> None:
    db = str(tmp_path / "l.sqlite")
    flow = {
        "category": "military",
        "value_eur": "2500000",
        "valuation_method": "contract",
        "period": "2026-02",
        "source": "MoD",
    }
    code, out = _run(
        "ledger",
        "append",
        "allocation",
        "--party",
        "Norway",
        "--payload",
        json.dumps(flow),
        "--database",
        db,
        "--format",
        "json",
    )
    assert code == 0, out
    assert json.loads(out)["record"]["seq"] == 1
    code, out = _run("ledger", "summary", "--by", "donor", "--database", db, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["unit"] == "EUR bn" and doc["rows"][0]["donor"] == "Norway"
    assert doc["rows"][0]["military"] == 0.0025 and doc["rows"][0]["total"] == 0.0025
    code, out = _run("ledger", "summary", "--by", "group", "--database", db, "--format", "json")
    assert [r["group"] for r in json.loads(out)["rows"]] == ["US", "Europe", "other", "all"]
    code, out = _run(
        "ledger",
        "summary",
        "--by",
        "group",
        "--per",
        "quarter",
        "--database",
        db,
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert doc["per"] == "quarter"
    assert [(r["period"], r["group"]) for r in doc["rows"]] == [
        ("2026-Q1", g) for g in ("US", "Europe", "other", "all")
    ]
    code, out = _run("ledger", "summary", "--per", "quarter", "--database", db)
    assert code == 0 and "2026-Q1" in out and "Norway" in out and "0.003" in out
    code, out = _run("ledger", "verify", "--database", db, "--format", "json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_verify_exits_non_zero_naming_the_first_bad_record(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    for i in range(3):
        code, _ = _run(
            "ledger",
            "append",
            "act",
            "--party",
            "France",
            "--payload",
            json.dumps({"i": i}),
            "--database",
            str(db),
        )
        assert code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE records SET party = 'Mallory' WHERE seq = 2")
    code, out = _run("ledger", "verify", "--database", str(db))
    assert code == 1
    assert "record 2" in out and "modified" in out
    code, out = _run("ledger", "verify", "--database", str(db), "--format", "json")
    assert code == 1 and json.loads(out)["first_bad"]["seq"] == 2


def test_invalid_flow_is_a_user_error(tmp_path: Path) -> None:
    db = str(tmp_path / "l.sqlite")
    result = runner.invoke(
        _app(),
        [
            "ledger",
            "append",
            "delivery",
            "--party",
            "X",
            "--payload",
            '{"category": "tanks"}',
            "--database",
            db,
        ],
    )
    assert result.exit_code != 0
    assert "not a valid delivery" in str(result.exception)


def test_summary_rejects_a_bad_month(tmp_path: Path) -> None:
    result = runner.invoke(
        _app(), ["ledger", "summary", "--from", "2024-13", "--database", str(tmp_path / "l.sqlite")]
    )
    assert result.exit_code == 2
    assert "is not a month (YYYY-MM)" in result.output
    assert not (tmp_path / "l.sqlite").exists()


def test_tokens_need_a_registered_party(tmp_path: Path) -> None:
    db = str(tmp_path / "l.sqlite")
    result = runner.invoke(
        _app(), ["ledger", "token", "issue", "Ghana", "--role", "guarantor", "--database", db]
    )
    assert "does not exist" in str(result.exception)  # a token is no reason to start a ledger
    assert not (tmp_path / "l.sqlite").exists()
    assert (
        runner.invoke(_app(), ["ledger", "party", "add", "Kenya", "--database", db]).exit_code == 0
    )
    result = runner.invoke(
        _app(), ["ledger", "token", "issue", "Ghana", "--role", "guarantor", "--database", db]
    )
    assert "unknown party" in str(result.exception)
    assert (
        runner.invoke(_app(), ["ledger", "party", "add", "Ghana", "--database", db]).exit_code == 0
    )
    code, out = _run("ledger", "token", "issue", "Ghana", "--role", "guarantor", "--database", db)
    assert code == 0 and out.startswith("gt_")
    with sqlite3.connect(tmp_path / "l.sqlite") as conn:
        stored = conn.execute("SELECT token_hash FROM tokens").fetchone()[0]
    assert out.strip() not in stored and len(stored) == 64
