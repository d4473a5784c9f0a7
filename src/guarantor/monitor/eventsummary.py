"""What `guarantor monitor events summary` reports: rows read, accepted, and events per year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
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
    by_place: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The scriptable form (`--format json`)."""
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
            "by_month": self.by_month,
            "by_place": list(self.by_place),
        }


def summarise_events(result: ReadResult, data: Path | None = None) -> EventsSummary:
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
        by_place=tuple(events_by_place(result.events, data=data)),
    )


def events_by_place(
    events: Sequence[Any], min_population: int = 10_000, data: Path | None = None
) -> list[dict[str, Any]]:
    """Events and fatalities by nearest town (at least min_population), busiest first; empty
    without a gazetteer in the data folder."""
    from guarantor.sources.locate import locate_data
    from guarantor.territory.places import find_gazetteer, nearest_indices

    gazetteer = find_gazetteer(locate_data(data))
    located = [e for e in events if e.latitude is not None and e.longitude is not None]
    if gazetteer is None or not located:
        return []
    idx = nearest_indices(
        gazetteer, [e.latitude for e in located], [e.longitude for e in located], min_population
    )
    counts: dict[int, list[int]] = {}
    for i, e in zip(idx.tolist(), located, strict=True):
        entry = counts.setdefault(i, [0, 0])
        entry[0] += 1
        entry[1] += e.fatalities_best
    rows = []
    for i, (n, deaths) in sorted(counts.items(), key=lambda x: (-x[1][0], x[0])):
        place = gazetteer.place(i)
        rows.append(
            {
                "town": place.name,
                "unit": place.unit,
                "lat": round(place.lat, 5),
                "lon": round(place.lon, 5),
                "population": place.population,
                "events": n,
                "fatalities": deaths,
            }
        )
    return rows
