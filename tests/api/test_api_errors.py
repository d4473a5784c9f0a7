"""Errors as errors: every malformed request is a 4xx with a JSON body that echoes nothing it cannot
encode, and a request that fails commits nothing (the head does not move)."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from guarantor.api.app import create_app
from guarantor.ledger.access import TokenRole, add_party, issue_token
from guarantor.ledger.chain import head

FLOW = (
    '{"category":"military","value_eur":"1","valuation_method":"m","period":"2026-01","source":"s"}'
)
DEEP = "[" * 5000 + "]" * 5000

BODIES: dict[str, tuple[str, bytes]] = {
    # name: (path, raw body)
    "NaN in a payload": ("/v1/events", b'{"party":"France","payload":{"x":NaN}}'),
    "Infinity as the party": ("/v1/events", b'{"party":Infinity,"payload":{}}'),
    "-Infinity in refs": ("/v1/events", b'{"party":"France","payload":{},"refs":[-Infinity]}'),
    "1e400 in a payload": ("/v1/events", b'{"party":"France","payload":{"x":1e400}}'),
    "1e400 as a seq ref": ("/v1/events", b'{"party":"France","payload":{},"refs":[1e400]}'),
    "65-bit integer": ("/v1/events", b'{"party":"France","payload":{"x":36893488147419103232}}'),
    "5000 digits": ("/v1/events", b'{"party":"France","payload":{"x":' + b"9" * 5000 + b"}}"),
    "lone surrogate party": ("/v1/events", b'{"party":"\\ud800","payload":{}}'),
    "lone surrogate key": ("/v1/events", b'{"party":"France","key":"\\udfff","payload":{}}'),
    "lone surrogate object key": ("/v1/events", b'{"party":"France","payload":{"\\ud800":1}}'),
    "lone surrogate extra field": ("/v1/events", b'{"party":"France","payload":{},"\\ud800":1}'),
    "NUL in the party": ("/v1/events", b'{"party":"Fr\\u0000ance","payload":{}}'),
    "ANSI in a payload": ("/v1/events", b'{"party":"France","payload":{"x":"\\u001b[2J"}}'),
    "nested 40 deep": (
        "/v1/events",
        b'{"party":"France","payload":{"x":' + b"[" * 40 + b"]" * 40 + b"}}",
    ),
    "nested 5000 deep": (
        "/v1/events",
        b'{"party":"France","payload":{"x":' + DEEP.encode() + b"}}",
    ),
    "nested body 5000 deep": ("/v1/events", DEEP.encode()),
    "invalid UTF-8": ("/v1/events", b'{"party":"\xff\xfe","payload":{}}'),
    "not JSON": ("/v1/events", b"{not json"),
    "a JSON string": ("/v1/events", b'"hello"'),
    "empty": ("/v1/events", b""),
    "NaN value_eur": (
        "/v1/pledges",
        b'{"party":"France","flow":{"category":"military","value_eur":NaN,"valuation_method":"m","period":"2026-01","source":"s"}}',
    ),
    "25-digit value_eur": (
        "/v1/pledges",
        b'{"party":"France","flow":'
        + FLOW.replace('"1"', '"1234567890123456789012345"').encode()
        + b"}",
    ),
    "supersedes 2**70": (
        "/v1/pledges",
        b'{"party":"France","flow":'
        + FLOW[:-1].encode()
        + b',"supersedes":1180591620717411303424}}',
    ),
    "control char in capability": (
        "/v1/pledges",
        b'{"party":"France","flow":' + FLOW[:-1].encode() + b',"capability":"\\u001b[31m"}}',
    ),
    "NaN act": ("/v1/acts", b'{"party":"France","act":NaN}'),
    "surrogate yaml": ("/v1/agreements", b'{"party":"France","yaml":"\\ud800"}'),
    "NaN correction": ("/v1/records/1/corrections", b'{"party":"France","payload":{"x":NaN}}'),
    "big seq in path": (
        "/v1/records/99999999999999999999999/corrections",
        b'{"party":"France","payload":{}}',
    ),
    "NaN whatif": ("/v1/deliveries/1/confirmation", b'{"party":"France","value_eur":NaN}'),
}


@pytest.fixture
def client(engine: Engine) -> Iterator[tuple[TestClient, dict[TokenRole, str]]]:
    add_party(engine, "France")
    tokens = {role: issue_token(engine, "France", role) for role in TokenRole}
    with TestClient(create_app(engine=engine)) as c:
        yield c, tokens


ROLE = {"/v1/events": TokenRole.monitor, "/v1/pledges": TokenRole.guarantor, "/v1/acts": TokenRole.guarantor, "/v1/agreements": TokenRole.commission}  # fmt: skip


@pytest.mark.parametrize("name", list(BODIES))
def test_malformed_requests_are_4xx_json_and_commit_nothing(
    engine: Engine, client: tuple[TestClient, dict[TokenRole, str]], name: str
) -> None:
    c, tokens = client
    path, body = BODIES[name]
    role = ROLE.get(path, TokenRole.guarantor)
    before = head(engine)
    r = c.post(
        path,
        content=body,
        headers={"Authorization": f"Bearer {tokens[role]}", "content-type": "application/json"},
    )
    assert 400 <= r.status_code < 500, (name, r.status_code, r.text[:300])
    doc = orjson.loads(r.content)  # strict JSON: no NaN, valid UTF-8
    assert "detail" in doc
    r.content.decode("utf-8")
    assert "\\ud800" not in r.text and "\x1b" not in r.text
    assert head(engine) == before, name


def test_query_and_path_garbage_is_answered_in_json_without_a_5xx(
    client: tuple[TestClient, dict[TokenRole, str]],
) -> None:
    c, tokens = client
    h = {"Authorization": f"Bearer {tokens[TokenRole.observer]}"}
    for url in (
        "/v1/records?limit=NaN",
        "/v1/records?after=1e400",
        "/v1/records?kind=%00",
        "/v1/records/NaN",
        "/v1/records/-1",
        "/v1/summary?from=2025-13",
        "/v1/agreements/%00/versions/%ff",
    ):
        r = c.get(url, headers=h)
        assert 400 <= r.status_code < 500, (url, r.status_code)
        orjson.loads(r.content)
    # bytes that are not UTF-8 in a query are read as U+FFFD: a party nobody is, so a 422 in JSON
    # (an unknown party is an error, not an empty page)
    r = c.get("/v1/records?party=%ED%A0%80", headers=h)
    assert r.status_code == 422 and "not a party" in orjson.loads(r.content)["detail"]
