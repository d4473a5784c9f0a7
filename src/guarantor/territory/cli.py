"""`guarantor territory ...`: areas, changes, per-unit control, violations, swaps, maps, fetch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from guarantor.cliparams import add_alias, date_text_option, input_file_argument
from guarantor.errors import Position, UserError
from guarantor.jsonout import Format, TableOrJson, emit
from guarantor.output import Tabular, render
from guarantor.territory.periods import TimeStep

app = typer.Typer(
    help="Territorial control over time: areas, gross changes, agreed-line violations, land swaps.",
    no_args_is_help=True,
)

TERRITORY_HELP = (
    "Snapshots (repeatable, preferred first): a cyterat .tar.xz (read in place), the raw DeepState "
    "dumps (.tar.xz), a folder of daily files, one GeoJSON, a YAML list of sources with priorities, "
    "or (compare) an area series CSV/JSON. Default: every DeepState source in the data folder."
)


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


def _options(
    layers: str | None,
    border: Path | None,
    at: str | None,
    data: Path | None = None,
    max_file_mb: float = 64.0,
) -> Any:
    from guarantor.sources.archive import MIB, ReadLimits
    from guarantor.sources.locate import locate_data
    from guarantor.sources.snapshots import DEFAULT_LAYERS, ReadOptions, parse_day
    from guarantor.territory.inputs import resolve_border_file

    if max_file_mb <= 0:
        raise UserError("--max-file-mb must be positive")
    chosen = tuple(x.strip() for x in layers.split(",")) if layers else DEFAULT_LAYERS
    return ReadOptions(
        layers=chosen,
        border_file=resolve_border_file(border, locate_data(data)),
        border_loader=_load_border,
        at=parse_day(at, "--at") if at else None,
        limits=ReadLimits(max_file_bytes=int(max_file_mb * MIB)),
    )


def _load_border(path: Path) -> Any:
    from guarantor.territory.boundaries import load_border

    return load_border(path)


def _sources(territory: list[Path] | None, data: Path | None, options: Any) -> list[Any]:
    from guarantor.sources.locate import locate_data
    from guarantor.territory.inputs import resolve_sources
    from guarantor.territory.timeline import territory_sources

    return territory_sources(resolve_sources(territory, locate_data(data)), options)


def _print_notes(series: Any) -> None:
    err = _err()
    for note in getattr(series, "notes", []):
        err.print(f"[yellow]store:[/] {escape(note)}")
    if getattr(series, "duplicates", None):
        err.print(
            f"[yellow]note:[/] {len(series.duplicates)} identical duplicate snapshot(s) skipped"
        )
    rejected = getattr(series, "rejected", [])
    for message in rejected[:5]:
        err.print(f"[red]rejected:[/] {escape(message)}")
    if len(rejected) > 5:
        err.print(f"[red]rejected:[/] ... {len(rejected) - 5} more (--format json lists them)")
    quarantined = getattr(series, "quarantined", [])
    if quarantined:
        err.print(f"[yellow]note:[/] {len(quarantined)} row(s) left out of {series.label}")


def _timeline(sources: list[Any], store: Path | None) -> Any:
    """Open every source (building its store on the first read) and choose each day's snapshot."""
    from guarantor.territory.timeline import open_timeline

    with _progress("reading " + ", ".join(s.label for s in sources)) as step:
        timeline = open_timeline(sources, store, step)
    for series in timeline.series:
        _print_notes(series)
    for note in timeline.notes[:10]:
        _err().print(f"[yellow]layers:[/] {escape(note)}")
    if len(timeline.notes) > 10:
        _err().print(f"[yellow]layers:[/] ... {len(timeline.notes) - 10} more such snapshots")
    return timeline


def _period_end(timeline: Any, end: str | None, nearest: bool) -> str | None:
    """`--to` checked against the data: after the last snapshot it is an error naming where the
    data end, or with --nearest a warning and the last day."""
    from guarantor.sources.snapshots import parse_day

    if end is None or not timeline.picks:
        return end
    last: date = timeline.picks[-1].day
    asked = parse_day(end, "--to").date()
    if asked <= last:
        return end
    labels = ", ".join(s.label for s in timeline.sources)
    if not nearest:
        raise UserError(
            f"--to {asked.isoformat()} is after the data: the snapshots end on "
            f"{last.isoformat()} ({labels}); give an earlier date, or --nearest to stop there"
        )
    _err().print(
        f"[yellow]warning:[/] --to {asked.isoformat()} is after the data; the period ends at the "
        f"last snapshot, {last.isoformat()}",
        soft_wrap=True,
    )
    return last.isoformat()


def _one_date(sources: list[Any], on: str | None, store: Path | None, nearest: bool = False) -> Any:
    from guarantor.sources.snapshots import parse_day
    from guarantor.territory.query import snapshot_on

    when = parse_day(on, "--on") if on else None
    with _progress("finding the snapshot") as step:
        step(0, None)
        answer = snapshot_on(sources, when, store)
    if when is not None and answer.latest is not None and answer.beyond_coverage(when):
        last = answer.latest.date().isoformat()
        if not nearest:
            raise UserError(
                f"--on {when.date().isoformat()} is after the data: the snapshots end on {last} "
                f"({answer.source.label}); give an earlier date, or --nearest to use {last}"
            )
        _err().print(
            f"[yellow]warning:[/] --on {when.date().isoformat()} is after the data; "
            f"using the last snapshot, {escape(answer.entry.label)} ({last})",
            soft_wrap=True,
        )
    for message in answer.rejected_that_day:
        _err().print(f"[red]rejected (newer than the answer):[/] {escape(message)}")
    return answer, when


def _features_table(name: str, features: list[dict[str, Any]]) -> Any:
    import shapely.geometry

    from guarantor.territory.export import ExportTable

    return ExportTable(
        name,
        tuple(f["properties"] for f in features),
        tuple(shapely.geometry.shape(f["geometry"]) for f in features),
    )


def _control_table(name: str, rows: list[dict[str, Any]], shapes: list[Any]) -> Any:
    from guarantor.territory.export import control_table

    return control_table(name, rows, shapes)


def _emit(
    fmt: Format,
    doc: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    title: str,
) -> None:
    """Hand the result to the output layer (guarantor.output): table, JSON or CSV."""
    render(Tabular(title, tuple(columns), tuple(rows), doc), fmt)


FormatOpt = typer.Option(Format.table, "--format", help="table, json or csv.")
TableOrJsonOpt = typer.Option(TableOrJson.table, "--format", help="table or json.")
TerritoryOpt = typer.Option(None, "--territory", help=TERRITORY_HELP)
DataOpt = typer.Option(
    None, "--data", envvar="GUARANTOR_DATA", help="Shared data folder (default ../shared/data)."
)
StoreOpt = typer.Option(
    None,
    "--store",
    help="Folder of the snapshot stores (default ~/.cache/guarantor/snapshots; never the checkout).",
)
MaxFileOpt = typer.Option(
    64.0, "--max-file-mb", help="Largest snapshot file or archive member read (MiB)."
)
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
NearestOpt = typer.Option(
    False,
    "--nearest",
    help="A date after the data: use the last snapshot (with a warning) instead of an error.",
)
CacheOpt = typer.Option(
    None, "--cache", help="Cache of daily changes (default ~/.cache/guarantor/territory.sqlite)."
)
OutOpt = typer.Option(
    None,
    "--out",
    help="Also write the result to FILE by its extension: .gpkg .geojson .csv .parquet .xlsx .json.",
)
ForceOpt = typer.Option(False, "--force", help="Overwrite --out if it exists.")


def _check_out(out: Path | None, force: bool) -> None:
    """Refuse a bad --out before any work (unknown extension, existing file, unwritable folder)."""
    if out is not None:
        from guarantor.territory.export import check_out

        check_out(out, force)


def _export(out: Path | None, force: bool, tables: Any) -> None:
    """Write --out (atomically) and say what was written, on stderr."""
    if out is None:
        return
    from guarantor.territory.export import write_export

    _err().print(escape(write_export(out, tables(), force).line()))


@app.command("area")
def area_command(
    territory: list[Path] | None = TerritoryOpt,
    on: str | None = date_text_option(
        None, "--on", help="Date: the snapshot of that day or the nearest earlier one."
    ),
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
    at: str | None = AtOpt,
    data: Path | None = DataOpt,
    store: Path | None = StoreOpt,
    max_file_mb: float = MaxFileOpt,
    nearest: bool = NearestOpt,
    out: Path | None = OutOpt,
    force: bool = ForceOpt,
) -> None:
    """Controlled area on a date (km², share of Ukraine's 603,628 km²), geodesic on WGS84.

    Answered from the source's store when it has one; otherwise only that date's snapshot is read.
    """
    _check_out(out, force)
    options = _options(layers, border, at, data, max_file_mb)
    answer, when = _one_date(_sources(territory, data, options), on, store, nearest)
    doc = answer.to_dict(when)
    _export(
        out,
        force,
        lambda: [
            _control_table("control", [doc], [answer.entry.parsed(answer.source.options).geometry])
        ],
    )
    _emit(fmt, doc, [doc], ["date", "snapshot", "area_km2", "share_pct"], "Controlled area")


@app.command("changes")
def changes_command(
    territory: list[Path] | None = TerritoryOpt,
    start: str = date_text_option(
        ..., "--from", help="Start date (its snapshot or the nearest earlier)."
    ),
    end: str = date_text_option(..., "--to", help="End date."),
    nearest: bool = NearestOpt,
    per: TimeStep | None = typer.Option(
        None,
        "--per",
        help="Also per day, week, month, quarter or year: between the periods' last snapshots.",
    ),
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
    data: Path | None = DataOpt,
    store: Path | None = StoreOpt,
    max_file_mb: float = MaxFileOpt,
    out: Path | None = OutOpt,
    force: bool = ForceOpt,
) -> None:
    """Gross area gained and lost (not only the net) between the snapshots of two dates."""
    from guarantor.sources.snapshots import parse_day
    from guarantor.territory.reports import changes_report

    _check_out(out, force)
    options = _options(layers, border, None, data, max_file_mb)
    timeline = _timeline(_sources(territory, data, options), store)
    end = _period_end(timeline, end, nearest) or end
    series = timeline.as_series()
    doc, rows = changes_report(
        series, parse_day(start, "--from"), parse_day(end, "--to"), per, options
    )

    def tables() -> list[Any]:
        from guarantor.territory.export import change_table, rows_table

        a = series.at_or_before(parse_day(start, "--from"))
        b = series.at_or_before(parse_day(end, "--to"))
        pa, pb = a.parsed(options).geometry, b.parsed(options).geometry
        keys = ("from", "to", "from_snapshot", "to_snapshot")
        found = [
            change_table(pa, pb, {k: doc[k] for k in keys}),
            _control_table(
                "control",
                [
                    {"date": doc["from"], "snapshot": a.label},
                    {"date": doc["to"], "snapshot": b.label},
                ],
                [pa, pb],
            ),
        ]
        return found + ([rows_table("periods", rows)] if rows else [])

    _export(out, force, tables)
    if per is None:
        rows = [doc]
        columns = ["from_snapshot", "to_snapshot", "gained_km2", "lost_km2", "net_km2"]
    else:
        columns = ["period", "from_snapshot", "to_snapshot", "gained_km2", "lost_km2", "net_km2"]
    _emit(fmt, doc, rows, columns, f"Gross changes {start} .. {end}")


@app.command("by-unit")
def by_unit_command(
    territory: list[Path] | None = TerritoryOpt,
    on: str = date_text_option(..., "--on", help="Date."),
    boundaries: Path | None = typer.Option(
        None,
        "--boundaries",
        help="GeoJSON of units with codes (default: land-clipped geoBoundaries ADM1).",
    ),
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
    data: Path | None = DataOpt,
    store: Path | None = StoreOpt,
    max_file_mb: float = MaxFileOpt,
    nearest: bool = NearestOpt,
    out: Path | None = OutOpt,
    force: bool = ForceOpt,
) -> None:
    """Control inside each admin-1 unit (or any units given) on a date."""
    from guarantor.sources.locate import locate_data
    from guarantor.territory.inputs import by_unit_of, resolve_units

    _check_out(out, force)
    units = resolve_units(boundaries, locate_data(data))
    assert units is not None
    options = _options(layers, border, None, data, max_file_mb)
    answer, _ = _one_date(_sources(territory, data, options), on, store, nearest)
    entry, rows = by_unit_of(answer.entry, units, answer.source.options)
    doc = {
        "date": entry.taken_at.date().isoformat(),
        "snapshot": entry.label,
        "boundaries": units.source,
        "units": rows,
    }
    for row in rows:
        row["unit"] = _unit_label(row["code"], row["name"])

    def tables() -> list[Any]:
        from guarantor.territory.export import unit_table

        return [
            unit_table(units, [{"date": doc["date"], **r} for r in rows]),
            _control_table(
                "control",
                [{"date": doc["date"], "snapshot": doc["snapshot"]}],
                [entry.parsed(answer.source.options).geometry],
            ),
        ]

    _export(out, force, tables)
    _emit(
        fmt,
        doc,
        rows,
        ["unit", "area_km2", "controlled_km2", "share_pct"]
        if fmt is Format.table
        else ["code", "name", "area_km2", "controlled_km2", "share_pct"],
        f"Control by unit, {doc['date']}",
    )


class Grouping(StrEnum):
    """What `history` reports per period."""

    total = "total"
    unit = "unit"


@app.command("history")
def history_command(
    territory: list[Path] | None = TerritoryOpt,
    start: str | None = date_text_option(None, "--from", help="First day (default: the first)."),
    end: str | None = date_text_option(None, "--to", help="Last day (default: the last)."),
    nearest: bool = NearestOpt,
    per: TimeStep = typer.Option(TimeStep.year, "--per", help="day, week, month, quarter or year."),
    by: Grouping = typer.Option(
        Grouping.total, "--by", help="total, or unit (oblast, or the units of --boundaries)."
    ),
    boundaries: Path | None = BoundariesOpt,
    cache: Path | None = CacheOpt,
    no_cache: bool = typer.Option(False, "--no-cache", help="Compute every change afresh."),
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
    data: Path | None = DataOpt,
    store: Path | None = StoreOpt,
    max_file_mb: float = MaxFileOpt,
    out: Path | None = OutOpt,
    force: bool = ForceOpt,
) -> None:
    """Gross gains and losses per period from several sources in one daily history, with the
    sources used and the days covered (sums of daily gross changes)."""
    from guarantor.sources.locate import locate_data
    from guarantor.sources.snapshots import parse_day
    from guarantor.territory.inputs import resolve_units
    from guarantor.territory.reports import history_report

    _check_out(out, force)

    options = _options(layers, border, None, data, max_file_mb)
    timeline = _timeline(_sources(territory, data, options), store)
    end = _period_end(timeline, end, nearest)
    units = resolve_units(boundaries, locate_data(data), required=by is Grouping.unit)
    with _progress("measuring daily changes") as step:
        doc = history_report(
            timeline,
            options,
            units if by is Grouping.unit else None,
            cache,
            no_cache,
            per,
            parse_day(start, "--from") if start else None,
            parse_day(end, "--to") if end else None,
            step,
        )
    _err().print(
        f"{doc['days_with_snapshots']} days with snapshots "
        f"({', '.join(f'{k}: {v}' for k, v in doc['days_by_source'].items())}); "
        f"changes computed {doc['computed']}, from cache {doc['from_cache']}; "
        f"{doc['other_snapshots_not_used']} other snapshot(s) on {doc['days_with_other_snapshots']} "
        "of those days not used (the last of the day from the preferred source is)"
    )

    def tables() -> list[Any]:
        from guarantor.territory.export import rows_table

        found = [rows_table("periods", doc["periods"])]
        if by is Grouping.unit:
            for row in doc["units"]:
                row.setdefault("unit", _unit_label(row["code"], row["name"]))
            found.append(rows_table("units", doc["units"]))
        return found

    _export(out, force, tables)
    if by is Grouping.unit:
        columns = [
            "period",
            "unit",
            "gained_km2",
            "lost_km2",
            "net_km2",
            "controlled_end_km2",
            "share_end_pct",
            "coverage_pct",
        ]
        if fmt is Format.csv:
            columns = ["period", "code", "name", *columns[2:]]
        _emit(fmt, doc, doc["units"], columns, f"Gross changes per {per.value} and unit")
        return
    columns = [
        per.value,
        "days_covered",
        "coverage_pct",
        "sources",
        "area_end_km2",
        "gained_km2",
        "lost_km2",
        "net_km2",
    ]
    rows = [{per.value: r["period"], **r} for r in doc["periods"]]
    if fmt is Format.csv:
        columns = list(doc["periods"][0]) if doc["periods"] else columns
        rows = doc["periods"]
    _emit(fmt, doc, rows, columns, f"Gross changes per {per.value} (sums of daily changes)")


@app.command("compare")
def compare_command(
    territory: list[Path] | None = TerritoryOpt,
    threshold_km2: float = typer.Option(
        100.0, "--threshold-km2", help="Days whose sources disagree by more than this are listed."
    ),
    max_lag_hours: float = typer.Option(
        24.0, "--max-lag-hours", help="Oldest B snapshot paired with an A snapshot (hours)."
    ),
    start: str | None = date_text_option(None, "--from", help="First day compared."),
    end: str | None = date_text_option(None, "--to", help="Last day compared."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Write the disagreeing polygons (days over the threshold) by extension: .gpkg "
        ".geojson .csv .parquet .xlsx .json.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
    cache: Path | None = CacheOpt,
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
    data: Path | None = DataOpt,
    store: Path | None = StoreOpt,
    max_file_mb: float = MaxFileOpt,
) -> None:
    """Do two sources agree? Area differences per day where they overlap, their distribution,
    and the days where they disagree by more than a threshold (polygons exportable)."""
    from guarantor.fileio import write_atomic
    from guarantor.jsonout import dumps
    from guarantor.sources.snapshots import parse_day
    from guarantor.territory.cache import HistoryCache, default_cache_path
    from guarantor.territory.compare import compare_sources, disagreement_features
    from guarantor.territory.reports import compare_report
    from guarantor.territory.timeline import open_source

    options = _options(layers, border, None, data, max_file_mb)
    sources = _sources(territory, data, options)
    if len(sources) != 2:
        raise UserError(
            f"compare needs two sources (--territory A --territory B), got {len(sources)}"
        )
    _check_out(out, force)
    opened = []
    for source in sources:
        with _progress(f"reading {source.label}") as step:
            opened.append(open_source(source, step, store))
        _print_notes(opened[-1])
    a, b = sources
    with HistoryCache(cache or default_cache_path()) as pairs, _progress("comparing") as step:
        comparison = compare_sources(
            opened[0],
            opened[1],
            a.label,
            b.label,
            a.options,
            b.options,
            threshold_km2,
            max_lag_hours,
            parse_day(start, "--from") if start else None,
            parse_day(end, "--to") if end else None,
            pairs,
            step,
        )
    if not comparison.days:
        raise UserError(f"{a.label} and {b.label} have no day in common to compare")
    doc, rows = compare_report(comparison)
    if out is not None:
        if not comparison.geometry:
            raise UserError("--out needs two polygon sources (an area series has no polygons)")
        features = disagreement_features(comparison, opened[0], opened[1], a.options, b.options)
        if out.suffix.lower() == ".geojson":  # as before: the features as they are
            write_atomic(out, dumps({"type": "FeatureCollection", "features": features}))
        else:
            _export(out, force, lambda: [_features_table("disagreements", features)])
        doc["out"] = str(out)
        _err().print(f"{len(features)} disagreeing polygon(s) written to {out}")
    dist = doc["distribution"]["diff_km2"]
    _err().print(
        f"{doc['days_compared']} days compared ({doc['first']} .. {doc['last']}); B - A: median "
        f"{dist['p50']:,.1f} km², p1 {dist['p1']:,.1f}, p99 {dist['p99']:,.1f}; "
        f"{doc['days_over_threshold']} day(s) over {threshold_km2:g} km²"
    )
    columns = [
        "date",
        "lag_hours",
        "a_km2",
        "b_km2",
        "diff_km2",
        "diff_pct",
        "only_a_km2",
        "only_b_km2",
    ]
    if fmt is Format.table:
        rows = doc["largest_disagreements"]
    _emit(
        fmt,
        doc,
        rows,
        columns + (["a_snapshot", "b_snapshot"] if fmt is Format.csv else []),
        f"{a.label} (A) vs {b.label} (B): largest disagreements",
    )


@app.command("store")
def store_command(
    territory: list[Path] | None = TerritoryOpt,
    rebuild: bool = typer.Option(False, "--rebuild", help="Build the store again from the source."),
    fmt: TableOrJson = TableOrJsonOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
    at: str | None = AtOpt,
    data: Path | None = DataOpt,
    store: Path | None = StoreOpt,
    max_file_mb: float = MaxFileOpt,
) -> None:
    """Build (on the first read) or check each source's snapshot store and say what it holds."""
    from guarantor.territory.store import open_series, store_summary
    from guarantor.territory.timeline import SourceKind

    options = _options(layers, border, at, data, max_file_mb)
    docs = []
    for source in _sources(territory, data, options):
        if source.kind is not SourceKind.snapshots:
            raise UserError("an area series has no store", Position(str(source.path)))
        with _progress(f"reading {source.label}") as step:
            series = open_series(source.path, source.options, step, store, rebuild)
        _print_notes(series)
        docs.append(store_summary(series))
    columns = ("source", "snapshots", "first", "last", "distinct_geometries", "store_mb", "store")
    render(Tabular("Snapshot stores", columns, tuple(docs), {"stores": docs}), fmt)


def _unit_label(code: str, name: str) -> str:
    from guarantor.territory.places import unit_label

    return unit_label(code, name)


def _units_or_none(boundaries: Path | None, data: Path | None = None) -> Any:
    from guarantor.sources.locate import locate_data
    from guarantor.territory.inputs import resolve_units

    return resolve_units(boundaries, locate_data(data), required=False)


@app.command("violations")
def violations_command(
    territory: list[Path] | None = TerritoryOpt,
    agreed_at: str | None = date_text_option(
        None, "--agreed-at", help="Date of the agreed line (its snapshot)."
    ),
    agreed_line: Path | None = typer.Option(
        None,
        "--agreed-line",
        help="The agreed line instead of --agreed-at: GeoJSON of the area the obligor holds "
        "(or `territory swap --out`), or a swap proposal YAML.",
    ),
    end: str | None = date_text_option(
        None, "--to", help="Last date to examine (default: last snapshot)."
    ),
    nearest: bool = NearestOpt,
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
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG map of the incidents."),
    boundaries: Path | None = BoundariesOpt,
    fmt: Format = FormatOpt,
    layers: str | None = LayersOpt,
    border: Path | None = BorderOpt,
    data: Path | None = DataOpt,
    store: Path | None = StoreOpt,
    max_file_mb: float = MaxFileOpt,
    out: Path | None = OutOpt,
    force: bool = ForceOpt,
) -> None:
    """Advances beyond the agreed line as incidents, both sides; and the no-additional-territory verdict."""
    from guarantor.territory.reports import violations_report

    _check_out(out, force)

    options = _options(layers, border, None, data, max_file_mb)
    timeline = _timeline(_sources(territory, data, options), store)
    end = _period_end(timeline, end, nearest)
    units = _units_or_none(boundaries, data)
    with _progress("following the line") as step:
        doc, result = violations_report(
            timeline.as_series(),
            options,
            units,
            agreed_at,
            agreed_line,
            end,
            min_area,
            min_days,
            buffer_km,
            all_incidents,
            step,
        )
    if out is not None:
        from guarantor.territory.export import incident_tables

        _export(out, force, lambda: incident_tables(doc, result))
    if plot is not None:
        from guarantor.territory.reports import violations_map

        violations_map(result, plot)
        _err().print(f"map written to {plot}")
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
            "units": ", ".join(i.get("units_named", i["units"])[:2]),
            "near": i.get("near", ""),
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
        "near",
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
            "near",
            "described",
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
    proposal: Path = input_file_argument(help="Land-swap proposal YAML (see examples/swaps/)."),
    on: str | None = date_text_option(
        None, "--on", help="Date of the map to apply it to (default: the proposal's 'at')."
    ),
    territory: list[Path] | None = TerritoryOpt,
    troops_per_km: float | None = typer.Option(
        None, "--troops-per-km", help="Force needed per km of contact line."
    ),
    boundaries: Path | None = BoundariesOpt,
    places: Path | None = typer.Option(
        None, "--places", help="CSV of places (name, latitude, longitude, population)."
    ),
    border: Path | None = BorderOpt,
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG map of the swap."),
    fmt: Format = FormatOpt,
    data: Path | None = DataOpt,
    store: Path | None = StoreOpt,
    nearest: bool = NearestOpt,
    out: Path | None = OutOpt,
    overwrite: bool = ForceOpt,
) -> None:
    """What a land swap gives and takes: area, people, contact-line length and the force to hold it."""
    from guarantor.territory.reports import swap_report
    from guarantor.territory.swaps import load_proposal

    _check_out(out, overwrite)
    options = _options(None, border, None, data)
    when = on or (p.at.isoformat() if (p := load_proposal(proposal)).at else None)
    if when is None:
        raise UserError("give --on DATE (the proposal has no 'at')", Position(str(proposal)))
    answer, _ = _one_date(_sources(territory, data, options), when, store, nearest)
    doc, result = swap_report(
        proposal,
        when,
        None,
        troops_per_km,
        boundaries,
        answer.source.options,
        places,
        answer.entry,
    )
    if out is not None:
        from guarantor.territory.export import swap_tables

        _export(out, overwrite, lambda: swap_tables(doc, result))
    if plot is not None:
        from guarantor.territory.reports import swap_map

        swap_map(result, plot, result.units, result.land)
        _err().print(f"map written to {plot}")
    rows = [
        {
            **t,
            "largest_places": [p["name"] for p in t["largest_places"][:3]],
            "oblasts": ", ".join(t.get("units_named", [])),
        }
        for t in doc["transfers"]
    ]
    if fmt is Format.table:
        columns = ("id", "from", "to", "area_km2", "population", "largest_places", "oblasts")
        render(Tabular(doc["proposal"], columns, tuple(rows), doc), fmt)
        line = doc["contact_line_km"]
        hold = doc["force_to_hold"]
        Console(highlight=False).print(
            f"contact line {line['before']:,.1f} km -> {line['after']:,.1f} km ({line['change']:+,.1f} km); "
            f"at {hold['troops_per_km']:g} troops/km: {hold['before']:,} -> {hold['after']:,} ({hold['change']:+,})"
        )
        zones = doc.get("zones") or []
        for z in zones:
            Console(highlight=False).print(
                f"zone {z['id']} ({z['kind']}): {z['area_km2']:,.1f} km², population {z['population']:,}"
            )
        Console(highlight=False).print(f"population: {doc['population_basis']['text']}")
    else:
        _emit(fmt, doc, rows, ["id", "from", "to", "area_km2", "population"], doc["proposal"])


@app.command("map")
def map_command(
    territory: list[Path] | None = TerritoryOpt,
    on: str | None = date_text_option(
        None, "--on", help="Date of the control map (default: last)."
    ),
    plot: Path = typer.Option(Path("territory.png"), "--plot", help="PNG to write."),
    boundaries: Path | None = BoundariesOpt,
    border: Path | None = BorderOpt,
    fmt: TableOrJson = TableOrJsonOpt,
    data: Path | None = DataOpt,
    store: Path | None = StoreOpt,
    nearest: bool = NearestOpt,
) -> None:
    """A PNG map of control on a date, with borders, units and a scale."""
    from guarantor.territory.reports import control_map

    options = _options(None, border, None, data)
    answer, _ = _one_date(_sources(territory, data, options), on, store, nearest)
    doc = control_map(
        answer.entry,
        answer.source.options,
        plot,
        _units_or_none(boundaries, data),
        options.border_geometry,
    )
    if fmt is TableOrJson.json:
        emit(doc)
    else:
        _err().print(f"map of {doc['date']} written to {plot}")


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
    start: str | None = date_text_option(None, "--from", help="First day to fetch (daily files)."),
    end: str | None = date_text_option(None, "--to", help="Last day to fetch (default: today)."),
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


def places_command(
    name: list[str] | None = typer.Argument(
        None, help="A place name (accents, case and hyphens ignored; several words are one name)."
    ),
    near: str | None = typer.Option(
        None, "--near", help="LAT,LON: the settlements nearest to this point instead."
    ),
    limit: int = typer.Option(10, "--limit", min=1, help="How many places to list."),
    min_population: int = typer.Option(
        0, "--min-population", min=0, help="With --near: only places at least this large."
    ),
    fmt: Format = FormatOpt,
    data: Path | None = DataOpt,
    out: Path | None = OutOpt,
    force: bool = ForceOpt,
) -> None:
    """Gazetteer: a place name to coordinates, population and oblast; or a point to its nearest places."""
    from guarantor.sources.locate import locate_data
    from guarantor.territory.places import ATTRIBUTION, load_gazetteer, parse_lat_lon

    _check_out(out, force)
    if bool(name) == (near is not None):
        raise UserError("give a NAME or --near LAT,LON (one of them)")
    gazetteer = load_gazetteer(locate_data(data))
    if near is not None:
        lat, lon = parse_lat_lon(near)
        found = gazetteer.near(lat, lon, limit, min_population)
        query: dict[str, Any] = {"near": [lat, lon]}
        title = f"Places nearest to {lat:g}, {lon:g}"
    else:
        joined = " ".join(name or [])
        found = gazetteer.lookup(joined, limit)
        query = {"name": joined}
        title = f"Places called {joined!r}"
    rows = [p.to_dict() for p in found]
    doc = {**query, "source": gazetteer.source, "attribution": ATTRIBUTION, "places": rows}

    def tables() -> list[Any]:
        from guarantor.territory.api import PlaceList

        return PlaceList(tuple(found)).tables()

    _export(out, force, tables)
    columns = ["name", "population", "unit", "lat", "lon"]
    if near is not None:
        columns.append("distance_km")
    _emit(fmt, doc, rows, columns if fmt is not Format.csv else [*columns, "geonameid"], title)


app.command("places")(places_command)


def register(root: typer.Typer) -> None:
    """Add `guarantor territory` and its documented top-level alias `guarantor places`."""
    root.add_typer(app, name="territory")
    add_alias(root, "places", places_command)
