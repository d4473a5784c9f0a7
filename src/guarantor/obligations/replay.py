"""Replay: run history against an agreement as if it had been in force, and plot the timeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.errors import UserError
from guarantor.model import Agreement, RoleKind
from guarantor.monitor.actors import ActorMap
from guarantor.monitor.columns import EventColumns, day_start
from guarantor.monitor.engine import QUIET_DAYS, Evaluator
from guarantor.monitor.geography import Geography
from guarantor.monitor.result import MonitorResult
from guarantor.obligations.coverage import PartyRecord, judge_by_record
from guarantor.obligations.settle import settle_undetermined
from guarantor.obligations.standing import duties_from_entry_into_force
from guarantor.obligations.timeline import Timeline, build_timeline
from guarantor.sources.acts import ActLog
from guarantor.sources.coverage import (
    CoverageStatus,
    SourceCoverage,
    coverage_json,
    coverage_of,
    overall,
)
from guarantor.sources.events_read import read_events
from guarantor.sources.events_schema import ReadResult
from guarantor.territory.breach import BreachWeek, breach_series
from guarantor.territory.incident import Incident, Side
from guarantor.territory.line_reading import is_swap_file

if TYPE_CHECKING:
    from guarantor.sources.snapshots import SnapshotSeries
    from guarantor.territory.boundaries import Units
    from guarantor.territory.line_reading import LineOnMap

Progress = Callable[[str], None]


@dataclass
class ReplayResult:
    """What a replay found: the monitor's result, the timeline, and where its inputs came from."""

    agreement: Agreement
    start: date
    end: date
    monitor: MonitorResult
    timeline: Timeline
    sources: list[str] = field(default_factory=list)
    read: ReadResult | None = None
    incidents: list[Incident] = field(default_factory=list)
    record: list[PartyRecord] = field(default_factory=list)  # what the acts cover, per party
    breach: list[BreachWeek] = field(default_factory=list)  # weekly, per direction and "all"
    coverage: list[SourceCoverage] = field(default_factory=list)  # per source, against the period
    line: LineOnMap | None = None  # the agreed line the incidents are measured against
    quiet_days: int = QUIET_DAYS

    @property
    def status(self) -> CoverageStatus:
        """ok only when every source covers the period; else partial or missing."""
        return overall(self.coverage)

    def to_json(self) -> dict[str, Any]:
        """The replay JSON document: activations, obligations, and context."""
        return {
            "agreement": {"id": self.agreement.id, "version": self.agreement.version},
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "trace_version": 1,
            "activations": [a.to_json() for a in self.monitor.activations],
            "undetermined": [u.to_json() for u in self.monitor.undetermined],
            "obligations": [o.to_json() for o in self.timeline.owed],
            "not_reached": [t.to_json() for t in self.monitor.not_reached],
            "determinations": [
                {
                    "determination": det,
                    "trigger": trig,
                    "opened": d.opened.isoformat().replace("+00:00", "Z"),
                    "status": d.status,
                    "time": None if d.time is None else d.time.isoformat().replace("+00:00", "Z"),
                    "explanation": d.explanation,
                    "attribution": None if d.attribution is None else round(d.attribution, 4),
                    "min_attribution": d.required,
                }
                for det, trig, d in self.timeline.decisions
            ],
            "sources": self.sources,
            "acts_record": [r.to_json() for r in self.record],
            "incidents": [i.to_dict() for i in self.incidents],
            "agreed_line": None if self.line is None else self.line.to_json(),
            "breach_series": [w.to_json() for w in self.breach],
            "quiet_days": self.quiet_days,
            "coverage": coverage_json(self.coverage),
            "status": self.status.value,
        }


def replay(
    agreement: Agreement,
    start: date,
    end: date,
    event_files: Sequence[Path] = (),
    actors: ActorMap | None = None,
    geography: Geography | None = None,
    territory: Path | SnapshotSeries | None = None,
    acts: ActLog | None = None,
    progress: Progress | None = None,
    events: EventColumns | None = None,
    territory_every_days: int = 1,
    attacks_from_territory: bool = False,
    line_file: Path | None = None,
    quiet_days: int = QUIET_DAYS,
    units: Units | None = None,
) -> ReplayResult:
    """Evaluate the agreement over [start, end] on the given history and open what it owes.

    `territory` is a snapshot source, or a series already scanned from one (see
    `territory.line_reading.read_territory`): callers that read the snapshots anyway can pass
    them. `line_file` (GeoJSON or a swap YAML) is the agreed line instead of the snapshot held
    at `start`. `units` (admin-1) name the directions of the breach series.
    """
    sources: list[str] = []
    coverage: list[SourceCoverage] = []
    read = None
    geography = geography or Geography()
    if event_files:
        read = read_events(event_files)
        events = EventColumns.from_events(read.events)
        sources.append(
            f"events: {', '.join(str(p) for p in event_files)} ({read.accepted} accepted)"
        )
        coverage.append(
            coverage_of(
                "events",
                (e.start.date() for e in read.events),
                start,
                end,
                label=", ".join(str(p) for p in event_files),
            )
        )
    incidents: list[Incident] = []
    breach: list[BreachWeek] = []
    line: LineOnMap | None = None
    if line_file is not None and territory is None and is_swap_file(line_file):
        raise UserError(f"{line_file}: a swap file as the agreed line needs --territory")
    if territory is not None:
        from guarantor.territory.inputs import resolve_units
        from guarantor.territory.line_reading import read_territory

        if units is None:
            units = resolve_units(None, required=False)

        reading = read_territory(
            territory,
            start,
            end,
            geography.border,
            progress,
            territory_every_days,
            line_file,
            units,
        )
        incidents, line = reading.incidents, reading.line
        if geography.agreed_line_held is None or line_file is not None:
            geography.agreed_line_held = line.geometry
        breach = breach_series(incidents, start, end)
        coverage.append(reading.coverage)
        sources.append(
            f"territory: {reading.source} ({len(incidents)} incident(s) beyond the agreed line, "
            f"{line.describe()})"
        )
        if attacks_from_territory:
            obligor = next(
                iter(
                    agreement.with_role(RoleKind.obligor) or agreement.with_role(RoleKind.adversary)
                ),
                None,
            )
            if obligor is None:
                raise UserError(
                    "--attacks-from-territory needs a party with the role obligor or adversary"
                )
            derived = EventColumns.from_incidents(
                (i for i in incidents if i.side is Side.obligor), obligor
            )
            if events is not None and len(events):
                raise UserError(
                    "--attacks-from-territory replaces event files; give one or the other"
                )
            events = derived
            coverage = [c for c in coverage if c.source != "events"]
            coverage.append(
                replace(reading.coverage, source="events", note="derived from territory")
            )
            sources.append(
                f"events: {len(derived)} attack(s) DERIVED from territorial incidents "
                "(one per advance, at its centroid, fatalities unknown)"
            )
    if not any(c.source == "events" for c in coverage):
        coverage.append(coverage_of("events", (), start, end, label="no event files given"))
    log = acts or ActLog()
    result, timeline = run_history(
        agreement, start, end, events, incidents, log, actors, geography, quiet_days=quiet_days
    )
    venues = {o.id: o.venue for o in agreement.obligations if o.venue}
    record = judge_by_record(timeline.owed, log, venues) if acts is not None else []
    return ReplayResult(
        agreement,
        start,
        end,
        result,
        timeline,
        sources,
        read,
        incidents,
        record,
        breach=breach,
        coverage=coverage,
        line=line,
        quiet_days=quiet_days,
    )


def run_history(
    agreement: Agreement,
    start: date,
    end: date,
    events: EventColumns | None,
    incidents: Sequence[Incident],
    acts: ActLog,
    actors: ActorMap | None = None,
    geography: Geography | None = None,
    assume_votes: bool = True,
    quiet_days: int = QUIET_DAYS,
) -> tuple[MonitorResult, Timeline]:
    """Evaluate the triggers on a history, settle what determinations settle, open what is owed.

    Levels that hold but for what only a determination can settle (deliberateness, words) run
    the determining body's procedure from their onset; its decision settles them (marked when
    its votes are assumed). Statuses are as of the end of the last day.
    """
    ev = Evaluator(agreement, start, end, actors, geography, quiet_days)
    if events is not None:
        ev.feed(events)
    ev.feed_incidents(incidents)
    recorded = ev.feed_acts(acts)
    as_of = day_start((end - date(1970, 1, 1)).days + 1)
    first = ev.result(recorded)
    settled = settle_undetermined(agreement, first.undetermined, acts, as_of, assume_votes)
    result = ev.result([*recorded, *settled]) if settled else first
    timeline = build_timeline(
        agreement, result.activations, acts, as_of, assume_votes=assume_votes, plan=ev.plan
    )
    # standing duties and enactment steps are owed from entry into force, not opened by a level
    timeline.owed += duties_from_entry_into_force(agreement, acts, start, timeline.as_of)
    timeline.owed.sort(
        key=lambda o: (o.opened or timeline.as_of, o.due or timeline.as_of, o.source, o.party)
    )
    return result, timeline


def plot(result: ReplayResult, path: Path) -> None:
    """A PNG of each trigger's level over time and the obligations' due dates (whole file or nothing)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from guarantor.fileio import write_atomic as atomic_write

    days = result.monitor.days
    x = np.array([result.start + timedelta(days=i) for i in range(days)])
    triggers = list(result.monitor.levels)
    fig, axes = plt.subplots(
        2, 1, figsize=(11, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    ax = axes[0]
    for i, trig in enumerate(triggers):
        series = result.monitor.levels[trig].astype(float)
        ax.step(x, series + i * 0.08, where="post", label=trig, linewidth=1)
    ax.set_yticks([-1, 0, 1, 2], ["none", "watch", "consult", "invoke"])
    ax.set_title(f"{result.agreement.id}: trigger levels, {result.start} to {result.end}")
    ax.legend(loc="upper right", fontsize=8)
    ax2 = axes[1]
    colours = {
        "unverified": "tab:purple",
        "unrecorded": "tab:olive",
        "met": "tab:green",
        "open": "tab:blue",
        "overdue": "tab:orange",
        "breached": "tab:red",
        "waiting": "tab:gray",
    }
    sources = sorted({o.source for o in result.timeline.owed})
    for status, colour in colours.items():
        points = [
            (o.due.date(), sources.index(o.source))
            for o in result.timeline.owed
            if o.due is not None and o.status == status
        ]
        if points:
            xs, ys = zip(*points, strict=True)
            ax2.scatter(xs, ys, marker="|", s=100, color=colour, label=status)
    ax2.set_yticks(range(len(sources)), sources, fontsize=7)
    ax2.set_title(
        "obligations due (colour = status: green met, orange overdue, red breached, grey waiting)",
        fontsize=9,
    )
    fig.text(0.01, 0.01, "; ".join(result.sources)[:180], fontsize=6)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    atomic_write(path, buffer.getvalue())
