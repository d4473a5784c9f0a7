"""The README's tour runs as shown: each block's commands are run, and the shape of their output
(table headers, CSV header, JSON keys, `error:` lines, exit code) is compared with the README.

Variables are the ones the tour defines (`D`, `T`); files the tour writes under /tmp go to a
temporary folder. Blocks that need the shared data skip when it is absent; the long design
comparison runs only with GUARANTOR_TOUR_SLOW=1; the API-server block (a background server and
curl) is left to tests/api; a block that shows commands without their output is an illustration
and is not run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DATA = (ROOT / ".." / "shared" / "data").resolve()
WIDTH = "100"  # the README's output was captured at this width

NEEDS_DATA = ("$D", "$T", "territory", "replay", "report", "ledger", "simulate", "dashboard")
SLOW = ("guarantor simulate",)
NOT_HERE = ("curl ", "serve ", "$(", "sqlite3 ")


@dataclass(frozen=True)
class Step:
    """One `$ command` of the tour and the output shown under it."""

    command: str
    shown: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """One fenced block of the tour: its heading and its steps, run in order."""

    heading: str
    line: int
    steps: tuple[Step, ...]

    @property
    def id(self) -> str:
        """A test id: the line and the heading."""
        return f"L{self.line}-{re.sub(r'[^a-z0-9]+', '-', self.heading.lower()).strip('-')[:40]}"


def _tour_text() -> list[str]:
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, t in enumerate(lines) if t.startswith("## A tour of the CLI"))
    inside = False
    for end in range(start + 1, len(lines)):
        inside ^= lines[end].startswith("```")
        if not inside and lines[end].startswith("## "):
            break
    return lines[start:end]


def _blocks() -> tuple[dict[str, str], list[Block]]:
    lines = _tour_text()
    offset = README.read_text(encoding="utf-8").splitlines().index(lines[0])
    variables: dict[str, str] = {}
    blocks: list[Block] = []
    heading, inside, steps, first = "", False, list[Step](), 0
    command: list[str] | None = None
    shown: list[str] = []
    continued = False

    def close_step() -> None:
        nonlocal command, shown
        if command is not None:
            steps.append(Step(" ".join(command), tuple(shown)))
        command, shown = None, []

    for i, text in enumerate(lines):
        if text.startswith("#") and not inside:
            heading = text.lstrip("# ").strip()
        if text.startswith("```"):
            if inside:
                close_step()
                if steps:
                    blocks.append(Block(heading, first, tuple(steps)))
                steps = []
            inside, first = not inside, offset + i + 1
            continue
        if not inside:
            continue
        assignment = re.match(r"\$ ([A-Z]+)=(\S+)\s*(#.*)?$", text)
        if assignment and "$(" not in text:
            variables[assignment.group(1)] = assignment.group(2)
            continue
        if text.startswith("$ "):
            close_step()
            command = [text[2:].rstrip("\\").strip()]
        elif command is not None and continued:
            command.append(text.strip().rstrip("\\").strip())
        elif command is not None:
            shown.append(text)
        continued = command is not None and not shown and text.rstrip().endswith("\\")
    return variables, blocks


VARIABLES, BLOCKS = _blocks()


def test_the_tour_defines_every_variable_it_uses() -> None:
    used = {v for b in BLOCKS for s in b.steps for v in re.findall(r"\$([A-Z]+)\b", s.command)}
    assert {"D", "T"} <= set(VARIABLES)
    assert used <= set(VARIABLES) | {"FRANCE", "OBSERVER"}, used - set(VARIABLES)


def _headers(lines: list[str] | tuple[str, ...]) -> list[list[str]]:
    """Each table header row: its cells (a cell cut by the width ends in …)."""
    return [[c.strip() for c in t.strip().strip("┃").split("┃")] for t in lines if "┃" in t]


def _same_cell(shown: str, got: str) -> bool:
    a, b = shown.rstrip("…").strip(), got.rstrip("…").strip()
    return a.startswith(b) or b.startswith(a)


def _json_keys(lines: tuple[str, ...]) -> set[str]:
    return {m.group(1) for t in lines if (m := re.match(r'^  "([^"]+)":', t))}


def _exit_code(shown: tuple[str, ...]) -> int:
    for t in shown:
        if m := re.search(r"\(exit (\d+)\)\s*$", t):
            return int(m.group(1))
    return 0


def _compare(step: Step, code: int, out: str, err: str) -> None:
    where = f"README: $ {step.command}"
    assert code == _exit_code(step.shown), f"{where}: exit {code}\n{err[-2000:]}"
    assert "Traceback" not in err, f"{where}\n{err}"
    got = (out + "\n" + err).splitlines()
    for shown_row in _headers(step.shown):
        rows = [r for r in _headers(got) if len(r) == len(shown_row)]
        assert any(all(map(_same_cell, shown_row, r)) for r in rows), (
            f"{where}: no table with the columns {shown_row}; got {_headers(got)}"
        )
    if step.shown and step.shown[0].startswith("{") and "--format json" in step.command:
        keys = _json_keys(step.shown)
        if "| " not in step.command:
            assert keys <= set(json.loads(out)), f"{where}: JSON keys"
    if "--format csv" in step.command and step.shown:
        assert out.splitlines()[0] == step.shown[0], f"{where}: CSV header"
    for shown_line in step.shown:
        if shown_line.startswith("error:"):
            words = shown_line.split(":")[0:1] + shown_line.split()[2:6]
            assert any(all(w in t for w in words) for t in got), f"{where}: {shown_line}"


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_tour_block_runs_as_shown(block: Block, tmp_path: Path) -> None:
    commands = [s.command for s in block.steps]
    if not any(s.shown for s in block.steps):
        pytest.skip("a block of commands without output: an illustration, not a transcript")
    if any(any(k in c for k in NOT_HERE) for c in commands):
        pytest.skip("a background server and curl: covered by tests/api")
    if any(c.startswith(SLOW) for c in commands) and not os.environ.get("GUARANTOR_TOUR_SLOW"):
        pytest.skip("minutes of simulation: run with GUARANTOR_TOUR_SLOW=1")
    if any(any(k in c for k in NEEDS_DATA) for c in commands) and not DATA.is_dir():
        pytest.skip(f"needs the shared data at {DATA}")
    if any("jq " in c for c in commands) and shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        **VARIABLES,
        "COLUMNS": WIDTH,
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "TERM": "dumb",
        "NO_COLOR": "1",
    }
    env.pop("GUARANTOR_DATA", None)
    env.pop("FORCE_COLOR", None)
    if any("tour.sqlite" in c for c in commands) and "import-kiel" not in commands[0]:
        importer = next(
            s.command for b in BLOCKS for s in b.steps if "ledger import-kiel" in s.command
        )
        commands = [importer, *commands]
        steps = [Step(importer, ()), *block.steps]
    else:
        steps = list(block.steps)
    for step, command in zip(steps, commands, strict=True):
        line = command.replace("/tmp/", f"{tmp_path}/")
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", f"D={VARIABLES['D']}; T={VARIABLES['T']}; {line}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        _compare(step, done.returncode, done.stdout, done.stderr)
