"""Random fuzzing of every route over a real socket, on SQLite and PostgreSQL: no 5xx, no dropped
connection, and the chain still verifies. (benchmarks/bench_fuzz.py sends 10,000+ per backend.)"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from tests.api.fuzzing import fuzz, seed, serve

from guarantor.ledger.chain import head, verify

EXAMPLES_PER_OPERATION = 20  # about 500 requests per backend in the default suite


@pytest.mark.slow
def test_fuzzing_every_route_gives_no_5xx_and_drops_no_connection(
    engine: Engine, tmp_path: Path
) -> None:
    tokens = seed(engine)
    with serve(engine, tmp_path / "layers.sqlite") as (base_url, app):
        report = fuzz(base_url, app, tokens, EXAMPLES_PER_OPERATION)
        metrics = httpx.get(f"{base_url}/metrics", headers={"Authorization": f"Bearer {tokens[0]}"})
    assert report.operations >= 25
    assert report.requests >= report.operations * 10
    assert report.five_xx == 0 and report.dropped == 0, report.server_errors[:5]
    assert sum(report.statuses.values()) == report.requests
    assert head(engine)[0] > 1, "no fuzzed write got through: the fuzzing stayed at the door"
    assert verify(engine).ok
    # /metrics counted them, by route template, with errors by class and no 5xx
    assert metrics.status_code == 200
    text = metrics.text
    assert re.search(
        r'guarantor_http_requests_total\{method="POST",route="[^"]+",status="201"\}', text
    )
    assert 'status_class="4xx"' in text and 'status_class="5xx"' not in text
    assert "guarantor_http_request_seconds_bucket" in text


def test_the_live_feed_streams_new_records_over_a_socket(engine: Engine, tmp_path: Path) -> None:
    tokens = seed(engine)
    monitor = tokens[2]
    with serve(engine, tmp_path / "layers.sqlite") as (base_url, _app):
        h = {"Authorization": f"Bearer {monitor}"}
        frames: list[dict[str, object]] = []

        def post_later() -> None:
            httpx.post(
                f"{base_url}/v1/events",
                json={"party": "France", "payload": {"n": "é\t1"}},
                headers=h,
            )

        with httpx.stream("GET", f"{base_url}/v1/dashboard/live", headers=h, timeout=30) as r:
            assert r.status_code == 200
            threading.Timer(0.3, post_later).start()
            for line in r.iter_lines():
                if line.startswith("data: ") and '"seq"' in line:
                    frames.append(json.loads(line[6:]))
                    break
    assert frames and frames[0]["payload"] == {"n": "é\t1"} and frames[0]["kind"] == "event"
