"""The hash chain: appends, idempotent keys, concurrent writers, signatures."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import Engine

from guarantor.errors import UserError
from guarantor.ledger import signing
from guarantor.ledger.access import add_party, register_key
from guarantor.ledger.chain import LedgerConflict, NewRecord, append, head, list_records, verify
from guarantor.ledger.tables import GENESIS_HASH


def test_append_links_each_record_to_the_one_before(engine: Engine) -> None:
    result = append(
        engine, [NewRecord("act", "France", {"act": "consultation_held", "n": i}) for i in range(5)]
    )
    recs = result.appended
    assert [r.seq for r in recs] == [1, 2, 3, 4, 5]
    assert recs[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(recs))
    assert head(engine) == (5, recs[-1].hash)
    assert all(r.computed_hash() == r.hash for r in recs)
    report = verify(engine)
    assert report.ok and report.records == 5


def test_keyed_record_is_idempotent_and_refuses_other_content(engine: Engine) -> None:
    first = append(engine, [NewRecord("commitment", "Germany", {"v": "1"}, key="k1")])
    again = append(engine, [NewRecord("commitment", "Germany", {"v": "1"}, key="k1")])
    assert not again.appended and again.existing[0].seq == first.appended[0].seq
    with pytest.raises(LedgerConflict, match="k1"):
        append(engine, [NewRecord("commitment", "Germany", {"v": "2"}, key="k1")])
    assert head(engine)[0] == 1


def test_references_must_point_to_existing_records(engine: Engine) -> None:
    append(engine, [NewRecord("act", "France", {})])
    with pytest.raises(UserError, match="does not exist"):
        append(engine, [NewRecord("act", "France", {}, refs=(7,))])


def test_payload_without_canonical_form_is_refused(engine: Engine) -> None:
    with pytest.raises(UserError, match=r"payload\.x: nan is not a finite number"):
        append(engine, [NewRecord("event", "Monitor", {"x": float("nan")})])
    with pytest.raises(UserError, match="lone surrogate"):
        append(engine, [NewRecord("event", "Monitor", {"x": "\ud800"})])
    assert head(engine)[0] == 0


@pytest.mark.slow
def test_twenty_concurrent_writers_lose_and_duplicate_nothing(engine: Engine) -> None:
    # each writer appends its first 100 records one per transaction (the most contention on the
    # chain lock), the other 900 in transactions of 50
    writers, per_writer, singles, batch = 20, 1000, 100, 50
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def work(w: int) -> None:
        try:
            start.wait()
            bounds = [*range(singles + 1), *range(singles + batch, per_writer + 1, batch)]
            for lo, hi in itertools.pairwise(bounds):
                append(
                    engine,
                    [NewRecord("event", f"writer-{w}", {"w": w, "i": i}) for i in range(lo, hi)],
                )
        except BaseException as exc:  # reported below, with the writer's traceback
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    seen: set[tuple[int, int]] = set()
    after = 0
    while page := list_records(engine, after=after, limit=5000):
        for rec in page:
            data = rec.data()
            seen.add((data["w"], data["i"]))
        after = page[-1].seq
    assert after == writers * per_writer
    assert len(seen) == writers * per_writer
    report = verify(engine)
    assert report.ok, report.problems[:3]
    assert report.records == writers * per_writer


def test_signed_records_verify_and_forged_signatures_are_refused(engine: Engine) -> None:
    key = signing.generate_key()
    add_party(engine, "Poland")
    register_key(engine, "Poland", key)
    rec = NewRecord("commitment", "Poland", {"value_eur": "1000"})
    signed = NewRecord(**{**rec.__dict__, "signature": signing.sign(key, rec.signing_bytes())})
    append(engine, [signed])
    other = signing.generate_key()
    forged = NewRecord(**{**rec.__dict__, "signature": signing.sign(other, rec.signing_bytes())})
    with pytest.raises(UserError, match="signature"):
        append(engine, [forged])
    report = verify(engine)
    assert report.ok and report.signatures_checked == 2  # the registration and the commitment
    # the key registration itself is in the chain
    assert [r.kind for r in list_records(engine)] == ["party_key", "commitment"]


def test_signature_of_unregistered_party_is_refused(engine: Engine) -> None:
    key = signing.generate_key()
    rec = NewRecord("commitment", "Nobody", {"v": 1})
    with pytest.raises(UserError, match="holds no key"):
        append(
            engine,
            [NewRecord(**{**rec.__dict__, "signature": signing.sign(key, rec.signing_bytes())})],
        )
