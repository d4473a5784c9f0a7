"""What a monitoring run observed besides events: territory incidents, and every source's coverage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from guarantor.monitor.columns import day_start
from guarantor.monitor.engine import Evaluator
from guarantor.sources.coverage import SourceCoverage, coverage_json, coverage_of
from guarantor.territory.breach import BreachWeek, breach_series
from guarantor.territory.incident import Incident
from guarantor.territory.line_reading import LineOnMap


@dataclass
class Observed:
    """The sources' coverage of the period, and the territory read (when there was one)."""

    coverage: list[SourceCoverage]
    line: LineOnMap | None = None
    incidents: list[Incident] = field(default_factory=list)
    breach: list[BreachWeek] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The keys a monitor JSON result adds: coverage, and the territory's when read."""
        doc: dict[str, Any] = {"coverage": coverage_json(self.coverage)}
        if self.line is not None:
            doc["agreed_line"] = self.line.to_json()
            doc["incidents"] = [i.to_dict() for i in self.incidents]
            doc["breach_series"] = [w.to_json() for w in self.breach]
        return doc


def observe(
    ev: Evaluator,
    territory: Path | None,
    line_file: Path | None,
    progress: Callable[[str], None] | None = None,
) -> Observed:
    """Feed the territory's incidents to `ev` (re-read on each run, never checkpointed) and
    measure each source's coverage of the evaluator's period."""
    start = ev.start
    end = ev.start + timedelta(days=ev.days - 1)
    # the count, not the files: a run resumed from a checkpoint says the same as one run
    label = f"{ev.rows} event(s) evaluated" if ev.rows else "no event files given"
    # the events fed, before a checkpoint too: first and last day (events are sparse: no gaps)
    span = [] if ev.span is None else [day_start(d).date() for d in ev.span]
    coverage = [coverage_of("events", span, start, end, label=label)]
    if territory is None:
        return Observed(coverage)
    from guarantor.territory.inputs import resolve_units
    from guarantor.territory.line_reading import read_territory

    reading = read_territory(
        territory,
        start,
        end,
        ev.geography.border,
        progress,
        line_file=line_file,
        units=resolve_units(None, required=False),
    )
    if ev.geography.agreed_line_held is None or line_file is not None:
        ev.geography.agreed_line_held = reading.line.geometry
    ev.feed_incidents(reading.incidents)
    coverage.append(reading.coverage)
    return Observed(
        coverage, reading.line, reading.incidents, breach_series(reading.incidents, start, end)
    )
