"""Demo section: the HTTP service on a real socket, each party writing only as itself."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn
from rich.rule import Rule
from rich.table import Table

from guarantor.api.app import create_app
from guarantor.ledger.access import TokenRole, add_party, issue_token
from guarantor.ledger.database import open_engine

if TYPE_CHECKING:
    from guarantor.demo import DemoContext

PLEDGE = {
    "category": "military",
    "capability": "air defence",
    "quantity": "2",
    "unit": "batteries",
    "value_eur": "500000000",
    "valuation_method": "contract price (demo)",
    "period": "2026-11",
    "source": "guarantor demo",
}
SUMMARY_READS = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _copy_ledger(ctx: DemoContext) -> str:
    """A copy of the ledger section's database (SQLite's backup API: consistent even in WAL mode)."""
    source, copy = ctx.out / "ledger.sqlite", ctx.out / "service.sqlite"
    for suffix in ("", "-wal", "-shm"):
        (ctx.out / f"service.sqlite{suffix}").unlink(missing_ok=True)
    if source.exists():
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
    return str(copy)


def run(ctx: DemoContext) -> None:
    """Serve the ledger over HTTP and show per-party writes, a refused write, receipt and reads."""
    console = ctx.console
    console.print(Rule("[bold]service[/]: the ledger over HTTP, each party writing only as itself"))
    engine = open_engine(_copy_ledger(ctx), pool_size=20)
    parties = {
        "France": TokenRole.guarantor,
        "Ukraine": TokenRole.beneficiary,
        "Observer": TokenRole.observer,
    }
    tokens: dict[str, str] = {}
    for party, role in parties.items():
        add_party(engine, party)
        tokens[party] = issue_token(engine, party, role, label="demo")

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine=engine), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.02)
    steps: list[tuple[str, str, int, str]] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:

            def call(who: str, method: str, path: str, body: Any = None) -> httpx.Response:
                return http.request(
                    method, path, json=body, headers={"Authorization": f"Bearer {tokens[who]}"}
                )

            r = call("France", "POST", "/v1/deliveries", {"party": "France", "flow": PLEDGE})
            delivery = r.json()["record"]["seq"]
            steps.append(
                (
                    "France (guarantor)",
                    "POST /v1/deliveries",
                    r.status_code,
                    f"record {delivery}",
                )
            )
            r = call("France", "POST", "/v1/pledges", {"party": "Germany", "flow": PLEDGE})
            steps.append(
                (
                    "France (guarantor)",
                    "POST /v1/pledges as Germany",
                    r.status_code,
                    r.json()["detail"],
                )
            )
            r = call(
                "Ukraine",
                "POST",
                f"/v1/deliveries/{delivery}/confirmation",
                {"party": "Ukraine", "note": "received"},
            )
            steps.append(
                (
                    "Ukraine (beneficiary)",
                    f"POST /v1/deliveries/{delivery}/confirmation",
                    r.status_code,
                    f"verified delivery, record {r.json()['record']['seq']}",
                )
            )
            r = call("Observer", "POST", "/v1/events", {"party": "Observer", "payload": {}})
            steps.append(
                ("Observer (observer)", "POST /v1/events", r.status_code, r.json()["detail"])
            )
            r = call("Observer", "GET", "/v1/summary?by=donor")
            france = next(x for x in r.json()["rows"] if x["donor"] == "France")
            steps.append(
                (
                    "Observer (observer)",
                    "GET /v1/summary?by=donor",
                    r.status_code,
                    f"France delivered {france['delivered']:.2f}, verified "
                    f"{france['verified']:.2f} EUR bn",
                )
            )
            r = call("Observer", "GET", "/v1/verify")
            check = r.json()
            steps.append(
                (
                    "Observer (observer)",
                    "GET /v1/verify",
                    r.status_code,
                    f"{check['records']} records, "
                    + ("intact" if not check["problems"] else "BROKEN"),
                )
            )
            started = time.perf_counter()
            for _ in range(SUMMARY_READS):
                call("Observer", "GET", "/v1/summary?by=group").raise_for_status()
            per_read_ms = (time.perf_counter() - started) * 1000 / SUMMARY_READS
            paths = len(http.get("/openapi.json").json()["paths"])
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        engine.dispose()

    table = Table(
        title=f"guarantor serve on 127.0.0.1:{port} (uvicorn), ledger {engine.url.database}"
    )
    for col in ("who (role)", "request", "status", "result"):
        table.add_column(col)
    for who, request, status, result in steps:
        colour = "green" if status < 300 else "red"
        table.add_row(who, request, f"[{colour}]{status}[/]", result)
    console.print(table)
    console.print(
        f"{SUMMARY_READS} summary reads one after another on one connection: {per_read_ms:.2f} ms each "
        f"(cached per chain head; load test in benchmarks/bench_ledger.py); OpenAPI: {paths} paths at "
        "/openapi.json, docs at /docs"
    )
    db = ctx.out / "ledger.sqlite"
    console.print(
        f"dashboard: [bold]guarantor dashboard --database {db}[/], then open http://127.0.0.1:8000/ "
        "(map with a date slider over every snapshot, incidents → evidence, what-if without the US, "
        "live feed). To log in as a party: "
        f"guarantor ledger party add FR --database {db}; "
        f"guarantor ledger token issue FR --role guarantor --database {db}"
    )
    ctx.results["service"] = {
        "statuses": [s[2] for s in steps],
        "summary_read_ms": round(per_read_ms, 3),
        "openapi_paths": paths,
    }
