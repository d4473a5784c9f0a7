"""The normalised event record every event reader produces, and the quarantine record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from guarantor.rules.plan import EventType

# Normalised event types (defined with the rules that count them: guarantor.rules.EventType).
EVENT_TYPES: tuple[str, ...] = tuple(t.value for t in EventType)

# How exact the time is: day, a few days, week, month, year.
TIME_PRECISIONS: tuple[str, ...] = ("day", "days", "week", "month", "year")
# How exact the place is: exact point, near (<= 25 km), admin2, admin1, country, other.
GEO_PRECISIONS: tuple[str, ...] = ("exact", "near", "admin2", "admin1", "country", "other")


@dataclass(frozen=True, slots=True)
class Event:
    """One conflict event, normalised from any source (times are aware UTC)."""

    source: str
    source_id: str
    start: datetime
    end: datetime
    time_precision: str
    latitude: float | None
    longitude: float | None
    geo_precision: str
    actors: tuple[str, ...]
    event_type: str
    fatalities_best: int
    fatalities_low: int
    fatalities_high: int
    civilian_deaths: int | None
    notes: str = ""
    origin: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str]:
        """The deduplication key: (source, source id)."""
        return (self.source, self.source_id)

    def content(self) -> dict[str, Any]:
        """The fields that must agree for two records with the same key to be the same event."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "time_precision": self.time_precision,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "geo_precision": self.geo_precision,
            "actors": list(self.actors),
            "event_type": self.event_type,
            "fatalities": [self.fatalities_best, self.fatalities_low, self.fatalities_high],
            "civilian_deaths": self.civilian_deaths,
        }

    def to_json(self) -> dict[str, Any]:
        """The record in the project's own JSON-lines schema (see docs/monitor.md)."""
        return {
            "source": self.source,
            "id": self.source_id,
            "start": self.start.isoformat().replace("+00:00", "Z"),
            "end": self.end.isoformat().replace("+00:00", "Z"),
            "time_precision": self.time_precision,
            "lat": self.latitude,
            "lon": self.longitude,
            "geo_precision": self.geo_precision,
            "actors": list(self.actors),
            "type": self.event_type,
            "fatalities": {
                "best": self.fatalities_best,
                "low": self.fatalities_low,
                "high": self.fatalities_high,
            },
            "civilian_deaths": self.civilian_deaths,
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A row that could not be used: where it is, why, and its raw text."""

    file: str
    row: int
    reason: str
    raw: str = ""

    def to_json(self) -> dict[str, Any]:
        """As a JSON-ready mapping."""
        return {"file": self.file, "row": self.row, "reason": self.reason, "raw": self.raw}


@dataclass
class ReadResult:
    """What reading one or more event files gave: events kept, rows quarantined, counts."""

    events: list[Event] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    rows: int = 0
    duplicates: int = 0
    conflicts: int = 0
    repaired: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """Number of events kept."""
        return len(self.events)
