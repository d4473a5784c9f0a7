"""Hostile input files through the real CLI, each in its own process: exit codes, tracebacks, peak memory.

The corpus is tests/hostile_inputs.py (UCDP, ACLED and JSON-lines event files, gzip archives, Kiel
tracker files: overflowing numbers, NaN, 200,000-character fields, NUL bytes, ANSI escapes, markup,
truncated and bombing archives). Event files go through `guarantor events summary`, Kiel files
through `guarantor ledger import-kiel` into a SQLite ledger and, with --postgres (default), a
PostgreSQL one. Goal: >= 100 files, 0 tracebacks, peak memory under 300 MB for every one.

    .venv/bin/python benchmarks/bench_hostile_inputs.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from tests.hostile_inputs import build  # noqa: E402

PG_ADMIN = os.environ.get(
    "GUARANTOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MEMORY_GOAL_MB = 300


def run(args: list[str]) -> tuple[int, str, float, float]:
    """Exit code, stderr, peak RSS (MB) and seconds of one CLI run in its own process."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "120"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guarantor.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, usage.ru_maxrss / 1024, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-postgres", action="store_true", help="Kiel files into SQLite only")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    tmp = tempfile.TemporaryDirectory(prefix="guarantor-hostile-")
    folder = Path(tmp.name)
    cases = build(folder / "corpus")
    databases = [("SQLite", f"sqlite:///{folder / 'ledger.sqlite'}")]
    admin = None
    pg_name = f"guarantor_hostile_{uuid.uuid4().hex[:10]}"
    if not args.no_postgres:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
        databases.append(("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"))
    runs: list[tuple[str, int, float, float, bool]] = []
    try:
        for case in cases:
            targets = databases if case.command[0] == "ledger" else [("", "")]
            for label, url in targets:
                extra = ["--database", url] if url else []
                code, err, peak, seconds = run([*case.command, *extra])
                traceback = "Traceback" in err or code not in (0, 1, 2, 3)
                name = f"{case.name} ({label})" if label else case.name
                runs.append((name, code, peak, seconds, traceback))
                if traceback:
                    print(f"TRACEBACK {name}: exit {code}\n{err[-1500:]}")
    finally:
        if admin is not None:
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        tmp.cleanup()
    files = len(cases)
    tracebacks = sum(r[4] for r in runs)
    worst = max(runs, key=lambda r: r[2])
    slowest = max(runs, key=lambda r: r[3])
    print(f"files {files} ({sum(c.command[0] == 'events' for c in cases)} event files, "
          f"{sum(c.command[0] == 'ledger' for c in cases)} Kiel files), runs {len(runs)}, tracebacks {tracebacks}")  # fmt: skip
    print(f"exit codes {dict(sorted(Counter(r[1] for r in runs).items()))}")
    print(f"peak memory: max {worst[2]:.0f} MB ({worst[0]}), median {sorted(r[2] for r in runs)[len(runs) // 2]:.0f} MB; goal < {MEMORY_GOAL_MB} MB")  # fmt: skip
    print(f"slowest: {slowest[3]:.1f} s ({slowest[0]})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    raise SystemExit(1 if tracebacks or worst[2] >= MEMORY_GOAL_MB or files < 100 else 0)


if __name__ == "__main__":
    main()
