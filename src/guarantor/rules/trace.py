"""Traces: why a level holds, does not hold, or cannot be told — as data, versioned.

Every evaluation of a trigger level returns a `LevelTrace`: per leaf the window it looked at,
each threshold with the observed value, the margin (observed minus threshold: met when >= 0),
the evidence ids, and what was unknown and why. Tables, JSON, CSV, the report, the API and the
dashboard render these; none of them builds its own explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from guarantor.model.triggers import Level
from guarantor.rules.logic import Truth
from guarantor.rules.plan import LeafKind, Measure, Provenance, Resolver, YamlPath

TRACE_VERSION = 1


class UnknownReason(StrEnum):
    """Why a value could not be established from the observations at hand."""

    not_observed = "not_observed"  # no source at hand records this attribute
    words_only = "words_only"  # a condition stated only in words
    no_coordinates = "no_coordinates"  # observations without a place
    not_carried = "not_carried"  # the source does not carry the measure (e.g. fatalities)


@dataclass(frozen=True)
class Unknown:
    """One value the observations cannot establish, why, and who could."""

    what: str  # an Attribute or Measure value
    reason: UnknownReason
    resolved_by: Resolver | None

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "what": self.what,
            "reason": self.reason.value,
            "resolved_by": resolver_json(self.resolved_by),
        }


def resolver_json(r: Resolver | None) -> dict[str, Any] | None:
    """A resolver as JSON-ready data (None when no act can settle the value)."""
    if r is None:
        return None
    return {"determination": r.determination, "body": r.body, "procedure": r.procedure}


@dataclass(frozen=True)
class Comparison:
    """One threshold: what was observed against what is needed."""

    measure: Measure
    observed: float | None  # None: unknown
    threshold: float
    truth: Truth
    observed_on: date | None = None  # for a best value over a period: the day it was seen

    @property
    def margin(self) -> float | None:
        """Observed minus threshold (met when >= 0); None when unknown."""
        return None if self.observed is None else self.observed - self.threshold

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data (fixed rounding)."""
        margin = self.margin
        return {
            "measure": self.measure.value,
            "observed": None if self.observed is None else round(self.observed, 4),
            "threshold": round(self.threshold, 4),
            "margin": None if margin is None else round(margin, 4),
            "truth": self.truth.name,
            "observed_on": None if self.observed_on is None else self.observed_on.isoformat(),
        }


@dataclass(frozen=True)
class LeafTrace:
    """One leaf at one evaluation: window, thresholds, evidence, unknowns, truth."""

    leaf: int
    kind: LeafKind
    path: YamlPath
    window: tuple[date, date]
    truth: Truth
    comparisons: tuple[Comparison, ...]
    evidence: tuple[str, ...]
    evidence_total: int
    unknown: tuple[Unknown, ...]
    parties: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "leaf": self.leaf,
            "kind": self.kind.value,
            "path": "/".join(str(p) for p in self.path),
            "parties": list(self.parties),
            "window": {"from": self.window[0].isoformat(), "to": self.window[1].isoformat()},
            "truth": self.truth.name,
            "comparisons": [c.to_json() for c in self.comparisons],
            "evidence": list(self.evidence),
            "evidence_total": self.evidence_total,
            "unknown": [u.to_json() for u in self.unknown],
        }


class TraceKind(StrEnum):
    """At which moment a trace was taken."""

    onset = "onset"  # the day the level was first established (or first undetermined)
    best = "best"  # the level never held: each threshold's best value over the period


@dataclass(frozen=True)
class LevelTrace:
    """A trigger level evaluated: its truth and every leaf's trace, with its thresholds' grade."""

    trigger: str
    level: Level
    kind: TraceKind
    day: date | None  # for onset traces
    truth: Truth
    leaves: tuple[LeafTrace, ...]
    provenance: Provenance

    @property
    def unknown(self) -> tuple[Unknown, ...]:
        """Every unknown of the leaves, once each, in leaf order."""
        seen: dict[tuple[str, str], Unknown] = {}
        for lt in self.leaves:
            for u in lt.unknown:
                seen.setdefault((u.what, u.reason.value), u)
        return tuple(seen.values())

    def to_json(self) -> dict[str, Any]:
        """The versioned trace document (`trace_version` 1)."""
        return {
            "trace_version": TRACE_VERSION,
            "trigger": self.trigger,
            "level": self.level.value,
            "kind": self.kind.value,
            "day": None if self.day is None else self.day.isoformat(),
            "truth": self.truth.name,
            "thresholds_grade": self.provenance.grade.value if self.provenance.grade else None,
            "leaves": [lt.to_json() for lt in self.leaves],
        }
