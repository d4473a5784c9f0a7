"""`guarantor events ...` (read, summarise, ingest) and `guarantor monitor ...` (evaluate, resume)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from guarantor.cliparams import (
    ALIASES_PANEL,
    data_option,
    date_option,
    input_file_argument,
    input_file_option,
    input_path_option,
)
from guarantor.errors import UserError
from guarantor.jsonout import Format, emit

if TYPE_CHECKING:
    from guarantor.model import Agreement
    from guarantor.monitor.actors import ActorMap
    from guarantor.monitor.geography import Geography
    from guarantor.monitor.result import Activation, Undetermined
    from guarantor.rules import LevelTrace
    from guarantor.sources.events_schema import ReadResult
    from guarantor.territory.places import EventCluster

events_app = typer.Typer(
    help="Conflict event files: read, summarise, ingest.", no_args_is_help=True
)
monitor_app = typer.Typer(
    help="Evaluate an agreement's triggers on events; read event files.", no_args_is_help=True
)


OutOpt = typer.Option(
    None,
    "--out",
    help="Also write the result to FILE by its extension: .gpkg .geojson .csv .parquet .xlsx .json.",
)
ForceOpt = typer.Option(False, "--force", help="Overwrite --out if it exists.")


def check_out(out: Path | None, force: bool) -> None:
    """Refuse a bad --out before any work (unknown extension, existing file, unwritable folder)."""
    if out is not None:
        from guarantor.territory.export import check_out as refuse_bad_out

        refuse_bad_out(out, force)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def _report_read(result: ReadResult, quarantine: Path | None) -> None:
    from rich.markup import escape

    from guarantor.cleantext import visible_text
    from guarantor.sources.events_read import write_quarantine

    err = _err()
    for note in result.notes:  # text from the files: shown, never interpreted (markup, escapes)
        err.print(f"[yellow]note:[/] {escape(visible_text(note))}")
    if result.quarantined:
        target = quarantine or Path("quarantine.csv")
        write_quarantine(result.quarantined, target)
        err.print(
            f"[yellow]{len(result.quarantined)} row(s) quarantined[/] -> {escape(str(target))}"
        )
        for q in result.quarantined[:5]:
            err.print(f"  {escape(visible_text(f'{q.file}: row {q.row}: {q.reason}'))}")
    err.print(
        f"rows {result.rows}, accepted {result.accepted}, quarantined {len(result.quarantined)}, "
        f"duplicates {result.duplicates}, conflicting duplicates {result.conflicts}"
    )


@events_app.command("summary")
def summary_command(
    files: list[Path] = input_file_argument(
        help="UCDP GED CSV, ACLED export or guarantor .jsonl (gzip ok)."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
    quarantine: Path | None = typer.Option(
        None, "--quarantine", help="Where bad rows go (default ./quarantine.csv)."
    ),
    out: Path | None = OutOpt,
    force: bool = ForceOpt,
    data: Path | None = data_option(),
) -> None:
    """Read event files and count rows, accepted, quarantined, duplicates, and events by month."""
    from guarantor.monitor.eventsummary import summarise_events
    from guarantor.output import Tabular, render, tabular
    from guarantor.sources.events_read import read_events

    check_out(out, force)
    result = read_events(files)
    _report_read(result, quarantine)
    summary = summarise_events(result, data)
    if out is not None:
        from guarantor.territory.export import event_points, rows_table, write_export

        tables = [
            event_points(result.events),
            rows_table(
                "by_month", [{"month": m, "events": n} for m, n in summary.by_month.items()]
            ),
            rows_table("by_place", list(summary.by_place)),
        ]
        _err().print(escape(write_export(out, tables, force).line()))
    if fmt is Format.csv:
        months = [{"month": m, "events": n} for m, n in summary.by_month.items()]
        render(Tabular("events by month", ("month", "events"), tuple(months)), fmt)
        return
    view = tabular(
        "accepted events by year of start (UTC)",
        summary.years,
        document=summary.to_dict(),
        caption=f"{summary.accepted} accepted of {summary.rows} rows; "
        f"{summary.quarantined} quarantined, {summary.duplicates} duplicates",
    )
    render(view, fmt)
    if fmt is Format.table and summary.by_place:
        where = Tabular(
            "where: events by nearest town of 10,000+ (GeoNames)",
            ("town", "unit", "events", "fatalities"),
            summary.by_place[:10],
        )
        render(where, fmt)


@events_app.command("ingest")
def ingest_command(
    files: list[Path] = input_file_argument(help="Event files to add."),
    store: Path = typer.Option(..., "--store", help="The guarantor .jsonl store to add them to."),
    quarantine: Path | None = typer.Option(None, "--quarantine"),
) -> None:
    """Add events to a JSON-lines store; re-ingesting the same file adds nothing."""
    from guarantor.sources.events_read import ingest

    result, added = ingest(files, store)
    _report_read(result, quarantine)
    _err().print(f"added {added} new event(s) to {store}")


@monitor_app.command("evaluate")
def evaluate_command(
    agreement: Path = input_file_argument(help="Agreement YAML."),
    events: list[Path] = input_path_option([], "--events", help="Event files (chunks, in order)."),
    territory: Path | None = input_path_option(
        None, "--territory", help="Territory snapshots (folder or DeepState tar): incidents."
    ),
    quiet_days: int = typer.Option(
        14,
        "--quiet-days",
        min=0,
        help="Days with no new advance after which the next is a new activation (0: off).",
    ),
    start: date = date_option(..., "--from", help="First day."),
    end: date = date_option(..., "--to", help="Last day."),
    actors: Path | None = input_file_option(None, "--actors", help="Actor map YAML."),
    border: Path | None = input_file_option(None, "--border", help="Beneficiary border GeoJSON."),
    agreed_line: Path | None = input_file_option(
        None,
        "--agreed-line",
        help="The agreed line: GeoJSON (area held at entry into force, or `territory swap "
        "--out`) or a swap proposal YAML (with --territory); default: the snapshot of --from.",
    ),
    zones: Path | None = input_file_option(
        None, "--zones", help="Named zones (GeoJSON, properties.name)."
    ),
    acts: Path | None = input_path_option(
        None,
        "--acts",
        help="Acts YAML: requests, and determinations that settle unknowns (guarantor/acts@1).",
    ),
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="Resume from and save to this file."
    ),
    why_not: bool = typer.Option(
        False, "--why-not", help="Say which thresholds were missed and by how much."
    ),
    fmt: Format = typer.Option(Format.table, "--format"),
    out: Path | None = OutOpt,
    force: bool = ForceOpt,
    data: Path | None = data_option(),
) -> None:
    """Evaluate triggers on events: established activations and undetermined levels.

    With --checkpoint, resume where the last run stopped.
    """
    from guarantor.monitor.columns import EventColumns
    from guarantor.monitor.engine import Evaluator
    from guarantor.sources.acts import ActLog, load_acts
    from guarantor.sources.events_read import read_events

    if not events and territory is None:
        raise UserError("give --events FILE ... or --territory SNAPSHOTS (or both)")
    if territory is None and agreed_line is not None and agreed_line.suffix in (".yaml", ".yml"):
        raise UserError(f"{agreed_line}: a swap file as the agreed line needs --territory")
    check_out(out, force)
    geo = geography(border, agreed_line, zones, data)
    ev = Evaluator(
        load(agreement),
        parse_date(start),
        parse_date(end),
        load_actors(actors),
        geo,
        quiet_days,
    )
    log = load_acts(acts) if acts else ActLog()
    if checkpoint is not None and checkpoint.exists():
        ev.load(checkpoint)
        _err().print(f"resumed from {checkpoint} ({ev.rows} event(s) already evaluated)")
    seen: list[Any] = []
    for path in events:
        result = read_events([path])
        _report_read(result, None)
        ev.feed(EventColumns.from_events(result.events))
        seen.extend(result.events)
    if ev.skipped:
        _err().print(f"{ev.skipped} event(s) skipped: already evaluated (same source and id)")
    if checkpoint is not None:
        ev.save(checkpoint)
        _err().print(f"checkpoint saved to {checkpoint} ({ev.rows} event(s))")
    from guarantor.monitor.observed import observe

    observed = observe(ev, territory, agreed_line, lambda m: _err().print(m))
    for c in observed.coverage:
        if c.status.value != "ok":
            _err().print(f"coverage: {c.stops()}")
    extra = observed.to_json()
    resolutions = ev.feed_acts(log)
    res = ev.result(resolutions)
    if out is not None:
        from guarantor.monitor.where import monitor_tables
        from guarantor.territory.export import event_points, write_export
        from guarantor.territory.places import find_gazetteer

        tables = [*monitor_tables(res, seen, find_gazetteer()), event_points(seen)]
        _err().print(escape(write_export(out, tables, force).line()))
    from guarantor.monitor.where import activations_where, with_places

    # a resumed run has not re-read the earlier events: no places, so that the output stays
    # byte-identical to one run over every chunk
    where = (
        activations_where(res.activations, seen)
        if checkpoint is None
        else [None for _ in res.activations]
    )
    if fmt is Format.json:
        doc = res.to_json(why_not=why_not)
        doc["activations"] = with_places(doc["activations"], where)
        emit({**doc, **extra})
        return
    if fmt is Format.csv:
        columns = (
            "time",
            "trigger",
            "level",
            "truth",
            "evidence_total",
            "attribution",
            "evidence",
            "near",
        )
        rows = [
            {**a, "truth": "true"}
            for a in with_places([a.to_json() for a in res.activations], where)
        ]
        rows += [
            {
                **u.to_json(),
                "truth": "unknown",
                "evidence_total": "",
                "attribution": "",
                "evidence": [],
            }
            for u in res.undetermined
        ]
        rows.sort(key=lambda r: (r["time"], r["trigger"], r["level"]))
        write_csv(columns, rows)
        return
    print_activations(res.activations, where=where)
    print_undetermined(res.undetermined)
    if why_not:
        print_not_reached(res.not_reached)


def write_csv(columns: Sequence[str], docs: Iterable[dict[str, Any]]) -> None:
    """CSV on stdout through the output layer: a header, then those columns of each document."""
    from guarantor.output import write_csv as write

    write(docs, columns)


def print_activations(
    activations: list[Activation],
    limit: int = 40,
    where: Sequence[EventCluster | None] | None = None,
) -> None:
    """A Rich table of established activations (first `limit`), with where their evidence lies."""
    from guarantor.monitor.render import brief

    console = Console(highlight=False)
    table = Table(title=f"activations: levels established ({len(activations)})")
    # the names of the CSV and the JSON (times in UTC)
    columns = ["time", "trigger", "level", "evidence_total", "attribution"]
    near = where is not None and any(c is not None for c in where)
    for col in [*columns, *(["near"] if near else []), "trace"]:
        table.add_column(col, overflow="fold")
    for k, a in enumerate(activations[:limit]):
        why = brief(a.trace)
        if a.resolution is not None:
            assumed = " (ASSUMED decision: no votes recorded)" if a.resolution.assumed else ""
            why = f"settled by {a.resolution.ref} ({a.resolution.by}){assumed}: {why}"
        cluster = where[k] if where is not None and near else None
        place = [escape(cluster.near) if cluster is not None else ""] if near else []
        table.add_row(
            a.time.strftime("%Y-%m-%d"),
            a.trigger,
            a.level.value,
            str(a.evidence_total),
            "" if a.attribution is None else f"{a.attribution:.2f}",
            *place,
            escape(why),
        )
    console.print(table)
    if len(activations) > limit:
        console.print(f"... {len(activations) - limit} more (use --format json for all)")


def print_undetermined(items: list[Undetermined], limit: int = 40) -> None:
    """A Rich table of levels that hold but for unknowns, and who can settle them."""
    from guarantor.monitor.render import resolver, what

    if not items:
        return
    console = Console(highlight=False)
    table = Table(title=f"undetermined: would hold if their unknowns resolved ({len(items)})")
    for col in ("time", "ends", "trigger", "level", "unknown", "resolved_by"):
        table.add_column(col, overflow="fold")
    for u in items[:limit]:
        table.add_row(
            u.time.strftime("%Y-%m-%d"),
            "" if u.ends is None else u.ends.strftime("%Y-%m-%d"),
            u.trigger,
            u.level.value,
            "\n".join(what(x) for x in u.unknown),
            resolver(u.resolved_by),
        )
    console.print(table)
    if len(items) > limit:
        console.print(f"... {len(items) - limit} more (use --format json for all)")


def print_not_reached(traces: list[LevelTrace]) -> None:
    """Why not: each level never established, from its best-value trace."""
    from guarantor.monitor.render import why_not

    console = Console(highlight=False)
    if not traces:
        console.print("why not: every level of every trigger was established at least once")
        return
    table = Table(title="why not: levels never established")
    for col in ("trigger", "level", "best", "reason"):
        table.add_column(col, overflow="fold")
    for t in traces:
        table.add_row(t.trigger, t.level.value, t.truth.name, escape("\n".join(why_not(t))))
    console.print(table)


def parse_date(text: str | date) -> date:
    """A YYYY-MM-DD date (the shared date type, guarantor.cliparams), or a clear error."""
    from guarantor.cliparams import parse_date as shared

    try:
        return shared(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def load(path: Path) -> Agreement:
    """The agreement at `path` (through the spec loader)."""
    from guarantor.spec.load import load_agreement

    return load_agreement(path)


def load_actors(path: Path | None) -> ActorMap:
    """The actor map at `path`, or an empty one."""
    from guarantor.monitor.actors import ActorMap, load_actor_map

    return load_actor_map(path) if path else ActorMap()


def geography(
    border: Path | None,
    agreed_line: Path | None,
    zones: Path | None,
    data: Path | None = None,
) -> Geography:
    """The shapes for location predicates; the border defaults to the data folder's Natural Earth file."""
    from guarantor.monitor.geography import Geography, read_geojson_geometry, read_zones
    from guarantor.sources.locate import locate_data
    from guarantor.territory.boundaries import default_border_path
    from guarantor.territory.line_reading import is_swap_file, read_line_geojson

    if border is None:
        found = default_border_path(locate_data(data))
        if found is not None:
            _err().print(f"border: {found} (Natural Earth 10m)")
            border = found
    held = None
    if agreed_line is not None and not is_swap_file(agreed_line):
        held = read_line_geojson(agreed_line).geometry  # a swap file needs the snapshots: later
    return Geography(
        border=read_geojson_geometry(border) if border else None,
        agreed_line_held=held,
        zones=read_zones(zones) if zones else {},
    )


def register(app: typer.Typer) -> None:
    """Add `guarantor monitor` (evaluate, events) and the documented top-level alias `events`."""
    monitor_app.add_typer(events_app, name="events")
    app.add_typer(monitor_app, name="monitor")
    app.add_typer(events_app, name="events", rich_help_panel=ALIASES_PANEL)
