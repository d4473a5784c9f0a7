"""Party keys as the chain holds them: registered, rotated and revoked by chained `party_key` records.

Nothing here reads a mutable table. The key a party holds at a record is what the `party_key`
records before it say, and every such record is itself signed:

- register: the first key of a party (or the first after a revocation), signed by that key
  (proof that the party holds it);
- rotate: a new key, signed by the key it replaces, and carrying `proof`, the new key's
  signature of `rotation_message(party, new key)`;
- revoke: the party gives its key up, signed by that key; it writes unsigned again.

A party that holds a key must sign every record it writes; a party without one may not sign.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from guarantor.ledger import signing
from guarantor.ledger.canonical import canonical_json, signing_bytes

PARTY_KEY = "party_key"
ALGORITHM = "Ed25519"


class KeyAction(StrEnum):
    """What a `party_key` record does."""

    register = "register"
    rotate = "rotate"
    revoke = "revoke"


def rotation_message(party: str, public_key: str) -> bytes:
    """What a new key signs when it replaces an old one (its proof of possession)."""
    return canonical_json(
        {"what": "guarantor party key", "party": party, "public_key": public_key}
    ).encode()


def key_payload(
    action: KeyAction, public_key: str | None = None, proof: str | None = None
) -> dict[str, Any]:
    """The payload of a `party_key` record."""
    payload: dict[str, Any] = {"action": action.value, "algorithm": ALGORITHM}
    if public_key is not None:
        payload["public_key"] = public_key
    if proof is not None:
        payload["proof"] = proof
    return payload


@dataclass(frozen=True)
class Held:
    """A key a party holds, and the record that gave it."""

    public_key: str
    since: int


@dataclass(frozen=True)
class SignatureProblem:
    """Why a record's signature does not stand: missing where a key is held, or not verifying."""

    text: str  # reads after "the <kind> record of <party> ..."
    unsigned: bool = False


@dataclass
class KeyState:
    """Which key each party holds after the records applied so far."""

    held: dict[str, Held] = field(default_factory=dict)

    def key_of(self, party: str) -> Held | None:
        """The key the party holds now, if any."""
        return self.held.get(party)

    def copy(self) -> KeyState:
        """An independent copy (the state is shared between writers through a cache)."""
        return KeyState(copy.copy(self.held))

    def problem(
        self,
        kind: str,
        party: str,
        key: str | None,
        payload: str,
        refs: Sequence[int],
        signature: str | None,
    ) -> SignatureProblem | None:
        """Why this record may not stand at this point of the chain (signatures), or None."""
        held = self.held.get(party)
        if kind != PARTY_KEY and held is None and signature is None:
            return None  # the common case: a party without a key, writing unsigned
        message = signing_bytes(kind, party, key, payload, refs)
        if kind == PARTY_KEY:
            text = self._key_record_problem(party, held, payload, message, signature)
            return None if text is None else SignatureProblem(text, unsigned=signature is None)
        if held is None:
            if signature is not None:
                return SignatureProblem(
                    f"is signed, but {party!r} holds no key at this point: "
                    "the signature cannot be checked"
                )
            return None
        if signature is None:
            return SignatureProblem(
                f"is unsigned, but {party!r} holds the key registered at record {held.since}: "
                "its records must be signed",
                unsigned=True,
            )
        if not signing.is_valid(held.public_key, signature, message):
            return SignatureProblem(
                f"has a signature that does not verify against the key {party!r} held at this "
                f"point (record {held.since})"
            )
        return None

    def _key_record_problem(
        self, party: str, held: Held | None, payload: str, message: bytes, signature: str | None
    ) -> str | None:
        change = _parse(payload)
        if change is None:
            return "is not a valid party_key record (action register, rotate or revoke)"
        action, public_key, proof = change
        if action is None:  # written before keys were chained: unsigned, not checkable
            return "registers a key without a signature (written before keys were chained)"
        if signature is None:
            return f"{action.value}s a key of {party!r} without a signature"
        if action == KeyAction.register:
            if held is not None:
                return f"registers a key for {party!r}, which already holds one (rotate it instead)"
            if public_key is None or not signing.is_valid(public_key, signature, message):
                return "registers a key that did not sign the registration"
            return None
        if held is None:
            return f"{action.value}s a key of {party!r}, which holds none at this point"
        if not signing.is_valid(held.public_key, signature, message):
            return f"{action.value}s the key of {party!r} without a valid signature by that key"
        if action == KeyAction.rotate and (
            public_key is None
            or proof is None
            or not signing.is_valid(public_key, proof, rotation_message(party, public_key))
        ):
            return "rotates to a key that did not sign its proof of possession"
        return None

    def apply(self, seq: int, kind: str, party: str, payload: str) -> None:
        """Take a record into account (only `party_key` records change the state)."""
        if kind != PARTY_KEY:
            return
        change = _parse(payload)
        if change is None:
            return
        action, public_key, _ = change
        if action == KeyAction.revoke:
            self.held.pop(party, None)
        elif public_key is not None:
            self.held[party] = Held(public_key, seq)


def _parse(payload: str) -> tuple[KeyAction | None, str | None, str | None] | None:
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    public_key = data.get("public_key")
    proof = data.get("proof")
    if public_key is not None and not isinstance(public_key, str):
        return None
    if proof is not None and not isinstance(proof, str):
        return None
    if "action" not in data:
        return (None, public_key, None) if public_key else None
    try:
        action = KeyAction(data["action"])
    except ValueError:
        return None
    if action != KeyAction.revoke and public_key is None:
        return None
    return action, public_key, proof
