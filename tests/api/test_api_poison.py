"""No record anyone can poison: arbitrary JSON written through the API is either refused with a 4xx
that commits nothing, or accepted and then readable through every read path (API pages, single
record, live feed, CLI JSON/CSV/table, verify, doctor, summaries and the report's ledger section)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from tests.cli_app import cli_app
from typer.testing import CliRunner

from guarantor.api.app import create_app
from guarantor.api.dashboard import live_frame
from guarantor.ledger.access import Principal, TokenRole, add_party, issue_token
from guarantor.ledger.chain import get_record, head, verify

BAD_TEXT = ["\x00", "\x1b[31mred\x1b[0m", "\x7f", "\x85", "\u202e", "\n", "\t", "[bold]x[/]"]


@dataclass(frozen=True)
class Raw:
    """A fragment of JSON text written as it is (NaN, 1e400, 5,000 digits, deep nesting)."""

    text: str


CLEAN = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12)


def _text() -> st.SearchStrategy[str]:
    """Mostly clean text (so that much is accepted and read back), sometimes hostile."""
    pieces = st.one_of(
        st.characters(),
        st.sampled_from(BAD_TEXT),
        st.integers(0xD800, 0xDFFF).map(chr),  # lone surrogates
    )
    hostile = st.lists(pieces, min_size=1, max_size=12).map("".join)
    return st.one_of(CLEAN, CLEAN, CLEAN, CLEAN, hostile)


RAWS = st.sampled_from(
    [
        "NaN", "Infinity", "-Infinity", "1e400", "-1e999", "1E+999999", "9" * 5000,
        "18446744073709551616", "-9223372036854775809", "9223372036854775807", "1e-400",
        "0.1", "-0.0", "1.7976931348623157e308",
    ]
).map(Raw)  # fmt: skip
DEEP = st.integers(20, 300).map(lambda d: Raw("[" * d + "0" + "]" * d))
clean_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    CLEAN,
)
hostile_leaves = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.floats(), _text(), RAWS, DEEP
)
leaves = st.one_of(
    clean_leaves, clean_leaves, clean_leaves, clean_leaves, clean_leaves, hostile_leaves
)
KEYS = st.one_of(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), _text())
values = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=8,
)


def encode(value: Any) -> str:
    """JSON text for a generated value, NaN and raw fragments included (escapes keep surrogates)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{encode(str(k))}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=True)


@dataclass
class Seen:
    accepted: dict[int, Any] = field(default_factory=dict)  # seq -> payload as the client meant it
    refused: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


@pytest.fixture
def service(engine: Engine) -> Iterator[tuple[TestClient, dict[str, str]]]:
    add_party(engine, "France")
    tokens = {
        role: issue_token(engine, "France", role)
        for role in (TokenRole.monitor, TokenRole.guarantor, TokenRole.observer)
    }
    with TestClient(create_app(engine=engine)) as client:
        yield client, {r.value: f"Bearer {t}" for r, t in tokens.items()}


def _post(client: TestClient, auth: str, path: str, body: str, seen: Seen) -> Any:
    before = client.get("/v1/head", headers={"Authorization": auth}).json()["seq"]
    r = client.post(
        path, content=body.encode("utf-8", "surrogatepass"),
        headers={"Authorization": auth, "content-type": "application/json"},
    )  # fmt: skip
    seen.statuses[r.status_code] = seen.statuses.get(r.status_code, 0) + 1
    assert r.status_code < 500, (r.status_code, r.text, body[:300])
    doc = r.json()  # every answer is JSON, errors included
    after = client.get("/v1/head", headers={"Authorization": auth}).json()["seq"]
    if r.status_code >= 400:
        assert "detail" in doc
        assert after == before, "a refused request committed something"
        seen.refused += 1
        return None
    assert r.status_code == 201 and after == before + 1
    return doc["record"]


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def _run_events(data: st.DataObject, client: TestClient, auth: str, seen: Seen) -> None:
    value = data.draw(st.dictionaries(KEYS, values, max_size=4), label="payload")
    party = data.draw(st.sampled_from(["France"] * 8 + ["Fr\x1bance", "\ud800"]), label="party")
    body = '{"party":' + encode(party) + ',"payload":' + encode(value) + "}"
    record = _post(client, auth, "/v1/events", body, seen)
    if record is not None:
        expected = json.loads(encode(value))
        assert record["payload"] == expected
        seen.accepted[record["seq"]] = expected


def test_arbitrary_json_is_refused_or_readable_everywhere(
    engine: Engine, service: tuple[TestClient, dict[str, str]], tmp_path: Any
) -> None:
    client, auth = service
    seen = Seen()
    _run_events(client=client, auth=auth["monitor"], seen=seen)
    # flows with arbitrary text and amounts
    _run_flows(client=client, auth=auth["guarantor"], seen=seen)
    assert seen.accepted and seen.refused, seen.statuses
    reader = auth["observer"]
    # API pages and single records
    pages: dict[int, Any] = {}
    after = 0
    while True:
        page = client.get(
            "/v1/records", params={"after": after, "limit": 37}, headers={"Authorization": reader}
        )
        assert page.status_code == 200
        doc = page.json()
        pages.update({r["seq"]: r for r in doc["records"]})
        if doc["next_after"] is None:
            break
        after = doc["next_after"]
    assert set(pages) == set(range(1, head(engine)[0] + 1))
    observer = Principal("France", TokenRole.observer, 0)
    for seq, expected in seen.accepted.items():
        assert "payload_problem" not in pages[seq]
        assert pages[seq]["payload"] == expected
        one = client.get(f"/v1/records/{seq}", headers={"Authorization": reader})
        assert one.status_code == 200 and one.json()["payload"] == expected
        rec = get_record(engine, seq)
        assert rec is not None
        frame = live_frame(rec, observer)  # what /v1/dashboard/live sends for this record
        if rec.kind == "event":
            assert frame is not None
            data = json.loads(frame.decode().split("data: ", 1)[1])
            assert data["payload"] == expected
    # verify, summaries
    assert verify(engine).ok
    assert client.get("/v1/verify", headers={"Authorization": reader}).json()["ok"] is True
    for path in ("/v1/summary", "/v1/summary?by=group&per=month", "/v1/split"):
        assert client.get(path, headers={"Authorization": reader}).status_code == 200
    # the CLI: JSON, CSV, table; verify; doctor finds nothing in what the door let through
    url = str(engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    app = cli_app()
    n = str(head(engine)[0])
    for fmt in ("json", "csv", "table"):
        res = runner.invoke(
            app, ["ledger", "records", "--limit", n, "--format", fmt, "--database", url]
        )
        assert res.exit_code == 0, (fmt, res.output, res.exception)
        assert "\x1b" not in res.stdout  # no escape code from a record reaches the terminal
        if fmt == "json":
            rows = {r["seq"]: r for r in json.loads(res.stdout)["records"]}
            assert all(rows[s]["payload"] == e for s, e in seen.accepted.items())
        if fmt == "csv":
            assert len(list(csv.DictReader(io.StringIO(res.stdout)))) == int(n)
    for args in (
        ["ledger", "verify"],
        ["ledger", "doctor"],
        ["ledger", "summary", "--format", "csv"],
        ["ledger", "summary"],
    ):
        res = runner.invoke(app, [*args, "--database", url])
        assert res.exit_code == 0, (args, res.output, res.exception)
    # the report's ledger section reads the same flows
    from guarantor.report.sections_ledger import ledger_section

    section = ledger_section(url, None)
    assert section is not None


FLOW_TEXT = st.one_of(_text(), st.sampled_from(["contract price", "MoD", "Ukraine"]))
AMOUNTS = st.one_of(
    st.decimals(min_value=0, max_value=10**12, places=2).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1" * 25, "1E+999999", "0.0000001", "-5", "24000000", "1e3", "12.5"]),
    st.floats().map(repr),
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def _run_flows(data: st.DataObject, client: TestClient, auth: str, seen: Seen) -> None:
    flow = {
        "category": data.draw(st.sampled_from(["military", "financial", "tanks"])),
        "value_eur": data.draw(AMOUNTS),
        "valuation_method": data.draw(FLOW_TEXT),
        "period": data.draw(st.sampled_from(["2026-03", "2026-13", "9999-01"])),
        "source": data.draw(FLOW_TEXT),
        "recipient": data.draw(FLOW_TEXT),
    }
    if data.draw(st.booleans()):
        flow["quantity"] = data.draw(AMOUNTS)
    body = '{"party":"France","flow":' + encode(flow) + "}"
    record = _post(client, auth, "/v1/pledges", body, seen)
    if record is not None:
        seen.accepted[record["seq"]] = record["payload"]
