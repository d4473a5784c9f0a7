"""Territory, events and activations, and obligations: the monitored history against the agreement."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import shapely
from markupsafe import Markup
from matplotlib.patches import Patch

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.monitor.render import explain, resolver, what, why_not
from guarantor.obligations.render import assumption_text, note_text, record_text
from guarantor.report.document import Section, esc, figure, heading, join, macro, para, table
from guarantor.report.figures import (
    PALETTE,
    STATUS_COLOURS,
    date_axis,
    day_number,
    day_numbers,
    new_figure,
    to_svg,
)
from guarantor.report.request import ReportRequest
from guarantor.sources.coverage import CoverageStatus, overall

MAIN_CITIES = 14  # the most populous places labelled on the map
SEVERITY = ("breached", "overdue", "unrecorded", "unverified", "open", "waiting", "met")


@dataclass
class Monitored:
    """What the monitored part of the report works from (each piece may be absent)."""

    start: date
    end: date
    replay: Any = None  # guarantor.obligations.replay.ReplayResult
    history: Any = None  # guarantor.territory.history.TerritoryHistory
    control_end: shapely.Geometry | None = None
    control_end_label: str = ""
    line: shapely.Geometry | None = None
    line_label: str = ""
    border: shapely.Geometry | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)  # input files, shown by name only
    names: dict[str, str] = field(default_factory=dict)  # party id -> name
    units: Any = None  # guarantor.territory.boundaries.Units (oblast lines), from the data folder
    places: list[tuple[str, float, float]] = field(default_factory=list)  # main cities (lon, lat)
    units_note: str = ""
    gazetteer: Any = None  # guarantor.territory.places.Gazetteer: incidents by their settlements

    def where(self, incident: Any) -> str:
        """An incident by its settlements and oblasts (GeoNames), else by its oblasts' names."""
        if self.gazetteer is not None:
            from guarantor.territory.places import describe_incident

            return str(describe_incident(self.gazetteer, incident).text)
        return ", ".join(incident.unit_names or incident.units)

    def party(self, code: str) -> str:
        """A party's name with its code beside it ("France (FR)"); the code when unknown."""
        name = self.names.get(code)
        return f"{name} ({code})" if name and name != code else code

    def plain(self, text: str) -> str:
        """Text with the input files' full paths cut to their names (reports carry no local paths)."""
        for p in sorted(self.paths, key=lambda x: -len(str(x))):
            text = text.replace(str(p), p.name)
        return text

    def problem(self, where: str, text: str) -> None:
        """Note a problem for a section."""
        self.problems.setdefault(where, []).append(text)


def _period(req: ReportRequest, agreement: Agreement) -> tuple[date, date]:
    start = req.start or agreement.date
    if start is None:
        try:
            start = date.fromisoformat(agreement.version[:10])
        except ValueError:
            raise UserError(
                "the report needs --from: the agreement has no date and its version is not a date"
            ) from None
    end = req.end or (start + timedelta(days=365))
    if end < start:
        raise UserError(f"--to {end} is before --from {start}")
    return start, end


def monitor(req: ReportRequest, agreement: Agreement) -> Monitored:
    """Replay the agreement over the period on the given snapshots and events; note what failed."""
    from guarantor.monitor.actors import ActorMap, load_actor_map
    from guarantor.monitor.geography import Geography, read_geojson_geometry
    from guarantor.obligations.replay import replay
    from guarantor.sources.acts import load_acts

    start, end = _period(req, agreement)
    series, unusable = _scan(req.territory)
    if series is not None and req.end is None:
        last = series.entries[-1].taken_at.date()
        end = last if last >= start else end
    m = Monitored(start, end)
    m.names = {p.id: p.name for p in agreement.parties}
    if req.data is not None:
        _reference_layers(m, req.data)
    m.paths = [
        p for p in (req.territory, req.border, req.actors, req.acts, *req.events) if p is not None
    ]
    if req.border is not None:
        try:
            m.border = read_geojson_geometry(req.border)
        except UserError as err:
            m.problem("territory", f"border {req.border.name} unreadable: {err}")
    territory = req.territory
    if territory is not None and not territory.exists():
        m.problem("territory", f"territory snapshots {territory.name} do not exist")
        territory = None
    if territory is None and req.territory is None:
        m.problem("territory", "no territory snapshots were given (--territory)")
    events = [p for p in req.events if p.exists()]
    for p in req.events:
        if not p.exists():
            m.problem("events", f"event file {p.name} does not exist")
    if not req.events:
        m.problem("events", "no event files were given (--events): attacks cannot be seen")
    try:
        actors = load_actor_map(req.actors) if req.actors else ActorMap()
    except UserError as err:
        m.problem("events", f"actor map unreadable: {err}")
        actors = ActorMap()
    log = None
    if req.acts is not None:
        try:
            log = load_acts(req.acts)
        except UserError as err:
            m.problem("obligations", m.plain(f"acts unreadable: {err}"))
    for attempt in ("full", "events only", "territory only"):
        files = events if attempt != "territory only" else []
        # the series already scanned when it is usable: an archive is decompressed on every scan
        source = series if series is not None else territory
        terr = source if attempt != "events only" and territory is not None else None
        if attempt != "full" and not (files or terr):
            continue
        try:
            m.replay = replay(
                agreement,
                start,
                end,
                files,
                actors,
                Geography(border=m.border),
                terr,
                acts=log,
            )
            break
        except UserError as err:
            m.problem(
                "events" if attempt != "territory only" and files else "territory",
                m.plain(f"replay ({attempt}) failed: {err}"),
            )
    if territory is not None:
        if series is None:
            m.problem("territory", m.plain(f"territory snapshots unusable: {unusable}"))
        else:
            _territory_shapes(m, territory, series)
    return m


def _reference_layers(m: Monitored, data: Path) -> None:
    """Oblast lines and the main cities from the data folder (drawn on the map when present)."""
    import csv

    from guarantor.sources.locate import DataFolder
    from guarantor.territory.inputs import PLACES, resolve_units
    from guarantor.territory.places import find_gazetteer

    folder = DataFolder(data, "argument")
    try:
        m.gazetteer = find_gazetteer(folder)
    except (UserError, OSError, ValueError, KeyError) as err:
        m.problem("territory", f"gazetteer unreadable: {err!r}")
    try:
        m.units = resolve_units(None, folder, required=False)
    except UserError as err:
        m.problem("territory", f"oblast boundaries unreadable: {err}")
    if m.units is not None:
        m.units_note = f"Oblasts: {Path(m.units.source).name}. "
    places = folder.file(PLACES)
    if places is None:
        return
    try:
        with places.open(newline="", encoding="utf-8") as handle:
            rows = [
                (
                    int(float(r["population"] or 0)),
                    r["name"],
                    float(r["longitude"]),
                    float(r["latitude"]),
                )
                for r in csv.DictReader(handle)
            ]
    except (OSError, KeyError, ValueError) as err:
        m.problem("territory", f"places {places.name} unreadable: {err}")
        return
    rows.sort(key=lambda r: (-r[0], r[1]))
    for _, name, lon, lat in rows:  # a city's own districts (GeoNames lists some) are skipped
        if all(abs(lat - b) > 0.3 or abs(lon - a) > 0.45 for _, a, b in m.places):
            m.places.append((name, lon, lat))
        if len(m.places) == MAIN_CITIES:
            break
    m.units_note += f"Cities: the {len(m.places)} most populous in {places.name} (GeoNames). "


def _scan(territory: Path | None) -> tuple[Any, Exception | None]:
    """The snapshot series (scanned once: an archive is decompressed on every scan), or the error."""
    from guarantor.sources.snapshots import scan_snapshots

    if territory is None or not territory.exists():
        return None, None
    try:
        return scan_snapshots(territory), None
    except (UserError, OSError, ValueError) as err:
        return None, err


def _territory_shapes(m: Monitored, source: Path, series: Any) -> None:
    from guarantor.sources.snapshots import ReadOptions, SnapshotSeries
    from guarantor.territory.cache import HistoryCache, default_cache_path
    from guarantor.territory.history import build_history

    try:
        t0 = datetime.combine(m.start, datetime.min.time(), UTC)
        t1 = datetime.combine(m.end, datetime.max.time(), UTC)
        options = ReadOptions()
        base = series.at_or_before(t0 + timedelta(days=1))
        last = series.at_or_before(t1)
        m.line = base.parsed(options).geometry
        m.line_label = f"{source.name}: {base.name} ({base.taken_at:%Y-%m-%d %H:%M} UTC)"
        m.control_end = last.parsed(options).geometry
        m.control_end_label = f"{source.name}: {last.name} ({last.taken_at:%Y-%m-%d %H:%M} UTC)"
        sub = SnapshotSeries(
            series.source, [e for e in series.entries if base.taken_at <= e.taken_at <= t1]
        )
        with HistoryCache(default_cache_path()) as cache:
            m.history = build_history(sub, options, cache=cache)
    except (UserError, OSError, ValueError) as err:
        m.problem("territory", m.plain(f"territory snapshots unusable: {err}"))


def _territory_map(m: Monitored, incidents: list[Any]) -> str:
    """The CLI's violations map (territory room), drawn as inline SVG on lighter geometry."""
    from dataclasses import replace

    from guarantor.territory.maps import MapLayers, draw_map

    units = m.units
    if units is not None:
        units = replace(units, plane=shapely.simplify(units.plane, 1500.0))
    drawn = [
        replace(i, footprint=shapely.simplify(i.footprint, 200.0))
        for i in incidents
        if i.footprint is not None
    ]
    layers = MapLayers(
        title=f"Control on {m.end}, the agreed line of {m.start}, and incidents beyond it",
        data_note=(
            f"Control: {m.control_end_label}. Agreed line: {m.line_label}. {m.units_note}"
            "Incidents: advances beyond the agreed line (territory room)."
        ),
        held=shapely.simplify(m.control_end, 0.004),
        held_label=f"held on {m.end}",
        land=None if m.border is None else shapely.simplify(m.border, 0.01),
        units=units,
        agreed=None if m.line is None else shapely.simplify(m.line, 0.004),
        incidents=drawn,
        places=m.places,
        current_line=True,
        label_incidents=len(drawn) <= 12,
    )
    fig = draw_map(layers, dpi=72)
    return figure(
        to_svg(fig, "Map of held territory, the agreed line, the current line and incidents"),
        f"Source: {m.control_end_label} (control and current line); {m.line_label} (agreed line); "
        f"{m.units_note}incidents from the territory room's violation tracker (advances beyond the "
        "agreed line, at least 0.1 km²). The same map as `guarantor territory violations --map`. "
        "Geometry simplified for drawing (0.004°); areas computed on the full geometry.",
    )


def territory_section(m: Monitored) -> Section:
    """The map of control, the agreed line and incidents, and the area time series."""
    s = Section("territory", "Territory: control, the agreed line and incidents")
    for p in m.problems.get("territory", []):
        s.partial(p)
    for cov in m.replay.coverage if m.replay is not None else []:
        if cov.source == "territory" and cov.status is not CoverageStatus.ok:
            s.partial(cov.stops())
    if m.control_end is None and m.history is None:
        return s.missing("no usable territory snapshots: map and area series not drawn")
    parts: list[str] = []
    incidents = list(m.replay.incidents) if m.replay is not None else []
    if m.control_end is not None:
        parts.append(_territory_map(m, incidents))
    if m.history is not None and m.history.records:
        recs = m.history.records
        fig = new_figure(9, 3.4)
        ax = fig.add_subplot()
        ax.plot(
            day_numbers([r.taken_at for r in recs]),
            [r.area_km2 for r in recs],
            color=PALETTE[3],
            linewidth=1.4,
        )
        ax.set_ylabel("occupied area (km²)")
        date_axis(ax)
        ax.set_title("Occupied area over the period")
        first, last = recs[0], recs[-1]
        parts.append(
            figure(
                to_svg(fig, "Occupied area over time"),
                f"Source: {len(recs)} snapshots of {Path(m.history.source).name}, {first.taken_at:%Y-%m-%d} to "
                f"{last.taken_at:%Y-%m-%d}. Method: area in an equal-area projection (territory room).",
            )
        )
        parts.append(
            table(
                ["snapshot", "date", "occupied km²"],
                [
                    ["first", f"{first.taken_at:%Y-%m-%d}", f"{first.area_km2:,.1f}"],
                    ["last", f"{last.taken_at:%Y-%m-%d}", f"{last.area_km2:,.1f}"],
                    ["change", "", f"{last.area_km2 - first.area_km2:+,.1f}"],
                ],
            )
        )
    if incidents:
        rows = [
            [
                str(macro("anchor", i.id, i.id)),
                esc(i.side),
                esc(f"{i.first_seen:%Y-%m-%d}"),
                esc(f"{i.confirmed_at:%Y-%m-%d}" if i.confirmed_at else "not confirmed"),
                esc(f"{i.reversed_at:%Y-%m-%d}" if i.reversed_at else ""),
                f"{i.area_km2:,.2f}",
                f"{i.max_depth_km:,.2f}",
                esc(m.where(i)),
                esc(f"{i.centroid[1]:.4f}°N {i.centroid[0]:.4f}°E" if i.centroid else ""),
                esc(_lineage(i)),
            ]
            for i in sorted(incidents, key=lambda x: (x.first_seen, x.id))
        ]
        parts.append(heading("Incidents beyond the agreed line (evidence)"))
        parts.append(
            table(
                [
                    "id",
                    "side",
                    "first seen",
                    "confirmed",
                    "reversed",
                    "area km²",
                    "depth km",
                    "where",
                    "centroid",
                    "lineage",
                ],
                rows,
                raw=True,
            )
        )
    if m.replay is not None and m.replay.breach:
        parts.append(_breach_table(m.replay.breach))
    s.body = join(parts)
    return s


def _lineage(i: Any) -> str:
    """'merged into X on D' / 'merged from A, B' for an incident (territory room's lineage)."""
    bits = []
    if i.merged_into:
        bits.append(f"merged into {i.merged_into} on {i.merged_at:%Y-%m-%d}")
    if i.merged_from:
        bits.append(f"merged from {', '.join(i.merged_from)}")
    return "; ".join(bits)


def _breach_table(rows: Any, weeks: int = 12) -> Markup:
    """The breach week by week (all directions, last `weeks`) and the shares by direction."""
    from guarantor.territory.breach import ALL, shares

    every = [r for r in rows if r.direction == ALL]
    shown = every[-weeks:]
    out = [
        heading("The breach week by week (all directions)"),
        table(
            ["week of", "km² beyond", "new", "grew", "reversed", "persisted", "depth km"],
            [
                [
                    f"{r.week:%Y-%m-%d}",
                    f"{r.km2_beyond:,.1f}",
                    str(r.new_incidents),
                    str(r.grew),
                    str(r.reversed),
                    str(r.persisted),
                    f"{r.depth_km:,.1f}",
                ]
                for r in shown
            ],
            caption=f"last {len(shown)} of {len(every)} weeks; every week and direction is in "
            "`guarantor replay --format json` (breach_series)",
        ),
    ]
    share = shares(rows)
    if share:
        out.append(
            table(
                ["direction", "share of the area beyond the line (last week)"],
                [[d, f"{v:.1%}"] for d, v in sorted(share.items(), key=lambda kv: -kv[1])],
            )
        )
    return join(out)


def events_section(m: Monitored) -> Section:
    """Events and activations over time, each activation with links to its evidence."""
    s = Section("activations", "Events and activations")
    for p in m.problems.get("events", []):
        s.partial(p)
    r = m.replay
    if r is None:
        return s.missing("the replay could not run: no activations can be shown")
    for cov in r.coverage:
        if cov.status is not CoverageStatus.ok:
            s.partial(cov.stops())
    if r.coverage and all(c.status is CoverageStatus.missing for c in r.coverage):
        s.status = "missing"
    parts: list[str] = [
        para(
            f"Replay of the agreement as if in force from {m.start} to {m.end}: "
            f"{len(r.monitor.activations)} activation(s) established, "
            f"{len(r.monitor.undetermined)} undetermined (holding but for unknowns), "
            f"{len(r.monitor.not_reached)} level(s) never established."
        )
    ]
    events = list(r.read.events) if r.read is not None else []
    fig = new_figure(9, 3.2)
    ax = fig.add_subplot()
    drew = False
    if events:
        months = Counter(
            e.start.strftime("%Y-%m") for e in events if m.start <= e.start.date() <= m.end
        )
        if months:
            keys = sorted(months)
            ax.bar(
                day_numbers([datetime.strptime(k + "-15", "%Y-%m-%d") for k in keys]),
                [months[k] for k in keys],
                width=25,
                color=PALETTE[5],
                label="events per month",
            )
            drew = True
    if r.incidents:
        days = Counter(i.first_seen.date() for i in r.incidents)
        ax.bar(
            day_numbers([datetime.combine(d, datetime.min.time()) for d in sorted(days)]),
            [days[d] for d in sorted(days)],
            width=2,
            color=PALETTE[0],
            label="incidents first seen (per day)",
        )
        drew = True
    levels = sorted({a.level for a in r.monitor.activations})
    tops = (1.01, 1.08, 1.15, 1.22)  # above the plot, staggered: neighbours never overlap
    last_x: float | None = None
    row = 0
    span = max(1.0, (m.end - m.start).days)
    for n, a in enumerate(r.monitor.activations, 1):
        colour = PALETTE[(levels.index(a.level) + 1) % len(PALETTE)]
        x = day_number(a.time)
        ax.axvline(x, color=colour, linestyle="--", linewidth=1.2)
        row = row + 1 if last_x is not None and x - last_x < span / 25 else 0
        last_x = x
        ax.annotate(
            f"A{n}",
            (x, tops[row % len(tops)]),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            va="bottom",
            ha="center",
            xytext=(0, 0),
            annotation_clip=False,
            textcoords="offset points",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": colour},
        )
        drew = True
    if drew:
        ax.set_xlim(
            day_number(datetime.combine(m.start, datetime.min.time())),
            day_number(datetime.combine(m.end, datetime.min.time())),
        )
        date_axis(ax)
        ax.set_ylabel("count")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.5)
        ax.set_title("Evidence and activations (dashed lines, A1… as in the table below)", pad=30)
        srcs = m.plain("; ".join(r.sources)) or "none"
        parts.append(
            figure(
                to_svg(fig, "Timeline of events, incidents and activations"),
                f"Sources: {srcs}. Method: the monitor room's trigger engine over daily aggregates.",
            )
        )
    else:
        plt.close(fig)
    by_id = {f"{e.source}:{e.source_id}": e for e in events}
    rows = []
    for n, a in enumerate(r.monitor.activations, 1):
        links = []
        for ev in a.evidence:
            if ev in by_id:
                links.append(str(macro("link", _anchor(ev), ev)))
            elif any(i.id == ev for i in r.incidents):
                links.append(str(macro("link", ev, ev)))
            else:
                links.append(esc(ev))
        more = a.evidence_total - len(a.evidence)
        if more > 0:
            links.append(f"and {more} more")
        rows.append(
            [
                f"A{n}",
                esc(f"{a.time:%Y-%m-%d %H:%M}"),
                esc(a.trigger),
                esc(a.level.value),
                "" if a.attribution is None else f"{a.attribution:.2f}",
                ", ".join(links),
                esc(explain(a.trace)),
            ]
        )
    parts.append(
        table(
            ["no.", "time (UTC)", "trigger", "level", "attribution", "evidence", "why"],
            rows,
            raw=True,
        )
        if rows
        else (
            para("No trigger was activated in the period.")
            if overall(r.coverage) is CoverageStatus.ok
            else para(
                "No trigger was activated on what was observed; the sources do not cover "
                "the whole period (see above), so this does not mean nothing happened."
            )
        )
    )
    if r.monitor.undetermined:
        parts.append(
            heading("Undetermined: levels that hold but for what the data cannot establish")
        )
        parts.append(
            table(
                ["from (UTC)", "trigger", "level", "unknown", "settled by"],
                [
                    [
                        f"{u.time:%Y-%m-%d}",
                        u.trigger,
                        u.level.value,
                        "; ".join(what(x) for x in u.unknown),
                        resolver(u.resolved_by),
                    ]
                    for u in r.monitor.undetermined
                ],
            )
        )
    if r.monitor.not_reached:
        parts.append(heading("Levels never established, and why"))
        parts.append(
            table(
                ["trigger", "level", "reasons"],
                [[t.trigger, t.level.value, "; ".join(why_not(t))] for t in r.monitor.not_reached],
            )
        )
    cited = sorted({ev for a in r.monitor.activations for ev in a.evidence if ev in by_id})
    if cited:
        parts.append(heading("Events cited as evidence"))
        parts.append(
            table(
                ["id", "date", "type", "actors", "fatalities (best)", "place", "notes"],
                [
                    [
                        str(macro("anchor", _anchor(k), k)),
                        esc(f"{by_id[k].start:%Y-%m-%d}"),
                        esc(by_id[k].event_type),
                        esc(", ".join(by_id[k].actors)),
                        str(by_id[k].fatalities_best),
                        esc(
                            ""
                            if by_id[k].latitude is None
                            else f"{by_id[k].latitude:.3f}°N {by_id[k].longitude:.3f}°E"
                        ),
                        esc(by_id[k].notes[:200]),
                    ]
                    for k in cited
                ],
                raw=True,
            )
        )
    s.body = join(parts)
    return s


def _anchor(evidence_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in evidence_id)


@dataclass(frozen=True)
class DutyRow:
    """One obligation of one party: the duties one activation opened, their wordings merged."""

    party: str
    wordings: tuple[str, ...]
    trigger: str
    level: str
    opened: datetime | None
    due: datetime | None
    status: str
    notes: tuple[str, ...]


def merge_duties(owed: list[Any]) -> list[DutyRow]:
    """One row per party, trigger, level, opening and deadline: the obligation and the ladder
    step that both require it are one duty (the most severe status stands)."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for o in owed:
        key = (o.party, o.trigger, "" if o.level is None else str(o.level), o.opened, o.due)
        groups.setdefault(key, []).append(o)
    rows = []
    for (party, trigger, level, opened, due), duties in groups.items():
        status = min((str(o.status) for o in duties), key=_severity)
        wordings = tuple(dict.fromkeys(str(o.action) for o in duties))
        notes = tuple(
            dict.fromkeys(
                text
                for o in duties
                for text in [*map(note_text, o.notes), *map(assumption_text, o.assumed)]
            )
        )
        rows.append(DutyRow(party, wordings, trigger, level, opened, due, status, notes))
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(rows, key=lambda d: (d.opened or never, d.party, d.wordings))


def _severity(status: str) -> int:
    return SEVERITY.index(status) if status in SEVERITY else len(SEVERITY)


def headline(rows: list[DutyRow]) -> str:
    """The counts of the table in words: '21 owed: 18 breached, 3 open'."""
    counts = Counter(d.status for d in rows)
    parts = ", ".join(f"{counts[st]} {st}" for st in sorted(counts, key=_severity))
    return f"{len(rows)} owed: {parts}" if rows else "nothing owed"


def obligations_section(m: Monitored) -> Section:
    """What each activation opened: who owes what by when, and its status (one row per duty)."""
    s = Section("obligations", "Obligations: what was owed, by when, and status")
    r = m.replay
    if r is None:
        return s.missing("the replay could not run: no obligations can be shown")
    if r.read is None and not r.incidents and "territory" in m.problems:
        s.partial(
            "no events and no territory snapshots were usable: nothing could activate a trigger"
        )
    if not r.record and "obligations" not in m.problems:
        head = (
            "No acts were recorded, so statuses show what would be overdue or breached if nobody "
            "acted."
        )
    else:
        head = "Statuses are judged against the recorded acts."
    parts: list[str] = [para(f"Status as of {r.timeline.as_of:%Y-%m-%d %H:%M} UTC. {head}")]
    missing = [m.plain(record_text(rec) or "") for rec in r.record if rec.missing()]
    if missing:
        parts.append(
            macro("bullets", missing, "Where acts are missing (those duties are unrecorded):")
        )
        s.partial(f"the record of acts does not cover {len(missing)} part(ies)")
    rows = merge_duties(list(r.timeline.owed))
    if rows:
        parts.append(para(headline(rows) + ".", "headline"))
        parts.append(_duties_figure(m, rows, r.timeline.as_of))
        parts.append(
            table(
                ["party", "duty", "trigger / level", "opened", "due", "status", "notes"],
                [
                    [
                        esc(m.party(d.party)),
                        esc(d.wordings[0])
                        + (
                            f' <span class="meta">(also worded: {esc("; ".join(d.wordings[1:]))})</span>'
                            if len(d.wordings) > 1
                            else ""
                        ),
                        esc(d.trigger + (f" / {d.level}" if d.level else "")),
                        esc("" if d.opened is None else f"{d.opened:%Y-%m-%d %H:%M}"),
                        esc("" if d.due is None else f"{d.due:%Y-%m-%d %H:%M}"),
                        str(macro("status", d.status)),
                        esc("; ".join(d.notes)),
                    ]
                    for d in rows
                ],
                raw=True,
            )
        )
    else:
        parts.append(para("Nothing was owed in the period."))
    if r.timeline.decisions:
        parts.append(heading("Determinations"))
        parts.append(
            table(
                ["determination", "trigger", "opened", "status", "decided", "explanation"],
                [
                    [
                        det,
                        trig,
                        f"{d.opened:%Y-%m-%d}",
                        d.status,
                        "" if d.time is None else f"{d.time:%Y-%m-%d}",
                        d.explanation,
                    ]
                    for det, trig, d in r.timeline.decisions
                ],
            )
        )
    s.body = join(parts)
    return s


def _duties_figure(m: Monitored, rows: list[DutyRow], as_of: datetime) -> str:
    """Opened → deadline bars, one per duty, coloured by status; dates labelled concisely."""
    height = min(2.0 + 0.22 * len(rows), 14.0)
    fig = new_figure(9, height)
    ax = fig.add_subplot()
    labels = []
    for y, d in enumerate(rows):
        start = d.opened or as_of
        due = d.due or start
        colour = STATUS_COLOURS.get(d.status, "#777777")
        ax.barh(
            y,
            day_number(due) - day_number(start) or 0.3,
            left=day_number(start),
            color=colour,
            height=0.6,
        )
        ax.plot([day_number(due)], [y], marker="|", color="black", markersize=8)
        labels.append(f"{m.names.get(d.party, d.party)}: {d.wordings[0][:38]}")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=6)
    ax.invert_yaxis()
    date_axis(ax)
    handles = [
        Patch(color=c, label=st)
        for st, c in STATUS_COLOURS.items()
        if any(d.status == st for d in rows)
    ]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    ax.set_title("Obligations: opened → deadline (tick), coloured by status")
    return figure(
        to_svg(fig, "Obligations timeline"),
        "Source: the obligations room's timeline built from the replay's activations; deadlines "
        "are elapsed time from activation. One bar per duty (an obligation and the ladder step "
        "that also require it are one duty).",
    )
