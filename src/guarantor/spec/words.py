"""Plain-language phrases for model objects (predicates, durations, deadlines, parties)."""

from __future__ import annotations

from typing import Any

from guarantor.model import Agreement, Duration
from guarantor.model.obligations import Deadline
from guarantor.model.triggers import Location, leaf, predicate_kind

_FROM_WORDS = {
    "request": "of a request",
    "determination": "of the determination",
    "trigger": "of the triggering event",
    "entry_into_force": "of entry into force",
    "signature": "of signature",
    "previous_step": "of the previous step",
    "notice": "of notice",
}

_INSIDE_WORDS = {
    "beneficiary": "on the beneficiary's territory",
    "beneficiary_incl_sea": "on the beneficiary's territory or territorial sea",
    "obligor_territory": "on the obligor's territory",
    "treaty_area": "in the treaty area",
    "anywhere": "anywhere",
}


def duration(d: Duration | None) -> str:
    """'24 hours', or a marked unit-less number."""
    if d is None:
        return "no time limit"
    value = f"{d.value:g}"
    if d.unit is None:
        return f"{value} (NO UNIT)"
    unit = d.unit.value
    if d.value == 1:
        unit = unit.rstrip("s")
    return f"{value} {unit}"


def deadline(dl: Deadline | None) -> str:
    """'within 24 hours of a request (elapsed time)'."""
    if dl is None:
        return "with no deadline"
    soft = "where possible " if dl.where_possible else ""
    clock = {
        "elapsed": "elapsed time",
        "calendar": "calendar days",
        "business_days": "business days",
    }[dl.clock.value]
    return f"{soft}within {duration(dl.within)} {_FROM_WORDS[dl.from_]} ({clock})"


def parties(a: Agreement, ids: list[str] | str) -> str:
    """Party names joined in words."""
    if isinstance(ids, str):
        return {
            "any_party": "any Party",
            "beneficiary": "the beneficiary",
            "any_guarantor": "any guarantor",
        }.get(ids, ids)
    names = []
    for pid in ids:
        try:
            names.append(a.party(pid).name)
        except KeyError:
            names.append(pid)
    if not names:
        return "no party"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def location(loc: Location | None) -> str:
    """Where an observation must be."""
    if loc is None:
        return ""
    parts = [_INSIDE_WORDS[loc.inside]]
    if loc.beyond_agreed_line_km is not None:
        parts.append(f"at least {loc.beyond_agreed_line_km:g} km beyond the agreed line")
    if loc.zone:
        parts.append(f"inside zone {loc.zone!r}")
    return ", ".join(parts)


def predicate(p: Any, a: Agreement) -> str:
    """A predicate in words."""
    kind = predicate_kind(p)
    if kind == "all":
        return "all of: (" + "; ".join(predicate(q, a) for q in p.all) + ")"
    if kind == "any":
        return "any of: (" + "; ".join(predicate(q, a) for q in p.any) + ")"
    if kind == "not":
        return "not (" + predicate(p.not_, a) + ")"
    x = leaf(p)
    if kind == "narrative":
        return f"in words only: “{x.text}”"
    if kind == "request":
        return f"a request for {x.action} by {parties(a, x.by)}"
    if kind == "act":
        what = {"repeal": "a repeal", "enactment_step": "an enactment step", "breach": "a breach"}
        text = f"{what[x.kind]} recorded"
        if x.by:
            text += f", by {parties(a, x.by)}"
        if x.ref:
            text += f", of {x.ref}"
        return text
    if kind == "not_enacted":
        return f"a step of enacting {x.obligation} overdue (its deadline passed without it)"
    head = {
        "armed_attack": "an armed attack",
        "threat": "a threat of armed attack",
        "airspace_violation": "a violation of airspace",
        "territorial_seizure": "a seizure of territory",
    }[kind]
    bits = [head]
    if kind == "armed_attack" and x.weapons != "any":
        bits.append(f"with {x.weapons} weapons")
    if kind == "threat" and x.nuclear:
        bits.append("involving nuclear weapons")
    if kind == "territorial_seizure":
        bits.append("beyond the agreed line" if x.beyond == "agreed_line" else "across the border")
        if x.min_area_km2 is not None:
            bits.append(f"of at least {x.min_area_km2:g} km²")
        if x.min_depth_km is not None:
            bits.append(f"at least {x.min_depth_km:g} km deep")
        if x.persisted is not None:
            bits.append(f"persisting {duration(x.persisted)}")
    if kind == "airspace_violation" and x.min_incursions is not None:
        bits.append(f"({x.min_incursions} or more incursions)")
    if x.by:
        bits.append(f"attributed to {parties(a, x.by)}")
    if x.min_attribution is not None:
        bits.append(f"with attribution confidence of at least {x.min_attribution:g}")
    if getattr(x, "deliberate", None):
        bits.append("determined to be deliberate")
    where = location(x.location)
    if where:
        bits.append(where)
    if x.intensity is not None:
        i = x.intensity
        agg = []
        if i.min_events is not None:
            agg.append(f"{i.min_events} or more events")
        if i.min_fatalities is not None:
            agg.append(f"{i.min_fatalities} or more deaths")
        if i.min_distinct_days is not None:
            agg.append(f"on {i.min_distinct_days} or more distinct days")
        window = f" within {duration(i.window)}" if i.window is not None else ""
        if agg:
            bits.append("with " + ", ".join(agg) + window)
    if x.sustained is not None:
        bits.append(f"sustained for {duration(x.sustained)}")
    return " ".join(bits[:1]) + (", " + ", ".join(bits[1:]) if len(bits) > 1 else "")
