"""Records written before the rules (poisoned): `ledger doctor` finds them without rewriting history,
and every read path still answers (API pages, single record, live feed, CLI JSON/CSV/table, verify)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update
from tests.cli_app import cli_app
from typer.testing import CliRunner

from guarantor.api.app import create_app
from guarantor.api.dashboard import live_frame
from guarantor.ledger.access import Principal, TokenRole, add_party, issue_token
from guarantor.ledger.canonical import record_hash
from guarantor.ledger.chain import NewRecord, append, get_record, head, verify
from guarantor.ledger.payload import PayloadError, canonical_payload, stored_payload_problem
from guarantor.ledger.tables import chain_head, records

POISON: list[tuple[str, str, str]] = [  # kind, party, payload text as an old writer stored it
    ("event", "Monitor", '{"n":' + "9" * 30 + "}"),
    ("event", "Monitor", '{"deep":' + "[" * 300 + "0" + "]" * 300 + "}"),
    ("event", "Monitor", '{"x":NaN}'),
    ("event", "Monitor", '{"x":1e400}'),
    ("event", "Monitor", "{not json"),
    ("event", "Monitor", '{"b":1,"a":2}'),
    ("event", "Mon\x1b[31mitor", '{"ok":true}'),
    ("Obligation", "Monitor", '{"party":"France"}'),
    ("event", "Monitor", '{"name":"\\u0000NUL"}'),
]


def _append_raw(engine: Engine, kind: str, party: str, payload: str) -> int:
    """A record appended as a writer without today's rules would have (correctly chained)."""
    with engine.begin() as conn:
        seq, prev = conn.execute(select(chain_head.c.seq, chain_head.c.hash)).one()
        values = {
            "seq": seq + 1, "kind": kind, "party": party, "key": None, "payload": payload,
            "refs": "[]", "signature": None, "recorded_at": "2026-01-01T00:00:00.000000+00:00",
            "prev_hash": prev,
        }  # fmt: skip
        values["hash"] = record_hash(**values)
        conn.execute(insert(records).values(**values))
        conn.execute(update(chain_head).values(seq=seq + 1, hash=values["hash"]))
    return int(seq + 1)


def test_doctor_finds_poisoned_records_and_every_read_path_survives(engine: Engine) -> None:
    append(engine, [NewRecord("event", "Monitor", {"fine": 1})])
    poisoned = [_append_raw(engine, *p) for p in POISON]
    append(engine, [NewRecord("event", "Monitor", {"fine": 2})])
    assert verify(engine).ok  # the chain itself is intact: the records were hashed as stored
    url = engine.url.render_as_string(hide_password=False)
    app = cli_app()
    runner = CliRunner()
    res = runner.invoke(app, ["ledger", "doctor", "--format", "json", "--database", url])
    assert res.exit_code == 1, res.output
    found = json.loads(res.stdout)
    flagged = {f["seq"] for f in found["findings"]}
    assert flagged == set(poisoned), found
    parts = {(f["seq"], f["part"]) for f in found["findings"]}
    assert (poisoned[6], "party") in parts and (poisoned[7], "kind") in parts
    reasons = " ".join(f["problem"] for f in found["findings"])
    for words in ("64 bits", "nested", "not a JSON number", "infinity", "canonical", "U+001B"):
        assert words in reasons, words
    table = runner.invoke(app, ["ledger", "doctor", "--database", url])
    assert table.exit_code == 1 and "\x1b[31m" not in table.stdout
    assert head(engine)[0] == len(POISON) + 2  # nothing was rewritten or added
    # the CLI reads every record in every format
    for fmt in ("json", "csv", "table"):
        res = runner.invoke(app, ["ledger", "records", "--limit", "100", "--format", fmt, "--database", url])  # fmt: skip
        assert res.exit_code == 0, (fmt, res.output, res.exception)
        assert "\x1b[31m" not in res.stdout
    # the API: pages, single records, verify; the live feed's frames
    add_party(engine, "Observer")
    token = issue_token(engine, "Observer", TokenRole.observer)
    h = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(engine=engine)) as client:
        page = client.get("/v1/records", params={"limit": 100}, headers=h)
        assert page.status_code == 200
        rows = {r["seq"]: r for r in page.json()["records"]}
        for seq in poisoned:
            one = client.get(f"/v1/records/{seq}", headers=h)
            assert one.status_code == 200, one.text
            rec = get_record(engine, seq)
            assert rec is not None
            doc = one.json()
            assert "payload_problem" not in doc or doc["payload_text"] == rec.payload
            assert live_frame(rec, Principal("Observer", TokenRole.observer, 0)) is not None or (
                rec.kind != "event"
            )
        assert (
            rows[poisoned[0]]["payload"] is None
            and "64 bits" in rows[poisoned[0]]["payload_problem"]
        )
        assert rows[1]["payload"] == {"fine": 1}
        assert client.get("/v1/verify", headers=h).json()["ok"] is True


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"n": 2**64}, "64 bits"),
        ({"n": -(2**63) - 1}, "64 bits"),
        ({"x": float("inf")}, "finite"),
        ({"s": "a\x00b"}, "U+0000"),
        ({"s": "\x1b[2J"}, "U+001B"),
        ({"s": "\x9b"}, "U+009B"),
        ({"s": "\udc00"}, "surrogate"),
        ({"": 1}, "1..256"),
        ({"k\n": 1}, "U+000A"),
        ({"a": json.loads("[" * 40 + "0" + "]" * 40)}, "deeper"),
        ({"big": "x" * (1 << 20)}, "larger than"),
        ({"o": object()}, "not a JSON value"),
    ],
)
def test_payload_rules_name_what_and_where(value: dict[str, object], words: str) -> None:
    with pytest.raises(PayloadError, match=re.escape(words)):
        canonical_payload(value)


def test_what_passes_is_canonical_and_reads_back() -> None:
    value = {"b": [1, 2.5, None, True, "tab\tand\nline"], "a": {"z": -(2**63)}, "é": "ünï"}
    text = canonical_payload(value)
    assert stored_payload_problem(text) is None
    assert json.loads(text) == value
