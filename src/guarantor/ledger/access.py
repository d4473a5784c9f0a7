"""Parties, their Ed25519 public keys, and API tokens (stored as SHA-256 hashes) with a role."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, insert, select, update

from guarantor.errors import UserError
from guarantor.ledger import signing
from guarantor.ledger.chain import NewRecord, StoredRecord, append, key_state, utc_now_text, writer
from guarantor.ledger.keys import PARTY_KEY, KeyAction, key_payload, rotation_message
from guarantor.ledger.payload import MAX_PARTY, check_name
from guarantor.ledger.tables import parties, tokens


class TokenRole(StrEnum):
    """What a token lets its party do."""

    guarantor = "guarantor"  # writes its own pledges, allocations, deliveries, acts
    beneficiary = "beneficiary"  # requests consultation, confirms receipt
    monitor = "monitor"  # ingests events, records activations
    commission = "commission"  # records determinations, obligations, plans, agreement versions
    observer = "observer"  # reads


@dataclass(frozen=True)
class Principal:
    """The party and role behind an authenticated token."""

    party: str
    role: TokenRole
    token_id: int


def token_hash(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_party(engine: Engine, name: str) -> bool:
    """Register a party name (tokens are issued to registered parties); False when it was there."""
    name = name.strip()
    check_name(name, "party", MAX_PARTY)
    with writer(engine) as conn, conn.begin():
        if conn.execute(select(parties.c.name).where(parties.c.name == name)).first() is not None:
            return False
        conn.execute(insert(parties).values(name=name, created_at=utc_now_text()))
    return True


def _key_record(party: str, payload: dict[str, object], signer: Ed25519PrivateKey) -> NewRecord:
    unsigned = NewRecord(kind=PARTY_KEY, party=party, payload=payload)
    return NewRecord(
        kind=PARTY_KEY,
        party=party,
        payload=payload,
        signature=signing.sign(signer, unsigned.signing_bytes()),
    )


def _append_key(engine: Engine, record: NewRecord) -> StoredRecord:
    with engine.connect() as conn:
        known = conn.execute(select(parties.c.name).where(parties.c.name == record.party)).first()
    if known is None:
        raise UserError(
            f"unknown party {record.party!r}: add it first (guarantor ledger party add)"
        )
    return append(engine, [record]).appended[0]


def register_key(engine: Engine, party: str, key: Ed25519PrivateKey) -> StoredRecord:
    """Chain a party's first key (the registration is signed by that key); from then on the
    party's records must be signed."""
    public = signing.public_key_b64(key)
    return _append_key(engine, _key_record(party, key_payload(KeyAction.register, public), key))


def rotate_key(
    engine: Engine, party: str, current: Ed25519PrivateKey, new: Ed25519PrivateKey
) -> StoredRecord:
    """Chain a new key for a party, signed by the key it replaces, with the new key's proof."""
    public = signing.public_key_b64(new)
    proof = signing.sign(new, rotation_message(party, public))
    return _append_key(
        engine, _key_record(party, key_payload(KeyAction.rotate, public, proof), current)
    )


def revoke_key(engine: Engine, party: str, current: Ed25519PrivateKey) -> StoredRecord:
    """Chain the revocation of a party's key, signed by that key; the party writes unsigned again."""
    return _append_key(engine, _key_record(party, key_payload(KeyAction.revoke), current))


def list_parties(engine: Engine) -> list[dict[str, str | int | None]]:
    """Registered parties with the key the chain says each holds now, by name."""
    with engine.connect() as conn:
        names = [str(n) for (n,) in conn.execute(select(parties.c.name).order_by(parties.c.name))]
        keys = key_state(conn)
    rows: list[dict[str, str | int | None]] = []
    for name in names:
        held = keys.key_of(name)
        rows.append(
            {
                "name": name,
                "public_key": None if held is None else held.public_key,
                "key_since": None if held is None else held.since,
            }
        )
    return rows


def issue_token(engine: Engine, party: str, role: TokenRole | str, *, label: str = "") -> str:
    """Create a token for a registered party with a role; returns the secret (shown once, stored hashed)."""
    try:
        role = TokenRole(role)
    except ValueError:
        raise UserError(
            f"unknown role {role!r}; roles: {', '.join(r.value for r in TokenRole)}"
        ) from None
    secret = "gt_" + secrets.token_urlsafe(32)
    with writer(engine) as conn, conn.begin():
        if conn.execute(select(parties.c.name).where(parties.c.name == party)).first() is None:
            raise UserError(f"unknown party {party!r}: add it first (guarantor ledger party add)")
        conn.execute(
            insert(tokens).values(
                token_hash=token_hash(secret),
                party=party,
                role=role.value,
                label=label[:128],
                revoked=False,
                created_at=utc_now_text(),
            )
        )
    return secret


def revoke_tokens(engine: Engine, party: str) -> int:
    """Revoke every token of a party; returns how many."""
    with writer(engine) as conn, conn.begin():
        res = conn.execute(
            update(tokens)
            .where(tokens.c.party == party, tokens.c.revoked.is_(False))
            .values(revoked=True)
        )
        return int(res.rowcount or 0)


def authenticate(engine: Engine, secret: str) -> Principal | None:
    """The principal behind a token, or None when it is unknown or revoked."""
    if not secret or len(secret) > 200:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(tokens.c.id, tokens.c.party, tokens.c.role, tokens.c.revoked).where(
                tokens.c.token_hash == token_hash(secret)
            )
        ).first()
    if row is None or row[3]:
        return None
    return Principal(party=str(row[1]), role=TokenRole(str(row[2])), token_id=int(row[0]))
