"""Hostile Kiel tracker files (tests/hostile_inputs.py) through `guarantor ledger import-kiel`, on
SQLite and PostgreSQL: quarantined rows with reasons or located errors, never a traceback, nothing
half-written, and nothing unclean in the ledger."""

from __future__ import annotations

import pytest
from tests.cli_app import cli_app
from tests.hostile_inputs import build
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.ledger.chain import iter_stored, verify
from guarantor.ledger.database import open_engine
from guarantor.ledger.doctor import diagnose


def test_every_hostile_kiel_file_ends_cleanly(
    db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app = cli_app()
    cases = [c for c in build(tmp_path_factory.mktemp("kiel")) if c.command[0] == "ledger"]
    assert len(cases) >= 25
    codes: dict[str, int] = {}
    for case in cases:
        result = CliRunner().invoke(app, [*case.command, "--database", db_url, "--format", "json"])
        exc = result.exception
        assert exc is None or isinstance(exc, SystemExit | UserError), (case.name, repr(exc))
        codes[case.name] = exc.exit_code if isinstance(exc, UserError) else result.exit_code
        assert codes[case.name] in (0, 2), (case.name, result.output[-400:])
        assert "\x1b[" not in result.stdout
    for name in ("kiel-amount-25-digits", "kiel-amount-1e999999", "kiel-country-200k", "kiel-country-nul", "kiel-country-ansi"):  # fmt: skip
        assert codes[name] == 0, (
            name
        )  # the good row imported, the bad one quarantined with a reason
    for name in ("kiel-every-row-bad", "kiel-missing-columns", "kiel-empty", "kiel-binary", "kiel-utf16", "kiel-surrogate", "kiel-field-200k-unquoted"):  # fmt: skip
        assert codes[name] == 2, name
    engine = open_engine(db_url)
    assert verify(engine).ok
    assert diagnose(iter_stored(engine))[1] == []  # nothing that breaks the rules got in
    engine.dispose()


def test_quarantined_kiel_rows_say_why(tmp_path_factory: pytest.TempPathFactory) -> None:
    from guarantor.ledger.kiel import read_rows

    cases = {c.name: c for c in build(tmp_path_factory.mktemp("kiel")) if c.command[0] == "ledger"}
    expected = {
        "kiel-amount-25-digits": "beyond 1,000,000 EUR bn",
        "kiel-amount-1e999999": "beyond 1,000,000 EUR bn",
        "kiel-amount-nan": "not a finite number",
        "kiel-amount-16-decimals": "more than 15 decimals",
        "kiel-country-200k": "field larger than field limit",
        "kiel-country-300": "longer than 200 characters",
        "kiel-country-nul": "U+0000",
        "kiel-country-ansi": "U+001B",
        "kiel-country-bidi": "U+202E",
        "kiel-year-5000-digits": "year: longer than 200 characters",
        "kiel-month-float": "not whole numbers",
        "kiel-field-200k-unquoted": "field larger than field limit",
    }
    for name, words in expected.items():
        _, report = read_rows(cases[name].path)
        assert len(report.quarantined) == 1, name
        assert words in report.quarantined[0].reason, (name, report.quarantined[0].reason)
        assert report.release is None or "\x1b" not in report.release
