"""Benchmark: start-up of whole `guarantor` commands, beside `python -c pass` and the previous release.

Each command runs as a fresh process, measured from outside: the CPU seconds (user + sys) and the
wall seconds the kernel accounts to the finished child (os.wait4). Per round every variant runs
once, in turn (so a drift of the machine's speed touches all of them alike); the figure is the
median over the rounds, after one warm-up round (bytecode compiled, files in the page cache).

The previous release (commit 702da8b, before the CLI loaded rooms lazily) is taken from this
repository with `git archive` into a folder under the system's temporary directory, and runs with
the same interpreter and libraries: PYTHONPATH points at its `src` instead of this checkout's.

    .venv/bin/python benchmarks/bench_startup.py              # 10 rounds
    .venv/bin/python benchmarks/bench_startup.py --quick      # 3 rounds
    .venv/bin/python benchmarks/bench_startup.py --data DIR   # the data folder (territory area)
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PREVIOUS = "702da8b"
ARCHIVE = "frontline/deepstate_cyterat_daily_2024-07-08_2026-08-22.tar.xz"
AGREEMENT = "examples/agreements/budapest_1994.yaml"
ON = "2025-08-15"
# What the console script `guarantor` runs (see its entry point in pyproject.toml).
LAUNCHER = "import sys; sys.argv[0] = 'guarantor'; from guarantor.cli import main; sys.exit(main())"
# The floor of any Typer CLI: an app of two commands that do nothing else.
BARE_TYPER = """
import typer
app = typer.Typer(add_completion=False)
app.command("version")(lambda: print("0"))
app.command("other")(lambda: None)
app()
"""


@dataclass(frozen=True)
class Case:
    """One command line to time, with its goal in CPU seconds (issue 14)."""

    label: str
    args: tuple[str, ...]
    goal_s: float
    code: int = 0  # the exit code that says the command did its work
    previous_args: tuple[str, ...] | None = None  # where the previous release spelled it otherwise


@dataclass(frozen=True)
class Variant:
    """One program to run a case with: this checkout or the previous release (run in `root`)."""

    label: str
    root: Path

    @property
    def src(self) -> Path:
        """The folder PYTHONPATH points at."""
        return self.root / "src"


@dataclass(frozen=True)
class Run:
    """One process to start in every round: its command line, environment, folder and exit code."""

    key: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    code: int


@dataclass(frozen=True)
class Sample:
    """CPU (user + sys) and wall seconds, peak resident memory and exit code of one finished run."""

    cpu_s: float
    wall_s: float
    peak_mb: float
    code: int


def previous_release(commit: str) -> Path:
    """`src` and `examples` of `commit`, extracted once into the system's temporary directory."""
    root = Path(tempfile.gettempdir()) / f"guarantor-{commit}"
    if (root / "src" / "guarantor" / "cli.py").exists() and (root / "examples").is_dir():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit, "src", "examples"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    return root


def run_once(argv: list[str], env: dict[str, str], cwd: Path) -> Sample:
    """Run `argv` to its end with output thrown away; the kernel's accounting of that child."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    return Sample(usage.ru_utime + usage.ru_stime, wall, peak_mb, proc.returncode)


def _env(src: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    env["COLUMNS"] = "100"
    return env


def _which(src: Path) -> str:
    """The file `guarantor` is imported from with this PYTHONPATH (to be sure of what runs)."""
    done = subprocess.run(
        [sys.executable, "-c", "import guarantor; print(guarantor.__file__)"],
        env=_env(src),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def main() -> int:
    """Time the cases for both variants and the baselines; print medians, ratios and goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 10")
    parser.add_argument("--rounds", type=int, default=None, help="rounds to count (default 10)")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("GUARANTOR_DATA", REPO.parent / "shared" / "data")),
        help="the data folder (for territory area)",
    )
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 10)

    cases = [
        Case("--help", ("--help",), 0.25),
        Case("version", ("version",), 0.25),
        Case(f"check {AGREEMENT}", ("check", AGREEMENT), 0.5, code=1),  # 1: findings
    ]
    archive = args.data / ARCHIVE
    if archive.exists():
        cases.append(
            Case(
                f"territory area --on {ON}",
                ("territory", "area", "--territory", str(archive), "--on", ON),
                1.0,
                # before the CLI vocabulary (issue 19) the source was positional
                previous_args=("territory", "area", str(archive), "--on", ON),
            )
        )
    else:
        print(f"note: {archive} is absent: territory area is not measured")

    variants = [Variant("now", REPO), Variant(PREVIOUS, previous_release(PREVIOUS))]
    for v in variants:
        print(f"{v.label:>8}: {_which(v.src)}")

    baselines = {
        "python -c pass": ["pass"],
        "bare Typer app: version": [BARE_TYPER, "version"],
        "bare Typer app: --help": [BARE_TYPER, "--help"],
    }
    runs = [
        Run(key, [sys.executable, "-c", *args], _env(None), REPO, 0)
        for key, args in baselines.items()
    ]
    for case in cases:
        for v in variants:
            args = case.previous_args if v.label == PREVIOUS and case.previous_args else case.args
            argv = [sys.executable, "-c", LAUNCHER, *args]
            runs.append(Run(f"{case.label}|{v.label}", argv, _env(v.src), v.root, case.code))

    load_before = os.getloadavg()
    samples: dict[str, list[Sample]] = {run.key: [] for run in runs}
    for round_no in range(rounds + 1):
        for run in runs:
            sample = run_once(run.argv, run.env, run.cwd)
            if round_no > 0:  # round 0 warms up
                samples[run.key].append(sample)
    load_after = os.getloadavg()

    def cpu(key: str) -> float:
        return statistics.median(s.cpu_s for s in samples[key])

    def wall(key: str) -> float:
        return statistics.median(s.wall_s for s in samples[key])

    def peak(key: str) -> float:
        return statistics.median(s.peak_mb for s in samples[key])

    print(
        f"\n{rounds} rounds after 1 warm-up; medians of CPU (user+sys) s, wall s, peak RSS MB; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"{os.cpu_count()} CPUs"
    )
    for key in baselines:
        print(f"{key + ':':<25} {cpu(key):.3f} s CPU, {wall(key):.3f} s wall")
    head = (
        f"{'command':<56}{'goal':>6}{'now CPU':>9}{'wall':>7}{'MB':>5}"
        f"{PREVIOUS + ' CPU':>13}{'wall':>7}{'MB':>5}{'prev/now':>10}"
    )
    print("\n" + head + "\n" + "-" * len(head))
    for case in cases:
        now, prev = f"{case.label}|now", f"{case.label}|{PREVIOUS}"
        verdict = "goal met" if cpu(now) <= case.goal_s else "goal NOT met"
        print(
            f"{'guarantor ' + case.label:<56}{case.goal_s:>6.2f}"
            f"{cpu(now):>9.3f}{wall(now):>7.3f}{peak(now):>5.0f}"
            f"{cpu(prev):>13.3f}{wall(prev):>7.3f}{peak(prev):>5.0f}"
            f"{cpu(prev) / cpu(now):>9.1f}x  {verdict}"
        )
    wrong = [run for run in runs if {s.code for s in samples[run.key]} != {run.code}]
    for run in wrong:
        codes = sorted({s.code for s in samples[run.key]})
        print(f"warning: {run.key} exited with {codes}, not {run.code}: its figure is not its work")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
