"""Who is calling and what they may do: bearer tokens, read views by scope, writes by role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from guarantor.api.state import State
from guarantor.ledger.access import Principal, TokenRole
from guarantor.ledger.records import Kind
from guarantor.ledger.scopes import ScopeView, Visibility, view_visibility

# Which roles may write which kinds of record (always as their own party).
WRITERS: dict[str, frozenset[TokenRole]] = {
    Kind.commitment: frozenset({TokenRole.guarantor}),
    Kind.allocation: frozenset({TokenRole.guarantor}),
    Kind.delivery: frozenset({TokenRole.guarantor}),
    Kind.verified_delivery: frozenset({TokenRole.beneficiary}),
    Kind.event: frozenset({TokenRole.monitor}),
    Kind.activation: frozenset({TokenRole.monitor}),
    Kind.obligation: frozenset({TokenRole.commission}),
    Kind.determination: frozenset({TokenRole.commission}),
    Kind.plan: frozenset({TokenRole.commission}),
    Kind.agreement_version: frozenset({TokenRole.commission}),
    Kind.act: frozenset(
        {TokenRole.guarantor, TokenRole.beneficiary, TokenRole.monitor, TokenRole.commission}
    ),
}

bearer = HTTPBearer(auto_error=False)


async def principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The party and role behind the request's bearer token (401 when missing or unknown)."""
    if creds is None:
        raise HTTPException(
            401,
            "missing bearer token: send 'Authorization: Bearer <token>'",
            {"WWW-Authenticate": "Bearer"},
        )
    state: State = request.app.state.guarantor
    found = await state.principal(creds.credentials)
    if found is None:
        raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
    return found


@dataclass(frozen=True)
class Caller:
    """Who calls (from the bearer token) and the state of the app that serves them."""

    state: State
    who: Principal


async def caller(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    """The caller of a route that needs a token, with the app's state (one dependency: each
    level of FastAPI dependencies costs time on every request)."""
    return Caller(request.app.state.guarantor, await principal(request, creds))


Member = Annotated[Caller, Depends(caller)]


def members(view: ScopeView) -> Any:
    """The dependency of a view that any token may open: the caller (401 without a valid token).

    Which views those are is the scope table's to say (guarantor.ledger.scopes); a route that
    declares a view the table does not open to members fails when the app is built.
    """
    if view_visibility(view) != Visibility.members:
        raise AssertionError(f"view {view} is not for members in guarantor.ledger.scopes")
    return Depends(caller)


async def optional_caller(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller | None:
    """The caller when a bearer token is sent (401 when it is unknown or revoked), else None."""
    if creds is None:
        return None
    return Caller(request.app.state.guarantor, await principal(request, creds))


def anyone(view: ScopeView) -> Any:
    """The dependency of a public view that shows more to a token: the caller, or None without
    one (checked against the scope table, like `members`)."""
    public(view)
    return Depends(optional_caller)


def public(view: ScopeView) -> None:
    """Declare a view open to anyone (checked against the scope table)."""
    if view_visibility(view) != Visibility.public:
        raise AssertionError(f"view {view} is not public in guarantor.ledger.scopes")


def check_writer(who: Principal, kind: str, party: str) -> str:
    """403 unless the token's role may write this kind, and writes as its own party (named by
    any of its spellings: "FR", "FRA" or "France"); returns the token's spelling to record."""
    allowed = WRITERS.get(kind, frozenset())
    if who.role not in allowed:
        roles = ", ".join(sorted(r.value for r in allowed)) or "nobody (CLI only)"
        raise HTTPException(
            403,
            f"{'an' if who.role.value[0] in 'aeiou' else 'a'} {who.role.value} token may not "
            f"write {kind} records (allowed: {roles})",
        )
    if not who.is_party(party):
        raise HTTPException(
            403, f"this token belongs to {who.party!r}; it cannot write records of {party!r}"
        )
    return who.party
