"""Fuzzing figure: random requests to every route over a real socket, on SQLite and PostgreSQL.

Cases come from the service's own OpenAPI description (schemathesis, hypothesis), sent with tokens
of every role, half of the writes as the token's own party; the service runs in uvicorn. Reports
requests sent, statuses, 5xx and dropped connections per backend (goal: >= 10,000 requests, 0 5xx,
0 dropped), and whether the chain still verifies.

    .venv/bin/python benchmarks/bench_fuzz.py                 # >= 10,000 requests per backend
    .venv/bin/python benchmarks/bench_fuzz.py --requests 1000 # smaller
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from tests.api.fuzzing import fuzz, seed, serve  # noqa: E402

from guarantor.ledger.chain import head, verify  # noqa: E402
from guarantor.ledger.database import open_engine  # noqa: E402

PG_ADMIN = os.environ.get(
    "GUARANTOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
OPERATIONS = 32  # operations fuzzed (every one in the description but the endless live feed)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--requests", type=int, default=10_000, help="at least this many per backend"
    )
    args = parser.parse_args()
    examples = math.ceil(args.requests / OPERATIONS) + 1
    print(
        f"load average before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores; {examples} examples per operation"
    )
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"guarantor_fuzz_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    tmp = tempfile.TemporaryDirectory(prefix="guarantor-fuzz-")
    failed = False
    try:
        for label, url in (
            ("SQLite", f"sqlite:///{Path(tmp.name) / 'ledger.sqlite'}"),
            ("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"),
        ):
            engine = open_engine(url, pool_size=20)
            tokens = seed(engine)
            with serve(engine, Path(tmp.name) / "layers.sqlite") as (base_url, app):
                report = fuzz(base_url, app, tokens, examples)
            ok = verify(engine).ok
            print(
                f"{label:<11} operations {report.operations}, requests {report.requests} in "
                f"{report.seconds:.0f} s, 5xx {report.five_xx}, dropped {report.dropped}, "
                f"records written {head(engine)[0] - 1}, chain verifies: {ok}"
            )
            print(f"{'':<11} statuses {dict(sorted(report.statuses.items()))}")
            for line in report.server_errors[:10]:
                print(f"{'':<11} {line}")
            failed |= (
                report.five_xx > 0
                or report.dropped > 0
                or not ok
                or report.requests < args.requests
            )
            engine.dispose()
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        tmp.cleanup()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
