"""Plain-language phrases: compiled predicates (from the rule plan), durations, deadlines, parties.

Predicates are phrased from the compiled `RulePlan` (the one reading of the trigger language),
never from the YAML tree. A threshold left at its default is not phrased as if the text set it:
the default attribution (any), persistence (none) and sustained period (one day) are left out,
and the default one-day window is said to be the default.
"""

from __future__ import annotations

from guarantor.model import Agreement, Duration
from guarantor.model.obligations import Deadline
from guarantor.rules import Attribute, Beyond, Leaf, LeafKind, Node, NodeKind, Place, RulePlan
from guarantor.rules.plan import RequestBy

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

_HEADS = {
    LeafKind.armed_attack: "an armed attack",
    LeafKind.threat: "a threat of armed attack",
    LeafKind.airspace_violation: "a violation of airspace",
    LeafKind.territorial_seizure: "a seizure of territory",
}

_REQUIRES_WORDS = {
    Attribute.nuclear_weapons: "with nuclear weapons",
    Attribute.conventional_weapons: "with conventional weapons",
    Attribute.deliberate: "determined to be deliberate",
    Attribute.nuclear_threat: "involving nuclear weapons",
}

_WEAPONS = frozenset(
    {Attribute.nuclear_weapons, Attribute.conventional_weapons, Attribute.nuclear_threat}
)

_REQUEST_BY_WORDS = {
    RequestBy.any_party: "any Party",
    RequestBy.beneficiary: "the beneficiary",
    RequestBy.any_guarantor: "any guarantor",
}

# A leaf with every optional threshold at its default: what "the text set nothing" compiles to.
_DEFAULT = Leaf(LeafKind.armed_attack, ())


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


def quantity(x: float) -> str:
    """'2', '0.5', '20,000,000,000' (whole numbers with thousands separators, never 2e+10)."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def days(n: int) -> str:
    """'1 day', '7 days'."""
    return f"{n} day" if n == 1 else f"{n} days"


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


def parties(a: Agreement, ids: list[str] | tuple[str, ...]) -> str:
    """Party names joined in words (ids the agreement does not define are shown as they are)."""
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


def place(p: Place) -> str:
    """Where an observation must lie ('' when anywhere will do)."""
    parts = []
    if p.inside is not None:
        parts.append(_INSIDE_WORDS[p.inside.value])
    if p.beyond_agreed_line_km is not None:
        parts.append(f"at least {p.beyond_agreed_line_km:g} km beyond the agreed line")
    if p.zone:
        parts.append(f"inside zone {p.zone!r}")
    return ", ".join(parts)


def _requesters(a: Agreement, by: tuple[str, ...]) -> str:
    values = {r.value for r in RequestBy}
    if len(by) == 1 and by[0] in values:
        return _REQUEST_BY_WORDS[RequestBy(by[0])]
    return parties(a, by)


def leaf(lf: Leaf, a: Agreement) -> str:
    """One compiled leaf in words."""
    if lf.kind is LeafKind.narrative:
        text = next((r.text for r in lf.requires if r.attribute is Attribute.words), "")
        return f"in words only: “{text}”"
    if lf.kind is LeafKind.request:
        return f"a request for {lf.request_action} by {_requesters(a, lf.request_by)}"
    if lf.kind is LeafKind.act:
        what = {"repeal": "a repeal", "enactment_step": "an enactment step", "breach": "a breach"}
        text = f"{what.get(lf.act_kind, lf.act_kind)} recorded"
        if lf.by:
            text += f", by {parties(a, lf.by)}"
        if lf.act_ref:
            text += f", of {lf.act_ref}"
        return text
    if lf.kind is LeafKind.not_enacted:
        return f"a step of enacting {lf.obligation} overdue (its deadline passed without it)"
    bits = [_HEADS[lf.kind]]
    bits += [_REQUIRES_WORDS[r.attribute] for r in lf.requires if r.attribute in _WEAPONS]
    if lf.kind is LeafKind.territorial_seizure:
        bits.append(
            "beyond the agreed line" if lf.beyond is Beyond.agreed_line else "across the border"
        )
        if lf.min_area_km2 is not None:
            bits.append(f"of at least {lf.min_area_km2:g} km²")
        if lf.min_depth_km is not None:
            bits.append(f"at least {lf.min_depth_km:g} km deep")
        if lf.persisted_days != _DEFAULT.persisted_days:
            bits.append(f"persisting {days(lf.persisted_days)}")
    if lf.by:
        bits.append(f"attributed to {parties(a, lf.by)}")
    if lf.min_attribution != _DEFAULT.min_attribution:
        bits.append(f"with attribution confidence of at least {lf.min_attribution:g}")
    bits += [
        _REQUIRES_WORDS[r.attribute] for r in lf.requires if r.attribute is Attribute.deliberate
    ]
    where = place(lf.place)
    if where:
        bits.append(where)
    counts = _counts(lf)
    if counts:
        window = f"within {days(lf.window_days)}"
        if lf.window_days == _DEFAULT.window_days:
            window += " (the default window)"
        bits.append("with " + ", ".join(counts) + " " + window)
    if lf.sustained_days != _DEFAULT.sustained_days:
        bits.append(f"sustained for {days(lf.sustained_days)}")
    return bits[0] + (", " + ", ".join(bits[1:]) if len(bits) > 1 else "")


def _counts(lf: Leaf) -> list[str]:
    out = []
    if lf.min_events is not None:
        noun = "incursions" if lf.kind is LeafKind.airspace_violation else "events"
        out.append(f"{lf.min_events} or more {noun}")
    if lf.min_fatalities is not None:
        out.append(f"{lf.min_fatalities} or more deaths")
    if lf.min_distinct_days is not None:
        out.append(f"on {lf.min_distinct_days} or more distinct days")
    return out


def tree(plan: RulePlan, node: Node, a: Agreement) -> str:
    """A compiled predicate tree in words."""
    if node.kind is NodeKind.leaf:
        return leaf(plan.leaves[node.leaf], a)
    if node.kind is NodeKind.not_:
        return "not (" + tree(plan, node.children[0], a) + ")"
    head = "all of" if node.kind is NodeKind.all else "any of"
    return head + ": (" + "; ".join(tree(plan, c, a) for c in node.children) + ")"
