"""The threat model, case by case: someone with write access to the database (but none of the
parties' or the operator's private keys) edits, deletes, reorders, inserts, cuts, forges, strips
signatures or swaps keys. Which check catches what: plain verify, verify with the operator's signed
checkpoints, verify with a published head (`--expect-head`). Every case is caught by checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from guarantor.api.app import create_app
from guarantor.ledger import signing
from guarantor.ledger.access import TokenRole, add_party, issue_token, register_key
from guarantor.ledger.canonical import record_hash, signing_bytes
from guarantor.ledger.chain import NewRecord, append, head, verify
from guarantor.ledger.checkpoints import add_checkpoint, read_checkpoints, sign_checkpoint
from guarantor.ledger.keys import KeyAction, key_payload
from guarantor.ledger.tables import GENESIS_HASH, chain_head, records

COLUMNS = ("kind", "party", "key", "payload", "refs", "signature", "recorded_at")


@dataclass
class World:
    engine: Engine
    keys: dict[str, Ed25519PrivateKey]
    operator: Ed25519PrivateKey
    published: str  # the head hash published at checkpoint time
    checkpoints: Path


def _signed(party: str, key: Ed25519PrivateKey, n: int) -> NewRecord:
    rec = NewRecord("act", party, {"act": "consultation_held", "n": n})
    return NewRecord(**{**rec.__dict__, "signature": signing.sign(key, rec.signing_bytes())})


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    keys = {"France": signing.generate_key(), "Germany": signing.generate_key()}
    for party, key in keys.items():
        add_party(engine, party)
        register_key(engine, party, key)  # records 1 and 2
    for n in range(10):  # records 3..12, signed
        party = "France" if n % 2 == 0 else "Germany"
        append(engine, [_signed(party, keys[party], n)])
    operator = signing.generate_key()
    seq, digest = head(engine)
    path = tmp_path / "checkpoints.jsonl"
    add_checkpoint(path, sign_checkpoint(seq, digest, "2026-12-01T00:00:00.000000+00:00", operator))
    assert verify(engine).ok
    return World(engine, keys, operator, digest, path)


def _rows(conn: Connection) -> list[dict[str, Any]]:
    cols = [getattr(records.c, c) for c in COLUMNS]
    return [
        dict(zip(COLUMNS, r, strict=True))
        for r in conn.execute(select(*cols).order_by(records.c.seq))
    ]


def _rewrite(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Replace the whole chain by these rows, numbered and hashed as the ledger would have."""
    conn.execute(delete(records))
    prev = GENESIS_HASH
    for seq, row in enumerate(rows, start=1):
        values = {**row, "seq": seq, "prev_hash": prev}
        values["hash"] = record_hash(**values)
        conn.execute(insert(records).values(**values))
        prev = values["hash"]
    conn.execute(update(chain_head).values(seq=len(rows), hash=prev))


def _resign(row: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    import json

    msg = signing_bytes(
        row["kind"], row["party"], row["key"], row["payload"], json.loads(row["refs"])
    )
    return {**row, "signature": signing.sign(key, msg)}


def payload_edit(conn: Connection, w: World) -> None:
    conn.execute(text("UPDATE records SET payload = :p WHERE seq = 5"), {"p": '{"act":"x","n":99}'})


def payload_edit_rehashed(conn: Connection, w: World) -> None:
    rows = _rows(conn)
    rows[4]["payload"] = '{"act":"consultation_held","n":99}'
    _rewrite(conn, rows)


def deletion(conn: Connection, w: World) -> None:
    conn.execute(text("DELETE FROM records WHERE seq = 6"))


def deletion_rehashed(conn: Connection, w: World) -> None:
    rows = _rows(conn)
    del rows[5]
    _rewrite(conn, rows)


def reorder_rehashed(conn: Connection, w: World) -> None:
    rows = _rows(conn)
    rows[4], rows[5] = rows[5], rows[4]
    _rewrite(conn, rows)


def insertion_rehashed(conn: Connection, w: World) -> None:
    rows = _rows(conn)
    forged = {"kind": "act", "party": "Nobody", "key": None, "payload": '{"act":"forged"}',
              "refs": "[]", "signature": None, "recorded_at": rows[5]["recorded_at"]}  # fmt: skip
    rows.insert(6, forged)
    _rewrite(conn, rows)


def tail_truncation(conn: Connection, w: World) -> None:
    rows = _rows(conn)
    _rewrite(conn, rows[:-2])


def forged_append(conn: Connection, w: World) -> None:
    rows = _rows(conn)
    rows.append(
        {**rows[-2], "payload": '{"act":"consultation_held","n":1000}'}
    )  # France's, signature reused
    _rewrite(conn, rows)


def signature_stripping(conn: Connection, w: World) -> None:
    rows = _rows(conn)
    rows[6]["signature"] = None
    _rewrite(conn, rows)


def key_swap_in_chain(conn: Connection, w: World) -> None:
    """France's registered key replaced by the attacker's, every France record re-signed with it."""
    import json

    attacker = signing.generate_key()
    rows = _rows(conn)
    for i, row in enumerate(rows):
        if row["party"] != "France":
            continue
        if row["kind"] == "party_key":
            row = {**row, "payload": json.dumps(key_payload(KeyAction.register, signing.public_key_b64(attacker)), sort_keys=True, separators=(",", ":"))}  # fmt: skip
        rows[i] = _resign(row, attacker)
    _rewrite(conn, rows)


def key_swap_in_head_table(conn: Connection, w: World) -> None:
    conn.execute(update(chain_head).values(hash="f" * 64))


CASES: dict[str, tuple[Callable[[Connection, World], None], tuple[bool, bool, bool]]] = {
    # case: (tamper, caught by (plain verify, with checkpoints, with --expect-head))
    "payload edit": (payload_edit, (True, True, True)),
    "payload edit, re-hashed": (payload_edit_rehashed, (True, True, True)),
    "deletion": (deletion, (True, True, True)),
    "deletion, renumbered and re-hashed": (deletion_rehashed, (False, True, True)),
    "reorder, re-hashed": (reorder_rehashed, (False, True, True)),
    "insertion mid-chain, re-hashed": (insertion_rehashed, (False, True, True)),
    "tail truncation": (tail_truncation, (False, True, True)),
    "forged append": (forged_append, (True, True, True)),
    "signature stripping, re-hashed": (signature_stripping, (True, True, True)),
    "key swap in the chain, re-signed and re-hashed": (key_swap_in_chain, (False, True, True)),
    "chain head table edited": (key_swap_in_head_table, (True, True, True)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_threat_model(world: World, case: str) -> None:
    tamper, expected = CASES[case]
    with world.engine.begin() as conn:
        tamper(conn, world)
    plain = verify(world.engine)
    anchored = verify(
        world.engine,
        checkpoints=read_checkpoints(world.checkpoints),
        operator_key=signing.public_key_b64(world.operator),
    )
    published = verify(world.engine, expect_head=world.published)
    assert (not plain.ok, not anchored.ok, not published.ok) == expected, (
        plain.problems,
        anchored.problems,
    )


def test_every_case_is_caught_by_checkpoints_and_the_figures() -> None:
    plain = sum(c[1][0] for c in CASES.values())
    anchored = sum(c[1][1] for c in CASES.values())
    published = sum(c[1][2] for c in CASES.values())
    assert (len(CASES), plain, anchored, published) == (11, 6, 11, 11)


def test_a_forged_checkpoint_file_is_not_trusted(world: World) -> None:
    forger = signing.generate_key()
    add_checkpoint(
        world.checkpoints, sign_checkpoint(3, "0" * 64, "2026-12-02T00:00:00.000000+00:00", forger)
    )
    cps = read_checkpoints(world.checkpoints)
    assert verify(world.engine, checkpoints=cps[:1]).ok
    # pinned to the operator's key, the forger's checkpoint is reported and not used
    report = verify(
        world.engine, checkpoints=cps, operator_key=signing.public_key_b64(world.operator)
    )
    assert [p.what for p in report.problems] == ["checkpoint"]
    assert "another key" in report.problems[0].message


def test_keys_are_read_from_the_chain_and_nothing_else(world: World) -> None:
    with world.engine.connect() as conn:
        columns = {c["name"] for c in __import__("sqlalchemy").inspect(conn).get_columns("parties")}
    assert "public_key" not in columns  # no mutable table holds a key
    # a party with a key must sign: unsigned writes are refused, so are signatures by other keys
    with pytest.raises(Exception, match="unsigned"):
        append(world.engine, [NewRecord("act", "France", {"act": "x"})])
    with pytest.raises(Exception, match="does not verify"):
        append(world.engine, [_signed("France", world.keys["Germany"], 1)])


def test_a_token_swapped_to_another_party_cannot_write_as_it(world: World) -> None:
    add_party(world.engine, "Attacker")
    token = issue_token(world.engine, "Attacker", TokenRole.guarantor)
    with world.engine.begin() as conn:  # the tokens table edited: the attacker's token is France's
        conn.execute(text("UPDATE tokens SET party = 'France' WHERE party = 'Attacker'"))
    before = head(world.engine)
    with TestClient(create_app(engine=world.engine)) as client:
        r = client.post(
            "/v1/acts",
            json={"party": "France", "act": "consultation_requested"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 422 and "unsigned" in r.json()["detail"]
    assert head(world.engine) == before


def test_rotation_and_revocation_are_chained_and_checked(world: World) -> None:
    from guarantor.ledger.access import revoke_key, rotate_key

    new = signing.generate_key()
    rotate_key(world.engine, "France", world.keys["France"], new)
    with pytest.raises(Exception, match="does not verify"):
        append(world.engine, [_signed("France", world.keys["France"], 50)])  # the old key
    append(world.engine, [_signed("France", new, 51)])
    with pytest.raises(Exception, match="without a valid signature"):
        rotate_key(world.engine, "France", world.keys["France"], signing.generate_key())
    revoke_key(world.engine, "France", new)
    append(world.engine, [NewRecord("act", "France", {"act": "unsigned again"})])
    report = verify(world.engine)
    assert report.ok, report.problems
    # verify checks each record against the key held at that point: the old key's records stay valid
    assert report.signatures_checked == 2 + 10 + 1 + 1 + 1
