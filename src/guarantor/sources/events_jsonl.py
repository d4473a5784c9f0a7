"""The project's own JSON-lines event schema: one event object per line (see docs/monitor.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from guarantor.cleantext import text_problem
from guarantor.sources.events_schema import EVENT_TYPES, GEO_PRECISIONS, TIME_PRECISIONS, Event
from guarantor.sources.events_text import MAX_FATALITIES, MAX_ID, MAX_NAME, MAX_NOTES

Count = Annotated[int, Field(ge=0, le=MAX_FATALITIES)]


def _clean_name(value: str) -> str:
    problem = text_problem(value, name=True)
    if problem is not None:
        raise ValueError(problem)
    return value


def _clean_text(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Id = Annotated[str, Field(min_length=1, max_length=MAX_ID), AfterValidator(_clean_name)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(_clean_name)]


class Fatalities(BaseModel):
    """Best estimate with low and high bounds."""

    model_config = ConfigDict(extra="forbid")
    best: Count
    low: Count | None = None
    high: Count | None = None


class EventLine(BaseModel):
    """One line of a guarantor events file."""

    model_config = ConfigDict(extra="forbid")
    source: Id = Field(description="Who reported it, e.g. 'ucdp', 'osint-team'.")
    id: Id = Field(description="The event's id within its source.")
    start: datetime = Field(description="ISO 8601 with a UTC offset, e.g. 2025-08-20T04:00:00Z.")
    end: datetime | None = None
    time_precision: Literal["day", "days", "week", "month", "year"] = "day"
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    geo_precision: Literal["exact", "near", "admin2", "admin1", "country", "other"] = "exact"
    actors: list[Name] = Field(min_length=1, max_length=50)
    type: str = Field(max_length=64)
    fatalities: Fatalities | Annotated[int, Field(le=MAX_FATALITIES)] = 0
    civilian_deaths: Count | None = None
    notes: Annotated[str, Field(max_length=MAX_NOTES), AfterValidator(_clean_text)] = ""

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset (write ...Z or +00:00)")
        return None if value is None else value.astimezone(UTC)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in EVENT_TYPES:
            raise ValueError(f"unknown event type {value[:40]!r}; one of {', '.join(EVENT_TYPES)}")
        return value


assert set(TIME_PRECISIONS) == {"day", "days", "week", "month", "year"}
assert set(GEO_PRECISIONS) == {"exact", "near", "admin2", "admin1", "country", "other"}


def parse_line(text: str) -> Event:
    """One JSON line as an Event; raises ValueError with a readable reason."""
    try:
        line = EventLine.model_validate_json(text)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "line"
            parts.append(f"{where}: {err['msg']}")
        raise ValueError("; ".join(parts)) from None
    end = line.end or line.start
    if end < line.start:
        raise ValueError("end is before start")
    if (line.lat is None) != (line.lon is None):
        raise ValueError("lat and lon must be given together")
    if isinstance(line.fatalities, int):
        if line.fatalities < 0:
            raise ValueError("fatalities must not be negative")
        fat = Fatalities(best=line.fatalities)
    else:
        fat = line.fatalities
    low = fat.best if fat.low is None else fat.low
    high = fat.best if fat.high is None else fat.high
    if not low <= fat.best <= high:
        raise ValueError(f"fatalities not ordered: low {low}, best {fat.best}, high {high}")
    return Event(
        source=line.source,
        source_id=line.id,
        start=line.start,
        end=end,
        time_precision=line.time_precision,
        latitude=line.lat,
        longitude=line.lon,
        geo_precision=line.geo_precision if line.lat is not None else "other",
        actors=tuple(line.actors),
        event_type=line.type,
        fatalities_best=fat.best,
        fatalities_low=low,
        fatalities_high=high,
        civilian_deaths=line.civilian_deaths,
        notes=line.notes,
    )
