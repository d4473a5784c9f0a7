"""The documents behind the territory commands (JSON-ready), shared by the CLI and the demo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import shapely

from guarantor.errors import Position, UserError
from guarantor.sources.locate import locate_data
from guarantor.sources.snapshots import ReadOptions, SnapshotSeries, parse_day, scan_snapshots
from guarantor.territory.boundaries import Units, load_border
from guarantor.territory.cache import HistoryCache, default_cache_path
from guarantor.territory.changes import gross_change
from guarantor.territory.geodesy import share_pct, to_lonlat, to_plane
from guarantor.territory.history import build_history
from guarantor.territory.incident import Incident
from guarantor.territory.inputs import PLACES, resolve_border, resolve_source, resolve_units
from guarantor.territory.maps import MapLayers, render_map
from guarantor.territory.swaps import SwapResult, evaluate_swap, load_places, load_proposal
from guarantor.territory.violations import ViolationParams, find_incidents

StepFn = Callable[[int, object], None]
SOURCE_NOTE = "DeepState map (deepstatemap.live) via cyterat/deepstate-map-data"


def _r(x: float) -> float:
    return round(x, 1)


def changes_report(
    series: SnapshotSeries,
    start: datetime,
    end: datetime,
    by: str,
    options: ReadOptions,
    cache: Path | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Gross gained/lost between two dates, and per month (between month-end snapshots) or per day."""
    if end < start:
        raise UserError(f"--to {end.date()} is before --from {start.date()}")
    a, b = series.at_or_before(start), series.at_or_before(end)
    total = gross_change(to_plane(a.parsed(options).geometry), to_plane(b.parsed(options).geometry))
    doc: dict[str, Any] = {
        "from": a.taken_at.date().isoformat(),
        "to": b.taken_at.date().isoformat(),
        "from_snapshot": a.label,
        "to_snapshot": b.label,
        "gained_km2": _r(total.gained_km2),
        "lost_km2": _r(total.lost_km2),
        "net_km2": _r(total.net_km2),
        "method": "equal-area (LAEA on WGS84); gained = area held at --to and not at --from",
    }
    rows: list[dict[str, Any]] = []
    if by == "month":
        bounds = _month_ends(start, end)
        previous = a
        for month, month_end in bounds:
            current = series.at_or_before(min(month_end, b.taken_at))
            if not rows and current is previous and month_end < b.taken_at:
                continue  # --from falls after the month's last snapshot: nothing of it is covered
            change = gross_change(
                to_plane(previous.parsed(options).geometry),
                to_plane(current.parsed(options).geometry),
            )
            rows.append(
                {
                    "month": month,
                    "from_snapshot": previous.taken_at.date().isoformat(),
                    "to_snapshot": current.taken_at.date().isoformat(),
                    "gained_km2": _r(change.gained_km2),
                    "lost_km2": _r(change.lost_km2),
                    "net_km2": _r(change.net_km2),
                }
            )
            previous = current
        doc["months"] = rows
    elif by == "day":
        history = _history(series, options, None, cache, False, None)
        for record in history.records:
            if a.taken_at < record.taken_at <= b.taken_at:
                rows.append(
                    {
                        "date": record.taken_at.date().isoformat(),
                        "from_snapshot": "",
                        "to_snapshot": record.name,
                        "gained_km2": round(record.gained_km2, 3),
                        "lost_km2": round(record.lost_km2, 3),
                        "net_km2": round(record.gained_km2 - record.lost_km2, 3),
                    }
                )
        doc["days"] = rows
        doc["daily_gained_sum_km2"] = _r(sum(r["gained_km2"] for r in rows))
        doc["daily_lost_sum_km2"] = _r(sum(r["lost_km2"] for r in rows))
    return doc, rows


def _month_ends(first: datetime, last: datetime) -> list[tuple[str, datetime]]:
    """(YYYY-MM, last instant of the month) for each month from first to last."""
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
        out.append((f"{year:04d}-{month:02d}", nxt - timedelta(microseconds=1)))
        year, month = nxt.year, nxt.month
    return out


def _history(
    series: SnapshotSeries,
    options: ReadOptions,
    units: Units | None,
    cache: Path | None,
    no_cache: bool,
    step: StepFn | None,
) -> Any:
    if no_cache:
        return build_history(series, options, units, None, step)
    with HistoryCache(cache or default_cache_path()) as store:
        return build_history(series, options, units, store, step)


def history_report(
    series: SnapshotSeries,
    options: ReadOptions,
    units: Units | None,
    cache: Path | None,
    no_cache: bool,
    step: StepFn | None = None,
) -> dict[str, Any]:
    """Yearly and monthly sums of daily gross changes, first/last areas, per-unit shares at the end."""
    history = _history(series, options, units, cache, no_cache, step)
    records = history.records
    years: dict[Any, dict[str, Any]] = {}
    months: dict[Any, dict[str, Any]] = {}
    for r in records:
        for key, table in ((r.taken_at.year, years), (r.taken_at.strftime("%Y-%m"), months)):
            row = table.setdefault(
                key,
                {
                    "first": r.taken_at.date().isoformat(),
                    "area_start_km2": r.area_km2 - r.gained_km2 + r.lost_km2,
                    "gained_km2": 0.0,
                    "lost_km2": 0.0,
                },
            )
            row["last"] = r.taken_at.date().isoformat()
            row["area_end_km2"] = r.area_km2
            row["gained_km2"] += r.gained_km2
            row["lost_km2"] += r.lost_km2

    def rows(table: dict[Any, dict[str, Any]], name: str) -> list[dict[str, Any]]:
        return [
            {
                name: str(k),
                "first": v["first"],
                "last": v["last"],
                "area_start_km2": _r(v["area_start_km2"]),
                "area_end_km2": _r(v["area_end_km2"]),
                "gained_km2": _r(v["gained_km2"]),
                "lost_km2": _r(v["lost_km2"]),
                "net_km2": _r(v["gained_km2"] - v["lost_km2"]),
            }
            for k, v in sorted(table.items())
        ]

    doc: dict[str, Any] = {
        "source": history.source,
        "snapshots": len(records),
        "first": records[0].taken_at.isoformat(),
        "last": records[-1].taken_at.isoformat(),
        "area_first_km2": _r(records[0].area_km2),
        "area_last_km2": _r(records[-1].area_km2),
        "share_last_pct": round(share_pct(records[-1].area_km2), 3),
        "repaired_geometries": sum(r.repaired for r in records),
        "quarantined_features": sum(r.quarantined for r in records),
        "years": rows(years, "year"),
        "months": rows(months, "month"),
        "computed": history.stats.pairs_computed,
        "from_cache": history.stats.from_cache,
        "method": "equal-area (LAEA on WGS84); yearly/monthly = sums of daily gross changes",
    }
    if history.units is not None and history.unit_controlled is not None:
        last = history.unit_controlled[-1]
        doc["units_last"] = [
            {
                "code": code,
                "name": history.units.names[i],
                "controlled_km2": _r(float(last[i])),
                "share_pct": round(100 * float(last[i]) / float(history.units.area_km2[i]), 2),
            }
            for i, code in sorted(enumerate(history.units.codes), key=lambda x: x[1])
        ]
    return doc


@dataclass
class ViolationsResult:
    """The incidents and what is needed to draw them."""

    incidents: list[Incident]
    agreed: shapely.Geometry
    last_held: shapely.Geometry
    last_date: datetime
    units: Units | None
    border: shapely.Geometry | None
    agreed_label: str


def violations_report(
    series: SnapshotSeries,
    options: ReadOptions,
    units: Units | None,
    agreed_at: str | None,
    agreed_line: Path | None,
    until: str | None,
    min_area: float,
    min_days: float,
    buffer_km: float,
    all_incidents: bool,
    step: StepFn | None = None,
) -> tuple[dict[str, Any], ViolationsResult]:
    """Incidents beyond the agreed line (a snapshot's date or a GeoJSON) up to a date."""
    params = ViolationParams(min_area, min_days, buffer_km)
    border = options.border if options.border is not None else resolve_border(None)
    if agreed_line is not None:
        agreed = load_border(agreed_line)
        start = parse_day(agreed_at, "--agreed-at") if agreed_at else None
        label = str(agreed_line)
    elif agreed_at is not None:
        entry = series.at_or_before(parse_day(agreed_at, "--agreed-at"))
        agreed = entry.parsed(options).geometry
        start = entry.taken_at
        label = entry.label
    else:
        raise UserError("give the agreed line: --agreed-at DATE or --agreed-line FILE")
    end = parse_day(until, "--until") if until else None
    chosen = [e for e in series.between(None, end) if start is None or e.taken_at > start]
    if not chosen:
        raise UserError(
            "no snapshots after the agreed line to examine", Position(str(series.source))
        )

    def snapshots() -> Any:
        for i, e in enumerate(chosen):
            if step:
                step(i + 1, len(chosen))
            yield e.taken_at, e.parsed(options).geometry

    incidents = find_incidents(snapshots(), agreed, params, units=units, border=border)
    confirmed_obligor = [i for i in incidents if i.side == "obligor" and i.confirmed]
    shown = incidents if all_incidents else [i for i in incidents if i.confirmed]
    breached = min((i.confirmed_at for i in confirmed_obligor if i.confirmed_at), default=None)
    last = chosen[-1]
    doc = {
        "agreed_at": start.isoformat() if start else None,
        "agreed_line": label,
        "until": last.taken_at.isoformat(),
        "snapshots_examined": len(chosen),
        "params": {
            "min_area_km2": min_area,
            "min_persistence_days": min_days,
            "buffer_km": buffer_km,
        },
        "status": "breached" if confirmed_obligor else "complied",
        "breached_at": breached.isoformat() if breached else None,
        "seized_km2": round(sum(i.current_area_km2 for i in confirmed_obligor), 1),
        "unconfirmed_incidents": sum(1 for i in incidents if not i.confirmed),
        "incidents": [i.to_dict() for i in shown],
    }
    result = ViolationsResult(
        shown, agreed, last.parsed(options).geometry, last.taken_at, units, border, label
    )
    return doc, result


def violations_map(result: ViolationsResult, path: Path, source_note: str = SOURCE_NOTE) -> Path:
    """A PNG of the agreed line, control at the last date and the incidents."""
    focus = None
    if result.incidents:
        minx, miny, maxx, maxy = shapely.bounds(
            shapely.union_all([i.footprint for i in result.incidents])
        ).tolist()
        focus = (minx - 60_000, miny - 60_000, maxx + 60_000, maxy + 60_000)
    layers = MapLayers(
        title=("SYNTHETIC: " if "SYNTHETIC" in source_note else "")
        + f"Advances beyond the agreed line, up to {result.last_date.date()}",
        data_note=f"Control: {source_note}, snapshot {result.last_date:%Y-%m-%d %H:%M} UTC. "
        f"Agreed line: {Path(result.agreed_label).name}. Incidents: confirmed advances (guarantor).",
        held=result.last_held,
        land=result.border,
        units=result.units,
        agreed=result.agreed,
        incidents=result.incidents,
        focus=focus,
    )
    return render_map(layers, path)


def swap_report(
    proposal_path: Path,
    at: str | None,
    source: Path | None,
    troops_per_km: float | None,
    boundaries: Path | None,
    options: ReadOptions,
    places_file: Path | None = None,
) -> tuple[dict[str, Any], SwapResult]:
    """Evaluate a land-swap proposal on the map of a date."""
    from dataclasses import replace

    proposal = load_proposal(proposal_path)
    if troops_per_km is not None:
        if troops_per_km < 0:
            raise UserError("--troops-per-km must not be negative")
        proposal = replace(proposal, troops_per_km=troops_per_km)
    data = locate_data()
    when_text = at or (proposal.at.isoformat() if proposal.at else None)
    if when_text is None:
        raise UserError("give --at DATE (the proposal has no 'at')", Position(str(proposal_path)))
    units = resolve_units(boundaries, data)
    assert units is not None
    land = options.border if options.border is not None else resolve_border(None, data)
    if land is None:
        raise UserError(
            "the swap needs the beneficiary's border: pass --border or provide the data folder"
        )
    places_path = places_file or data.file(PLACES)
    places = load_places(places_path) if places_path else None
    series = scan_snapshots(resolve_source(source, data), options)
    entry = series.at_or_before(parse_day(when_text, "--at"))
    result = evaluate_swap(
        proposal, entry.parsed(options).geometry, entry.taken_at, entry.label, units, land, places
    )
    doc = result.to_dict()
    doc["population_source"] = (
        f"{places.source} (GeoNames populations, mostly pre-2022)" if places else "none found"
    )
    return doc, result


def swap_map(
    result: SwapResult,
    path: Path,
    units: Units | None = None,
    land: shapely.Geometry | None = None,
    source_note: str = SOURCE_NOTE,
) -> Path:
    """A PNG of the areas a swap moves and the contact line after it."""
    data = locate_data()
    units = units or resolve_units(None, data, required=False)
    land = land if land is not None else resolve_border(None, data)
    geoms = [g for g in result.geometries.values() if not g.is_empty]
    focus = None
    if geoms:
        minx, miny, maxx, maxy = shapely.bounds(shapely.union_all(geoms)).tolist()
        focus = (minx - 80_000, miny - 80_000, maxx + 80_000, maxy + 80_000)
    layers = MapLayers(
        title=("SYNTHETIC: " if "SYNTHETIC" in source_note else "")
        + f"{result.proposal.name} on the map of {result.taken_at.date()}",
        data_note=f"Control: {source_note}, snapshot {result.taken_at:%Y-%m-%d %H:%M} UTC. "
        f"Units: {Path(units.source).name if units else 'none'}. Proposal: {Path(result.proposal.file).name}.",
        held=to_lonlat(result.before),
        held_label="held by the obligor before the swap",
        land=land,
        units=units,
        swaps=result.geometries,
        line_after=result.line_after,
        focus=focus,
    )
    return render_map(layers, path)


def control_map(
    series: SnapshotSeries,
    on: str | None,
    options: ReadOptions,
    out: Path,
    units: Units | None = None,
) -> dict[str, Any]:
    """A PNG of control on a date."""
    data = locate_data()
    when = parse_day(on, "--on") if on else series.entries[-1].taken_at
    entry = series.at_or_before(when)
    layers = MapLayers(
        title=f"Territorial control, {entry.taken_at.date()}",
        data_note=f"Control: {SOURCE_NOTE}, snapshot {entry.taken_at:%Y-%m-%d %H:%M} UTC ({entry.name}). "
        "Borders: Natural Earth 10m; units: geoBoundaries ADM1.",
        held=entry.parsed(options).geometry,
        land=options.border if options.border is not None else resolve_border(None, data),
        units=units,
    )
    render_map(layers, out)
    return {"date": entry.taken_at.date().isoformat(), "snapshot": entry.label, "file": str(out)}
