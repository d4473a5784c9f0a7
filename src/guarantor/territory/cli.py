"""`guarantor territory ...`: areas, changes, per-unit control, violations, swaps, maps, fetch."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from guarantor.jsonout import Format, TableOrJson, emit

app = typer.Typer(
    help="Territorial control over time: areas, gross changes, agreed-line violations, land swaps.",
    no_args_is_help=True,
)

SOURCE_HELP = (
    "Snapshots: a cyterat .tar.xz (read in place), a folder of daily files, one GeoJSON, or raw "
    "DeepState dumps. Default: the cyterat archive in the data folder."
)


class TimeStep(StrEnum):
    """Breakdown of changes."""

    total = "total"
    month = "month"
    day = "day"


def _err() -> Console:
    return Console(stderr=True, highlight=False)


@contextmanager
def _progress(label: str) -> Iterator[Any]:
    """A progress display on stderr; yields a callback(done, note_or_total)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} snapshots"),
        TimeElapsedColumn(),
        console=_err(),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def step(done: int, extra: object) -> None:
            total = extra if isinstance(extra, int) else None
            progress.update(task, completed=done, total=total)

        yield step


def _options(layers: str | None, border: Path | None, at: str | None) -> Any:
    from guarantor.sources.geojson_snapshot import DEFAULT_LAYERS
    from guarantor.sources.snapshots import ReadOptions, parse_day
    from guarantor.territory.inputs import resolve_border

    chosen = tuple(x.strip() for x in layers.split(",")) if layers else DEFAULT_LAYERS
    return ReadOptions(
        layers=chosen,
        border=resolve_border(border),
        at=parse_day(at, "--at") if at else None,
    )


def _series(source: Path | None, options: Any) -> Any:
    from guarantor.sources.snapshots import scan_snapshots
    from guarantor.territory.inputs import resolve_source

    path = resolve_source(source)
    with _progress(f"reading {path.name}") as step:
        series = scan_snapshots(path, options, step)
    if series.duplicates:
        _err().print(
            f"[yellow]note:[/] {len(series.duplicates)} identical duplicate snapshot(s) skipped"
        )
    return series


def _write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    writer = csv.DictWriter(
        sys.stdout, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(row)


def _table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="right" if col.endswith(("km2", "pct", "km")) else "left")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    Console(highlight=False).print(table)


def _cell(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _emit(
    fmt: Format,
    doc: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    title: str,
) -> None:
    if fmt is Format.json:
        emit(doc)
    elif fmt is Format.csv:
        _write_csv(rows, columns)
    else:
        _table(title, rows, columns)


FormatOpt = typer.Option(Format.table, "--format", help="table, json or csv.")
TableOrJsonOpt = typer.Option(TableOrJson.table, "--format", help="table or json.")
LayersOpt = typer.Option(
    None, "--layers", help="Raw DeepState dumps: English layer names to keep, comma-separated."
)
BorderOpt = typer.Option(
    None,
    "--border",
    help="GeoJSON of the beneficiary's border (default: Natural Earth in the data folder).",
)
AtOpt = typer.Option(None, "--at", help="Time of a single GeoJSON whose name carries no date.")
BoundariesOpt = typer.Option(None, "--boundaries", help="GeoJSON of units (default: data folder).")


@app.command("area")
def area_command(
    source: Path | None = typer.Argument(None, help=SOURCE_HELP),
    on: str | None = typer.Option(
        None, "--on", help="Date: the snapshot of that day or the nearest earlier one."
    ),
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
    at: str | None = AtOpt,
) -> None:
    """Controlled area (km², share of Ukraine's 603,628 km²), geodesic on WGS84."""
    from guarantor.sources.snapshots import parse_day
    from guarantor.territory.inputs import measure_on

    options = _options(layers, border, at)
    series = _series(source, options)
    when = parse_day(on, "--on") if on else series.entries[-1].taken_at
    measured = measure_on(series, when, options)
    doc = measured.to_dict(when if on else None)
    _emit(fmt, doc, [doc], ["date", "snapshot", "area_km2", "share_pct"], "Controlled area")


@app.command("changes")
def changes_command(
    source: Path | None = typer.Argument(None, help=SOURCE_HELP),
    start: str = typer.Option(
        ..., "--from", help="Start date (its snapshot or the nearest earlier)."
    ),
    end: str = typer.Option(..., "--to", help="End date."),
    by: TimeStep = typer.Option(TimeStep.total, "--by", help="total, month or day."),
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
    cache: Path | None = typer.Option(
        None, "--cache", help="Processed-history cache (for --by day)."
    ),
) -> None:
    """Gross area gained and lost (not only the net) between two dates, per month or per day."""
    from guarantor.sources.snapshots import parse_day
    from guarantor.territory.reports import changes_report

    options = _options(layers, border, None)
    series = _series(source, options)
    doc, rows = changes_report(
        series, parse_day(start, "--from"), parse_day(end, "--to"), by.value, options, cache
    )
    columns = [
        "month" if by is TimeStep.month else "date",
        "from_snapshot",
        "to_snapshot",
        "gained_km2",
        "lost_km2",
        "net_km2",
    ]
    if by is TimeStep.total:
        rows = [doc]
        columns = ["from_snapshot", "to_snapshot", "gained_km2", "lost_km2", "net_km2"]
    _emit(fmt, doc, rows, columns, f"Gross changes {start} .. {end}")


@app.command("by-unit")
def by_unit_command(
    source: Path | None = typer.Argument(None, help=SOURCE_HELP),
    on: str = typer.Option(..., "--on", help="Date."),
    boundaries: Path | None = typer.Option(
        None,
        "--boundaries",
        help="GeoJSON of units with codes (default: land-clipped geoBoundaries ADM1).",
    ),
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
) -> None:
    """Control inside each admin-1 unit on a date."""
    from guarantor.sources.snapshots import parse_day
    from guarantor.territory.inputs import by_unit_on, resolve_units

    units = resolve_units(boundaries)
    assert units is not None
    options = _options(layers, border, None)
    series = _series(source, options)
    entry, rows = by_unit_on(series, parse_day(on, "--on"), units, options)
    doc = {
        "date": entry.taken_at.date().isoformat(),
        "snapshot": entry.label,
        "boundaries": units.source,
        "units": rows,
    }
    _emit(
        fmt,
        doc,
        rows,
        ["code", "name", "area_km2", "controlled_km2", "share_pct"],
        f"Control by unit, {doc['date']}",
    )


@app.command("history")
def history_command(
    source: Path | None = typer.Argument(None, help=SOURCE_HELP),
    boundaries: Path | None = BoundariesOpt,
    cache: Path | None = typer.Option(
        None, "--cache", help="Cache file (default ~/.cache/guarantor/territory.sqlite)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Compute everything afresh."),
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
) -> None:
    """Process the whole series (area, daily gross gain and loss, per unit) into the cache; yearly summary."""
    from guarantor.territory.reports import history_report

    options = _options(layers, border, None)
    series = _series(source, options)
    units = _units_or_none(boundaries)
    with _progress("measuring") as step:
        doc = history_report(series, options, units, None if no_cache else cache, no_cache, step)
    _err().print(f"computed {doc['computed']}, from cache {doc['from_cache']}")
    _emit(
        fmt,
        doc,
        doc["years"],
        [
            "year",
            "first",
            "last",
            "area_start_km2",
            "area_end_km2",
            "gained_km2",
            "lost_km2",
            "net_km2",
        ],
        "History by year (sums of daily gross changes)",
    )


def _units_or_none(boundaries: Path | None) -> Any:
    from guarantor.territory.inputs import resolve_units

    return resolve_units(boundaries, required=False)


@app.command("violations")
def violations_command(
    source: Path | None = typer.Argument(None, help=SOURCE_HELP),
    agreed_at: str | None = typer.Option(
        None, "--agreed-at", help="Date of the agreed line (its snapshot)."
    ),
    agreed_line: Path | None = typer.Option(
        None, "--agreed-line", help="GeoJSON of the area the obligor holds under the agreement."
    ),
    until: str | None = typer.Option(
        None, "--until", help="Last date to examine (default: last snapshot)."
    ),
    min_area: float = typer.Option(
        1.0, "--min-area-km2", help="Smallest incident that counts (km²)."
    ),
    min_days: float = typer.Option(
        3.0, "--min-days", help="Days an advance must persist to be confirmed."
    ),
    buffer_km: float = typer.Option(
        0.5, "--buffer-km", help="Tolerance around the agreed line (km)."
    ),
    all_incidents: bool = typer.Option(
        False, "--all", help="Also list unconfirmed (transient) incidents."
    ),
    map_png: Path | None = typer.Option(None, "--map", help="Write a PNG map of the incidents."),
    boundaries: Path | None = BoundariesOpt,
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
) -> None:
    """Advances beyond the agreed line as incidents, both sides; and the no-additional-territory verdict."""
    from guarantor.territory.reports import violations_report

    options = _options(layers, border, None)
    series = _series(source, options)
    units = _units_or_none(boundaries)
    with _progress("following the line") as step:
        doc, result = violations_report(
            series,
            options,
            units,
            agreed_at,
            agreed_line,
            until,
            min_area,
            min_days,
            buffer_km,
            all_incidents,
            step,
        )
    if map_png is not None:
        from guarantor.territory.reports import violations_map

        violations_map(result, map_png)
        _err().print(f"map written to {map_png}")
    err = _err()
    err.print(
        f"no additional territory: [bold]{doc['status']}[/]"
        + (f" (first confirmed {doc['breached_at']})" if doc["breached_at"] else "")
        + f"; {len([i for i in doc['incidents'] if i['side'] == 'obligor' and i['confirmed_at']])} confirmed obligor incident(s)"
    )
    rows = [
        {
            **i,
            "first_seen": i["first_seen"][:10],
            "confirmed": (i["confirmed_at"] or "")[:10],
            "reversed": (i["reversed_at"] or "")[:10],
            "max_km2": i["area_km2"],
            "now_km2": i["current_area_km2"],
            "depth_km": i["max_depth_km"],
            "units": " ".join(i["units"][:3]),
        }
        for i in doc["incidents"]
    ]
    columns = [
        "id",
        "side",
        "first_seen",
        "confirmed",
        "reversed",
        "max_km2",
        "now_km2",
        "depth_km",
        "units",
    ]
    if fmt is Format.csv:
        columns = [
            "id",
            "side",
            "first_seen",
            "confirmed_at",
            "reversed_at",
            "area_km2",
            "current_area_km2",
            "max_depth_km",
            "units",
            "centroid",
        ]
        rows = doc["incidents"]
    _emit(
        fmt,
        doc,
        rows,
        columns,
        f"Incidents beyond the line of {(doc['agreed_at'] or doc['agreed_line'])[:10]}",
    )


@app.command("swap")
def swap_command(
    proposal: Path = typer.Argument(..., help="Land-swap proposal YAML (see examples/swaps/)."),
    at: str | None = typer.Option(
        None, "--at", help="Date of the map to apply it to (default: the proposal's 'at')."
    ),
    source: Path | None = typer.Option(None, "--source", help=SOURCE_HELP),
    troops_per_km: float | None = typer.Option(
        None, "--troops-per-km", help="Force needed per km of contact line."
    ),
    boundaries: Path | None = BoundariesOpt,
    places: Path | None = typer.Option(
        None, "--places", help="CSV of places (name, latitude, longitude, population)."
    ),
    border: Path | None = BorderOpt,
    map_png: Path | None = typer.Option(None, "--map", help="Write a PNG map of the swap."),
    fmt: Format = FormatOpt,
) -> None:
    """What a land swap gives and takes: area, people, contact-line length and the force to hold it."""
    from guarantor.territory.reports import swap_report

    options = _options(None, border, None)
    doc, result = swap_report(proposal, at, source, troops_per_km, boundaries, options, places)
    if map_png is not None:
        from guarantor.territory.reports import swap_map

        swap_map(result, map_png, result.units, result.land)
        _err().print(f"map written to {map_png}")
    rows = [
        {**t, "largest_places": [p["name"] for p in t["largest_places"][:3]]}
        for t in doc["transfers"]
    ]
    if fmt is Format.table:
        _table(
            doc["proposal"], rows, ["id", "from", "to", "area_km2", "population", "largest_places"]
        )
        line = doc["contact_line_km"]
        force = doc["force_to_hold"]
        Console(highlight=False).print(
            f"contact line {line['before']:,.1f} km -> {line['after']:,.1f} km ({line['change']:+,.1f} km); "
            f"at {force['troops_per_km']:g} troops/km: {force['before']:,} -> {force['after']:,} ({force['change']:+,})"
        )
    else:
        _emit(fmt, doc, rows, ["id", "from", "to", "area_km2", "population"], doc["proposal"])


@app.command("map")
def map_command(
    source: Path | None = typer.Argument(None, help=SOURCE_HELP),
    on: str | None = typer.Option(None, "--on", help="Date of the control map (default: last)."),
    out: Path = typer.Option(Path("territory.png"), "--out", help="PNG to write."),
    boundaries: Path | None = BoundariesOpt,
    border: Path | None = BorderOpt,
    fmt: TableOrJson = TableOrJsonOpt,
) -> None:
    """A PNG map of control on a date, with borders, units and a scale."""
    from guarantor.territory.reports import control_map

    options = _options(None, border, None)
    series = _series(source, options)
    doc = control_map(series, on, options, out, _units_or_none(boundaries))
    if fmt is TableOrJson.json:
        emit(doc)
    else:
        _err().print(f"map of {doc['date']} written to {out}")


@app.command("fetch")
def fetch_command(
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        help="Where the public files are (default: the cyterat repository on GitHub).",
    ),
    dest: Path | None = typer.Option(
        None, "--dest", help="Cache folder (default ~/.cache/guarantor/data)."
    ),
    start: str | None = typer.Option(None, "--from", help="First day to fetch (daily files)."),
    end: str | None = typer.Option(None, "--to", help="Last day to fetch (default: today)."),
    archive: str | None = typer.Option(
        None,
        "--archive",
        help="Fetch one archive by its path under --base-url instead of daily files.",
    ),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds per request."),
    fmt: TableOrJson = TableOrJsonOpt,
) -> None:
    """Download the public daily DeepState files (or an archive) into the local cache."""
    from guarantor.sources.fetch import DEFAULT_DAILY_BASE, fetch_archive, fetch_daily
    from guarantor.sources.locate import cache_dir
    from guarantor.sources.snapshots import parse_day

    target = dest or cache_dir()
    base = base_url or DEFAULT_DAILY_BASE
    with _progress("downloading") as step:
        if archive:
            report = fetch_archive(base, archive, target, timeout=timeout, step=step)
        else:
            first = (
                parse_day(start, "--from").date()
                if start
                else datetime(2024, 7, 8, tzinfo=UTC).date()
            )
            last = parse_day(end, "--to").date() if end else datetime.now(UTC).date()
            report = fetch_daily(base, first, last, target, timeout=timeout, step=step)
    doc = report.to_dict()
    _err().print(
        f"fetched {doc['downloaded']}, already cached {doc['cached']}, missing {doc['missing']} -> {doc['folder']}"
    )
    if fmt is TableOrJson.json:
        emit(doc)


def register(root: typer.Typer) -> None:
    """Add `guarantor territory` to the root command."""
    root.add_typer(app, name="territory")
