"""A breach as a time series: per week and per direction, what is held beyond the line and how it moved.

An onset ("breached on 19 August") says nothing of the year that follows. The series reads the
incidents' trails (area and depth whenever either changed) at the end of each week and
counts, per direction (the admin-1 unit an incident mostly lies in) and for all directions:

- km2_beyond: the obligor's area held beyond the line at the week's end;
- new_incidents: incidents first seen in the week;
- grew: incidents present at both ends of the week whose area grew (by more than 0.01 km²);
- reversed: incidents present at the week's start (or new in it) and gone at its end;
- persisted: incidents present at both ends that did not grow;
- depth_km: the deepest of the incidents present at the week's end (km from the line).

An incident merged into another stops counting on its own when it merges (its extent counts in
the other's): a merge is neither a reversal nor a new incident. Only obligor incidents count.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from guarantor.territory.incident import Incident, Side

ALL = "all"
GREW_KM2 = 0.01  # growth below this is overlay round-off


@dataclass(frozen=True)
class BreachWeek:
    """One week of a breach in one direction (or `all`)."""

    week: date  # the Monday the week starts on
    direction: str  # an admin-1 unit's name, "unknown" (no units given), or "all"
    km2_beyond: float
    new_incidents: int
    grew: int
    reversed: int
    persisted: int
    depth_km: float
    incidents: tuple[str, ...]  # ids present at the week's end

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (fixed rounding)."""
        return {
            "week": self.week.isoformat(),
            "direction": self.direction,
            "km2_beyond": round(self.km2_beyond, 1),
            "new_incidents": self.new_incidents,
            "grew": self.grew,
            "reversed": self.reversed,
            "persisted": self.persisted,
            "depth_km": round(self.depth_km, 2),
            "incidents": list(self.incidents),
        }


def direction_of(incident: Incident) -> str:
    """The unit an incident mostly lies in (its first unit), or `unknown` without units."""
    if incident.unit_names:
        return incident.unit_names[0]
    return incident.units[0] if incident.units else "unknown"


def _state(inc: Incident, when: datetime) -> tuple[float, float]:
    """(area present, depth) of an incident just before `when` (0 area: absent or merged away)."""
    if inc.merged_at is not None and inc.merged_at < when:
        return 0.0, 0.0
    times = [t for t, _, _ in inc.trail]
    i = bisect_left(times, when)
    if i == 0:
        return 0.0, 0.0
    _, area, depth = inc.trail[i - 1]
    return area, depth


def monday(day: date) -> date:
    """The Monday of the ISO week `day` falls in."""
    return day - timedelta(days=day.weekday())


def breach_series(incidents: Iterable[Incident], start: date, end: date) -> list[BreachWeek]:
    """Weekly rows over [start, end] for `all` and each direction with anything beyond the line."""
    items = [i for i in incidents if i.side is Side.obligor]
    rows: list[BreachWeek] = []
    week = monday(start)
    while week <= end:
        lo = datetime.combine(max(week, start), datetime.min.time(), UTC)
        hi = datetime.combine(
            min(week + timedelta(days=7), end + timedelta(days=1)), datetime.min.time(), UTC
        )
        per: dict[str, list[tuple[Incident, str]]] = {}
        for inc in items:
            if inc.first_seen >= hi:
                continue
            before, _ = _state(inc, lo)
            after, _ = _state(inc, hi)
            new = lo <= inc.first_seen < hi
            if after > 0 and before > 0:
                kind = "grew" if after > before + GREW_KM2 else "persisted"
            elif after > 0:
                kind = "new" if new else "back"  # back: present again after a reversal
            elif (before > 0 or new) and not (inc.merged_at is not None and inc.merged_at < hi):
                kind = "reversed"
            else:
                kind = "merged" if new else ""
            if not kind:
                continue
            entry = (inc, kind)
            per.setdefault(ALL, []).append(entry)
            per.setdefault(direction_of(inc), []).append(entry)
        per.setdefault(ALL, [])
        for direction in sorted(per, key=lambda d: (d != ALL, d)):
            group = per[direction]
            present = [
                (i, _state(i, hi)) for i, k in group if k in ("grew", "persisted", "new", "back")
            ]
            rows.append(
                BreachWeek(
                    week=week,
                    direction=direction,
                    km2_beyond=sum(a for _, (a, _) in present),
                    new_incidents=sum(1 for i, _ in group if lo <= i.first_seen < hi),
                    grew=sum(1 for _, k in group if k == "grew"),
                    reversed=sum(1 for _, k in group if k == "reversed"),
                    persisted=sum(1 for _, k in group if k == "persisted"),
                    depth_km=max((d for _, (_, d) in present), default=0.0),
                    incidents=tuple(sorted(i.id for i, _ in present)),
                )
            )
        week += timedelta(days=7)
    return rows


def shares(rows: Sequence[BreachWeek]) -> dict[str, float]:
    """Each direction's share of the area beyond the line in the last week (0..1)."""
    if not rows:
        return {}
    last = max(r.week for r in rows)
    final = [r for r in rows if r.week == last]
    total = next((r.km2_beyond for r in final if r.direction == ALL), 0.0)
    if total <= 0:
        return {}
    return {r.direction: r.km2_beyond / total for r in final if r.direction != ALL}
