"""Bad input on every command: a missing file, a folder, an unreadable or empty file, a wrong
date, a date outside the data, an unknown id, a misspelt option.

Each run goes through `guarantor.cli.main`, as the console script does, and must end with one
`error:` line naming the problem and the place, the documented exit code (docs/cli.md), no
traceback, nothing on stdout, no output file and no database left behind.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main

from guarantor import cli

ROOT = Path(__file__).resolve().parents[1]
AGREEMENT = ROOT / "examples" / "agreements" / "paris_declaration_2026.yaml"
MODEL = ROOT / "examples" / "negotiation" / "chicken.yaml"
SWAP = ROOT / "examples" / "swaps" / "august_2025_land_swap.yaml"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class Run:
    """What one command printed and how it ended."""

    code: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str) -> Run:
    """`guarantor ARGV` in this process, through the console script's entry point."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "argv", ["guarantor", *argv])
    capsys.readouterr()
    with pytest.raises(SystemExit) as ended:
        cli.main()
    printed = capsys.readouterr()
    code = ended.value.code
    return Run(code if isinstance(code, int) else 0, printed.out, printed.err)


def assert_one_error(result: Run, code: int, *fragments: str) -> None:
    """One `error:` line with every fragment, the exit code, no traceback, nothing on stdout."""
    errors = [t for t in result.err.splitlines() if t.startswith("error:")]
    assert result.code == code, result.err
    assert "Traceback" not in result.err + result.out
    assert result.out == "", result.out
    assert len(errors) == 1, result.err
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


# Commands whose input file is the slot {file}; {tmp} is a scratch folder for what they write.
FILE_COMMANDS: dict[str, list[str]] = {
    "spec render": ["spec", "render", "{file}"],
    "spec diff": ["spec", "diff", str(AGREEMENT), "{file}"],
    "render (alias)": ["render", "{file}"],
    "obligations replay": [
        *("obligations", "replay", "{file}"),
        *("--from", "2025-01-01", "--to", "2025-02-01"),
    ],
    "report": ["report", "{file}", "--out", "{tmp}/report.html"],
    "monitor evaluate": [
        *("monitor", "evaluate", "{file}", "--events", "{file}"),
        *("--from", "2025-01-01", "--to", "2025-02-01"),
    ],
    "monitor events summary": ["monitor", "events", "summary", "{file}"],
    "events ingest": ["events", "ingest", "{file}", "--store", "{tmp}/events.jsonl"],
    "respond plan": ["respond", "{file}", "--step", "1"],
    "ledger import-kiel": ["ledger", "import-kiel", "{file}", "--database", "{tmp}/l.sqlite"],
    "negotiate analyze": ["negotiate", "analyze", "{file}"],
    "negotiate export": ["negotiate", "export", "{file}", "--out", "{tmp}/m.gmcr"],
    "territory swap": ["territory", "swap", "{file}", "--on", "2025-08-15"],
}


def _missing(tmp: Path) -> Path:
    return tmp / "nothing-here.yaml"


def _folder(tmp: Path) -> Path:
    (tmp / "a-folder").mkdir()
    return tmp / "a-folder"


def _empty(tmp: Path) -> Path:
    (tmp / "empty.yaml").write_text("", encoding="utf-8")
    return tmp / "empty.yaml"


def _unreadable(tmp: Path) -> Path:
    path = tmp / "locked.yaml"
    path.write_text("id: x\n", encoding="utf-8")
    path.chmod(0)
    return path


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing": (_missing, "no such file"),
    "folder": (_folder, "is a directory"),
    "empty": (_empty, "empty"),
    "unreadable": (_unreadable, "cannot be read"),
}


def _argv(template: list[str], file: Path, tmp: Path) -> list[str]:
    return [a.replace("{file}", str(file)).replace("{tmp}", str(tmp)) for a in template]


@pytest.mark.parametrize("kind", BAD_FILES)
@pytest.mark.parametrize("command", FILE_COMMANDS)
def test_a_bad_input_file_is_one_line_and_exit_2(
    command: str,
    kind: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if kind == "unreadable" and IS_ROOT:
        pytest.skip("running as root: every file can be read")
    make, problem = BAD_FILES[kind]
    scratch = tmp_path / "out"
    scratch.mkdir()
    bad = make(tmp_path)
    result = run(capsys, monkeypatch, *_argv(FILE_COMMANDS[command], bad, scratch))
    assert_one_error(result, 2, str(bad), problem)
    assert list(scratch.iterdir()) == [], "nothing is written after a bad input"


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_check_names_a_missing_file_before_any_summary(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make, problem = BAD_FILES[kind]
    bad = make(tmp_path)
    result = run(capsys, monkeypatch, "check", str(bad))
    assert_one_error(result, 2, str(bad), problem)
    assert "error(s)" not in result.err


DATES: dict[str, list[str]] = {
    "territory area --on": ["territory", "area", "--on", "{date}"],
    "territory changes --from": ["territory", "changes", "--from", "{date}", "--to", "2025-01-01"],
    "territory map --on": ["territory", "map", "--on", "{date}", "--plot", "{tmp}/m.png"],
    "replay --from": ["replay", str(AGREEMENT), "--from", "{date}", "--to", "2025-01-01"],
    "report --to": ["report", str(AGREEMENT), "--to", "{date}", "--out", "{tmp}/r.html"],
    "monitor evaluate --from": [
        *("monitor", "evaluate", str(AGREEMENT), "--events", str(AGREEMENT)),
        *("--from", "{date}", "--to", "2025-01-01"),
    ],
    "dashboard --from": ["dashboard", "--from", "{date}"],
}


@pytest.mark.parametrize("text", ["2025-13-01", "15/08/2025", "yesterday", "2025-08-15T10:00"])
@pytest.mark.parametrize("command", DATES)
def test_a_wrong_date_gets_the_same_message_everywhere(
    command: str,
    text: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = [a.replace("{date}", text).replace("{tmp}", str(tmp_path)) for a in DATES[command]]
    result = run(capsys, monkeypatch, *argv)
    option = command.rsplit(" ", 1)[-1]
    assert_one_error(result, 2, f"'{option}'", f"{text!r} is not a date (YYYY-MM-DD)")
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_month_names_the_month_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "l.sqlite"
    result = run(
        capsys, monkeypatch, "ledger", "summary", "--from", "2024-13", "--database", str(db)
    )
    assert_one_error(result, 2, "'--from'", "'2024-13' is not a month (YYYY-MM)")
    assert not db.exists()


def test_a_date_after_the_data_names_the_coverage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from guarantor.territory.synthetic import write_synthetic

    scenario = write_synthetic(tmp_path / "synth", days=5)
    argv = ["territory", "area", "--territory", str(scenario.snapshots), "--on", "2031-01-01"]
    argv += ["--store", str(tmp_path / "stores")]
    result = run(capsys, monkeypatch, *argv)
    assert_one_error(result, 2, "2031-01-01", "the snapshots end on", "--nearest")
    nearest = run(capsys, monkeypatch, *argv, "--nearest", "--format", "json")
    assert (
        nearest.code == 0 and "warning:" in nearest.err and "using the last snapshot" in nearest.err
    )


@pytest.mark.parametrize(
    "command",
    [
        ["changes", "--from", "2030-01-02"],
        ["history", "--per", "month"],
        ["violations", "--agreed-at", "2030-01-01"],
    ],
    ids=["changes", "history", "violations"],
)
def test_a_period_ending_after_the_data_names_the_coverage(
    command: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from guarantor.territory.synthetic import write_synthetic

    scenario = write_synthetic(tmp_path / "synth", days=5)
    argv = ["territory", command[0], "--territory", str(scenario.snapshots), *command[1:]]
    argv += ["--to", "2031-01-01", "--store", str(tmp_path / "stores")]
    argv += ["--cache", str(tmp_path / "c.sqlite")] if command[0] == "history" else []
    result = run(capsys, monkeypatch, *argv)
    assert_one_error(result, 2, "--to 2031-01-01", "the snapshots end on", "--nearest")
    nearest = run(capsys, monkeypatch, *argv, "--nearest", "--format", "json")
    assert nearest.code == 0 and "warning:" in nearest.err and "last snapshot" in nearest.err


def test_a_date_before_the_data_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from guarantor.territory.synthetic import write_synthetic

    scenario = write_synthetic(tmp_path / "synth", days=5)
    argv = ["territory", "area", "--territory", str(scenario.snapshots), "--on", "1999-01-01"]
    result = run(capsys, monkeypatch, *argv, "--store", str(tmp_path / "stores"))
    assert_one_error(result, 2, "no snapshot at or before 1999-01-01")


UNKNOWN_IDS: dict[str, tuple[list[str], str]] = {
    "respond --step": (["respond", str(AGREEMENT), "--step", "no-such-step"], "no-such-step"),
    "respond --without": (
        ["respond", str(AGREEMENT), "--step", "1", "--without", "Atlantis"],
        "Atlantis",
    ),
    "negotiate explain --dm": (
        ["negotiate", "explain", str(MODEL), "--state", "0", "--dm", "Nobody"],
        "Nobody",
    ),
    "negotiate explain --state": (
        ["negotiate", "explain", str(MODEL), "--state", "999"],
        "999",
    ),
    "negotiate analyze --alt": (["negotiate", "analyze", str(MODEL), "--alt", "Zed=x"], "Zed"),
}


@pytest.mark.parametrize("command", UNKNOWN_IDS)
def test_an_unknown_id_is_named(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv, name = UNKNOWN_IDS[command]
    assert_one_error(run(capsys, monkeypatch, *argv), 2, name)


def test_an_unknown_party_of_the_ledger_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "l.sqlite")
    assert run(capsys, monkeypatch, "ledger", "party", "add", "Kenya", "--database", db).code == 0
    argv = ["ledger", "token", "issue", "Atlantis", "--role", "guarantor", "--database", db]
    assert_one_error(run(capsys, monkeypatch, *argv), 2, "Atlantis")


READ_ONLY_LEDGER = [
    ["ledger", "summary"],
    ["ledger", "split"],
    ["ledger", "verify"],
    ["ledger", "records"],
    ["ledger", "doctor"],
    ["ledger", "party", "list"],
    ["ledger", "token", "revoke", "Kenya"],
]


@pytest.mark.parametrize("argv", READ_ONLY_LEDGER, ids=" ".join)
def test_a_read_only_ledger_command_creates_no_database(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "misspelt.sqlite"
    result = run(capsys, monkeypatch, *argv, "--database", str(db))
    assert_one_error(result, 2, str(db), "does not exist")
    assert not db.exists()


def _leaves() -> list[tuple[str, ...]]:
    group = typer.main.get_group(cli.app)
    for entry in cli.COMMANDS:
        group.load(entry.name)
    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
        elif path:
            found.append(path)

    walk(group, ())
    return found


@pytest.mark.parametrize("path", _leaves(), ids=" ".join)
def test_a_misspelt_option_is_one_line_naming_the_command(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(capsys, monkeypatch, *path, "--formt", "json")
    assert_one_error(result, 2, f"guarantor {' '.join(path)}", "No such option: --formt")


def test_a_misspelt_command_suggests_the_right_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(capsys, monkeypatch, "ledger", "summery")
    assert_one_error(result, 2, "No such command 'summery'", "summary")


def test_report_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r.html"
    out.write_text("kept", encoding="utf-8")
    result = run(capsys, monkeypatch, "report", str(AGREEMENT), "--out", str(out))
    assert_one_error(result, 2, str(out), "--force")
    assert out.read_text(encoding="utf-8") == "kept"
