"""Appending records to the hash chain under a lock, and verifying the chain end to end."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from guarantor.errors import UserError
from guarantor.ledger.canonical import canonical_json, record_hash, signing_bytes
from guarantor.ledger.checkpoints import Checkpoint, trusted
from guarantor.ledger.database import IMMEDIATE, is_sqlite
from guarantor.ledger.keys import PARTY_KEY, KeyState
from guarantor.ledger.payload import (
    MAX_KEY,
    MAX_PARTY,
    MAX_SIGNATURE,
    PayloadError,
    canonical_payload,
    check_kind,
    check_name,
    read_payload,
)
from guarantor.ledger.tables import GENESIS_HASH, chain_head, records


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
        """The payload's canonical JSON text, once every rule of `guarantor.ledger.payload` holds."""
        return canonical_payload(self.payload)

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
        """The payload as a Python object (None when it breaks the rules: see `as_dict`)."""
        return read_payload(self.payload)[0]

    def ref_list(self) -> list[int]:
        """The referenced seqs (those that are not seqs are left out: see `verify`)."""
        try:
            refs = json.loads(self.refs)
        except ValueError:
            return []
        if not isinstance(refs, list):
            return []
        return [r for r in refs if type(r) is int and 0 < r <= MAX_SEQ]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view of the record that every encoder can write.

        A payload that breaks the rules (written before them, or edited in the database) is given
        as `payload: null` with `payload_problem` (why) and `payload_text` (the stored text, which
        is what the hash covers), never as an error.
        """
        payload, problem = read_payload(self.payload)
        out = {
            "seq": self.seq,
            "kind": self.kind,
            "party": self.party,
            "key": self.key,
            "payload": payload,
            "refs": self.ref_list(),
            "signature": self.signature,
            "recorded_at": self.recorded_at,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
        if problem is not None:
            out["payload_problem"] = problem
            out["payload_text"] = self.payload
        return out

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


MAX_SEQ = 2**53  # JSON-safe; far above any real ledger


def check_record(item: NewRecord) -> str:
    """Check a record's names, references and signature form; its canonical payload text."""
    check_kind(item.kind)
    check_name(item.party, "party", MAX_PARTY)
    if item.key is not None:
        check_name(item.key, "key", MAX_KEY)
    if len(item.refs) > 64:
        raise PayloadError("a record refers to at most 64 others")
    for ref in item.refs:
        if type(ref) is not int or not 1 <= ref <= MAX_SEQ:
            raise PayloadError(f"reference {ref!r} is not a record seq")
    if item.signature is not None:
        _check_signature_form(item.signature)
    return item.payload_text()


def _check_signature_form(signature: str) -> None:
    if not isinstance(signature, str) or not 1 <= len(signature) <= MAX_SIGNATURE:
        raise PayloadError("a signature is base64 text of an Ed25519 signature (88 characters)")
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError("the signature is not base64 text") from None
    if len(raw) != 64:
        raise PayloadError("the signature is not an Ed25519 signature (64 bytes)")


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
    prepared = [(item, check_record(item)) for item in items]
    with writer(engine) as conn, conn.begin():
        result = append_locked(conn, prepared, clock=clock)
    if result.appended:
        _KEYS.committed(engine, result)
    return result


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
    held = _KEYS.state(conn, seq, prev)
    if any(item.kind == PARTY_KEY for item, _ in prepared):
        held = held.copy()
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
        problem = held.problem(item.kind, item.party, item.key, payload, item.refs, item.signature)
        if problem is not None:
            raise UserError(f"the {item.kind} record of {item.party!r} {problem.text}")
        seq += 1
        held.apply(seq, item.kind, item.party, payload)
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


def key_state(conn: Connection, *, upto: int | None = None) -> KeyState:
    """The keys the chain's `party_key` records give each party (up to a seq)."""
    stmt = select(records.c.seq, records.c.party, records.c.payload).where(
        records.c.kind == PARTY_KEY
    )
    if upto is not None:
        stmt = stmt.where(records.c.seq <= upto)
    state = KeyState()
    for seq, party, payload in conn.execute(stmt.order_by(records.c.seq)):
        state.apply(int(seq), PARTY_KEY, str(party), str(payload))
    return state


class _KeyCache:
    """The key state per engine at a known head, so that an append need not re-read key records.

    Valid only while the head it was taken at is the head the writer finds under the chain lock:
    any other write (another process, `append_locked` inside a caller's transaction) moves the
    head, and the state is then read again from the chain.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_engine: weakref.WeakKeyDictionary[Engine, tuple[int, str, KeyState]] = (
            weakref.WeakKeyDictionary()
        )

    def state(self, conn: Connection, seq: int, head_hash: str) -> KeyState:
        """The key state at this head (read from the chain unless cached at exactly this head)."""
        with self._lock:
            hit = self._by_engine.get(conn.engine)
        if hit is not None and hit[:2] == (seq, head_hash):
            return hit[2]
        state = key_state(conn, upto=seq)
        with self._lock:
            self._by_engine[conn.engine] = (seq, head_hash, state)
        return state

    def committed(self, engine: Engine, result: AppendResult) -> None:
        """Move the cached state past records this process has just committed."""
        first, last = result.appended[0], result.appended[-1]
        with self._lock:
            hit = self._by_engine.get(engine)
            if hit is None or hit[:2] != (first.seq - 1, first.prev_hash):
                return
            state = hit[2]
            if any(r.kind == PARTY_KEY for r in result.appended):
                state = state.copy()
                for r in result.appended:
                    state.apply(r.seq, r.kind, r.party, r.payload)
            self._by_engine[engine] = (last.seq, last.hash, state)


_KEYS = _KeyCache()


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


class ProblemKind(StrEnum):
    """What is wrong with the chain at a record."""

    modified = "modified"  # content does not match its hash, or re-hashed after a change
    deleted = "deleted"  # record(s) missing
    inserted = "inserted"  # record(s) that were not written by the ledger
    reordered = "reordered"  # a record moved to another seq
    signature = "signature"  # a signature that does not verify against the key held then
    unsigned = "unsigned"  # a record of a party that held a key, without a signature
    head = "head"  # the chain head disagrees with the last record or with the expected head
    checkpoint = "checkpoint"  # a signed checkpoint no longer matches the chain
    truncated = "truncated"  # the chain is shorter than a signed checkpoint says it was


@dataclass(frozen=True)
class ChainProblem:
    """One thing wrong with the chain, at a record."""

    seq: int
    what: ProblemKind
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {"seq": self.seq, "what": self.what.value, "message": self.message}


@dataclass
class VerifyReport:
    """The outcome of walking the chain."""

    records: int
    head_seq: int
    head_hash: str
    signatures_checked: int
    problems: list[ChainProblem]
    checkpoints_checked: int = 0

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
            "checkpoints_checked": self.checkpoints_checked,
            "first_bad": None if first is None else first.as_dict(),
            "problems": [p.as_dict() for p in self.problems],
        }


MAX_PROBLEMS = 100


def verify(
    engine: Engine,
    *,
    expect_head: str | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    operator_key: str | None = None,
) -> VerifyReport:
    """Walk the chain: every hash, link and signature (against the key the chain held at that
    record), and every checkpoint (signed by the operator's key, when given); report what is
    wrong and where."""
    checkpoints, untrusted = trusted(checkpoints, operator_key)
    at: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:
        at.setdefault(cp.seq, []).append(cp)
    with engine.connect() as conn, conn.begin():
        head_seq, head_hash = read_head(conn)
        # First pass: where each stored hash sits, to tell a reordered or inserted record from a modified one.
        position: dict[str, int] = {}
        for seq_value, digest in conn.execution_options(yield_per=10_000).execute(
            select(records.c.seq, records.c.hash).order_by(records.c.seq)
        ):
            position[str(digest)] = int(seq_value)
        problems = [
            ChainProblem(
                max(cp.seq, 1),
                ProblemKind.checkpoint,
                f"the checkpoint of record {cp.seq} signed at {cp.signed_at} {why}",
            )
            for cp, why in untrusted
        ]
        keys = KeyState()
        expected = 1
        prev = GENESIS_HASH
        count = 0
        signatures = 0
        matched = 0
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
                        ProblemKind.inserted,
                        f"record {rec.seq} lies beyond the chain head ({head_seq})",
                    )
                )
                break
            if rec.seq > expected:
                gap = f"{expected}" if rec.seq == expected + 1 else f"{expected}..{rec.seq - 1}"
                problems.append(
                    ChainProblem(
                        expected,
                        ProblemKind.deleted,
                        f"record(s) {gap} missing: deleted from the database",
                    )
                )
            problems.extend(_check_record(rec, prev, position))
            signatures += rec.signature is not None
            problem = keys.problem(
                rec.kind, rec.party, rec.key, rec.payload, _refs_for_signing(rec), rec.signature
            )
            if problem is not None:
                what = ProblemKind.unsigned if problem.unsigned else ProblemKind.signature
                problems.append(
                    ChainProblem(
                        rec.seq, what, f"record {rec.seq} ({rec.kind}, {rec.party}) {problem.text}"
                    )
                )
            keys.apply(rec.seq, rec.kind, rec.party, rec.payload)
            for cp in at.get(rec.seq, ()):
                matched += 1
                if cp.hash != rec.hash:
                    problems.append(
                        ChainProblem(
                            rec.seq,
                            ProblemKind.checkpoint,
                            f"record {rec.seq} has hash {rec.hash[:16]}…, but the checkpoint signed "
                            f"at {cp.signed_at} says {cp.hash[:16]}…: the chain was rewritten at or "
                            f"before record {rec.seq}",
                        )
                    )
            prev = rec.hash
            expected = rec.seq + 1
        last_seq = expected - 1
        if head_seq > last_seq:
            problems.append(
                ChainProblem(
                    last_seq + 1,
                    ProblemKind.deleted,
                    f"record(s) {last_seq + 1}..{head_seq} missing at the end of the chain",
                )
            )
        elif head_seq == last_seq and head_hash != prev:
            problems.append(
                ChainProblem(
                    max(last_seq, 1),
                    ProblemKind.head,
                    "the chain head's hash does not match the last record",
                )
            )
        beyond = sorted({cp.seq for cp in checkpoints if cp.seq > last_seq})
        if beyond:
            problems.append(
                ChainProblem(
                    last_seq + 1,
                    ProblemKind.truncated,
                    f"the chain ends at record {last_seq}, but a signed checkpoint holds record "
                    f"{beyond[-1]}: records were cut from the end",
                )
            )
            matched += sum(len(at[s]) for s in beyond)
        if expect_head is not None and expect_head != head_hash:
            problems.append(
                ChainProblem(
                    max(head_seq, 1),
                    ProblemKind.head,
                    f"chain head {head_hash} is not the expected {expect_head}",
                )
            )
    for cp in at.get(0, ()):  # a checkpoint of the empty chain
        matched += 1
        if cp.hash != GENESIS_HASH:
            problems.append(
                ChainProblem(
                    1, ProblemKind.checkpoint, "a checkpoint of the empty chain has a hash"
                )
            )
    return VerifyReport(count, head_seq, head_hash, signatures, problems, matched)


def _refs_for_signing(rec: StoredRecord) -> list[int]:
    try:
        refs = json.loads(rec.refs)
    except ValueError:
        return []
    return refs if isinstance(refs, list) else []


def iter_stored(engine: Engine) -> Iterator[StoredRecord]:
    """Every stored record in chain order, streamed."""
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=5_000).execute(
            select(*RECORD_COLUMNS).order_by(records.c.seq)
        )
        for row in result:
            yield row_to_record(row)


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
                        ProblemKind.reordered,
                        f"{label} was written as record {original}: records reordered",
                    )
                ]
            return [
                ChainProblem(
                    original,
                    ProblemKind.inserted,
                    f"{label} was written as record {original}: record(s) {original}..{rec.seq - 1} inserted before it",
                )
            ]
        if back is None:
            for shift in range(1, RENUMBER_WINDOW + 1):
                if rec.computed_hash(rec.seq + shift) == rec.hash:
                    return [
                        ChainProblem(
                            rec.seq,
                            ProblemKind.deleted,
                            f"{label} was written as record {rec.seq + shift}: {shift} record(s) before it "
                            "deleted and the rest renumbered",
                        )
                    ]
        return [
            ChainProblem(
                rec.seq,
                ProblemKind.modified,
                f"{label} does not match its hash: modified in the database",
            )
        ]
    # The record is self-consistent but does not link to the one before it.
    if back is None:
        return [
            ChainProblem(
                rec.seq - 1,
                ProblemKind.modified,
                f"record {rec.seq - 1} is not the record that {label} was chained to: "
                "replaced or modified and re-hashed",
            )
        ]
    return [
        ChainProblem(
            back + 1,
            ProblemKind.inserted,
            f"{label} was chained to record {back}: record(s) inserted before it",
        )
    ]
