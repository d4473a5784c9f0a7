"""Cached summary reads: a write through the API shows at once, another process's write within the
head-check interval, and requests that miss together build the answer once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

import guarantor.api.routes_ledger as app_module
from guarantor.api.app import create_app
from guarantor.api.state import HEAD_CHECK_SECONDS
from guarantor.ledger.access import TokenRole, add_party, issue_token
from guarantor.ledger.chain import append
from guarantor.ledger.records import AidCategory, Flow, Kind, flow_record

FLOW = {
    "category": "military",
    "value_eur": "250000000",
    "valuation_method": "contract price",
    "period": "2026-03",
    "source": "ministry press release",
}


@pytest.fixture
def tokens(engine: Engine) -> dict[str, str]:
    add_party(engine, "France")
    return {
        "guarantor": issue_token(engine, "France", TokenRole.guarantor),
        "observer": issue_token(engine, "France", TokenRole.observer),
    }


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=engine)) as c:
        yield c


def _france(client: TestClient, token: str) -> dict[str, Any] | None:
    r = client.get("/v1/summary", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    return {x["donor"]: x for x in r.json()["rows"]}.get("France")


def test_a_write_through_the_api_shows_in_the_next_read(
    client: TestClient, tokens: dict[str, str]
) -> None:
    assert _france(client, tokens["observer"]) is None
    for n in range(1, 4):
        r = client.post(
            "/v1/pledges",
            json={"party": "France", "flow": FLOW},
            headers={"Authorization": f"Bearer {tokens['guarantor']}"},
        )
        assert r.status_code == 201
        row = _france(client, tokens["observer"])
        assert row is not None and row["commitments"] == pytest.approx(0.25 * n)


def test_a_write_by_another_process_shows_within_the_head_check_interval(
    client: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    assert _france(client, tokens["observer"]) is None
    flow = Flow(
        category=AidCategory.financial,
        value_eur=Decimal("1000000000"),
        valuation_method="budget",
        period="2026-05",
        source="another writer",
    )
    append(engine, [flow_record(Kind.commitment, "France", flow)])  # not through this app
    time.sleep(HEAD_CHECK_SECONDS * 3)
    row = _france(client, tokens["observer"])
    assert row is not None and row["commitments"] == 1.0


def test_requests_that_miss_together_build_the_summary_once(
    engine: Engine, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = 0
    guard = threading.Lock()
    real = app_module.summarise

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal builds
        with guard:
            builds += 1
        time.sleep(0.05)  # long enough that the other requests arrive while it builds
        return real(*args, **kwargs)

    monkeypatch.setattr(app_module, "summarise", counting)
    app = create_app(engine=engine)

    async def burst() -> list[bytes]:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {tokens['observer']}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            replies = await asyncio.gather(
                *(c.get("/v1/summary?by=group", headers=headers) for _ in range(16))
            )
        assert all(r.status_code == 200 for r in replies)
        return [r.content for r in replies]

    bodies = asyncio.run(burst())
    assert builds == 1
    assert len(set(bodies)) == 1


def test_summary_per_period_is_a_separate_cached_answer(
    client: TestClient, tokens: dict[str, str]
) -> None:
    auth = {"Authorization": f"Bearer {tokens['guarantor']}"}
    for period in ("2026-03", "2026-04", "2026-04"):
        r = client.post(
            "/v1/pledges",
            json={"party": "France", "flow": {**FLOW, "period": period}},
            headers=auth,
        )
        assert r.status_code == 201
    read = {"Authorization": f"Bearer {tokens['observer']}"}
    total = client.get("/v1/summary", headers=read).json()
    monthly = client.get("/v1/summary?per=month", headers=read).json()
    assert monthly["per"] == "month" and total["per"] is None
    assert [(r["period"], r["donor"], r["commitments"]) for r in monthly["rows"]] == [
        ("2026-03", "France", 0.25),
        ("2026-04", "France", 0.5),
    ]
    assert total["rows"][0]["commitments"] == 0.75
    assert client.get("/v1/summary?per=week", headers=read).status_code == 422
