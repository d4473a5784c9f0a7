"""Per-party access: every write endpoint refuses another party's records; reads, pagination, limits, errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from guarantor.api.app import WRITERS, create_app
from guarantor.api.schemas import Page, RecordOut
from guarantor.ledger import signing
from guarantor.ledger.access import TokenRole, add_party, issue_token, register_key, revoke_tokens
from guarantor.ledger.chain import head, list_records

FLOW = {
    "category": "military",
    "capability": "air defence",
    "quantity": "2",
    "unit": "batteries",
    "value_eur": "250000000",
    "valuation_method": "contract price",
    "period": "2026-03",
    "source": "ministry press release",
}
REPO = Path(__file__).resolve().parents[2]
YAML = (REPO / "examples" / "agreements" / "budapest_1994.yaml").read_text()


@dataclass
class World:
    client: TestClient
    engine: Engine
    tokens: dict[tuple[str, TokenRole], str]

    def h(self, party: str, role: TokenRole) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[(party, role)]}"}


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    tokens: dict[tuple[str, TokenRole], str] = {}
    for party in ("France", "Germany", "Ukraine"):
        add_party(engine, party)
        for role in TokenRole:
            tokens[(party, role)] = issue_token(engine, party, role)
    with TestClient(create_app(engine=engine)) as client:
        yield World(client, engine, tokens)


def _body(path: str, party: str) -> dict[str, Any]:
    if path in ("/v1/pledges", "/v1/allocations", "/v1/deliveries"):
        return {"party": party, "flow": FLOW}
    if path == "/v1/acts":
        return {"party": party, "act": "consultation_requested"}
    if path == "/v1/agreements":
        return {"party": party, "yaml": YAML}
    if path.endswith("/confirmation"):
        return {"party": party}
    return {"party": party, "payload": {"what": "x"}}


def _role_for(path: str) -> TokenRole:
    return {
        "/v1/pledges": TokenRole.guarantor,
        "/v1/allocations": TokenRole.guarantor,
        "/v1/deliveries": TokenRole.guarantor,
        "/v1/events": TokenRole.monitor,
        "/v1/activations": TokenRole.monitor,
        "/v1/acts": TokenRole.beneficiary,
        "/v1/deliveries/{seq}/confirmation": TokenRole.beneficiary,
    }.get(path, TokenRole.commission)


def _write_paths(client: TestClient) -> list[str]:
    spec = client.get("/openapi.json").json()
    return sorted(p for p, ops in spec["paths"].items() if "post" in ops)


def test_every_write_endpoint_refuses_another_partys_records(world: World) -> None:
    c = world.client
    # Germany's own records, made through the API by Germany, so there is something of Germany's to attack.
    delivery = c.post(
        "/v1/deliveries",
        json={"party": "Germany", "flow": {**FLOW, "recipient": "Germany"}},
        headers=world.h("Germany", TokenRole.guarantor),
    )
    assert delivery.status_code == 201, delivery.text
    d_seq = delivery.json()["record"]["seq"]
    event = c.post(
        "/v1/events",
        json={"party": "Germany", "payload": {"x": 1}},
        headers=world.h("Germany", TokenRole.monitor),
    )
    e_seq = event.json()["record"]["seq"]
    before = head(world.engine)
    paths = _write_paths(c)
    assert len(paths) >= 12
    attempts = 0
    for path in paths:
        url = path.replace("{seq}", str(e_seq if "corrections" in path else d_seq))
        for (
            role
        ) in TokenRole:  # France, whatever its role, writing as Germany or on Germany's records
            r = c.post(url, json=_body(path, "Germany"), headers=world.h("France", role))
            assert r.status_code == 403, (path, role, r.status_code, r.text)
            assert "detail" in r.json()
            attempts += 1
    assert attempts == len(paths) * len(TokenRole)
    assert head(world.engine) == before
    # and the same bodies written as the right party with the right role are accepted
    for path in paths:
        if "{seq}" in path:
            continue
        r = c.post(path, json=_body(path, "France"), headers=world.h("France", _role_for(path)))
        assert r.status_code == 201, (path, r.text)


def test_roles_limit_what_a_party_writes_about_itself(world: World) -> None:
    c = world.client
    r = c.post(
        "/v1/pledges",
        json={"party": "Ukraine", "flow": FLOW},
        headers=world.h("Ukraine", TokenRole.observer),
    )
    assert (
        r.status_code == 403 and "an observer token may not write commitment" in r.json()["detail"]
    )
    r = c.post(
        "/v1/determinations",
        json={"party": "France", "payload": {}},
        headers=world.h("France", TokenRole.guarantor),
    )
    assert r.status_code == 403
    assert set(WRITERS["commitment"]) == {TokenRole.guarantor}


def test_confirmations_and_corrections(world: World) -> None:
    c = world.client
    r = c.post(
        "/v1/deliveries",
        json={"party": "France", "flow": FLOW},
        headers=world.h("France", TokenRole.guarantor),
    )
    seq = r.json()["record"]["seq"]
    # only the recipient confirms, once
    assert (
        c.post(
            f"/v1/deliveries/{seq}/confirmation",
            json={"party": "Germany"},
            headers=world.h("Germany", TokenRole.beneficiary),
        ).status_code
        == 403
    )
    r = c.post(
        f"/v1/deliveries/{seq}/confirmation",
        json={"party": "Ukraine", "value_eur": "240000000"},
        headers=world.h("Ukraine", TokenRole.beneficiary),
    )
    assert r.status_code == 201 and r.json()["record"]["refs"] == [seq]
    again = c.post(
        f"/v1/deliveries/{seq}/confirmation",
        json={"party": "Ukraine", "value_eur": "240000000"},
        headers=world.h("Ukraine", TokenRole.beneficiary),
    )
    assert again.status_code == 200 and again.json()["created"] is False
    assert (
        c.post(
            f"/v1/deliveries/{seq}/confirmation",
            json={"party": "Ukraine"},
            headers=world.h("Ukraine", TokenRole.beneficiary),
        ).status_code
        == 409
    )
    # the owner corrects its delivery; the summary counts the correction only
    r = c.post(
        f"/v1/records/{seq}/corrections",
        json={"party": "France", "payload": {**FLOW, "value_eur": "200000000"}},
        headers=world.h("France", TokenRole.guarantor),
    )
    assert r.status_code == 201 and r.json()["record"]["payload"]["supersedes"] == seq
    rows = {
        x["donor"]: x
        for x in c.get("/v1/summary", headers=world.h("Ukraine", TokenRole.observer)).json()["rows"]
    }
    assert rows["France"]["delivered"] == 0.2 and rows["France"]["verified"] == 0.24
    # a correction must still be a valid flow
    bad = c.post(
        f"/v1/records/{seq}/corrections",
        json={"party": "France", "payload": {"value_eur": "-1"}},
        headers=world.h("France", TokenRole.guarantor),
    )
    assert bad.status_code == 422


def test_signed_write_through_the_api(world: World) -> None:
    key = signing.generate_key()
    register_key(world.engine, "France", key)
    from guarantor.ledger.canonical import canonical_json, signing_bytes
    from guarantor.ledger.records import Flow

    payload = Flow.model_validate(FLOW).payload()
    msg = signing_bytes("commitment", "France", "api/France/p1", canonical_json(payload), [])
    body = {"party": "France", "key": "p1", "flow": FLOW, "signature": signing.sign(key, msg)}
    r = world.client.post("/v1/pledges", json=body, headers=world.h("France", TokenRole.guarantor))
    assert r.status_code == 201, r.text
    body["key"] = "p2"  # the signature no longer matches the record
    r = world.client.post("/v1/pledges", json=body, headers=world.h("France", TokenRole.guarantor))
    assert r.status_code == 422 and "signature" in r.json()["detail"]
    del body["signature"]  # a party that holds a key must sign
    r = world.client.post("/v1/pledges", json=body, headers=world.h("France", TokenRole.guarantor))
    assert r.status_code == 422 and "unsigned" in r.json()["detail"], r.text
    assert (
        world.client.get("/v1/verify", headers=world.h("France", TokenRole.observer)).json()[
            "signatures_checked"
        ]
        == 2  # the key registration and the pledge
    )


def test_tokens_are_required_and_revocable(world: World) -> None:
    c = world.client
    assert c.get("/v1/summary").status_code == 401
    assert c.get("/v1/summary", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert c.get("/health").status_code == 200
    assert c.get("/v1/me", headers=world.h("Germany", TokenRole.monitor)).json() == {
        "party": "Germany",
        "role": "monitor",
    }
    revoke_tokens(world.engine, "Germany")
    client = TestClient(create_app(engine=world.engine))  # fresh app: no token cache
    assert client.get("/v1/me", headers=world.h("Germany", TokenRole.monitor)).status_code == 401


def test_pagination_limits_and_clear_errors(world: World) -> None:
    c = world.client
    h = world.h("France", TokenRole.monitor)
    for i in range(7):
        assert (
            c.post(
                "/v1/events", json={"party": "France", "payload": {"i": i}}, headers=h
            ).status_code
            == 201
        )
    seen: list[int] = []
    after = 0
    while True:
        page = c.get(
            "/v1/records", params={"kind": "event", "after": after, "limit": 3}, headers=h
        ).json()
        seen += [r["seq"] for r in page["records"]]
        Page.model_validate(page, strict=True)  # the documented shape, exactly
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert seen == [r.seq for r in list_records(world.engine, kind="event")] and len(seen) == 7
    assert c.get("/v1/records", params={"limit": 5000}, headers=h).status_code == 422
    big = {"party": "France", "payload": {"blob": "x" * (2 << 20)}}
    r = c.post("/v1/events", json=big, headers=h)
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    r = c.post(
        "/v1/events", content=b"{not json", headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 422
    r = c.post("/v1/events", json={"party": "France", "payload": {}, "extra": 1}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "extra"]
    r = c.post(
        "/v1/agreements",
        json={"party": "France", "yaml": "id: [1"},
        headers=world.h("France", TokenRole.commission),
    )
    assert r.status_code == 422 and "YAML" in r.json()["detail"]
    assert c.get("/v1/records/999", headers=h).status_code == 404
    one = c.get(f"/v1/records/{seen[0]}", headers=h).json()
    assert RecordOut.model_validate(one, strict=True).payload == {"i": 0}


def test_a_party_by_any_spelling_in_writes_corrections_and_filters(world: World) -> None:
    """France's token writes as "FR" or "fra" (stored as France), corrects its own records by
    either spelling, confirms a delivery to "UKR" as Ukraine, and `?party=` takes any spelling;
    an unknown party is a 422 naming the closest one."""
    c = world.client
    fr = world.h("France", TokenRole.guarantor)
    r = c.post(
        "/v1/deliveries", json={"party": "FR", "flow": {**FLOW, "recipient": "UKR"}}, headers=fr
    )
    assert r.status_code == 201, r.text
    seq = r.json()["record"]["seq"]
    assert r.json()["record"]["party"] == "France"
    r = c.post(
        f"/v1/records/{seq}/corrections",
        json={"party": "fra", "payload": {**FLOW, "recipient": "UKR", "value_eur": "1"}},
        headers=fr,
    )
    assert r.status_code == 201 and r.json()["record"]["party"] == "France"
    r = c.post(
        f"/v1/deliveries/{seq}/confirmation",
        json={"party": "ua"},
        headers=world.h("Ukraine", TokenRole.beneficiary),
    )
    assert r.status_code == 201 and r.json()["record"]["party"] == "Ukraine"
    r = c.post("/v1/deliveries", json={"party": "DEU", "flow": FLOW}, headers=fr)
    assert r.status_code == 403
    obs = world.h("Germany", TokenRole.observer)
    mine = c.get("/v1/records?party=fr", headers=obs).json()["records"]
    assert mine and {x["party"] for x in mine} == {"France"}
    r = c.get("/v1/records?party=Frnace", headers=obs)
    assert r.status_code == 422 and "did you mean 'France'" in r.json()["detail"]
