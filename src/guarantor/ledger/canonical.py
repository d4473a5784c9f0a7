"""Canonical serialisation and SHA-256 hashing of ledger records."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from guarantor.errors import UserError

HASH_VERSION = 1


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(f"cannot serialise {type(obj).__name__} in a ledger record")


def canonical_json(obj: Any) -> str:
    """Sorted-key, compact, NaN-free JSON text: the one byte form a record's content can take."""
    # stdlib json, not orjson: it keeps integers of any size and refuses NaN/Infinity, so every
    # payload either has exactly one canonical text or is rejected as a user error.
    try:
        text = json.dumps(
            obj,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_default,
        )
        text.encode("utf-8")  # lone surrogates have no UTF-8 form: no hash, no storage
    except (ValueError, TypeError, RecursionError) as exc:
        raise UserError(f"record content is not canonical JSON: {exc}") from None
    return text


def signing_bytes(
    kind: str, party: str, key: str | None, payload: str, refs: Sequence[int]
) -> bytes:
    """The bytes a party signs: what the record says, independent of its place in the chain."""
    return canonical_json(
        {"kind": kind, "party": party, "key": key, "payload": payload, "refs": list(refs)}
    ).encode()


def record_hash(
    *,
    seq: int,
    kind: str,
    party: str,
    key: str | None,
    payload: str,
    refs: str,
    signature: str | None,
    recorded_at: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of a record's canonical serialisation together with the previous hash."""
    body = canonical_json(
        {
            "v": HASH_VERSION,
            "seq": seq,
            "kind": kind,
            "party": party,
            "key": key,
            "payload": payload,
            "refs": refs,
            "signature": signature,
            "recorded_at": recorded_at,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()
