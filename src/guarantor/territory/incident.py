"""The one incident type: an advance beyond a line, emitted by territory and read by monitor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from guarantor.rules.plan import Beyond


class Side(StrEnum):
    """Who advanced: the obligor (beyond the line) or the beneficiary (back inside it)."""

    obligor = "obligor"
    beneficiary = "beneficiary"


@dataclass(frozen=True)
class Incident:
    """One advance beyond a line, over the snapshots in which it was present."""

    id: str
    side: Side
    first_seen: datetime
    last_seen: datetime
    confirmed_at: datetime | None = None  # when it had persisted long enough to count
    reversed_at: datetime | None = None
    area_km2: float = 0.0  # largest extent seen
    current_area_km2: float = 0.0  # at the last snapshot examined
    max_depth_km: float = 0.0
    centroid: tuple[float, float] | None = None  # lon, lat of the largest extent
    units: tuple[str, ...] = ()
    unit_names: tuple[str, ...] = ()
    snapshots_present: int = 0
    beyond: Beyond = Beyond.agreed_line
    merged_from: tuple[str, ...] = ()  # incidents that grew into this one (their ids)
    merged_into: str | None = None  # the incident this one grew into, if it did
    merged_at: datetime | None = None  # when it did (its extent counts in the other from then)
    # (time, area km² present (0: absent), depth km so far) whenever either changed
    trail: tuple[tuple[datetime, float, float], ...] = field(default=(), repr=False, compare=False)
    footprint: Any = field(default=None, repr=False, compare=False)  # plane: union of extents
    largest: Any = field(default=None, repr=False, compare=False)  # plane: the largest extent

    @property
    def live(self) -> bool:
        """Not merged into another incident (a merged one's extent counts in the other)."""
        return self.merged_at is None

    @property
    def confirmed(self) -> bool:
        """Persisted long enough to count."""
        return self.confirmed_at is not None

    def to_dict(self) -> dict[str, Any]:
        """The incident as JSON-ready data (fixed rounding for byte-identical output)."""
        centroid = self.centroid or (0.0, 0.0)
        return {
            "id": self.id,
            "side": self.side.value,
            "beyond": self.beyond.value,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
            "reversed_at": self.reversed_at.isoformat() if self.reversed_at else None,
            "area_km2": round(self.area_km2, 3),
            "current_area_km2": round(self.current_area_km2, 3),
            "max_depth_km": round(self.max_depth_km, 3),
            "centroid": [round(centroid[0], 5), round(centroid[1], 5)],
            "units": list(self.units),
            "unit_names": list(self.unit_names),
            "snapshots_present": self.snapshots_present,
            "merged_from": list(self.merged_from),
            "merged_into": self.merged_into,
            "merged_at": self.merged_at.isoformat() if self.merged_at else None,
        }
