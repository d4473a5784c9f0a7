"""Shared building blocks: strict base model, durations with units, source references."""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", min_length=1, max_length=80)]


class Strict(BaseModel):
    """Base of every model object: unknown keys are errors, values are not coerced loosely."""

    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


class TimeUnit(StrEnum):
    """Units a duration may carry."""

    minutes = "minutes"
    hours = "hours"
    days = "days"
    weeks = "weeks"
    months = "months"
    years = "years"


class Clock(StrEnum):
    """How a deadline counts time: elapsed hours, calendar days, or business days."""

    elapsed = "elapsed"
    calendar = "calendar"
    business_days = "business_days"


_UNIT_ALIASES: dict[str, TimeUnit] = {
    "min": TimeUnit.minutes,
    "mins": TimeUnit.minutes,
    "minute": TimeUnit.minutes,
    "minutes": TimeUnit.minutes,
    "h": TimeUnit.hours,
    "hr": TimeUnit.hours,
    "hrs": TimeUnit.hours,
    "hour": TimeUnit.hours,
    "hours": TimeUnit.hours,
    "d": TimeUnit.days,
    "day": TimeUnit.days,
    "days": TimeUnit.days,
    "w": TimeUnit.weeks,
    "week": TimeUnit.weeks,
    "weeks": TimeUnit.weeks,
    "mo": TimeUnit.months,
    "month": TimeUnit.months,
    "months": TimeUnit.months,
    "y": TimeUnit.years,
    "yr": TimeUnit.years,
    "year": TimeUnit.years,
    "years": TimeUnit.years,
}

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")

_FIXED_HOURS: dict[TimeUnit, float] = {
    TimeUnit.minutes: 1 / 60,
    TimeUnit.hours: 1.0,
    TimeUnit.days: 24.0,
    TimeUnit.weeks: 168.0,
}


class Duration(Strict):
    """A length of time with an explicit unit, written `24h`, `7 days`, `6 months`, `10 years`.

    A bare number is accepted only so that lint can flag it (GT112): its `unit` is None.
    """

    value: float = Field(ge=0)
    unit: TimeUnit | None = None

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("a duration must be a number with a unit such as '24h' or '6 months'")
        if isinstance(data, int | float):
            return {"value": data, "unit": None}
        if isinstance(data, str):
            match = _DURATION_RE.match(data)
            if match is None:
                try:
                    return {"value": float(data), "unit": None}
                except ValueError:
                    raise ValueError(
                        f"{data!r} is not a duration; write a number and a unit, "
                        "e.g. '24h', '48 hours', '7d', '6 months', '10 years'"
                    ) from None
            number, unit = match.groups()
            resolved = _UNIT_ALIASES.get(unit.lower())
            if resolved is None:
                raise ValueError(
                    f"unknown time unit {unit!r}; use one of minutes, hours (h), days (d), "
                    "weeks (w), months, years (y)"
                )
            return {"value": float(number), "unit": resolved}
        return data

    @model_serializer(mode="plain")
    def _serialise(self) -> str | float | int:
        value: float | int = int(self.value) if float(self.value).is_integer() else self.value
        if self.unit is None:
            return value
        return f"{value} {self.unit.value}"

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Authors write durations as text (`24h`); the schema says so."""
        return {
            "title": "Duration",
            "description": "A number and a unit: '24h', '48 hours', '7d', '6 months', '10 years'.",
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*[A-Za-z]+\s*$"},
                {"type": "number", "minimum": 0, "description": "unit-less: flagged by lint"},
            ],
        }

    @property
    def has_unit(self) -> bool:
        """True when the duration carries an explicit unit."""
        return self.unit is not None

    def hours(self) -> float:
        """Length in hours (months as 30.4375 days and years as 365.25 days for estimates)."""
        if self.unit is None:
            raise ValueError("duration has no unit")
        if self.unit is TimeUnit.months:
            return self.value * 30.4375 * 24
        if self.unit is TimeUnit.years:
            return self.value * 365.25 * 24
        return self.value * _FIXED_HOURS[self.unit]

    def days(self) -> float:
        """Length in days (see `hours` for months and years)."""
        return self.hours() / 24.0

    def add_to(self, start: datetime, clock: Clock = Clock.elapsed) -> datetime:
        """The instant this long after `start`: elapsed time, calendar months/years, or business days."""
        if self.unit is None:
            raise ValueError("duration has no unit")
        if self.unit in (TimeUnit.months, TimeUnit.years):
            months = round(self.value * (12 if self.unit is TimeUnit.years else 1))
            return add_months(start, months)
        if clock is Clock.business_days:
            return add_business_days(start, self.days())
        return start + timedelta(hours=self.hours())

    def __str__(self) -> str:
        return str(self._serialise())


def add_months(start: datetime, months: int) -> datetime:
    """Calendar months later, clamping the day to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def add_business_days(start: datetime, days: float) -> datetime:
    """Business days later (Monday to Friday; holidays are not modelled).

    The clock does not run at weekends: a start on a Saturday or Sunday counts from the next
    Monday at 00:00 (as numpy's busday_offset rolls forward), so 2 business days from a Saturday
    end on Wednesday 00:00, and 1 from a Friday noon on Monday noon.
    """
    whole = int(days)
    current = start
    if current.weekday() >= 5:
        current = (current + timedelta(days=7 - current.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    while whole > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            whole -= 1
    return current + timedelta(days=days - int(days))


class Document(Strict):
    """A source document that clauses cite."""

    title: str
    date: dt.date | None = None
    url: str | None = None
    publisher: str | None = None
    note: str | None = None
    text: str | None = Field(
        default=None,
        description=(
            "The document's recorded text (or the passages cited): lint checks that every `text` "
            "quote citing this document appears in it."
        ),
    )
    text_file: str | None = Field(
        default=None,
        description="A UTF-8 file holding the recorded text, relative to the agreement file.",
    )

    @model_validator(mode="after")
    def _one_text(self) -> Document:
        """The recorded text is given inline or in a file, not both."""
        if self.text is not None and self.text_file is not None:
            raise ValueError("give the recorded text as `text` or as `text_file`, not both")
        return self


class Grade(StrEnum):
    """How much of a clause the public record establishes (its provenance grade)."""

    text = "text"  # the instrument's own words, with a quote
    official = "official"  # an official statement or fact sheet, cited
    reported = "reported"  # press or secondary reporting, cited
    assumed = "assumed"  # the encoding's choice, with the reason


class SourceRef(Strict):
    """Where a clause (or part of one) comes from: grade, document, article, quote, reason."""

    grade: Grade | None = Field(
        default=None,
        description=(
            "text (the instrument's own words: give `quote`), official or reported (cite `doc`), "
            "assumed (the encoding's choice: give `reason`). A clause without a grade is a lint "
            "error."
        ),
    )
    doc: Id | None = Field(default=None, description="Id of a document in `documents`.")
    article: str | None = None
    quote: str | None = None
    reason: str | None = Field(default=None, description="Why an `assumed` value was chosen.")
    note: str | None = None


class Clause(Strict):
    """Anything with an id, a source reference and a version: the unit of rendering and diffing."""

    id: Id
    title: str | None = None
    text: str | None = Field(
        default=None, description="The clause in plain words (the original wording where public)."
    )
    source: SourceRef | None = None
    assumed: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Fields of this clause that are the encoding's choice rather than the source's "
            "(field name -> reason). The view 'as written' leaves them out."
        ),
    )
    version: str = "1"
    fact_note: str | None = Field(
        default=None, description="Where public facts are thin: what is assumed, and why."
    )

    @model_validator(mode="after")
    def _assumed_fields_exist(self) -> Clause:
        """Every key of `assumed` names a field of this clause."""
        model_fields = type(self).model_fields
        fields = {f.alias or name for name, f in model_fields.items()}
        required = {f.alias or name for name, f in model_fields.items() if f.is_required()}
        for key in self.assumed:
            if key in required:
                raise ValueError(
                    f"assumed: {key!r} is required, so it cannot be left out of the agreement as "
                    "written; grade the whole clause `assumed` (source: {grade: assumed, "
                    "reason: ...}) instead"
                )
            if key not in fields:
                close = difflib.get_close_matches(key, sorted(fields), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(
                    f"assumed: {key!r} is not a field of this clause{hint} Fields: "
                    + ", ".join(sorted(fields - {"id", "assumed", "source", "version"}))
                )
        return self
