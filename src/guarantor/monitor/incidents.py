"""Territorial incidents from any source (the territory room, a file, a test), one shape."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Incident:
    """An advance beyond a line: when first seen, when confirmed, how big, by whom."""

    id: str
    first_seen: datetime
    area_km2: float
    max_depth_km: float
    side: str
    confirmed: datetime | None = None
    reversed: datetime | None = None
    centroid: tuple[float, float] | None = None
    beyond: str = "agreed_line"


def _get(record: Any, *names: str) -> Any:
    for name in names:
        if isinstance(record, dict) and name in record:
            return record[name]
        if hasattr(record, name):
            return getattr(record, name)
    return None


def _time(value: Any) -> datetime | None:
    if value is None or value is False:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if hasattr(value, "isoformat") and not isinstance(value, str):  # a date
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_incidents(records: Iterable[Any], sides: dict[str, str] | None = None) -> list[Incident]:
    """Incidents from incident-like records (objects or mappings with the usual field names).

    `sides` maps a record's side (e.g. the territory room's `obligor`) to a party id.
    """
    sides = sides or {}
    out: list[Incident] = []
    for index, record in enumerate(records):
        if isinstance(record, Incident):
            out.append(record)
            continue
        first = _time(_get(record, "first_seen", "start", "date"))
        if first is None:
            raise ValueError(f"incident {index} has no first_seen time")
        raw_centroid = _get(record, "centroid")
        centroid = None
        if raw_centroid is not None:
            centroid = (float(raw_centroid[0]), float(raw_centroid[1]))
        confirmed = _get(record, "confirmed_at", "confirmed")
        reversed_ = _get(record, "reversed_at", "reversed")
        side = str(_get(record, "side") or "")
        out.append(
            Incident(
                id=str(_get(record, "id") or f"incident-{index}"),
                first_seen=first,
                area_km2=float(_get(record, "area_km2") or 0.0),
                max_depth_km=float(_get(record, "max_depth_km", "depth_km") or 0.0),
                side=sides.get(side, side),
                confirmed=None if isinstance(confirmed, bool) else _time(confirmed),
                reversed=None if isinstance(reversed_, bool) else _time(reversed_),
                centroid=centroid,
                beyond=str(_get(record, "beyond") or "agreed_line"),
            )
        )
    return out


def incident_events(incidents: Iterable[Incident]) -> Any:
    """Attack events derived from territorial incidents: one `battle` per incident, by its side,
    on the day it was first seen, at its centroid (fatalities unknown, counted as 0).

    A proxy for when no event data covers the period: an advance across the line implies an
    attack across it. Replays label these events `territory:<incident id>`.
    """
    import numpy as np

    from guarantor.monitor.columns import MAX_ACTORS, TYPE_CODE, EventColumns, day_number

    items = [i for i in incidents if i.centroid is not None]
    names = sorted({i.side for i in items})
    actors = np.full((len(items), MAX_ACTORS), -1, dtype=np.int32)
    for row, inc in enumerate(items):
        actors[row, 0] = names.index(inc.side)
    return EventColumns(
        day=np.array([day_number(i.first_seen) for i in items], dtype=np.int32),
        lon=np.array([i.centroid[0] for i in items if i.centroid], dtype=np.float64),
        lat=np.array([i.centroid[1] for i in items if i.centroid], dtype=np.float64),
        type_code=np.full(len(items), TYPE_CODE["battle"], dtype=np.int8),
        actors=actors,
        fatalities=np.zeros(len(items), dtype=np.int64),
        actor_names=names,
        ids=[f"territory:{i.id}" for i in items],
    )
