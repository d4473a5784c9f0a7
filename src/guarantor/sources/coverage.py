"""What a source covers against the period asked: first and last date, gaps, and a status.

A result is `ok` only when its sources cover the period; `partial` when they cover part of it
(or leave a long gap inside it); `missing` when nothing was observed in it at all. "No events
in the period" is only ever true of a source whose coverage is `ok`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

# A gap inside the period longer than this (days without a record) makes the coverage partial.
MAX_GAP_DAYS = 7


class CoverageStatus(StrEnum):
    """How far a source covers the period asked."""

    ok = "ok"
    partial = "partial"
    missing = "missing"


@dataclass(frozen=True)
class CoverageGap:
    """Days with no record between two records (both ends are days without one)."""

    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days are missing."""
        return (self.last - self.first).days + 1

    def to_json(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"first": self.first.isoformat(), "last": self.last.isoformat(), "days": self.days}


@dataclass(frozen=True)
class SourceCoverage:
    """One source's coverage against a period."""

    source: str  # a short name: territory, events, ...
    start: date  # the period asked
    end: date
    first: date | None  # first and last record (None: the source has none)
    last: date | None
    gaps: tuple[CoverageGap, ...] = ()  # inside the period, longer than one day
    label: str = ""  # where it came from (file), for banners
    note: str = ""  # e.g. "derived from territory"

    @property
    def covers_period(self) -> bool:
        """Records from the period's first day (or before) to its last day (or after)."""
        return (
            self.first is not None
            and self.last is not None
            and self.first <= self.start
            and self.last >= self.end
        )

    @property
    def status(self) -> CoverageStatus:
        """ok, partial or missing (see the module docstring)."""
        if self.first is None or self.last is None:
            return CoverageStatus.missing
        if self.last < self.start or self.first > self.end:
            return CoverageStatus.missing
        if not self.covers_period or any(g.days > MAX_GAP_DAYS for g in self.gaps):
            return CoverageStatus.partial
        return CoverageStatus.ok

    def stops(self) -> str:
        """One sentence for a banner: which source stops (or starts) when, against the period."""
        name = self.label or self.source
        if self.first is None or self.last is None:
            return f"{self.source}: no records at all ({name})"
        span = f"{self.first.isoformat()} to {self.last.isoformat()}"
        if self.status is CoverageStatus.ok:
            return f"{self.source}: {span} covers {self.start} to {self.end}"
        parts = []
        if self.last < self.end:
            parts.append(f"ends {self.last.isoformat()}")
        if self.first > self.start:
            parts.append(f"starts {self.first.isoformat()}")
        long = [g for g in self.gaps if g.days > MAX_GAP_DAYS]
        if long:
            parts.append(f"{len(long)} gap(s) over {MAX_GAP_DAYS} days")
        told = ", ".join(parts) or "does not cover the period"
        return (
            f"{self.source} ({name}) {told}: nothing is observed after that, which is not the "
            f"same as nothing happening (period {self.start} to {self.end})"
        )

    def to_json(self) -> dict[str, Any]:
        """The `coverage` entry of a JSON result."""
        return {
            "first": None if self.first is None else self.first.isoformat(),
            "last": None if self.last is None else self.last.isoformat(),
            "covers_period": self.covers_period,
            "status": self.status.value,
            "gaps": [g.to_json() for g in self.gaps],
            "label": self.label,
            "note": self.note,
        }


def coverage_of(
    source: str,
    days: Iterable[date],
    start: date,
    end: date,
    label: str = "",
    note: str = "",
    continuous: bool = False,
) -> SourceCoverage:
    """Coverage of records on `days` against [start, end].

    `continuous` sources (daily snapshots) report as gaps the runs of missing days inside the
    period; event sources are sparse by nature, so for them only first and last count.
    """
    seen = sorted(set(days))
    if not seen:
        return SourceCoverage(source, start, end, None, None, label=label, note=note)
    gaps: list[CoverageGap] = []
    if continuous:
        inside = [d for d in seen if start <= d <= end]
        for a, b in pairwise(inside):
            if (b - a).days > 1:
                gaps.append(CoverageGap(a + timedelta(days=1), b - timedelta(days=1)))
    return SourceCoverage(source, start, end, seen[0], seen[-1], tuple(gaps), label, note)


def overall(items: Iterable[SourceCoverage]) -> CoverageStatus:
    """ok when every source covers the period, missing when none observed any of it, else partial
    (ok when there are no sources to judge)."""
    found = [c.status for c in items]
    if all(f is CoverageStatus.ok for f in found):
        return CoverageStatus.ok
    if all(f is CoverageStatus.missing for f in found):
        return CoverageStatus.missing
    return CoverageStatus.partial


def coverage_json(items: Iterable[SourceCoverage]) -> dict[str, Any]:
    """`{source: {first, last, covers_period, ...}}` in source order."""
    return {c.source: c.to_json() for c in sorted(items, key=lambda c: c.source)}
