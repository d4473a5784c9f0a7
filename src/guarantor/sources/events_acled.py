"""ACLED export CSV rows (31- and 33-column variants) into normalised events."""

from __future__ import annotations

from guarantor.sources.events_schema import Event
from guarantor.sources.events_text import (
    MAX_ID,
    coordinate,
    count,
    free_text,
    name_field,
    parse_datetime,
    shown,
)

SOURCE = "acled"

# The standard API export (31 columns); the 33-column export adds `id` first and `actor_dyad` last.
COLUMNS_31: tuple[str, ...] = (
    "iso", "event_id_cnty", "event_date", "year", "time_precision", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "source_scale", "notes", "fatalities", "timestamp", "geo_precision", "source",
    "civilian_targeting", "disorder_type", "tags",
)  # fmt: skip
COLUMNS_33: tuple[str, ...] = ("id", *COLUMNS_31, "actor_dyad")

REQUIRED: frozenset[str] = frozenset(
    {
        "event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type",
        "actor1", "actor2", "latitude", "longitude", "fatalities", "geo_precision",
    }
)  # fmt: skip

_TYPES = {
    "battles": "battle",
    "explosions/remote violence": "remote_violence",
    "violence against civilians": "one_sided",
    "strategic developments": "strategic",
    "protests": "protest",
    "riots": "riot",
}
_TIME_PREC = {"1": "day", "2": "week", "3": "month"}
_GEO_PREC = {"1": "exact", "2": "near", "3": "admin1"}


def parse_row(row: dict[str, str], warnings: list[str] | None = None) -> Event:
    """One ACLED row as an Event; raises ValueError with the reason when the row is unusable."""
    source_id = name_field(row, "event_id_cnty", MAX_ID)
    if not source_id:
        raise ValueError("event_id_cnty is empty")
    text = row["event_date"].strip()
    try:
        # ISO in the API; `dd/mm/YYYY [00:00:00]` in spreadsheet exports: day first.
        start = parse_datetime(text, day_first=True)
    except ValueError as exc:
        raise ValueError(f"event_date: {exc}") from None
    year = row["year"].strip()
    if year and year != str(start.year):
        raise ValueError(
            f"event_date {shown(text)} is in {start.year}, but year says {shown(year)}"
        )
    kind = _TYPES.get(row["event_type"].strip().lower())
    if kind is None:
        raise ValueError(f"event_type {shown(row['event_type'])} is not an ACLED event type")
    lat = coordinate(row, "latitude", 90.0)
    lon = coordinate(row, "longitude", 180.0)
    fatalities = count(row, "fatalities")
    actors = tuple(
        a
        for a in (
            name_field(row, "actor1"),
            name_field(row, "assoc_actor_1") if "assoc_actor_1" in row else "",
            name_field(row, "actor2"),
            name_field(row, "assoc_actor_2") if "assoc_actor_2" in row else "",
        )
        if a
    )
    if not actors:
        raise ValueError("actor1 and actor2 are both empty")
    civilians = None
    if row["event_type"].strip().lower() == "violence against civilians":
        civilians = fatalities
    sub = name_field(row, "sub_event_type")
    notes = free_text(row.get("notes", "").strip(), "notes")
    return Event(
        source=SOURCE,
        source_id=source_id,
        start=start,
        end=start,
        time_precision=_TIME_PREC.get(row["time_precision"].strip(), "other"),
        latitude=lat,
        longitude=lon,
        geo_precision=_GEO_PREC.get(row["geo_precision"].strip(), "other"),
        actors=actors,
        event_type=kind,
        fatalities_best=fatalities,
        fatalities_low=fatalities,
        fatalities_high=fatalities,
        civilian_deaths=civilians,
        notes=f"{sub}: {notes}" if sub and notes else sub or notes,
    )
