"""The watch's ledger writes: signed records under idempotency keys, so a restart adds no duplicate."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from guarantor.errors import UserError
from guarantor.ledger.chain import NewRecord, StoredRecord, append, iter_records, key_state
from guarantor.ledger.database import open_engine
from guarantor.ledger.keys import PARTY_KEY, KeyAction, key_payload
from guarantor.ledger.signing import (
    generate_key,
    load_private_key,
    private_key_pem,
    public_key_b64,
    sign,
)
from guarantor.watch.runner import RecordKind, WatchFinding

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import Engine

WATCH_KINDS = tuple(k.value for k in RecordKind)


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The watch's Ed25519 key from a PEM file; a new one written with mode 0600 if absent."""
    if path.exists():
        try:
            return load_private_key(path.read_bytes())
        except (ValueError, TypeError, UserError) as exc:
            raise UserError(f"{path}: not an Ed25519 private key in PEM ({exc})") from None
    key = generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    # whole or not at all: written to a private temporary file, then linked into place (which
    # fails if another process made one meanwhile: then that one is used)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_key_pem(key))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return load_or_create_key(path)
    finally:
        tmp.unlink(missing_ok=True)
    return key


class Recorder:
    """Appends the watch's findings to the ledger, signed by the watch's party key."""

    def __init__(self, database_url: str, party: str, key_file: Path) -> None:
        self.engine: Engine = open_engine(database_url)
        self.party = party
        self.key = load_or_create_key(key_file)
        self.public_key = public_key_b64(self.key)
        self._register()

    def _signed(self, record: NewRecord) -> NewRecord:
        return dataclasses.replace(record, signature=sign(self.key, record.signing_bytes()))

    def _register(self) -> None:
        with self.engine.connect() as conn:
            held = key_state(conn).key_of(self.party)
        if held is not None:
            if held.public_key != self.public_key:
                raise UserError(
                    f"the ledger holds another key for {self.party!r} (record {held.since}); "
                    "use that key file or another party name"
                )
            return
        record = NewRecord(
            PARTY_KEY,
            self.party,
            key_payload(KeyAction.register, self.public_key),
            key=f"watch-key:{self.party}:{self.public_key}",
        )
        append(self.engine, [self._signed(record)])

    def known_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these idempotency keys the ledger already holds."""
        from sqlalchemy import select

        from guarantor.ledger.tables import records

        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                stmt = select(records.c.key).where(records.c.key.in_(chunk))
                found.update(str(k) for (k,) in conn.execute(stmt))
        return found

    def record(self, findings: Sequence[WatchFinding]) -> list[StoredRecord]:
        """Append the findings not recorded yet (one transaction); the records added."""
        held = self.known_keys([f.key for f in findings])
        new = [
            self._signed(NewRecord(f.kind.value, self.party, f.payload, key=f.key))
            for f in findings
            if f.key not in held
        ]
        if not new:
            return []
        return append(self.engine, new).appended

    def since(self, seq: int) -> list[StoredRecord]:
        """The watch's records after a seq, in chain order (what subscribers have not had)."""
        return iter_records(self.engine, WATCH_KINDS, after=seq)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()
