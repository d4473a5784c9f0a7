"""Appending records to the hash chain under a lock, and verifying the chain end to end."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from guarantor.errors import UserError
from guarantor.ledger import signing
from guarantor.ledger.canonical import canonical_json, record_hash, signing_bytes
from guarantor.ledger.database import IMMEDIATE, is_sqlite
from guarantor.ledger.tables import GENESIS_HASH, chain_head, parties, records

MAX_KEY = 300
MAX_KIND = 64
MAX_PARTY = 128


class LedgerConflict(UserError):
    """A write that contradicts what the ledger already holds (e.g. a key reused with other content)."""


@dataclass(frozen=True)
class NewRecord:
    """A record to append: what it is, whose it is, what it says, what it refers to."""

    kind: str
    party: str
    payload: Mapping[str, Any]
    refs: tuple[int, ...] = ()
    key: str | None = None
    signature: str | None = None

    def payload_text(self) -> str:
        """The payload's canonical JSON text."""
        return canonical_json(self.payload)

    def signing_bytes(self) -> bytes:
        """The bytes the party signs for this record."""
        return signing_bytes(self.kind, self.party, self.key, self.payload_text(), self.refs)


@dataclass(frozen=True)
class StoredRecord:
    """A record as stored in the chain."""

    seq: int
    kind: str
    party: str
    key: str | None
    payload: str
    refs: str
    signature: str | None
    recorded_at: str
    prev_hash: str
    hash: str

    def data(self) -> Any:
        """The payload as a Python object."""
        return json.loads(self.payload)

    def ref_list(self) -> list[int]:
        """The referenced seqs."""
        return [int(r) for r in json.loads(self.refs)]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the record."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "party": self.party,
            "key": self.key,
            "payload": self.data(),
            "refs": self.ref_list(),
            "signature": self.signature,
            "recorded_at": self.recorded_at,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    def computed_hash(self, seq: int | None = None) -> str:
        """The hash this record's stored content gives (optionally as if it sat at another seq)."""
        return record_hash(
            seq=self.seq if seq is None else seq,
            kind=self.kind,
            party=self.party,
            key=self.key,
            payload=self.payload,
            refs=self.refs,
            signature=self.signature,
            recorded_at=self.recorded_at,
            prev_hash=self.prev_hash,
        )


RECORD_COLUMNS = (
    records.c.seq,
    records.c.kind,
    records.c.party,
    records.c.key,
    records.c.payload,
    records.c.refs,
    records.c.signature,
    records.c.recorded_at,
    records.c.prev_hash,
    records.c.hash,
)


def row_to_record(row: Any) -> StoredRecord:
    """A StoredRecord from a result row selected with RECORD_COLUMNS."""
    return StoredRecord(*row)


def utc_now_text() -> str:
    """The current UTC time as ISO 8601 with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class AppendResult:
    """What an append did: the records it added and those already present under the same keys."""

    appended: list[StoredRecord] = field(default_factory=list)
    existing: list[StoredRecord] = field(default_factory=list)
    outcomes: list[tuple[StoredRecord, bool]] = field(
        default_factory=list
    )  # per item, in order: (record, created)


def _check_shape(item: NewRecord) -> None:
    if not item.kind or len(item.kind) > MAX_KIND:
        raise UserError(f"record kind must be 1..{MAX_KIND} characters")
    if not item.party or len(item.party) > MAX_PARTY:
        raise UserError(f"record party must be 1..{MAX_PARTY} characters")
    if item.key is not None and (not item.key or len(item.key) > MAX_KEY):
        raise UserError(f"record key must be 1..{MAX_KEY} characters")


def read_head(conn: Connection, *, lock: bool = False) -> tuple[int, str]:
    """The chain head (last seq, its hash); with `lock`, take the chain lock first (a row lock on
    PostgreSQL; on SQLite the writer connection already holds the write lock)."""
    stmt = select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)
    if lock and conn.dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).one()
    return int(row[0]), str(row[1])


def writer(engine: Engine) -> Connection:
    """A connection whose transactions take the write lock at BEGIN on SQLite."""
    conn = engine.connect()
    if is_sqlite(engine):
        conn = conn.execution_options(**{IMMEDIATE: True})
    return conn


def append(
    engine: Engine,
    items: Sequence[NewRecord],
    *,
    clock: Callable[[], str] = utc_now_text,
) -> AppendResult:
    """Append records in one transaction, each chained to the one before; keyed records are idempotent."""
    for item in items:
        _check_shape(item)
    prepared = [(item, item.payload_text()) for item in items]
    with writer(engine) as conn, conn.begin():
        return append_locked(conn, prepared, clock=clock)


def append_locked(
    conn: Connection,
    prepared: Sequence[tuple[NewRecord, str]],
    *,
    clock: Callable[[], str] = utc_now_text,
) -> AppendResult:
    """Append inside an open transaction on a writer connection (the chain lock is taken here)."""
    seq, prev = read_head(conn, lock=True)
    result = AppendResult()
    keys = [item.key for item, _ in prepared if item.key is not None]
    existing: dict[str, StoredRecord] = {}
    for chunk_start in range(0, len(keys), 500):
        chunk = keys[chunk_start : chunk_start + 500]
        for row in conn.execute(select(*RECORD_COLUMNS).where(records.c.key.in_(chunk))):
            rec = row_to_record(row)
            assert rec.key is not None
            existing[rec.key] = rec
    signers = _public_keys(conn, {item.party for item, _ in prepared if item.signature})
    rows: list[dict[str, Any]] = []
    recorded_at = clock()
    for item, payload in prepared:
        if item.key is not None and item.key in existing:
            old = existing[item.key]
            if (old.kind, old.party, old.payload) != (item.kind, item.party, payload):
                raise LedgerConflict(
                    f"key {item.key!r} is already used by record {old.seq} with other content; "
                    "append a correction that references it instead"
                )
            result.existing.append(old)
            result.outcomes.append((old, False))
            continue
        for ref in item.refs:
            if ref < 1 or ref > seq:
                raise UserError(f"reference to record {ref}, which does not exist (last is {seq})")
        if item.signature is not None:
            public = signers.get(item.party)
            if public is None:
                raise UserError(
                    f"party {item.party!r} has no public key registered; cannot check its signature"
                )
            if not signing.is_valid(public, item.signature, item.signing_bytes()):
                raise UserError(f"signature of party {item.party!r} does not match the record")
        seq += 1
        refs_text = canonical_json(list(item.refs))
        digest = record_hash(
            seq=seq,
            kind=item.kind,
            party=item.party,
            key=item.key,
            payload=payload,
            refs=refs_text,
            signature=item.signature,
            recorded_at=recorded_at,
            prev_hash=prev,
        )
        values: dict[str, Any] = {
            "seq": seq,
            "kind": item.kind,
            "party": item.party,
            "key": item.key,
            "payload": payload,
            "refs": refs_text,
            "signature": item.signature,
            "recorded_at": recorded_at,
            "prev_hash": prev,
            "hash": digest,
        }
        rows.append(values)
        stored = StoredRecord(**values)
        if item.key is not None:
            existing[item.key] = stored
        result.appended.append(stored)
        result.outcomes.append((stored, True))
        prev = digest
    if rows:
        conn.execute(insert(records), rows)
        conn.execute(update(chain_head).where(chain_head.c.id == 1).values(seq=seq, hash=prev))
    return result


def _public_keys(conn: Connection, names: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rows = conn.execute(
        select(parties.c.name, parties.c.public_key).where(parties.c.name.in_(wanted))
    )
    return {str(name): str(key) for name, key in rows if key}


def head(engine: Engine) -> tuple[int, str]:
    """The chain head: last seq and its hash."""
    with engine.connect() as conn:
        return read_head(conn)


def get_record(engine: Engine, seq: int) -> StoredRecord | None:
    """One record by its seq."""
    with engine.connect() as conn:
        row = conn.execute(select(*RECORD_COLUMNS).where(records.c.seq == seq)).first()
    return None if row is None else row_to_record(row)


def list_records(
    engine: Engine,
    *,
    kind: str | None = None,
    party: str | None = None,
    after: int = 0,
    limit: int = 100,
) -> list[StoredRecord]:
    """Records in chain order after a seq (cursor pagination), optionally of one kind or party."""
    stmt = select(*RECORD_COLUMNS).where(records.c.seq > after)
    if kind is not None:
        stmt = stmt.where(records.c.kind == kind)
    if party is not None:
        stmt = stmt.where(records.c.party == party)
    stmt = stmt.order_by(records.c.seq).limit(limit)
    with engine.connect() as conn:
        return [row_to_record(r) for r in conn.execute(stmt)]


def iter_records(
    engine: Engine, kinds: Sequence[str] | None = None, *, after: int = 0
) -> list[StoredRecord]:
    """All records after a seq (optionally of some kinds) in chain order."""
    stmt = select(*RECORD_COLUMNS)
    if after:
        stmt = stmt.where(records.c.seq > after)
    if kinds is not None:
        stmt = stmt.where(records.c.kind.in_(list(kinds)))
    with engine.connect() as conn:
        return [row_to_record(r) for r in conn.execute(stmt.order_by(records.c.seq))]


@dataclass(frozen=True)
class ChainProblem:
    """One thing wrong with the chain, at a record."""

    seq: int
    what: str  # modified | deleted | inserted | reordered | signature | head
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {"seq": self.seq, "what": self.what, "message": self.message}


@dataclass
class VerifyReport:
    """The outcome of walking the chain."""

    records: int
    head_seq: int
    head_hash: str
    signatures_checked: int
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    @property
    def first_bad(self) -> ChainProblem | None:
        """The problem at the lowest seq."""
        return min(self.problems, key=lambda p: p.seq) if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        first = self.first_bad
        return {
            "ok": self.ok,
            "records": self.records,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "signatures_checked": self.signatures_checked,
            "first_bad": None if first is None else first.as_dict(),
            "problems": [p.as_dict() for p in self.problems],
        }


MAX_PROBLEMS = 100


def verify(engine: Engine, *, expect_head: str | None = None) -> VerifyReport:
    """Walk the chain, recompute every hash and link and signature, and report what is wrong and where."""
    with engine.connect() as conn, conn.begin():
        head_seq, head_hash = read_head(conn)
        # First pass: where each stored hash sits, to tell a reordered or inserted record from a modified one.
        position: dict[str, int] = {}
        for seq_value, digest in conn.execution_options(yield_per=10_000).execute(
            select(records.c.seq, records.c.hash).order_by(records.c.seq)
        ):
            position[str(digest)] = int(seq_value)
        keys = {
            str(n): str(k)
            for n, k in conn.execute(select(parties.c.name, parties.c.public_key))
            if k
        }
        problems: list[ChainProblem] = []
        expected = 1
        prev = GENESIS_HASH
        count = 0
        signatures = 0
        result = conn.execution_options(yield_per=5_000).execute(
            select(*RECORD_COLUMNS).order_by(records.c.seq)
        )
        for row in result:
            rec = row_to_record(row)
            count += 1
            if len(problems) >= MAX_PROBLEMS:
                break
            if rec.seq > head_seq:
                problems.append(
                    ChainProblem(
                        rec.seq,
                        "inserted",
                        f"record {rec.seq} lies beyond the chain head ({head_seq})",
                    )
                )
                break
            if rec.seq > expected:
                gap = f"{expected}" if rec.seq == expected + 1 else f"{expected}..{rec.seq - 1}"
                problems.append(
                    ChainProblem(
                        expected, "deleted", f"record(s) {gap} missing: deleted from the database"
                    )
                )
            problems.extend(_check_record(rec, prev, position))
            if rec.signature is not None:
                signatures += 1
                public = keys.get(rec.party)
                msg = signing_bytes(rec.kind, rec.party, rec.key, rec.payload, json.loads(rec.refs))
                if public is None or not signing.is_valid(public, rec.signature, msg):
                    problems.append(
                        ChainProblem(
                            rec.seq,
                            "signature",
                            f"record {rec.seq}: signature of {rec.party!r} does not verify",
                        )
                    )
            prev = rec.hash
            expected = rec.seq + 1
        last_seq = expected - 1
        if head_seq > last_seq:
            problems.append(
                ChainProblem(
                    last_seq + 1,
                    "deleted",
                    f"record(s) {last_seq + 1}..{head_seq} missing at the end of the chain",
                )
            )
        elif head_seq == last_seq and head_hash != prev:
            problems.append(
                ChainProblem(
                    max(last_seq, 1), "head", "the chain head's hash does not match the last record"
                )
            )
        if expect_head is not None and expect_head != head_hash:
            problems.append(
                ChainProblem(
                    max(head_seq, 1),
                    "head",
                    f"chain head {head_hash} is not the expected {expect_head}",
                )
            )
    return VerifyReport(count, head_seq, head_hash, signatures, problems)


RENUMBER_WINDOW = 64  # how far back a renumbered record's original seq is searched for


def _check_record(rec: StoredRecord, prev: str, position: dict[str, int]) -> list[ChainProblem]:
    computed = rec.computed_hash()
    link_ok = rec.prev_hash == prev
    if computed == rec.hash and link_ok:
        return []
    label = f"record {rec.seq} ({rec.kind}, {rec.party})"
    back = 0 if rec.prev_hash == GENESIS_HASH else position.get(rec.prev_hash)
    if computed != rec.hash:
        # The seq is part of the hash: find where the record was written to tell a move from an edit.
        if back is not None and rec.computed_hash(back + 1) == rec.hash:
            original = back + 1
            if original > rec.seq:
                return [
                    ChainProblem(
                        rec.seq,
                        "reordered",
                        f"{label} was written as record {original}: records reordered",
                    )
                ]
            return [
                ChainProblem(
                    original,
                    "inserted",
                    f"{label} was written as record {original}: record(s) {original}..{rec.seq - 1} inserted before it",
                )
            ]
        if back is None:
            for shift in range(1, RENUMBER_WINDOW + 1):
                if rec.computed_hash(rec.seq + shift) == rec.hash:
                    return [
                        ChainProblem(
                            rec.seq,
                            "deleted",
                            f"{label} was written as record {rec.seq + shift}: {shift} record(s) before it "
                            "deleted and the rest renumbered",
                        )
                    ]
        return [
            ChainProblem(
                rec.seq, "modified", f"{label} does not match its hash: modified in the database"
            )
        ]
    # The record is self-consistent but does not link to the one before it.
    if back is None:
        return [
            ChainProblem(
                rec.seq - 1,
                "modified",
                f"record {rec.seq - 1} is not the record that {label} was chained to: "
                "replaced or modified and re-hashed",
            )
        ]
    return [
        ChainProblem(
            back + 1,
            "inserted",
            f"{label} was chained to record {back}: record(s) inserted before it",
        )
    ]
