"""Ledger and API benchmark: read throughput and p99 over HTTP on SQLite and PostgreSQL, chained writes.

Runs the project and its baselines in the same run:
  reads   GET /v1/summary?by=group (the project)  vs  GET /health (framework floor: one head query)
  writes  chained appends (lock + SHA-256 chain, one record per transaction), through the library and over
          HTTP  vs  plain unchained INSERTs of the same rows into a bare table (baseline)
The load generator runs in a separate process (asyncio, raw HTTP/1.1 keep-alive: a full HTTP client
library costs more CPU per request than the server on a 2-core machine and would measure itself).

    .venv/bin/python benchmarks/bench_ledger.py            # full
    .venv/bin/python benchmarks/bench_ledger.py --quick    # smoke size
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
# The code measured: this checkout's, or another's (benchmarks/bench_ledger_compare.py sets it).
SRC = Path(os.environ.get("GUARANTOR_BENCH_SRC", REPO / "src"))
sys.path.insert(0, str(SRC))

from guarantor.ledger.access import TokenRole, add_party, issue_token  # noqa: E402
from guarantor.ledger.chain import NewRecord, append, verify  # noqa: E402
from guarantor.ledger.database import open_engine  # noqa: E402

PG_ADMIN = os.environ.get(
    "GUARANTOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
KIEL = Path(
    os.environ.get(
        "GUARANTOR_BENCH_KIEL",
        REPO.parent / "shared" / "data" / "aid_kiel_ust" / "data_explorer.csv",
    )
)


# ---- load generator (runs in its own process) -----------------------------------------------------


async def _conn_worker(
    port: int,
    requests: list[bytes],
    latencies: list[float],
    statuses: dict[int, int],
    interval: float = 0.0,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.perf_counter()
    for n, req in enumerate(requests):
        if interval:  # paced: request n leaves at start + n * interval
            await asyncio.sleep(max(0.0, start + n * interval - time.perf_counter()))
        t0 = time.perf_counter()
        writer.write(req)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - t0)
        statuses[status] = statuses.get(status, 0) + 1
    writer.close()


def _get(path: str, token: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    )


def _post(path: str, token: str, body: str) -> bytes:
    data = body.encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode() + data


def _load(port: int, per_conn: list[list[bytes]], out: Any, interval: float = 0.0) -> None:
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def main() -> float:
        t0 = time.perf_counter()
        await asyncio.gather(
            *(_conn_worker(port, reqs, latencies, statuses, interval) for reqs in per_conn)
        )
        return time.perf_counter() - t0

    elapsed = asyncio.run(main())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put({"elapsed": elapsed, "latencies": latencies, "statuses": statuses, "peak_mb": peak})


def run_load(port: int, per_conn: list[list[bytes]], interval: float = 0.0) -> dict[str, Any]:
    """Send the requests from a separate process (each connection paced at `interval` seconds per
    request when given); return throughput and latency percentiles."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_load, args=(port, per_conn, queue, interval))
    proc.start()
    result = queue.get(timeout=900)
    proc.join()
    lat = sorted(result["latencies"])
    n = len(lat)
    return {
        "requests": n,
        "rps": n / result["elapsed"],
        "p50_ms": lat[n // 2] * 1000,
        "p99_ms": lat[min(n - 1, int(n * 0.99))] * 1000,
        "statuses": result["statuses"],
        "generator_peak_mb": result["peak_mb"],
    }


# ---- server ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`guarantor serve` in a subprocess."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        cmd = [
            sys.executable,
            "-m",
            "guarantor.cli",
            "serve",
            "--no-dashboard",
            "--database",
            url,
            "--port",
            str(self.port),
        ]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("server did not start")

    def peak_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


# ---- scenarios ------------------------------------------------------------------------------------


def prepare(url: str) -> dict[str, str]:
    """Fill the ledger (Kiel tracker when present, else synthetic flows) and issue tokens."""
    engine = open_engine(url)
    if KIEL.exists():
        from guarantor.ledger.kiel import import_kiel

        import_kiel(engine, KIEL)
    else:
        append(engine, [NewRecord("allocation", f"donor-{i % 40}", {"category": "military", "value_eur": str(i), "period": "2025-01"}) for i in range(2300)])  # fmt: skip
    add_party(engine, "Observer")
    add_party(engine, "Monitor")
    add_party(engine, "Bench donor")
    tokens = {
        "observer": issue_token(engine, "Observer", TokenRole.observer),
        "monitor": issue_token(engine, "Monitor", TokenRole.monitor),
        "donor": issue_token(engine, "Bench donor", TokenRole.guarantor),
    }
    engine.dispose()
    return tokens


def bench_reads(
    url: str, label: str, tokens: dict[str, str], conns: int, per_conn: int
) -> list[dict[str, Any]]:
    server = Server(url)
    try:
        rows = []
        for name, path in (
            ("summary (project)", "/v1/summary?by=group"),
            ("records (uncached)", "/v1/records?limit=20"),
            ("health (1 DB query)", "/health"),
        ):
            run_load(server.port, [[_get(path, tokens["observer"])] * 20])  # warm up (cache, pool)
            cpu0 = server.cpu_seconds()
            res = run_load(
                server.port, [[_get(path, tokens["observer"])] * per_conn for _ in range(conns)]
            )
            res["server_cpu_ms"] = (server.cpu_seconds() - cpu0) * 1000 / res["requests"]
            rows.append({"db": label, "endpoint": name, **res})
        for r in rows:
            r["server_peak_mb"] = server.peak_mb()
        return rows
    finally:
        server.stop()


PLEDGE = (
    '{"party":"Bench donor","flow":{"category":"military","value_eur":"1000000",'
    '"valuation_method":"contract price","period":"2026-03","source":"benchmark %d"}}'
)


def bench_reads_while_writing(
    url: str, label: str, tokens: dict[str, str], conns: int, per_conn: int, writes_per_s: float
) -> dict[str, Any]:
    """Summary reads at full speed while one connection posts pledges at a steady rate: every pledge
    moves the chain head, so the cached summary is rebuilt (incrementally) after each one."""
    server = Server(url)
    try:
        read = [[_get("/v1/summary?by=group", tokens["observer"])] * per_conn for _ in range(conns)]
        run_load(server.port, [read[0][:20]])  # warm up
        n_writes = max(2, int(writes_per_s * per_conn * conns / 2000))  # about as long as the reads
        writes = [[_post("/v1/pledges", tokens["donor"], PLEDGE % i) for i in range(n_writes)]]
        done: dict[str, Any] = {}
        writer = threading.Thread(
            target=lambda: done.update(run_load(server.port, writes, interval=1 / writes_per_s))
        )
        cpu0 = server.cpu_seconds()
        writer.start()
        res = run_load(server.port, read)
        writer.join()
        res["server_cpu_ms"] = (server.cpu_seconds() - cpu0) * 1000 / res["requests"]
        return {
            "db": label,
            "endpoint": f"summary + {writes_per_s:.0f} pledges/s",
            **res,
            "writes": done["requests"],
            "write_statuses": done["statuses"],
            "server_peak_mb": server.peak_mb(),
        }
    finally:
        server.stop()


def summary_rebuild_ms(url: str, rounds: int) -> dict[str, float]:
    """In-process cost of answering a summary after one new record: the incremental reader the
    server uses vs a full read of every flow record (the baseline), median of `rounds`."""
    from guarantor.ledger.records import AidCategory, Flow, Kind, flow_record
    from guarantor.ledger.summary import FlowReader, read_flows, summarise

    engine = open_engine(url)
    reader = FlowReader()
    summarise(reader.read(engine), by="group")
    inc: list[float] = []
    full: list[float] = []
    for i in range(rounds):
        flow = Flow(category=AidCategory.military, value_eur=Decimal(1000 + i),
                    valuation_method="bench", period="2026-03", source="bench")  # fmt: skip
        append(engine, [flow_record(Kind.commitment, "Bench donor", flow)])
        t0 = time.perf_counter()
        a = summarise(reader.read(engine), by="group")
        t1 = time.perf_counter()
        b = summarise(read_flows(engine), by="group")
        t2 = time.perf_counter()
        assert a == b, "incremental and full summaries differ"
        inc.append((t1 - t0) * 1000)
        full.append((t2 - t1) * 1000)
    engine.dispose()
    return {"incremental": statistics.median(inc), "full": statistics.median(full)}


def bench_http_writes(
    url: str, label: str, tokens: dict[str, str], conns: int, per_conn: int
) -> dict[str, Any]:
    server = Server(url)
    try:
        tag = uuid.uuid4().hex[:8]
        per = [
            [_post("/v1/events", tokens["monitor"], f'{{"party":"Monitor","payload":{{"c":{c},"i":{i},"t":"{tag}"}}}}') for i in range(per_conn)]
            for c in range(conns)
        ]  # fmt: skip
        cpu0 = server.cpu_seconds()
        res = run_load(server.port, per)
        res["server_cpu_ms"] = (server.cpu_seconds() - cpu0) * 1000 / res["requests"]
        return {
            "db": label,
            "what": "chained, HTTP POST /v1/events",
            **res,
            "server_peak_mb": server.peak_mb(),
        }
    finally:
        server.stop()


def bench_library_writes(
    url: str, label: str, threads: int, per_thread: int, chained: bool, batch: int = 1
) -> dict[str, Any]:
    engine = open_engine(url, pool_size=threads + 2)
    if not chained:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS plain_rows (id INTEGER, kind TEXT, party TEXT, payload TEXT)"
                )
            )
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(0, per_thread, batch):
                if chained:
                    append(
                        engine,
                        [
                            NewRecord("event", "Bench", {"t": t, "i": j})
                            for j in range(i, i + batch)
                        ],
                    )
                else:
                    with engine.begin() as conn:
                        conn.execute(
                            text("INSERT INTO plain_rows VALUES (:id, 'event', 'Bench', :p)"),
                            {"id": t * per_thread + i, "p": f'{{"i":{i},"t":{t}}}'},
                        )
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    t0 = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    n = threads * per_thread
    ok = verify(engine).ok if chained else None
    engine.dispose()
    what = (
        f"chained, library append ({batch} record/txn)"
        if chained
        else "baseline: plain INSERT (1 row/txn, no chain)"
    )
    return {"db": label, "what": what, "requests": n, "rps": n / elapsed, "chain_ok": ok}


def app_cpu_per_request(url: str, token: str, n: int) -> dict[str, float]:
    """CPU per request of the ASGI app alone, in-process (no sockets, no HTTP parsing): load-independent."""
    from guarantor.api.app import create_app

    app = create_app(url)
    out: dict[str, float] = {}
    for name, path, query in (
        ("summary", "/v1/summary", b"by=group"),
        ("records", "/v1/records", b"limit=20"),
        ("health", "/health", b""),
    ):
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
            "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2),
            "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())],
        }  # fmt: skip

        async def call(scope: dict[str, Any] = scope) -> None:
            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(_message: dict[str, Any]) -> None:
                return None

            await app(scope, receive, send)

        async def loop(k: int) -> None:
            for _ in range(k):
                await call()

        asyncio.run(loop(50))
        best = float("inf")
        for _ in range(3):  # the best of three: CPU time still varies with the machine's load
            t0 = time.process_time()
            asyncio.run(loop(n))
            best = min(best, (time.process_time() - t0) * 1000 / n)
        out[name] = best
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke size")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args()
    conns, per_conn = (8, 50) if args.quick else (16, 500)
    w_threads, w_per = (4, 50) if args.quick else (16, 250)
    print(f"load average before: {os.getloadavg()[0]:.1f}; machine: {os.cpu_count()} cores; Kiel data: {'yes' if KIEL.exists() else 'no (synthetic)'}; "
          f"reads: {conns} connections x {per_conn}; writes: {w_threads} writers x {w_per}")  # fmt: skip
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    pg_name = f"guarantor_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
    pg_url = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"
    tmp = tempfile.TemporaryDirectory(prefix="guarantor-bench-")
    sqlite_url = f"sqlite:///{Path(tmp.name) / 'ledger.sqlite'}"
    results_r: list[dict[str, Any]] = []
    results_w: list[dict[str, Any]] = []
    mixed: list[dict[str, Any]] = []
    rebuild: dict[str, dict[str, float]] = {}
    try:
        for label, url in (("SQLite", sqlite_url), ("PostgreSQL", pg_url)):
            tokens = prepare(url)
            results_r += bench_reads(url, label, tokens, conns, per_conn)
            mixed.append(bench_reads_while_writing(url, label, tokens, conns, per_conn, 20))
            rebuild[label] = summary_rebuild_ms(url, 10 if args.quick else 40)
            results_w.append(bench_library_writes(url, label, w_threads, w_per, chained=True))
            results_w.append(
                bench_library_writes(url, label, w_threads, w_per, chained=True, batch=50)
            )
            results_w.append(bench_http_writes(url, label, tokens, w_threads, w_per))
            results_w.append(bench_library_writes(url, label, w_threads, w_per, chained=False))
            if label == "SQLite":
                app_cpu = app_cpu_per_request(url, tokens["observer"], 500 if args.quick else 3000)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        tmp.cleanup()
    print("\nreads over HTTP (loopback, one uvicorn worker)")
    print(
        f"{'db':<11} {'endpoint':<20} {'req':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'srv MB':>7} {'gen MB':>7} {'srv CPU ms/req':>15}  statuses"
    )
    for r in results_r:
        print(f"{r['db']:<11} {r['endpoint']:<20} {r['requests']:>7} {r['rps']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
              f"{r['server_peak_mb']:>7.0f} {r['generator_peak_mb']:>7.0f} {r['server_cpu_ms']:>15.2f}  {r['statuses']}")  # fmt: skip
    for label in ("SQLite", "PostgreSQL"):
        s, _records, h = (r for r in results_r if r["db"] == label)
        print(f"  {label}: summary/health throughput ratio {s['rps'] / h['rps']:.2f}; summary capacity of one "
              f"free core from server CPU per request: {1000 / s['server_cpu_ms']:.0f} req/s")  # fmt: skip
    print(
        "\nsummary reads while pledges are written (each pledge moves the head: the cache is rebuilt)"
    )
    print(
        f"{'db':<11} {'endpoint':<20} {'req':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'srv MB':>7} {'gen MB':>7} {'srv CPU ms/req':>15}  statuses"
    )
    for r in mixed:
        print(f"{r['db']:<11} {r['endpoint']:<20} {r['requests']:>7} {r['rps']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
              f"{r['server_peak_mb']:>7.0f} {r['generator_peak_mb']:>7.0f} {r['server_cpu_ms']:>15.2f}  {r['statuses']}; "
              f"pledges {r['write_statuses']}")  # fmt: skip
    for label, ms in rebuild.items():
        print(f"  {label}: summary after one new record, in-process: incremental {ms['incremental']:.2f} ms "
              f"vs full read {ms['full']:.2f} ms (ratio {ms['full'] / ms['incremental']:.1f}x)")  # fmt: skip
    print("\nwrites")
    print(
        f"{'db':<11} {'what':<46} {'records':>8} {'rec/s':>8} {'p99 ms':>8} {'srv CPU ms/rec':>15}  chain"
    )
    for r in results_w:
        p99 = f"{r['p99_ms']:8.2f}" if "p99_ms" in r else f"{'':>8}"
        cpu = f"{r['server_cpu_ms']:15.2f}" if "server_cpu_ms" in r else f"{'':>15}"
        extra = r.get("chain_ok", r.get("statuses"))
        print(
            f"{r['db']:<11} {r['what']:<46} {r['requests']:>8} {r['rps']:>8.0f} {p99} {cpu}  {extra}"
        )
    for label in ("SQLite", "PostgreSQL"):
        chained, _batched, http, plain = (r for r in results_w if r["db"] == label)
        print(f"  {label}: chained/plain ratio {chained['rps'] / plain['rps']:.2f} (library), "
              f"{http['rps'] / plain['rps']:.2f} (HTTP)")  # fmt: skip
    print(
        f"\nASGI app alone, in-process (SQLite): {app_cpu['summary']:.3f} ms CPU per summary request "
        f"(≈ {1000 / app_cpu['summary']:.0f} req/s per free core), {app_cpu['health']:.3f} ms per health request"
    )
    print(
        f"load average after: {os.getloadavg()[0]:.1f} (other work on this shared machine makes figures noisy)"
    )
    print(
        f"\nbenchmark process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    if args.json:
        import json

        for r in results_r + mixed + results_w:
            r.pop("latencies", None)
            for key in ("statuses", "write_statuses"):
                if key in r:
                    r[key] = {str(k): v for k, v in r[key].items()}
        args.json.write_text(
            json.dumps(
                {"reads": results_r, "mixed": mixed, "writes": results_w, "rebuild": rebuild,
                 "app_cpu": app_cpu, "src": str(SRC), "kiel": KIEL.exists()},
                indent=1,
            )
        )  # fmt: skip


if __name__ == "__main__":
    main()
