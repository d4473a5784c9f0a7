"""The server killed with SIGKILL in the middle of writes, then restarted: chain valid, nothing partial, nothing lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from guarantor.ledger.access import TokenRole, add_party, issue_token
from guarantor.ledger.chain import head, list_records, verify

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(db_url: str, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    with log.open("ab") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "guarantor.cli",
                "serve",
                "--no-dashboard",
                "--database",
                db_url,
                "--port",
                str(port),
            ],
            stdout=fh,
            stderr=fh,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)


@pytest.mark.slow
def test_sigkill_mid_writes_then_restart(engine: Engine, db_url: str, tmp_path: Path) -> None:
    add_party(engine, "France")
    token = issue_token(engine, "France", TokenRole.monitor)
    headers = {"Authorization": f"Bearer {token}"}
    port = _free_port()
    log = tmp_path / "server.log"
    acked: set[str] = set()
    sent: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def writer(w: int) -> None:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10
        ) as client:
            i = 0
            while not stop.is_set():
                key = f"w{w}-{i}"
                with lock:
                    sent.add(key)
                try:
                    r = client.post(
                        "/v1/events",
                        json={"party": "France", "key": key, "payload": {"w": w, "i": i}},
                    )
                except httpx.TransportError:
                    return  # the server died under us
                assert r.status_code == 201, r.text
                with lock:
                    acked.add(key)
                i += 1

    with _server(db_url, port, log) as proc:
        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        while len(acked) < 80:
            time.sleep(0.02)
            assert all(t.is_alive() for t in threads), "a writer failed before the kill"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert len(acked) >= 80

    with _server(db_url, port, log):
        r = httpx.get(f"http://127.0.0.1:{port}/v1/verify", headers=headers, timeout=60)
        assert r.status_code == 200 and r.json()["ok"] is True, r.text
        # Every acknowledged write survived; writes in flight either landed whole or not at all,
        # and retrying them with their idempotency key gives each exactly one record.
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10
        ) as client:
            for key in sorted(sent - acked):
                w, i = key[1:].split("-")
                r = client.post(
                    "/v1/events",
                    json={"party": "France", "key": key, "payload": {"w": int(w), "i": int(i)}},
                )
                assert r.status_code in (200, 201), r.text
    records = list_records(engine, kind="event", limit=100_000)
    keys = [r.key for r in records]
    assert len(keys) == len(set(keys))
    assert {k.removeprefix("api/France/") for k in keys if k} == sent
    assert head(engine)[0] == len(records)
    assert verify(engine).ok
