"""Words for the obligations room's typed results (notes on duties, decisions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guarantor.obligations.decisions import Decision
from guarantor.obligations.timeline import Assumption, Note, NoteKind

if TYPE_CHECKING:
    from guarantor.obligations.coverage import PartyRecord

ASSUMPTION_WORDS: dict[Assumption, str] = {
    Assumption.request: "ASSUMED: requested at activation (no request recorded)",
    Assumption.votes: "ASSUMED: the procedure's votes (none recorded)",
    Assumption.gate_delay: "ASSUMED: an approval gate's expected delay (no vote recorded)",
    Assumption.deadline: "ASSUMED deadline (the encoding's choice, not the text's)",
    Assumption.clause: "ASSUMED clause (the encoding's choice, not the text's)",
    Assumption.thresholds: "ASSUMED thresholds of the activated level",
}


def decision_text(d: Decision) -> str:
    """A decision in words: status, when, and how it was reached."""
    when = f" at {d.time:%Y-%m-%d %H:%M}Z" if d.time else ""
    return f"{d.procedure}: {d.status.value}{when} ({d.explanation})"


def note_text(n: Note) -> str:
    """One typed note in words."""
    match n.kind:
        case NoteKind.no_determination:
            return "no determination named: the activation stands on its own"
        case NoteKind.decision:
            return decision_text(n.decision) if n.decision else "decision"
        case NoteKind.attribution_established:
            return f"attribution established by {n.party} on {n.time:%Y-%m-%d}" if n.time else ""
        case NoteKind.conditional_invocation:
            return (
                f"conditional invocation: attribution {n.observed:.2f} < {n.needed:.2f} required; "
                "invoked conditionally, measures wait for attribution"
            )
        case NoteKind.attribution_too_low:
            return f"cannot be determined: attribution {n.observed:.2f} < {n.needed:.2f} required"
        case NoteKind.waits_for_determination:
            return "waits for the determination" + (" (pending attribution)" if n.pending else "")
        case NoteKind.requested_at_activation:
            return "ASSUMED: requested at activation"
        case NoteKind.soft_deadline:
            return "deadline softened: 'where possible'"
        case NoteKind.gate:
            how = "voted" if n.voted else "expected"
            when = f" {n.time:%Y-%m-%d}" if n.time else ""
            return f"approval gate {n.body}: {how}{when}"
        case NoteKind.gate_beyond_deadline:
            return f"the gate makes the deadline unreachable by {n.days} day(s)"
        case NoteKind.owed_from:
            return f"owed from {n.body}"
        case NoteKind.waits_for_milestone:
            return f"waits for milestone {n.body}"
        case NoteKind.confirmed:
            return f"confirmed {n.time:%Y-%m-%d}" if n.time else "confirmed"
        case NoteKind.unconfirmed:
            if n.time is None:
                return "no act confirms it (nobody recorded that it is met)"
            return f"last confirmed {n.time:%Y-%m-%d}, older than the cadence of {n.days} day(s)"
        case NoteKind.no_breach_recorded:
            return "no breach recorded either"
        case NoteKind.breach_recorded:
            return f"breach recorded {n.time:%Y-%m-%d}" if n.time else "breach recorded"
        case NoteKind.enactment_step:
            return n.body or ""
        case NoteKind.no_deadline:
            return "no deadline that can be counted"
        case NoteKind.repealed:
            return f"repealed {n.time:%Y-%m-%d}" if n.time else "repealed"
        case NoteKind.unrecorded:
            when = f" on {n.time:%Y-%m-%d}" if n.time else ""
            return (
                f"UNRECORDED: the record of acts does not cover {n.body} of {n.party}{when}: "
                "a missing act says nothing about what happened"
            )
    return n.kind.value


def assumption_text(a: Assumption) -> str:
    """What an assumption a duty rests on means."""
    return ASSUMPTION_WORDS[a]


def record_text(r: PartyRecord) -> str:
    """Where a record of acts leaves a party's duties unsettled, in words."""
    if r.first is None:
        return f"no acts recorded for party {r.party}"
    if not r.declared:
        return (
            f"no coverage declared for party {r.party} (its {r.acts} act(s) on record run from "
            f"{r.first} to {r.last})"
        )
    spans = "; ".join(
        (", ".join(k.value for k in c.kinds) if c.kinds else "all acts")
        + (f" in the {c.forum}" if c.forum else "")
        + f" from {c.from_} to {c.to}"
        for c in r.declared
    )
    return f"the record covers party {r.party} only for {spans}"
