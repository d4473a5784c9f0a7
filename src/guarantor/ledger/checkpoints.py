"""Signed checkpoints: the operator signs the chain head, and copies of the signatures are held elsewhere.

A checkpoint says "record SEQ of this ledger had hash HASH", signed with the operator's Ed25519
key. Whoever holds a copy of the checkpoint file can later check that the chain still has that
record with that hash (`guarantor ledger verify --checkpoint FILE`): a rewrite of anything up to
a checkpoint, even one that re-hashes and re-signs every later record, and a tail cut below it,
no longer match. The file is JSON lines, one checkpoint per line, so that files from several
holders can simply be concatenated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from guarantor.errors import Position, UserError
from guarantor.fileio import write_atomic
from guarantor.ledger import signing
from guarantor.ledger.canonical import canonical_json

PURPOSE = "guarantor ledger checkpoint"
VERSION = 1
MAX_FILE_BYTES = 64 << 20
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T[0-9:.]{8,15}\+00:00$")


@dataclass(frozen=True)
class Checkpoint:
    """A chain head (seq and hash) as the operator signed it at a time."""

    seq: int
    hash: str
    signed_at: str
    public_key: str
    signature: str

    def message(self) -> bytes:
        """The bytes the operator signs."""
        return canonical_json(
            {
                "what": PURPOSE,
                "v": VERSION,
                "seq": self.seq,
                "hash": self.hash,
                "signed_at": self.signed_at,
            }
        ).encode()

    def signature_ok(self) -> bool:
        """True when the signature is the public key's over this checkpoint."""
        return signing.is_valid(self.public_key, self.signature, self.message())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (one line of a checkpoint file)."""
        return {
            "v": VERSION,
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": self.signed_at,
            "public_key": self.public_key,
            "signature": self.signature,
        }


def sign_checkpoint(seq: int, digest: str, signed_at: str, key: Ed25519PrivateKey) -> Checkpoint:
    """A checkpoint of the head (seq, hash), signed with the operator's key."""
    unsigned = Checkpoint(seq, digest, signed_at, signing.public_key_b64(key), "")
    return Checkpoint(
        seq, digest, signed_at, unsigned.public_key, signing.sign(key, unsigned.message())
    )


def _field(data: dict[str, Any], name: str, kind: type, where: Position) -> Any:
    value = data.get(name)
    if type(value) is not kind:
        raise UserError(f"checkpoint field {name!r} is missing or not {kind.__name__}", where)
    return value


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """The checkpoints in a file (JSON lines); a malformed line is a located error."""
    if not path.is_file():
        raise UserError("no such checkpoint file", Position(str(path)))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserError(
            f"checkpoint file is larger than {MAX_FILE_BYTES} bytes", Position(str(path))
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text: {exc}", Position(str(path))) from None
    out: list[Checkpoint] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = Position(str(path), line=number)
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            raise UserError("not a JSON object", where) from None
        if not isinstance(data, dict) or data.get("v") != VERSION:
            raise UserError(f"not a version {VERSION} checkpoint", where)
        seq = _field(data, "seq", int, where)
        if not 0 <= seq <= 2**53:
            raise UserError(f"seq {seq} is out of range", where)
        cp = Checkpoint(
            seq=seq,
            hash=_field(data, "hash", str, where),
            signed_at=_field(data, "signed_at", str, where),
            public_key=_field(data, "public_key", str, where),
            signature=_field(data, "signature", str, where),
        )
        if not HASH_RE.match(cp.hash):
            raise UserError("hash is not 64 lower-case hex digits", where)
        if not TIME_RE.match(cp.signed_at):
            raise UserError("signed_at is not an ISO 8601 UTC time", where)
        if len(cp.public_key) > 200 or len(cp.signature) > 200:
            raise UserError("public_key or signature is too long to be Ed25519", where)
        out.append(cp)
    if not out:
        raise UserError("the checkpoint file holds no checkpoint", Position(str(path)))
    return out


def add_checkpoint(path: Path, checkpoint: Checkpoint) -> list[Checkpoint]:
    """Append a checkpoint to a file (created when absent), written whole or not at all."""
    existing = read_checkpoints(path) if path.exists() else []
    every = [*existing, checkpoint]
    write_atomic(path, "".join(canonical_json(c.as_dict()) + "\n" for c in every))
    return every


def trusted(
    checkpoints: Sequence[Checkpoint], operator_key: str | None
) -> tuple[list[Checkpoint], list[tuple[Checkpoint, str]]]:
    """The checkpoints whose signature holds (by the operator's key when given), and the others with why."""
    good: list[Checkpoint] = []
    bad: list[tuple[Checkpoint, str]] = []
    for cp in checkpoints:
        if operator_key is not None and cp.public_key != operator_key:
            bad.append((cp, "is signed by another key than the operator's"))
        elif not cp.signature_ok():
            bad.append((cp, "has a signature that does not verify"))
        else:
            good.append(cp)
    return good, bad
