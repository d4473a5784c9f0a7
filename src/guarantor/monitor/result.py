"""What an evaluation returns: established activations, undetermined levels, traces (typed data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from guarantor.model.triggers import Level
from guarantor.rules.plan import Resolver
from guarantor.rules.trace import TRACE_VERSION, LevelTrace, Unknown, resolver_json

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def iso_z(t: datetime) -> str:
    """An aware UTC time as ISO 8601 with a Z."""
    return t.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Resolution:
    """An act that settles a trigger's unknowns from a time on (a body's determination)."""

    trigger: str
    level: Level | None  # None: every level of the trigger
    time: datetime
    finding: bool  # True: the conditions are met; False: they are not
    by: str  # who made it (a body or party)
    ref: str  # the determination or act it comes from
    until: datetime | None = None  # settles until then (None: from `time` on)
    assumed: bool = False  # the decision was assumed (no votes recorded), not recorded

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "ref": self.ref,
            "by": self.by,
            "time": iso_z(self.time),
            "until": None if self.until is None else iso_z(self.until),
            "finding": self.finding,
            "assumed": self.assumed,
        }


@dataclass(frozen=True)
class Activation:
    """A trigger reaching a level, established as true: when, on what evidence, and why."""

    trigger: str
    level: Level
    time: datetime
    evidence: tuple[str, ...]
    evidence_total: int
    attribution: float | None
    trace: LevelTrace
    resolution: Resolution | None = None  # the act that settled its unknowns, if one did
    renewed: bool = False  # a renewed escalation: a new advance after a quiet spell, level held

    def to_json(self) -> dict[str, Any]:
        """The scriptable shape: trigger, level, time, evidence and the trace."""
        return {
            "trigger": self.trigger,
            "level": self.level.value,
            "time": iso_z(self.time),
            "renewed": self.renewed,
            "evidence": list(self.evidence),
            "evidence_total": self.evidence_total,
            "attribution": None if self.attribution is None else round(self.attribution, 4),
            "resolution": None if self.resolution is None else self.resolution.to_json(),
            "thresholds_grade": (
                self.trace.provenance.grade.value if self.trace.provenance.grade else None
            ),
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class Undetermined:
    """A level that holds if its unknowns resolve: what is unknown and who can settle it."""

    trigger: str
    level: Level
    time: datetime
    unknown: tuple[Unknown, ...]
    resolved_by: Resolver | None
    trace: LevelTrace
    ends: datetime | None = None  # when it stopped holding (None: still at the period's end)

    def to_json(self) -> dict[str, Any]:
        """The scriptable shape: trigger, level, time, unknowns, the resolver, the trace."""
        return {
            "trigger": self.trigger,
            "level": self.level.value,
            "time": iso_z(self.time),
            "unknown": [u.to_json() for u in self.unknown],
            "resolved_by": resolver_json(self.resolved_by),
            "ends": None if self.ends is None else iso_z(self.ends),
            "trace": self.trace.to_json(),
        }


@dataclass
class MonitorResult:
    """Activations and undetermined levels in time order, why-not traces, and per-day levels.

    `levels[t]` is the highest established level of trigger t per day and `possible[t]` the
    highest level that is at least undetermined (-1 = none; 0 watch, 1 consult, 2 invoke).
    """

    start: date
    days: int
    activations: list[Activation]
    undetermined: list[Undetermined]
    not_reached: list[LevelTrace]  # levels never established: each threshold's best value
    levels: dict[str, NDArray[np.int8]] = field(default_factory=dict)
    possible: dict[str, NDArray[np.int8]] = field(default_factory=dict)

    def to_json(self, why_not: bool = False) -> dict[str, Any]:
        """The `monitor evaluate --format json` document (trace_version 1)."""
        doc: dict[str, Any] = {
            "trace_version": TRACE_VERSION,
            "activations": [a.to_json() for a in self.activations],
            "undetermined": [u.to_json() for u in self.undetermined],
        }
        if why_not:
            doc["not_reached"] = [t.to_json() for t in self.not_reached]
        return doc
