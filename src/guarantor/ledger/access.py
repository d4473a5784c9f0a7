"""Parties, their Ed25519 public keys, and API tokens (stored as SHA-256 hashes) with a role."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine, insert, select, update

from guarantor.errors import UserError
from guarantor.ledger import signing
from guarantor.ledger.chain import NewRecord, append_locked, utc_now_text, writer
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


def add_party(engine: Engine, name: str, *, public_key: str | None = None) -> None:
    """Register a party (or set its public key); a key change is itself a chained record."""
    name = name.strip()
    if not name or len(name) > 128:
        raise UserError("party name must be 1..128 characters")
    if public_key is not None:
        signing.parse_public_key(public_key)
    with writer(engine) as conn, conn.begin():
        row = conn.execute(select(parties.c.public_key).where(parties.c.name == name)).first()
        if row is None:
            conn.execute(
                insert(parties).values(name=name, public_key=public_key, created_at=utc_now_text())
            )
        elif public_key is not None and row[0] != public_key:
            conn.execute(
                update(parties).where(parties.c.name == name).values(public_key=public_key)
            )
        else:
            return
        if public_key is not None:
            rec = NewRecord(
                kind="party_key",
                party=name,
                payload={"public_key": public_key, "algorithm": "Ed25519"},
            )
            append_locked(conn, [(rec, rec.payload_text())])


def list_parties(engine: Engine) -> list[dict[str, str | None]]:
    """Registered parties with their public keys, by name."""
    with engine.connect() as conn:
        rows = conn.execute(select(parties.c.name, parties.c.public_key).order_by(parties.c.name))
        return [{"name": str(n), "public_key": k} for n, k in rows]


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
