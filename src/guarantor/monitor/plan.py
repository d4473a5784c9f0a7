"""Compile an agreement's triggers into leaves (filters + thresholds) and boolean trees."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from guarantor.model import Agreement
from guarantor.model.common import Duration
from guarantor.model.triggers import Level, Trigger, predicate_kind
from guarantor.monitor.columns import TYPE_CODE

# Which normalised event types each observed predicate kind counts.
TYPES_FOR_KIND: dict[str, tuple[str, ...]] = {
    "armed_attack": ("battle", "remote_violence", "one_sided"),
    "threat": ("threat",),
    "airspace_violation": ("airspace_violation",),
}


@dataclass(frozen=True)
class Leaf:
    """One measurable predicate: what to count, where, attributed to whom, and how much."""

    kind: str  # armed_attack, threat, airspace_violation, territorial_seizure, request
    types: tuple[int, ...] = ()
    parties: tuple[str, ...] = ()
    min_attribution: float = 0.0
    inside: str | None = None
    beyond_km: float | None = None
    zone: str | None = None
    window_days: int = 1
    min_events: int | None = None
    min_fatalities: int | None = None
    min_distinct_days: int | None = None
    sustained_days: int = 1
    min_area_km2: float | None = None
    min_depth_km: float | None = None
    persisted_days: int = 0
    beyond: str = "agreed_line"
    request_by: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """A short phrase for explanations."""
        who = f" by {'/'.join(self.parties)}" if self.parties else ""
        attr = f" (attribution >= {self.min_attribution:.2f})" if self.min_attribution > 0 else ""
        where = []
        if self.inside and self.inside != "anywhere":
            where.append(f"inside {self.inside}")
        if self.beyond_km is not None:
            where.append(f">= {self.beyond_km:g} km beyond the agreed line")
        if self.zone:
            where.append(f"in zone {self.zone}")
        place = f" {', '.join(where)}" if where else ""
        return f"{self.kind}{who}{attr}{place}"


Node = tuple[
    Any, ...
]  # ("leaf", i) | ("all", [..]) | ("any", [..]) | ("not", n) | ("narrative", text)


@dataclass
class Plan:
    """Every leaf once, and for each trigger its levels as trees over leaf indices."""

    leaves: list[Leaf]
    triggers: list[tuple[Trigger, list[tuple[Level, Node]]]]

    def fingerprint(self) -> str:
        """A stable text identifying the plan (checkpoints refuse a different one)."""
        return repr((self.leaves, [(t.id, lv) for t, lv in self.triggers]))


def _days(duration: Duration | None, default: int) -> int:
    """Whole days covering a duration (at least 1): evaluation is on UTC days."""
    if duration is None:
        return default
    return max(1, math.ceil(duration.days() - 1e-9))


def compile_plan(agreement: Agreement) -> Plan:
    """The evaluation plan of an agreement's triggers."""
    leaves: list[Leaf] = []
    index: dict[Leaf, int] = {}

    def add(leaf: Leaf) -> Node:
        if leaf not in index:
            index[leaf] = len(leaves)
            leaves.append(leaf)
        return ("leaf", index[leaf])

    def walk(p: Any, default_attr: float) -> Node:
        kind = predicate_kind(p)
        if kind == "all":
            return ("all", [walk(q, default_attr) for q in p.all])
        if kind == "any":
            return ("any", [walk(q, default_attr) for q in p.any])
        if kind == "not":
            return ("not", walk(p.not_, default_attr))
        inner = getattr(p, kind)
        if kind == "narrative":
            return ("narrative", inner.text)
        if kind == "request":
            by = inner.by if isinstance(inner.by, list) else [inner.by]
            return add(Leaf(kind="request", request_by=tuple(sorted(by))))
        parties = tuple(sorted(agreement.expand(inner.by))) if inner.by else ()
        attr = inner.min_attribution if inner.min_attribution is not None else default_attr
        loc = inner.location
        sustained = _days(inner.sustained, 1)
        notes: list[str] = []
        if kind == "territorial_seizure":
            return add(
                Leaf(
                    kind=kind,
                    parties=parties,
                    min_attribution=attr,
                    min_area_km2=inner.min_area_km2,
                    min_depth_km=inner.min_depth_km,
                    persisted_days=_days(inner.persisted, 0),
                    beyond=inner.beyond,
                    sustained_days=sustained,
                )
            )
        if kind == "armed_attack" and inner.deliberate:
            notes.append("'deliberate' is for the determining body to establish")
        if kind == "armed_attack" and inner.weapons == "nuclear":
            notes.append("event sources do not record weapons; 'nuclear' is not checked")
        if kind == "threat" and inner.nuclear:
            notes.append("'nuclear' threats are not distinguished in event data")
        min_incursions = getattr(inner, "min_incursions", None)
        intensity = inner.intensity
        min_events = intensity.min_events if intensity else None
        if min_incursions is not None:
            min_events = max(min_events or 0, min_incursions)
        return add(
            Leaf(
                kind=kind,
                types=tuple(sorted(TYPE_CODE[t] for t in TYPES_FOR_KIND[kind])),
                parties=parties,
                min_attribution=attr,
                inside=loc.inside if loc else None,
                beyond_km=loc.beyond_agreed_line_km if loc else None,
                zone=loc.zone if loc else None,
                window_days=_days(intensity.window if intensity else None, 1),
                min_events=min_events,
                min_fatalities=intensity.min_fatalities if intensity else None,
                min_distinct_days=intensity.min_distinct_days if intensity else None,
                sustained_days=sustained,
                notes=tuple(notes),
            )
        )

    # A predicate without min_attribution counts any positive attribution; the determination's
    # own min_attribution is applied later, by the obligations room (conditional invocation).
    triggers = []
    for trigger in agreement.triggers:
        levels = [(lv.level, walk(lv.when, 0.0)) for lv in trigger.levels]
        triggers.append((trigger, levels))
    return Plan(leaves, triggers)
