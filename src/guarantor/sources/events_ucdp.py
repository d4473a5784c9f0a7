"""UCDP Georeferenced Event Dataset (GED) CSV rows into normalised events."""

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

SOURCE = "ucdp"

# The 49 columns of GED 22.1 / Candidate releases.
COLUMNS: tuple[str, ...] = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence",
    "conflict_dset_id", "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id",
    "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id",
    "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates",
    "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip

# The columns the reader needs; the others are carried by the file but not used.
REQUIRED: frozenset[str] = frozenset(
    {
        "id", "year", "type_of_violence", "side_a", "side_b", "where_prec", "latitude",
        "longitude", "date_prec", "date_start", "date_end", "deaths_civilians", "best",
        "high", "low",
    }
)  # fmt: skip

_TYPES = {"1": "battle", "2": "non_state", "3": "one_sided"}
_DATE_PREC = {"1": "day", "2": "days", "3": "week", "4": "month", "5": "year"}
_WHERE_PREC = {"1": "exact", "2": "near", "3": "admin2", "4": "admin1", "5": "other", "6": "country", "7": "other"}  # fmt: skip


def parse_row(row: dict[str, str], warnings: list[str] | None = None) -> Event:
    """One GED row as an Event; raises ValueError with the reason when the row is unusable.

    Repairs that keep a row usable are described in `warnings` (when given).
    """
    source_id = name_field(row, "id", MAX_ID)
    if not source_id:
        raise ValueError("id is empty")
    try:
        start = parse_datetime(row["date_start"], day_first=False)
    except ValueError as exc:
        raise ValueError(f"date_start: {exc}") from None
    try:
        end = parse_datetime(row["date_end"], day_first=False)
    except ValueError as exc:
        raise ValueError(f"date_end: {exc}") from None
    year = row["year"].strip()
    if year != str(start.year):
        raise ValueError(
            f"date_start {shown(row['date_start'].strip())} read month-first is in {start.year}, "
            f"but year says {shown(year)}"
        )
    if end < start:
        raise ValueError(
            f"date_end {shown(row['date_end'].strip())} is before date_start "
            f"{shown(row['date_start'].strip())}"
        )
    kind = _TYPES.get(row["type_of_violence"].strip())
    if kind is None:
        raise ValueError(f"type_of_violence {shown(row['type_of_violence'])} is not 1, 2 or 3")
    lat = coordinate(row, "latitude", 90.0)
    lon = coordinate(row, "longitude", 180.0)
    if lat == 0.0 and lon == 0.0:
        raise ValueError("coordinates are 0,0 (a missing location)")
    best, low, high = count(row, "best"), count(row, "low"), count(row, "high")
    if not low <= best <= high:
        # Real GED Candidate rows carry e.g. high 0 beside best 5294: the best estimate is
        # the figure UCDP publishes, so keep it and widen the bounds to include it.
        if warnings is not None:
            warnings.append(
                f"fatality bounds out of order (low {low}, best {best}, high {high}); "
                "widened to include best"
            )
        low, high = min(low, best), max(high, best)
    actors = tuple(a for a in (name_field(row, "side_a"), name_field(row, "side_b")) if a)
    if not actors:
        raise ValueError("side_a and side_b are both empty")
    notes = free_text(
        "; ".join(
            x
            for x in (row.get("dyad_name", "").strip(), row.get("where_description", "").strip())
            if x
        ),
        "dyad_name and where_description",
    )
    return Event(
        source=SOURCE,
        source_id=source_id,
        start=start,
        end=end,
        time_precision=_DATE_PREC.get(row["date_prec"].strip(), "other"),
        latitude=lat,
        longitude=lon,
        geo_precision=_WHERE_PREC.get(row["where_prec"].strip(), "other"),
        actors=actors,
        event_type=kind,
        fatalities_best=best,
        fatalities_low=low,
        fatalities_high=high,
        civilian_deaths=count(row, "deaths_civilians"),
        notes=notes,
    )
