"""Who may read what: the one place every read path asks (API records and single records, the
live feed, dashboard views, summaries, exports).

Three levels:

- public: anyone, without a token. The service's health, the API description, the dashboard's
  front end and its map layers (territorial control, incidents and events drawn from open
  sources, the agreement's ladder): nothing in them comes from the ledger's parties.
- members: any valid token, whatever its role. Every record kind not listed below: flows
  (commitments, allocations, deliveries, confirmations), profiles, agreement versions, events,
  activations, acts, determinations, key records, imports; and what is computed from them
  (summaries, the US/Europe split, the chain head and verification).
- concerned: obligations and response plans, which say what a party owes or is tasked with.
  They are read by the roles that oversee the agreement (commission, monitor, observer), by the
  party that wrote the record, and by the parties the record names (`party`, `parties`, or the
  `party` of each `tasking` entry). Everyone else is told there is no such record.

The operator (the CLI, which holds the database itself) reads everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine

from guarantor.ledger.access import Principal, TokenRole
from guarantor.ledger.chain import StoredRecord, get_record, list_records
from guarantor.ledger.records import FLOW_KINDS, Kind


class Visibility(StrEnum):
    """Who may read a view or a record kind."""

    public = "public"
    members = "members"
    concerned = "concerned"


class ScopeView(StrEnum):
    """Every read view the service and the CLI offer."""

    health = "health"
    api_description = "api_description"
    records = "records"
    record = "record"
    head = "head"
    verify = "verify"
    summary = "summary"
    us_europe_split = "us_europe_split"
    agreements = "agreements"
    me = "me"
    metrics = "metrics"
    live_feed = "live_feed"
    dashboard_app = "dashboard_app"
    dashboard_map = "dashboard_map"
    dashboard_duties = "dashboard_duties"
    dashboard_whatif = "dashboard_whatif"


VIEWS: dict[ScopeView, Visibility] = {
    ScopeView.health: Visibility.public,
    ScopeView.api_description: Visibility.public,
    ScopeView.dashboard_app: Visibility.public,
    ScopeView.dashboard_map: Visibility.public,
    ScopeView.records: Visibility.members,
    ScopeView.record: Visibility.members,
    ScopeView.head: Visibility.members,
    ScopeView.verify: Visibility.members,
    ScopeView.summary: Visibility.members,
    ScopeView.us_europe_split: Visibility.members,
    ScopeView.agreements: Visibility.members,
    ScopeView.me: Visibility.members,
    ScopeView.metrics: Visibility.members,
    ScopeView.live_feed: Visibility.members,
    ScopeView.dashboard_duties: Visibility.members,
    # the what-if plans the public agreement the dashboard serves: read-only computation, open to
    # anyone (bounded in cost, guarantor.api.dashboard); a plan's tasking stays with its parties
    ScopeView.dashboard_whatif: Visibility.public,
}

RESTRICTED_KINDS: frozenset[str] = frozenset({Kind.obligation.value, Kind.plan.value})
OVERSEERS: frozenset[TokenRole] = frozenset(
    {TokenRole.commission, TokenRole.monitor, TokenRole.observer}
)
# Summaries and the split are computed from these kinds only: they must be readable by members.
SUMMARY_KINDS: frozenset[str] = frozenset(
    {*(k.value for k in FLOW_KINDS), Kind.party_profile.value}
)
assert not SUMMARY_KINDS & RESTRICTED_KINDS


@dataclass(frozen=True)
class Operator:
    """Whoever holds the database itself (the CLI): reads everything."""


OPERATOR = Operator()
Reader = Principal | Operator


def view_visibility(view: ScopeView) -> Visibility:
    """Who may open a view."""
    return VIEWS[view]


def kind_visibility(kind: str) -> Visibility:
    """Who may read records of a kind."""
    return Visibility.concerned if kind in RESTRICTED_KINDS else Visibility.members


def sees_everything(who: Reader) -> bool:
    """True for the operator and the overseeing roles."""
    return isinstance(who, Operator) or who.role in OVERSEERS


def named_parties(payload: Any) -> set[str]:
    """The parties a restricted record concerns: `party`, `parties`, and each `tasking[].party`."""
    if not isinstance(payload, dict):
        return set()
    names: set[str] = set()
    if isinstance(payload.get("party"), str):
        names.add(payload["party"])
    parties = payload.get("parties")
    if isinstance(parties, list):
        names.update(p for p in parties if isinstance(p, str))
    tasking = payload.get("tasking")
    if isinstance(tasking, list):
        names.update(
            t["party"] for t in tasking if isinstance(t, dict) and isinstance(t.get("party"), str)
        )
    return names


def may_read(who: Reader, kind: str, writer: str | None, payload: Any) -> bool:
    """May this reader read a record (or an item computed like one) of this kind?"""
    if kind_visibility(kind) != Visibility.concerned or sees_everything(who):
        return True
    assert isinstance(who, Principal)
    # compared by identity: a token registered as "France" reads what names FR or FRA
    return who.is_party(writer) or any(who.is_party(n) for n in named_parties(payload))


def may_read_owned(who: Reader, kind: str, owner: str) -> bool:
    """May this reader read an item of this kind that belongs to one party (a duty, a tasking)?"""
    return may_read(who, kind, None, {"party": owner})


SCAN_LIMIT = 10_000  # records looked at for one page before the cursor is handed back


def visible_records(
    engine: Engine,
    who: Reader,
    *,
    kind: str | None = None,
    party: str | None = None,
    after: int = 0,
    limit: int = 100,
) -> tuple[list[StoredRecord], int | None]:
    """A page of the records this reader may read, in chain order after a seq, and the cursor for
    the next page (None at the end). A page may be short when many records in a row are not the
    reader's to see: the cursor then still moves past them."""
    if sees_everything(who) or (kind is not None and kind_visibility(kind) == Visibility.members):
        recs = list_records(engine, kind=kind, party=party, after=after, limit=limit)
        return recs, recs[-1].seq if len(recs) == limit else None
    out: list[StoredRecord] = []
    cursor = after
    scanned = 0
    while scanned < SCAN_LIMIT:
        batch = list_records(engine, kind=kind, party=party, after=cursor, limit=limit)
        for rec in batch:
            cursor = rec.seq
            if may_read(who, rec.kind, rec.party, rec.data()):
                out.append(rec)
                if len(out) == limit:
                    return out, cursor
        if len(batch) < limit:
            return out, None
        scanned += len(batch)
    return out, cursor


def readable_record(engine: Engine, who: Reader, seq: int) -> StoredRecord | None:
    """One record, or None when there is none or it is not this reader's to see."""
    rec = get_record(engine, seq)
    if rec is None or not may_read(who, rec.kind, rec.party, rec.data()):
        return None
    return rec
