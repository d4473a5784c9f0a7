"""Parties, their Ed25519 public keys, and API tokens (stored as SHA-256 hashes) with a role."""

from __future__ import annotations

import difflib
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, insert, select, update

from guarantor.errors import UserError
from guarantor.ledger import signing
from guarantor.ledger.chain import NewRecord, StoredRecord, append, key_state, utc_now_text, writer
from guarantor.ledger.keys import PARTY_KEY, KeyAction, key_payload, rotation_message
from guarantor.ledger.payload import MAX_PARTY, check_name
from guarantor.ledger.records import Kind
from guarantor.ledger.tables import parties, records, tokens
from guarantor.model.party_names import PartyEntry, PartyNames, UnknownParty, party_key


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
    # Every spelling of the party (casefolded: its name, ISO alpha-3 and alpha-2): a token
    # registered as "France" is FR wherever an agreement or a record names FR.
    aliases: frozenset[str] = field(default=frozenset(), compare=False)

    def is_party(self, name: str | None) -> bool:
        """True when `name` names this token's party (by any of its spellings)."""
        return name is not None and (name == self.party or party_key(name) in self.aliases)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _profiles(conn: Connection) -> dict[str, str | None]:
    """Party -> ISO alpha-3 code from its latest party_profile record (None when it has none)."""
    isos: dict[str, str | None] = {}
    rows = conn.execute(
        select(records.c.party, records.c.payload)
        .where(records.c.kind == str(Kind.party_profile))
        .order_by(records.c.seq)
    )
    for party, payload in rows:
        try:
            iso = json.loads(payload).get("iso")
        except (ValueError, AttributeError):
            iso = None
        isos[str(party)] = iso if isinstance(iso, str) and iso.strip() else None
    return isos


def ledger_party_names(engine: Engine, *, registered_only: bool = False) -> PartyNames:
    """The ledger's parties (registered ones, then every party a record names), each known by its
    name, its profile's ISO alpha-3 code and the alpha-2 code (guarantor.model.party_names)."""
    with engine.connect() as conn:
        names = [str(n) for (n,) in conn.execute(select(parties.c.name).order_by(parties.c.name))]
        if not registered_only:
            seen = set(names)
            writers = conn.execute(select(records.c.party).distinct().order_by(records.c.party))
            names += [str(n) for (n,) in writers if str(n) not in seen]
        isos = _profiles(conn)
    scope = "the ledger (registered)" if registered_only else "the ledger"
    return PartyNames.of((PartyEntry(n, n, isos.get(n)) for n in names), scope)


def resolve_party(engine: Engine, name: str, *, registered_only: bool = False) -> str:
    """The ledger's name for a party named by name or ISO code ("FRA", "fr" -> "France");
    a UserError with the closest party when it names none."""
    try:
        return ledger_party_names(engine, registered_only=registered_only).resolve(name.strip())
    except UnknownParty as exc:
        hint = "; add it first: guarantor ledger party add" if registered_only else ""
        raise UserError(f"unknown party: {exc}{hint}") from None


def writing_party(engine: Engine, name: str) -> str:
    """The party a new record is written as: the ledger's own spelling when it knows the party by
    another ("FRA" -> "France"); a name unlike any known party is a new party (the ledger is open:
    imports and the CLI add donors), but one close to a known party is refused as a likely typo."""
    names = ledger_party_names(engine)
    found = names.get(name)
    if found is not None:
        return found
    if difflib.get_close_matches(party_key(name), list(names.keys), n=1, cutoff=0.8):
        raise UserError(
            names.unknown_message(name, "--party")
            + "; register a new party first with guarantor ledger party add"
        )
    return name.strip()


def add_party(engine: Engine, name: str) -> bool:
    """Register a party name (tokens are issued to registered parties); False when it was there.
    A name the ledger already knows by another spelling registers the ledger's spelling."""
    name = name.strip()
    check_name(name, "party", MAX_PARTY)
    name = ledger_party_names(engine).get(name) or name
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
    party = resolve_party(engine, party, registered_only=True)
    public = signing.public_key_b64(key)
    return _append_key(engine, _key_record(party, key_payload(KeyAction.register, public), key))


def rotate_key(
    engine: Engine, party: str, current: Ed25519PrivateKey, new: Ed25519PrivateKey
) -> StoredRecord:
    """Chain a new key for a party, signed by the key it replaces, with the new key's proof."""
    party = resolve_party(engine, party, registered_only=True)
    public = signing.public_key_b64(new)
    proof = signing.sign(new, rotation_message(party, public))
    return _append_key(
        engine, _key_record(party, key_payload(KeyAction.rotate, public, proof), current)
    )


def revoke_key(engine: Engine, party: str, current: Ed25519PrivateKey) -> StoredRecord:
    """Chain the revocation of a party's key, signed by that key; the party writes unsigned again."""
    party = resolve_party(engine, party, registered_only=True)
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
    party = resolve_party(engine, party, registered_only=True)
    secret = "gt_" + secrets.token_urlsafe(32)
    with writer(engine) as conn, conn.begin():
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
    """Revoke every token of a party (by name or ISO code); returns how many."""
    party = resolve_party(engine, party, registered_only=True)
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
    party = str(row[1])
    with engine.connect() as conn:
        profile = conn.execute(
            select(records.c.payload)
            .where(records.c.kind == str(Kind.party_profile), records.c.party == party)
            .order_by(records.c.seq.desc())
            .limit(1)
        ).first()
    iso = None
    if profile is not None:
        try:
            iso = json.loads(profile[0]).get("iso")
        except (ValueError, AttributeError):
            iso = None
    own = PartyNames.of([PartyEntry(party, party, iso if isinstance(iso, str) else None)])
    return Principal(party, TokenRole(str(row[2])), int(row[0]), frozenset(own.keys))
