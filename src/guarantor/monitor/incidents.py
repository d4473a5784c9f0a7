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


def as_incidents(records: Iterable[Any], default_side: str = "RU") -> list[Incident]:
    """Incidents from incident-like records (objects or mappings with the usual field names)."""
    out: list[Incident] = []
    for index, record in enumerate(records):
        if isinstance(record, Incident):
            out.append(record)
            continue
        first = _time(_get(record, "first_seen", "start", "date"))
        if first is None:
            raise ValueError(f"incident {index} has no first_seen time")
        centroid = _get(record, "centroid")
        if centroid is not None and not isinstance(centroid, tuple):
            centroid = (
                (float(centroid[0]), float(centroid[1]))
                if hasattr(centroid, "__getitem__")
                else (centroid.x, centroid.y)
            )
        rev = _get(record, "reversed", "reversed_on")
        out.append(
            Incident(
                id=str(_get(record, "id") or f"incident-{index}"),
                first_seen=first,
                area_km2=float(_get(record, "area_km2") or 0.0),
                max_depth_km=float(_get(record, "max_depth_km", "depth_km") or 0.0),
                side=str(_get(record, "side") or default_side),
                confirmed=_time(_get(record, "confirmed", "confirmed_on"))
                if not isinstance(_get(record, "confirmed"), bool)
                else None,
                reversed=_time(rev) if not isinstance(rev, bool) else None,
                centroid=centroid,
                beyond=str(_get(record, "beyond") or "agreed_line"),
            )
        )
    return out
