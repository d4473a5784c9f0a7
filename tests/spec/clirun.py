"""Run the `guarantor` CLI in-process and capture what it prints and its exit code."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest


@dataclass
class Result:
    """Exit code, stdout and stderr of one CLI run."""

    code: int
    out: str
    err: str


def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> Result:
    """Invoke `guarantor.cli.main` with `args`, as the console script would."""
    from guarantor.cli import main

    monkeypatch.setattr(sys, "argv", ["guarantor", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
