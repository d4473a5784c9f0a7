"""Hostile event files (tests/hostile_inputs.py) through `guarantor events summary`: every one ends
in a clean exit (0, or 2/3 with a located message), never a traceback, and never prints an escape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli_app import cli_app
from tests.hostile_inputs import Case, build
from typer.testing import CliRunner

from guarantor.errors import UserError

CORPUS: list[Case] = []


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return [c for c in build(tmp_path_factory.mktemp("hostile")) if c.command[0] == "events"]


def run(case: Case) -> tuple[int, str, str]:
    """The command in-process: (exit code, stdout, stderr); a traceback fails the test."""
    from guarantor.cli import fail

    result = CliRunner().invoke(cli_app(), list(case.command))
    exc = result.exception
    if isinstance(exc, UserError):  # what main() turns into a message and its exit code
        try:
            fail(exc)
        except SystemExit as done:
            return int(done.code or 0), result.stdout, str(exc)
    assert exc is None or isinstance(exc, SystemExit), (case.name, repr(exc))
    return result.exit_code, result.stdout, result.stderr


def test_every_hostile_event_file_ends_cleanly(corpus: list[Case]) -> None:
    assert len(corpus) >= 70
    outcomes: dict[str, int] = {}
    for case in corpus:
        code, out, err = run(case)
        outcomes[case.name] = code
        assert code in (0, 2, 3), (case.name, code, err[-500:])
        assert "\x1b[" not in out + err, case.name
        assert "Traceback" not in out + err, case.name
        if code == 0:
            doc = json.loads(out)
            assert doc["accepted"] + doc["quarantined"] + doc["duplicates"] == doc["rows"]
    # what each kind of hostility gives
    for name in ("ucdp-truncated.csv.gz", "ucdp-corrupt.csv.gz", "ucdp-long-line.csv", "events-long-line.jsonl", "events-truncated.jsonl.gz"):  # fmt: skip
        assert outcomes[name] == 3, name
    for name in ("ucdp-best-5000-digits.csv", "ucdp-lat-1e300.csv", "ucdp-side-ansi.csv", "acled-notes-200k.csv", "events-fatalities-bigint.jsonl"):  # fmt: skip
        assert outcomes[name] == 0, name  # the good row kept, the bad one quarantined


def test_quarantine_reasons_name_the_problem(corpus: list[Case]) -> None:
    by_name = {c.name: c for c in corpus}
    expected = {
        "ucdp-best-5000-digits.csv": "not a whole number of at most 12 digits",
        "ucdp-best-huge.csv": "above the limit",
        "ucdp-lat-1e300.csv": "outside [-90, 90]",
        "ucdp-lon-1e300.csv": "outside [-180, 180]",
        "ucdp-id-nul.csv": "U+0000",
        "ucdp-side-ansi.csv": "U+001B",
        "ucdp-side-bidi.csv": "U+202E",
        "ucdp-where-200k.csv": "field larger than field limit",
        "acled-notes-ansi.csv": "U+001B",
        "acled-fatalities-5000-digits.csv": "at most 12 digits",
        "events-fatalities-over-limit.jsonl": "less than or equal to 1000000",
        "events-notes-ansi.jsonl": "U+001B",
    }
    for name, words in expected.items():
        case = by_name[name]
        run(case)
        quarantine = Path(case.command[case.command.index("--quarantine") + 1])
        assert words in quarantine.read_text(encoding="utf-8"), name
