"""Words for the monitor's results: every explanation is a rendering of a trace (no other source)."""

from __future__ import annotations

from guarantor.rules import Comparison, LeafKind, LeafTrace, LevelTrace, Measure, Truth, Unknown
from guarantor.rules.plan import Resolver

_MEASURE_WORDS = {
    Measure.events: "event(s)",
    Measure.fatalities: "fatalities",
    Measure.distinct_days: "distinct day(s)",
    Measure.consecutive_days: "consecutive day(s)",
    Measure.incidents: "incident(s) held",
    Measure.area_km2: "km² (largest incident)",
    Measure.depth_km: "km deep (deepest incident)",
    Measure.persisted_days: "day(s) persisted",
    Measure.attribution: "attribution",
    Measure.requests: "request(s)",
    Measure.acts: "act(s) recorded",
}

_KIND_WORDS = {
    LeafKind.armed_attack: "armed attack",
    LeafKind.threat: "threat",
    LeafKind.airspace_violation: "airspace violation",
    LeafKind.territorial_seizure: "seizure of territory",
    LeafKind.request: "request",
    LeafKind.act: "act recorded",
    LeafKind.not_enacted: "enactment overdue",
    LeafKind.narrative: "condition in words",
}

_WHAT_WORDS = {
    "nuclear_weapons": "whether nuclear weapons were used",
    "conventional_weapons": "whether only conventional weapons were used",
    "deliberate": "whether the attack was deliberate",
    "nuclear_threat": "whether the threat was nuclear",
    "words": "a condition stated only in words",
    "place": "where some events took place (no coordinates)",
    "fatalities": "fatalities (the source does not carry them)",
}


def _number(value: float | None) -> str:
    if value is None:
        return "unknown"
    return f"{value:.2f}" if not float(value).is_integer() else f"{value:.0f}"


def comparison(c: Comparison) -> str:
    """'12 event(s) (needs 5, met by 7)'."""
    unit = _MEASURE_WORDS[c.measure]
    if c.measure is Measure.attribution:
        head = f"best attribution {_number(c.observed)}"
    else:
        head = f"{_number(c.observed)} {unit}"
    margin = c.margin
    if margin is None:
        verdict = "unknown"
    elif margin >= 0:
        verdict = f"met by {_number(margin)}"
    else:
        verdict = f"missed by {_number(-margin)}"
    on = f" on {c.observed_on}" if c.observed_on is not None else ""
    return f"{head}{on} (needs {_number(c.threshold)}, {verdict})"


def resolver(r: Resolver | None) -> str:
    """Who can settle an unknown."""
    if r is None:
        return "nobody: no body determines this trigger"
    via = f" under {r.procedure}" if r.procedure else ""
    return f"determination {r.determination} by {r.body}{via}"


def what(u: Unknown) -> str:
    """What is unknown, in words."""
    return _WHAT_WORDS.get(u.what, u.what)


def unknown(u: Unknown) -> str:
    """'unknown: whether the attack was deliberate — settled by determination ... by jam'."""
    return f"unknown: {what(u)} — settled by {resolver(u.resolved_by)}"


def leaf_line(lt: LeafTrace) -> str:
    """One leaf's trace in a line."""
    who = f" by {'/'.join(lt.parties)}" if lt.parties else ""
    span = f"{lt.window[0]}..{lt.window[1]}"
    parts = [comparison(c) for c in lt.comparisons]
    parts += [unknown(u) for u in lt.unknown]
    body = "; ".join(parts) if parts else "no thresholds"
    return f"{_KIND_WORDS[lt.kind]}{who} [{lt.truth.name}] {span}: {body}"


_SHORT = {
    Measure.events: "events",
    Measure.fatalities: "deaths",
    Measure.distinct_days: "days",
    Measure.consecutive_days: "run",
    Measure.incidents: "incidents",
    Measure.area_km2: "km²",
    Measure.depth_km: "depth km",
    Measure.persisted_days: "persisted d",
    Measure.attribution: "attribution",
    Measure.requests: "requests",
}


def brief(trace: LevelTrace) -> str:
    """A level's trace in a table cell: 'armed attack by RU 08-15..08-18: events 5≥5, attribution 1≥0.7'."""
    out = []
    for lt in trace.leaves:
        who = f" by {'/'.join(lt.parties)}" if lt.parties else ""
        span = f"{lt.window[0]:%m-%d}..{lt.window[1]:%m-%d}"
        bits = []
        for c in lt.comparisons:
            if c.observed is None:
                bits.append(f"{_SHORT.get(c.measure, c.measure.value)} ?")
                continue
            sign = "≥" if c.observed >= c.threshold else "<"
            name = _SHORT.get(c.measure, c.measure.value)
            bits.append(f"{name} {_number(c.observed)}{sign}{_number(c.threshold)}")
        bits += [f"? {what(u)}" for u in lt.unknown]
        out.append(f"{_KIND_WORDS[lt.kind]}{who} {span}: " + ", ".join(bits))
    return "; ".join(out)


def explain(trace: LevelTrace) -> str:
    """A level's trace in one paragraph: each leaf it read, joined."""
    return " AND ".join(leaf_line(lt) for lt in trace.leaves) or "no leaf"


def why_not(trace: LevelTrace) -> list[str]:
    """Why a level was never established: each leaf at its best, what it missed and by how much."""
    out: list[str] = []
    for lt in trace.leaves:
        missed = [c for c in lt.comparisons if c.truth is not Truth.true]
        parts = [comparison(c) for c in (missed or lt.comparisons)]
        parts += [unknown(u) for u in lt.unknown]
        if lt.kind is LeafKind.narrative and not parts:
            parts.append("a condition in words cannot be observed")
        who = f" by {'/'.join(lt.parties)}" if lt.parties else ""
        out.append(f"{_KIND_WORDS[lt.kind]}{who} [{lt.truth.name}]: " + "; ".join(parts))
    if not out:
        out.append("the level reads no leaf")
    return out
