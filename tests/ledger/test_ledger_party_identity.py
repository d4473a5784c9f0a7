"""One party identity in the ledger: a party is found by its name or ISO code ("France", "FRA",
"fr"), every command writes and filters by the ledger's own spelling, and an unknown party is a
user error (exit 2) with the closest known party."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.ledger.test_ledger_cli import _app
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.ledger.access import (
    add_party,
    ledger_party_names,
    resolve_party,
    revoke_tokens,
    writing_party,
)
from guarantor.ledger.chain import append
from guarantor.ledger.database import open_engine
from guarantor.ledger.records import party_profile

runner = CliRunner()
FLOW = {
    "category": "military",
    "value_eur": "2500000",
    "valuation_method": "contract",
    "period": "2026-02",
    "source": "MoD",
}


def _ledger(tmp_path: Path) -> str:
    db = str(tmp_path / "l.sqlite")
    engine = open_engine(db)
    add_party(engine, "France")
    append(engine, [party_profile("Norway", iso="NOR", gdp_eur_bn=None, source="test")])
    engine.dispose()
    return db


def _run(*args: str) -> tuple[int, str, BaseException | None]:
    result = runner.invoke(_app(), list(args))
    return result.exit_code, result.stdout + result.stderr, result.exception


def test_names_and_iso_codes_resolve_to_the_ledgers_spelling(tmp_path: Path) -> None:
    engine = open_engine(_ledger(tmp_path))
    names = ledger_party_names(engine)
    for text in ("France", "france", "FRA", "fr", " FR "):
        assert resolve_party(engine, text) == "France"
    for text in ("Norway", "NOR", "no"):  # by the ISO code of its profile record
        assert names.get(text) == "Norway"
    assert writing_party(engine, "FRA") == "France"
    assert writing_party(engine, "Ghana") == "Ghana"  # a new party, unlike any known
    with pytest.raises(UserError, match="did you mean 'France'"):
        writing_party(engine, "Frances")  # a likely typo of a known party
    with pytest.raises(UserError, match="did you mean 'Norway'"):
        resolve_party(engine, "Norwya")
    with pytest.raises(UserError, match="add it first"):
        resolve_party(engine, "Norway", registered_only=True)
    assert not add_party(engine, "FRA")  # already registered, as France
    assert revoke_tokens(engine, "fr") == 0
    engine.dispose()


def test_cli_append_records_summary_and_tokens_by_any_spelling(tmp_path: Path) -> None:
    db = _ledger(tmp_path)
    code, out, _ = _run(
        "ledger", "append", "allocation", "--party", "FRA", "--payload", json.dumps(FLOW),
        "--database", db, "--format", "json",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["record"]["party"] == "France"
    code, out, _ = _run("ledger", "records", "--party", "fr", "--database", db, "--format", "json")
    assert code == 0 and [r["party"] for r in json.loads(out)["records"]] == ["France"]
    code, out, _ = _run(
        "ledger", "summary", "--party", "FR", "--database", db, "--format", "json"
    )  # fmt: skip
    assert code == 0 and [r["donor"] for r in json.loads(out)["rows"]] == ["France"]
    code, out, _ = _run("ledger", "party", "add", "fra", "--database", db)
    assert code == 0 and "already registered as 'France'" in out
    code, out, _ = _run("ledger", "token", "issue", "FR", "--role", "guarantor", "--database", db)
    assert code == 0 and out.startswith("gt_")
    for args in (
        ("ledger", "records", "--party", "Frnace"),
        ("ledger", "summary", "--party", "Frnace"),
        ("ledger", "token", "issue", "Frnace", "--role", "observer"),
        ("ledger", "token", "revoke", "Frnace"),
    ):
        code, out, exc = _run(*args, "--database", db)
        assert isinstance(exc, UserError) and exc.exit_code == 2, (args, out)
        assert "did you mean 'France'" in str(exc), args


def test_the_real_cli_exits_2_with_a_did_you_mean(tmp_path: Path) -> None:
    db = _ledger(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "guarantor.cli", "ledger", "records", "--party", "Frnace",
         "--database", db],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "'Frnace' is not a party of the ledger; did you mean 'France'?" in result.stderr
