"""What a record of acts covers: a duty outside it is `unrecorded`, not breached.

A replay judged against a curated record of real acts (`examples/acts/`) can say a duty was
met when an act shows it, and breached when the record covers that party and time and shows
nothing. Where the record does not reach (a party it never mentions, a period after its last
act, outside its declared `coverage`), a missing act says nothing: such a duty is `unrecorded`,
with a note saying where acts are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from guarantor.obligations.timeline import DISCHARGING_ACT, Note, NoteKind, Owed, OwedStatus
from guarantor.sources.acts import ActKind, ActLog, Coverage

JUDGED = (OwedStatus.overdue, OwedStatus.breached)  # statuses that claim something was not done


@dataclass(frozen=True)
class PartyRecord:
    """What the record holds for one party: first and last act, declared coverage, gaps found."""

    party: str
    acts: int
    first: date | None
    last: date | None
    declared: tuple[Coverage, ...]  # the coverage entries that name the party
    unrecorded: int  # duties whose status the record cannot settle

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        from guarantor.obligations.render import record_text

        return {
            "party": self.party,
            "acts": self.acts,
            "first": None if self.first is None else self.first.isoformat(),
            "last": None if self.last is None else self.last.isoformat(),
            "declared": [
                {
                    "from": c.from_.isoformat(),
                    "to": c.to.isoformat(),
                    "kinds": [k.value for k in c.kinds],
                    "forum": c.forum,
                }
                for c in self.declared
            ],
            "unrecorded": self.unrecorded,
            "missing": record_text(self) if self.missing() else None,
        }

    def missing(self) -> bool:
        """True when some duty of this party is outside the record."""
        return self.unrecorded > 0


def judge_by_record(
    owed: list[Owed], log: ActLog, venues: dict[str, str] | None = None
) -> list[PartyRecord]:
    """Mark duties the record cannot settle as `unrecorded` (in place); the record per party.

    `venues` maps a duty's source (an obligation id) to its venue, for coverage limited to a forum.
    """
    venues = venues or {}
    unrecorded: dict[str, int] = {}
    for o in owed:
        if o.status not in JUDGED or o.recorded:
            continue
        when = o.due or o.opened
        kind = DISCHARGING_ACT.get(o.action, ActKind.done)
        if when is None or log.covered(o.party, when.date(), kind, venues.get(o.source)):
            continue
        if log.find({ActKind.breach}, {o.party}, {o.source}):
            continue  # a recorded breach settles it
        o.status = OwedStatus.unrecorded
        o.notes = (*o.notes, Note(NoteKind.unrecorded, party=o.party, time=when, body=kind.value))
        unrecorded[o.party] = unrecorded.get(o.party, 0) + 1
    parties = sorted({o.party for o in owed})
    out = []
    for party in parties:
        span = log.span(party)
        declared = tuple(c for c in log.coverage if party in c.parties)
        count = sum(1 for a in log.acts if a.involves({party}))
        out.append(
            PartyRecord(
                party,
                count,
                span[0] if span else None,
                span[1] if span else None,
                declared,
                unrecorded.get(party, 0),
            )
        )
    return out
