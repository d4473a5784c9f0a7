"""ACLED export CSV rows (31- and 33-column variants) into normalised events."""

from __future__ import annotations

from guarantor.sources.events_schema import Event
from guarantor.sources.events_text import coordinate, parse_datetime

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
    source_id = row["event_id_cnty"].strip()
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
        raise ValueError(f"event_date {text!r} is in {start.year}, but year says {year!r}")
    kind = _TYPES.get(row["event_type"].strip().lower())
    if kind is None:
        raise ValueError(f"event_type {row['event_type']!r} is not an ACLED event type")
    lat = coordinate(row, "latitude", 90.0)
    lon = coordinate(row, "longitude", 180.0)
    raw_fat = row["fatalities"].strip()
    try:
        fatalities = int(raw_fat) if raw_fat else 0
    except ValueError:
        raise ValueError(f"fatalities {raw_fat!r} is not a whole number") from None
    if fatalities < 0:
        raise ValueError(f"fatalities {fatalities} is negative")
    actors = tuple(
        a
        for a in (
            row["actor1"].strip(),
            row.get("assoc_actor_1", "").strip(),
            row["actor2"].strip(),
            row.get("assoc_actor_2", "").strip(),
        )
        if a
    )
    if not actors:
        raise ValueError("actor1 and actor2 are both empty")
    civilians = None
    if row["event_type"].strip().lower() == "violence against civilians":
        civilians = fatalities
    sub = row["sub_event_type"].strip()
    notes = row.get("notes", "").strip()
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
