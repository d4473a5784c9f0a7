"""What `guarantor monitor events summary` reports: rows read, accepted, and events per year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guarantor.sources.events_schema import ReadResult


@dataclass(frozen=True)
class YearCount:
    """Accepted events starting in one year (UTC), their fatalities and the busiest month."""

    year: str
    events: int
    fatalities_best: int
    busiest_month: str


@dataclass(frozen=True)
class EventsSummary:
    """Counts of a read of event files, events per month and per year."""

    rows: int
    accepted: int
    quarantined: int
    duplicates: int
    by_month: dict[str, int]
    years: tuple[YearCount, ...]

    def to_dict(self) -> dict[str, Any]:
        """The scriptable form (`--format json`)."""
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
            "by_month": self.by_month,
        }


def summarise_events(result: ReadResult) -> EventsSummary:
    """Events per month and per year (with fatalities and the busiest month) of a read."""
    from guarantor.sources.events_read import by_month

    months = by_month(result.events)
    years: dict[str, list[int]] = {}
    for e in result.events:
        entry = years.setdefault(e.start.strftime("%Y"), [0, 0])
        entry[0] += 1
        entry[1] += e.fatalities_best
    counts = []
    for year, (count, deaths) in sorted(years.items()):
        busiest = max((m for m in months if m.startswith(year)), key=lambda m: months[m])
        counts.append(YearCount(year, count, deaths, f"{busiest} ({months[busiest]})"))
    return EventsSummary(
        rows=result.rows,
        accepted=result.accepted,
        quarantined=len(result.quarantined),
        duplicates=result.duplicates,
        by_month=months,
        years=tuple(counts),
    )
