"""One watched agreement: feed the new days to the incident walk, evaluate, and say what is new.

The territory walk (territory.violations.IncidentWalk) is the only expensive part of a replay;
it is kept between ticks and saved as a checkpoint, so a new day costs one snapshot's overlay.
The triggers are then evaluated by the monitor's Evaluator through obligations.run_history, on
the incidents so far: the same code, and so the same answers, as `guarantor replay`.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.errors import UserError
from guarantor.fileio import write_atomic
from guarantor.watch.config import LoadedConfig, WatchedAgreement

if TYPE_CHECKING:
    from guarantor.model import Agreement
    from guarantor.monitor.actors import ActorMap
    from guarantor.monitor.columns import EventColumns
    from guarantor.monitor.geography import Geography
    from guarantor.sources.locate import DataFolder
    from guarantor.territory.violations import IncidentWalk

CHECKPOINT_VERSION = 1
MAX_EVIDENCE = 50  # evidence ids kept in one record (the total is recorded too)


class RecordKind(StrEnum):
    """The ledger record kinds the watch writes."""

    activation = "watch_activation"
    undetermined = "watch_undetermined"
    obligation = "watch_obligation_opened"


@dataclass(frozen=True)
class WatchFinding:
    """Something the watch established, as a ledger record: its kind, idempotency key, content."""

    kind: RecordKind
    key: str
    payload: dict[str, Any]


@dataclass
class StepResult:
    """What one tick found for one agreement."""

    findings: list[WatchFinding] = field(default_factory=list)
    data_through: date | None = None
    new_days: int = 0
    problems: list[str] = field(default_factory=list)  # bad snapshots, gaps: reported, kept out


@dataclass
class WalkCheckpoint:
    """What survives a restart: the walk so far, the agreed line, and where it stopped."""

    version: int
    fingerprint: str
    walk_version: int = 0  # IncidentWalk.STATE_VERSION of the code that wrote it
    walk: IncidentWalk | None = None
    walked_until: datetime | None = None
    line_label: str = ""
    line: Any = None  # the agreed line (lon/lat): the area held at the start
    data_through: date | None = None
    reported: list[str] = field(default_factory=list)  # problems already reported (not repeated)

    def remember(self, problem: str) -> bool:
        """Whether `problem` is new (then it is remembered; the last 1,000 are kept)."""
        if problem in self.reported:
            return False
        self.reported = [*self.reported[-999:], problem]
        return True


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


class AgreementRunner:
    """Watches one agreement: loads it, keeps its walk, evaluates when new data arrives."""

    def __init__(self, loaded: LoadedConfig, spec: WatchedAgreement, data: DataFolder) -> None:
        from guarantor.obligations.setup import resolve

        self.spec = spec
        self.name = spec.name
        agreement_path = loaded.path(spec.agreement)
        if not agreement_path.is_file():
            raise UserError(f"{spec.name}: agreement file {agreement_path} does not exist")
        from guarantor.spec.load import load_agreement

        self.agreement: Agreement = load_agreement(agreement_path)
        self.territory: Path | None = None
        if spec.territory is not None:
            self.territory = resolve(spec.territory, loaded.file, data)
            if self.territory is None or not self.territory.exists():
                raise UserError(f"{spec.name}: territory source {spec.territory} is not there")
        self.event_files: list[Path] = []
        for text in spec.events:
            p = resolve(text, loaded.file, data)
            if p is None or not p.exists():
                raise UserError(f"{spec.name}: event file {text} is not there")
            self.event_files.append(p)
        self.actors: ActorMap | None = None
        if spec.actors:
            from guarantor.monitor.actors import load_actor_map

            actors_path = resolve(spec.actors, loaded.file, data)
            if actors_path is None:
                raise UserError(f"{spec.name}: actor map {spec.actors} is not there")
            self.actors = load_actor_map(actors_path)
        border = resolve(spec.border, loaded.file, data) if spec.border else None
        if spec.border and (border is None or not border.is_file()):
            raise UserError(f"{spec.name}: border file {spec.border} is not there")
        self.geography = self._geography(data, border)
        digest = hashlib.sha256(agreement_path.read_bytes())
        digest.update(f"|{spec.from_}|{self.territory}|{spec.attacks_from_territory}".encode())
        self.fingerprint = digest.hexdigest()
        self.checkpoint_file = loaded.path(loaded.config.state) / f"{spec.name}.checkpoint"
        self.state = self._load_checkpoint()
        self._events: EventColumns | None = None
        self._events_changed = False
        self._events_stamp: tuple[tuple[str, int, int], ...] = ()

    @staticmethod
    def _geography(data: DataFolder, border: Path | None) -> Geography:
        from guarantor.monitor.geography import Geography, read_geojson_geometry
        from guarantor.territory.boundaries import default_border_path

        border = border or default_border_path(data)
        return Geography(border=read_geojson_geometry(border) if border else None)

    # ---- checkpoint -------------------------------------------------------------------------

    def _load_checkpoint(self) -> WalkCheckpoint:
        from guarantor.territory.violations import IncidentWalk

        fresh = WalkCheckpoint(CHECKPOINT_VERSION, self.fingerprint, IncidentWalk.STATE_VERSION)
        try:
            raw = self.checkpoint_file.read_bytes()
        except OSError:
            return fresh
        try:
            # The checkpoint is the watch's own file in its private state folder.
            state = pickle.loads(raw)
        except Exception:  # a damaged checkpoint: start the walk again (records are idempotent)
            return fresh
        if (
            not isinstance(state, WalkCheckpoint)
            or state.version != CHECKPOINT_VERSION
            or state.fingerprint != self.fingerprint
            or getattr(state, "walk_version", 0) != IncidentWalk.STATE_VERSION
        ):
            # another agreement text or source, or a walk saved by older code: walk again from
            # the start (the records already written are skipped by their keys)
            return fresh
        return state

    def save(self) -> None:
        """Write the checkpoint (atomically): call after the findings are in the ledger."""
        self.checkpoint_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(self.checkpoint_file, pickle.dumps(self.state, protocol=5))

    # ---- one tick ------------------------------------------------------------------------

    def step(self, known_at: datetime) -> StepResult:
        """Feed what is new since the checkpoint, evaluate, and return every finding so far."""
        result = StepResult()
        incidents: list[Any] = []
        if self.territory is not None:
            incidents = self._walk(result)
        events = self._read_events(result)
        through = self.state.data_through
        result.data_through = through
        if through is None or (result.new_days == 0 and not self._events_changed):
            return result
        self._evaluate(incidents, events, through, known_at, result)
        return result

    def _walk(self, result: StepResult) -> list[Any]:
        import shapely

        from guarantor.sources.snapshots import ReadOptions, scan_snapshots
        from guarantor.territory.violations import IncidentWalk, ViolationParams

        assert self.territory is not None
        options = ReadOptions()
        series = scan_snapshots(self.territory, options)
        st = self.state
        if st.walk is None:
            t0 = datetime.combine(self.spec.from_, datetime.min.time(), UTC)
            before = [e for e in series.entries if e.taken_at <= t0 + timedelta(days=1)]
            if not before:
                raise UserError(
                    f"{self.name}: no territory snapshot on or before {self.spec.from_} in "
                    f"{self.territory} to take as the agreed line"
                )
            base = before[-1]
            line = base.parsed(options).geometry
            # As in replay: advances of at least 0.1 km² from the first day; the triggers apply
            # their own persistence and area thresholds.
            st.walk = IncidentWalk(
                line,
                ViolationParams(min_area_km2=0.1, min_persistence_days=0.0),
                border=self.geography.border,
            )
            st.walked_until = base.taken_at
            st.line_label = base.label
            st.line = line
            st.data_through = base.taken_at.date()
        last = st.walked_until
        for entry in series.entries:
            if last is not None and entry.taken_at <= last:
                continue
            problem: str | None = None
            try:
                parsed = entry.parsed(options)
                geom = parsed.geometry
            except UserError as exc:
                problem = f"territory: {entry.label}: {exc.message}"
            else:
                if parsed.repaired:  # kept, repaired, as every territory reader does (replay too)
                    note = (
                        f"territory: {entry.label}: {parsed.repaired} invalid (e.g. "
                        "self-intersecting) polygon(s) repaired"
                    )
                    if st.remember(note):
                        result.problems.append(note)
                if geom.is_empty:
                    problem = f"territory: {entry.label}: empty geometry, kept out"
                elif not shapely.is_valid(geom):
                    problem = f"territory: {entry.label}: invalid geometry ({shapely.is_valid_reason(geom)}), kept out"
            if problem is not None:
                if st.remember(problem):
                    result.problems.append(problem)
                continue
            if last is not None and (entry.taken_at.date() - last.date()).days > 2:
                gap = (
                    f"territory: gap of {(entry.taken_at.date() - last.date()).days - 1} days "
                    f"before {entry.taken_at.date()}"
                )
                if st.remember(gap):
                    result.problems.append(gap)
            st.walk.observe(entry.taken_at, geom)
            last = st.walked_until = entry.taken_at
            st.data_through = entry.taken_at.date()
            result.new_days += 1
        return st.walk.incidents()

    def _read_events(self, result: StepResult) -> EventColumns | None:
        self._events_changed = False
        if not self.event_files:
            return None
        stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in self.event_files)
        if stamp != self._events_stamp:
            from guarantor.monitor.columns import EventColumns
            from guarantor.sources.events_read import read_events

            read = read_events(self.event_files)
            self._events = EventColumns.from_events(read.events)
            self._events_stamp = stamp
            self._events_changed = True
            if self.territory is None and read.events:
                last = max(e.end for e in read.events).date()
                if self.state.data_through is None or last > self.state.data_through:
                    result.new_days += (last - (self.state.data_through or last)).days or 1
                    self.state.data_through = last
        return self._events

    def _evaluate(
        self,
        incidents: list[Any],
        events: EventColumns | None,
        through: date,
        known_at: datetime,
        result: StepResult,
    ) -> None:
        from guarantor.model import RoleKind
        from guarantor.monitor.columns import EventColumns
        from guarantor.obligations.replay import run_history
        from guarantor.sources.acts import ActLog
        from guarantor.territory.incident import Side

        if self.spec.attacks_from_territory:
            obligor = next(
                iter(
                    self.agreement.with_role(RoleKind.obligor)
                    or self.agreement.with_role(RoleKind.adversary)
                ),
                None,
            )
            if obligor is None:
                raise UserError(
                    f"{self.name}: attacks_from_territory needs an obligor or adversary"
                )
            derived = EventColumns.from_incidents(
                (i for i in incidents if i.side is Side.obligor), obligor
            )
            events = derived if events is None or not len(events) else events
        if self.state.line is not None:
            self.geography.agreed_line_held = self.state.line
        monitor, timeline = run_history(
            self.agreement,
            self.spec.from_,
            through,
            events,
            incidents,
            ActLog(),
            self.actors,
            self.geography,
        )
        common = {
            "watch": self.name,
            "agreement": self.agreement.id,
            "version": self.agreement.version,
            "known_at": _iso(known_at),
            "data_through": through.isoformat(),
        }
        base = f"watch:{self.name}:{self.agreement.id}@{self.agreement.version}"
        for a in monitor.activations:
            t = _iso(a.time)
            result.findings.append(
                WatchFinding(
                    RecordKind.activation,
                    f"{base}:activation:{a.trigger}:{a.level.value}:{t}",
                    common
                    | {
                        "trigger": a.trigger,
                        "level": a.level.value,
                        "time": t,
                        "evidence": list(a.evidence[:MAX_EVIDENCE]),
                        "evidence_total": a.evidence_total,
                    },
                )
            )
        for u in monitor.undetermined:
            t = _iso(u.time)
            result.findings.append(
                WatchFinding(
                    RecordKind.undetermined,
                    f"{base}:undetermined:{u.trigger}:{u.level.value}:{t}",
                    common
                    | {
                        "trigger": u.trigger,
                        "level": u.level.value,
                        "time": t,
                        "unknown": [x.to_json() for x in u.unknown][:MAX_EVIDENCE],
                    },
                )
            )
        for o in timeline.owed:
            if o.level is None or o.opened is None:
                continue  # standing duties are owed from entry into force, not opened by a level
            opened = _iso(o.opened)
            result.findings.append(
                WatchFinding(
                    RecordKind.obligation,
                    f"{base}:owed:{o.source}:{o.party}:{opened}",
                    common
                    | {
                        "trigger": o.trigger,
                        "level": o.level.value,
                        "party": o.party,
                        "source": o.source,
                        "action": o.action,
                        "opened": opened,
                        "due": None if o.due is None else _iso(o.due),
                    },
                )
            )
