"""Gross gains and losses per day, week, month, quarter or year, with the sources and coverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from guarantor.territory.history import TerritoryHistory


class TimeStep(StrEnum):
    """The length of a reporting period."""

    day = "day"
    week = "week"  # ISO weeks, Monday to Sunday
    month = "month"
    quarter = "quarter"
    year = "year"


def period_of(day: date, step: TimeStep) -> tuple[str, date, date]:
    """The label, first and last day of the period a day falls in."""
    if step is TimeStep.day:
        return day.isoformat(), day, day
    if step is TimeStep.week:
        year, week, weekday = day.isocalendar()
        first = day - timedelta(days=weekday - 1)
        return f"{year}-W{week:02d}", first, first + timedelta(days=6)
    if step is TimeStep.month:
        first = day.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return f"{day.year:04d}-{day.month:02d}", first, nxt - timedelta(days=1)
    if step is TimeStep.quarter:
        q = (day.month - 1) // 3
        first = date(day.year, 3 * q + 1, 1)
        nxt = date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
        return f"{day.year}-Q{q + 1}", first, nxt - timedelta(days=1)
    return str(day.year), date(day.year, 1, 1), date(day.year, 12, 31)


@dataclass
class PeriodSummary:
    """One period: what the snapshots in it say and how much of it they cover."""

    period: str
    start: date  # the period's first day within the asked range
    end: date  # its last day within the asked range
    days: int  # days in start..end
    covered: int  # days with a snapshot
    first_snapshot: str  # the snapshot the first change is measured from
    last_snapshot: str
    area_start_km2: float
    area_end_km2: float
    gained_km2: float
    lost_km2: float
    sources: dict[str, int] = field(default_factory=dict)  # source -> days used
    longest_gap_days: int = 0  # the longest span one change covers (1 = consecutive days)
    unit_gained: NDArray[np.float64] | None = None
    unit_lost: NDArray[np.float64] | None = None
    unit_end: NDArray[np.float64] | None = None  # control per unit at the period's last snapshot

    @property
    def net_km2(self) -> float:
        """Gained minus lost."""
        return self.gained_km2 - self.lost_km2

    @property
    def coverage_pct(self) -> float:
        """Days with a snapshot, in percent of the period's days."""
        return 100.0 * self.covered / self.days if self.days else 0.0


def summarize(
    history: TerritoryHistory,
    labels: list[str],
    step: TimeStep,
    first: date | None = None,
    last: date | None = None,
) -> list[PeriodSummary]:
    """Sums of daily gross changes per period over first..last (each change counts in the period
    of its later snapshot); `labels` names each record's source."""
    import numpy as np

    records = history.records
    if not records:
        return []
    first = first or records[0].taken_at.date()
    last = last or records[-1].taken_at.date()
    out: dict[str, PeriodSummary] = {}
    units = history.units is not None and history.unit_gained is not None
    for i, record in enumerate(records):
        day = record.taken_at.date()
        if not first <= day <= last:
            continue
        label, start, end = period_of(day, step)
        row = out.get(label)
        if row is None:
            lo, hi = max(start, first), min(end, last)
            previous = records[i - 1] if i > 0 else record
            row = PeriodSummary(
                period=label,
                start=lo,
                end=hi,
                days=(hi - lo).days + 1,
                covered=0,
                first_snapshot=previous.taken_at.isoformat(),
                last_snapshot=record.taken_at.isoformat(),
                area_start_km2=previous.area_km2 if i > 0 else record.area_km2,
                area_end_km2=record.area_km2,
                gained_km2=0.0,
                lost_km2=0.0,
            )
            if units:
                n = len(history.units.codes)  # type: ignore[union-attr]
                row.unit_gained = np.zeros(n)
                row.unit_lost = np.zeros(n)
            out[label] = row
        row.covered += 1
        row.last_snapshot = record.taken_at.isoformat()
        row.area_end_km2 = record.area_km2
        if i > 0:
            row.gained_km2 += record.gained_km2
            row.lost_km2 += record.lost_km2
            gap = (day - records[i - 1].taken_at.date()).days
            row.longest_gap_days = max(row.longest_gap_days, gap)
        row.sources[labels[i]] = row.sources.get(labels[i], 0) + 1
        if units and i > 0:
            assert history.unit_gained is not None and history.unit_lost is not None
            row.unit_gained += history.unit_gained[i]
            row.unit_lost += history.unit_lost[i]
        if history.unit_controlled is not None:
            row.unit_end = history.unit_controlled[i]
    return _with_empty_periods(out, step, first, last)


def _with_empty_periods(
    found: dict[str, PeriodSummary], step: TimeStep, first: date, last: date
) -> list[PeriodSummary]:
    """Every period of first..last in order; those without a snapshot say so (covered 0)."""
    rows: list[PeriodSummary] = []
    day = first
    previous: PeriodSummary | None = None
    while day <= last:
        label, start, end = period_of(day, step)
        row = found.get(label)
        if row is None:
            lo, hi = max(start, first), min(end, last)
            area = previous.area_end_km2 if previous else float("nan")
            snap = previous.last_snapshot if previous else ""
            row = PeriodSummary(label, lo, hi, (hi - lo).days + 1, 0, snap, snap, area, area, 0, 0)
        rows.append(row)
        previous = row
        day = end + timedelta(days=1)
    return rows
