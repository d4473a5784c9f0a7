"""Tampering directly in the database: verify names the first bad record for each kind of edit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, Engine, text

from guarantor.ledger.canonical import record_hash
from guarantor.ledger.chain import NewRecord, append, get_record, verify


def _modify(conn: Connection) -> None:
    conn.execute(text("UPDATE records SET payload = :p WHERE seq = 5"), {"p": '{"n":99}'})


def _modify_and_rehash(conn: Connection) -> None:
    row = conn.execute(
        text(
            "SELECT kind, party, key, refs, signature, recorded_at, prev_hash FROM records WHERE seq = 5"
        )
    ).one()
    payload = '{"n":99}'
    digest = record_hash(
        seq=5, kind=row[0], party=row[1], key=row[2], payload=payload, refs=row[3],
        signature=row[4], recorded_at=row[5], prev_hash=row[6],
    )  # fmt: skip
    conn.execute(
        text("UPDATE records SET payload = :p, hash = :h WHERE seq = 5"),
        {"p": payload, "h": digest},
    )


def _delete_middle(conn: Connection) -> None:
    conn.execute(text("DELETE FROM records WHERE seq = 5"))


def _delete_last(conn: Connection) -> None:
    conn.execute(text("DELETE FROM records WHERE seq = 10"))


def _delete_and_renumber(conn: Connection) -> None:
    conn.execute(text("DELETE FROM records WHERE seq = 5"))
    conn.execute(text("UPDATE records SET seq = seq + 1000 WHERE seq > 5"))
    conn.execute(text("UPDATE records SET seq = seq - 1001 WHERE seq > 1000"))
    conn.execute(text("UPDATE chain_head SET seq = 9"))


def _reorder(conn: Connection) -> None:
    conn.execute(text("UPDATE records SET seq = -1 WHERE seq = 4"))
    conn.execute(text("UPDATE records SET seq = 4 WHERE seq = 6"))
    conn.execute(text("UPDATE records SET seq = 6 WHERE seq = -1"))


def _insert_middle(conn: Connection) -> None:
    prev = conn.execute(text("SELECT hash FROM records WHERE seq = 4")).scalar_one()
    conn.execute(text("UPDATE records SET seq = seq + 1000 WHERE seq >= 5"))
    conn.execute(text("UPDATE records SET seq = seq - 999 WHERE seq > 1000"))
    values = {"seq": 5, "kind": "act", "party": "France", "key": None, "payload": '{"n":"forged"}', "refs": "[]",
              "signature": None, "recorded_at": "2026-01-01T00:00:00.000000+00:00", "prev_hash": prev}  # fmt: skip
    values["hash"] = record_hash(**values)
    conn.execute(
        text(
            "INSERT INTO records (seq, kind, party, key, payload, refs, signature, recorded_at, prev_hash, hash) "
            "VALUES (:seq, :kind, :party, :key, :payload, :refs, :signature, :recorded_at, :prev_hash, :hash)"
        ),
        values,
    )
    conn.execute(text("UPDATE chain_head SET seq = 11"))


def _insert_at_end(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO records (seq, kind, party, key, payload, refs, signature, recorded_at, prev_hash, hash) "
            "SELECT 11, kind, party, NULL, payload, refs, signature, recorded_at, hash, hash FROM records WHERE seq = 10"
        )
    )


CASES: dict[str, tuple[Callable[[Connection], None], int, str]] = {
    "modified": (_modify, 5, "modified"),
    "modified-and-rehashed": (_modify_and_rehash, 5, "modified"),
    "deleted": (_delete_middle, 5, "deleted"),
    "deleted-last": (_delete_last, 10, "deleted"),
    "deleted-and-renumbered": (_delete_and_renumber, 5, "deleted"),
    "reordered": (_reorder, 4, "reordered"),
    "inserted": (_insert_middle, 5, "inserted"),
    "inserted-at-end": (_insert_at_end, 11, "inserted"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_verify_names_the_first_bad_record(engine: Engine, case: str) -> None:
    append(engine, [NewRecord("act", "France", {"n": i}) for i in range(1, 11)])
    assert verify(engine).ok
    tamper, seq, what = CASES[case]
    with engine.begin() as conn:
        tamper(conn)
    report = verify(engine)
    assert not report.ok
    first = report.first_bad
    assert first is not None
    assert (first.seq, first.what) == (seq, what), report.problems


def test_corrections_are_new_records_and_the_old_one_stays(engine: Engine) -> None:
    old = append(engine, [NewRecord("commitment", "Italy", {"value_eur": "10"})]).appended[0]
    new = append(
        engine,
        [
            NewRecord(
                "commitment", "Italy", {"value_eur": "12", "supersedes": old.seq}, refs=(old.seq,)
            )
        ],
    )
    assert new.appended[0].ref_list() == [old.seq]
    assert get_record(engine, old.seq) == old
    assert verify(engine).ok


def test_expected_head_catches_a_rewritten_tail(engine: Engine) -> None:
    append(engine, [NewRecord("act", "France", {"n": i}) for i in range(3)])
    published = verify(engine).head_hash
    assert verify(engine, expect_head=published).ok
    append(engine, [NewRecord("act", "France", {"n": 3})])
    report = verify(engine, expect_head=published)
    assert not report.ok and report.problems[-1].what == "head"
