"""Monitoring arrangements: who watches, with what, how often, how fast on request."""

from __future__ import annotations

from pydantic import Field

from guarantor.model.common import Clause, Duration, Id


class MonitoringArrangement(Clause):
    """A monitor, its sensors, cadence, on-request verification deadline and report routing."""

    monitor: list[Id] = Field(min_length=1)
    sensors: list[str] = Field(default_factory=list)
    cadence: Duration | None = None
    on_request_within: Duration | None = None
    reports_to: list[Id] = Field(default_factory=list)
