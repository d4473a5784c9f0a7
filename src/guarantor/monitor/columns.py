"""Events as column arrays (days, coordinates, type and actor codes) for vectorised evaluation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from numpy.typing import NDArray

from guarantor.sources.events_schema import EVENT_TYPES, Event
from guarantor.territory.incident import Incident

EPOCH = date(1970, 1, 1)
TYPE_CODE: dict[str, int] = {name: code for code, name in enumerate(EVENT_TYPES)}
MAX_ACTORS = 4


def day_number(day: date | datetime) -> int:
    """Days since 1970-01-01 (UTC for datetimes)."""
    if isinstance(day, datetime):
        day = day.astimezone(UTC).date()
    return (day - EPOCH).days


def day_start(number: int) -> datetime:
    """Midnight UTC at the start of day `number`."""
    return datetime.combine(date.fromordinal(EPOCH.toordinal() + number), datetime.min.time(), UTC)


@dataclass
class EventColumns:
    """A chunk of events as arrays; `actors` holds codes into `actor_names` (-1 = none)."""

    day: NDArray[np.int32]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    type_code: NDArray[np.int8]
    actors: NDArray[np.int32]  # shape (n, MAX_ACTORS)
    fatalities: NDArray[np.int64]
    actor_names: Sequence[str]
    ids: Sequence[str] | None = None
    fatalities_known: NDArray[np.bool_] | None = None  # None: every row carries its fatalities

    def __len__(self) -> int:
        return int(self.day.shape[0])

    @staticmethod
    def type_codes(types: Iterable[str]) -> list[int]:
        """The codes of normalised event types."""
        return [TYPE_CODE[t] for t in types]

    def subset(self, keep: NDArray[np.bool_]) -> EventColumns:
        """The rows where `keep` is true."""
        ids = (
            None
            if self.ids is None
            else [x for x, k in zip(self.ids, keep.tolist(), strict=True) if k]
        )
        return EventColumns(
            day=self.day[keep],
            lon=self.lon[keep],
            lat=self.lat[keep],
            type_code=self.type_code[keep],
            actors=self.actors[keep],
            fatalities=self.fatalities[keep],
            actor_names=self.actor_names,
            ids=ids,
            fatalities_known=None if self.fatalities_known is None else self.fatalities_known[keep],
        )

    @classmethod
    def from_events(cls, events: Sequence[Event]) -> EventColumns:
        """Columns from normalised events (the event's day is its start date, UTC)."""
        names: dict[str, int] = {}
        n = len(events)
        actors = np.full((n, MAX_ACTORS), -1, dtype=np.int32)
        for i, e in enumerate(events):
            for j, a in enumerate(e.actors[:MAX_ACTORS]):
                actors[i, j] = names.setdefault(a, len(names))
        return cls(
            day=np.fromiter((day_number(e.start) for e in events), dtype=np.int32, count=n),
            lon=np.fromiter(
                (np.nan if e.longitude is None else e.longitude for e in events), np.float64, n
            ),
            lat=np.fromiter(
                (np.nan if e.latitude is None else e.latitude for e in events), np.float64, n
            ),
            type_code=np.fromiter((TYPE_CODE[e.event_type] for e in events), np.int8, n),
            actors=actors,
            fatalities=np.fromiter((e.fatalities_best for e in events), np.int64, n),
            actor_names=list(names),
            ids=[f"{e.source}:{e.source_id}" for e in events],
        )

    @classmethod
    def from_incidents(cls, incidents: Iterable[Incident], party: str) -> EventColumns:
        """Attack events derived from territorial incidents, all by `party`.

        One `battle` per incident on the day it was first seen, at its centroid; its fatalities
        are unknown (a territorial source does not carry them), never zero. A proxy for when no
        event data covers the period: an advance across the line implies an attack across it.
        Replays label these events `territory:<incident id>`.
        """
        items = [i for i in incidents if i.centroid is not None]
        n = len(items)
        actors = np.full((n, MAX_ACTORS), -1, dtype=np.int32)
        actors[:, 0] = 0
        return cls(
            day=np.array([day_number(i.first_seen) for i in items], dtype=np.int32),
            lon=np.array([i.centroid[0] for i in items if i.centroid], dtype=np.float64),
            lat=np.array([i.centroid[1] for i in items if i.centroid], dtype=np.float64),
            type_code=np.full(n, TYPE_CODE["battle"], dtype=np.int8),
            actors=actors,
            fatalities=np.zeros(n, dtype=np.int64),
            actor_names=[party],
            ids=[f"territory:{i.id}" for i in items],
            fatalities_known=np.zeros(n, dtype=bool),
        )
