"""The documents behind the territory commands (JSON-ready), shared by the CLI and the demo."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import shapely

from guarantor.errors import Position, UserError
from guarantor.sources.locate import locate_data
from guarantor.sources.snapshots import (
    ReadOptions,
    SnapshotEntry,
    SnapshotSeries,
    parse_day,
    scan_snapshots,
)
from guarantor.territory.boundaries import Units
from guarantor.territory.cache import HistoryCache, default_cache_path
from guarantor.territory.changes import gross_change
from guarantor.territory.compare import SourceComparison
from guarantor.territory.geodesy import to_lonlat
from guarantor.territory.history import build_history
from guarantor.territory.incident import Incident
from guarantor.territory.inputs import PLACES, resolve_border, resolve_source, resolve_units
from guarantor.territory.maps import MapLayers, render_map
from guarantor.territory.periods import PeriodSummary, TimeStep, period_of, summarize
from guarantor.territory.swaps import SwapResult, evaluate_swap, load_places, load_proposal
from guarantor.territory.timeline import SnapshotTimeline, day_end
from guarantor.territory.violations import ViolationParams, find_incidents

StepFn = Callable[[int, object], None]
SOURCE_NOTE = "DeepState map (deepstatemap.live) via cyterat/deepstate-map-data"


def _r(x: float) -> float:
    return round(x, 1)


def changes_report(
    series: SnapshotSeries,
    start: datetime,
    end: datetime,
    per: TimeStep | None,
    options: ReadOptions,
    cache: Path | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Gross gained/lost between the snapshots of two dates, and per period between the last
    snapshots of consecutive periods (not sums of daily changes: churn inside a period cancels)."""
    if end < start:
        raise UserError(f"--to {end.date()} is before --from {start.date()}")
    a, b = series.at_or_before(start), series.at_or_before(end)
    total = gross_change(a.parsed(options).geometry, b.parsed(options).geometry)
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
    if per is None:
        return doc, rows
    previous = a
    day = start.date()
    while day <= end.date():
        label, _, last_day = period_of(day, per)
        period_end = min(day_end(last_day), b.taken_at)
        current = series.at_or_before(period_end)
        day = last_day + timedelta(days=1)
        if current is previous:
            continue  # no snapshot inside this period after the previous one
        change = gross_change(previous.parsed(options).geometry, current.parsed(options).geometry)
        rows.append(
            {
                "period": label,
                "from_snapshot": previous.taken_at.date().isoformat(),
                "to_snapshot": current.taken_at.date().isoformat(),
                "gained_km2": _r(change.gained_km2),
                "lost_km2": _r(change.lost_km2),
                "net_km2": _r(change.net_km2),
            }
        )
        previous = current
    doc["periods"] = rows
    doc["per"] = per.value
    return doc, rows


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
    timeline: SnapshotTimeline,
    options: ReadOptions,
    units: Units | None,
    cache: Path | None,
    no_cache: bool,
    per: TimeStep = TimeStep.year,
    start: datetime | None = None,
    end: datetime | None = None,
    step: StepFn | None = None,
) -> dict[str, Any]:
    """Sums of daily gross changes per period, with the sources used and the days covered; per unit
    when units are given."""
    series = timeline.as_series()
    if not series.entries:
        raise UserError("no snapshots to measure")
    history = _history(series, options, units, cache, no_cache, step)
    labels = [timeline.label_of(p) for p in timeline.picks]
    first, last = (start.date() if start else None), (end.date() if end else None)
    periods = summarize(history, labels, per, first, last)
    records = history.records
    rows = [_period_row(p) for p in periods]
    doc: dict[str, Any] = {
        "sources": [
            {"source": s.label, "path": str(s.path), "priority": s.priority, "kind": s.kind.value}
            for s in timeline.sources
        ],
        "per": per.value,
        "from": (first or records[0].taken_at.date()).isoformat(),
        "to": (last or records[-1].taken_at.date()).isoformat(),
        "days_with_snapshots": len(records),
        "first_snapshot": records[0].taken_at.isoformat(),
        "last_snapshot": records[-1].taken_at.isoformat(),
        "repaired_geometries": sum(r.repaired for r in records),
        "quarantined_features": sum(r.quarantined for r in records),
        "days_by_source": _count(labels),
        # other snapshots of a chosen day (earlier dumps of the day, the other source's): counted,
        # never mixed in; the day's last snapshot of the preferred source is the one used
        "days_with_other_snapshots": sum(1 for p in timeline.picks if p.others),
        "other_snapshots_not_used": sum(p.others for p in timeline.picks),
        "periods": rows,
        "computed": history.stats.pairs_computed,
        "from_cache": history.stats.from_cache,
        "notes": timeline.notes,
        "method": "equal-area (LAEA on WGS84); per period = sums of daily gross changes "
        "(a change counts in the period of its later snapshot)",
    }
    if history.units is not None:
        doc["boundaries"] = history.units.source
        doc["units"] = [
            _unit_row(p, history.units, i)
            for p in periods
            if p.unit_gained is not None
            for i in range(len(history.units.codes))
        ]
    return doc


def _count(labels: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for label in labels:
        out[label] = out.get(label, 0) + 1
    return dict(sorted(out.items()))


def _period_row(p: PeriodSummary) -> dict[str, Any]:
    def area(x: float) -> float | None:
        return None if math.isnan(x) else _r(x)

    return {
        "period": p.period,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "days": p.days,
        "days_covered": p.covered,
        "coverage_pct": round(p.coverage_pct, 1),
        "longest_gap_days": p.longest_gap_days,
        "sources": ", ".join(f"{k} ({v})" for k, v in sorted(p.sources.items())),
        "area_start_km2": area(p.area_start_km2),
        "area_end_km2": area(p.area_end_km2),
        "gained_km2": _r(p.gained_km2),
        "lost_km2": _r(p.lost_km2),
        "net_km2": _r(p.net_km2),
    }


def _unit_row(p: PeriodSummary, units: Units, i: int) -> dict[str, Any]:
    assert p.unit_gained is not None and p.unit_lost is not None
    end = float(p.unit_end[i]) if p.unit_end is not None else float("nan")
    return {
        "period": p.period,
        "code": units.codes[i],
        "name": units.names[i],
        "gained_km2": round(float(p.unit_gained[i]), 2),
        "lost_km2": round(float(p.unit_lost[i]), 2),
        "net_km2": round(float(p.unit_gained[i] - p.unit_lost[i]), 2),
        "controlled_end_km2": None if math.isnan(end) else _r(end),
        "share_end_pct": None
        if math.isnan(end)
        else round(100 * end / float(units.area_km2[i]), 2),
        "days_covered": p.covered,
        "coverage_pct": round(p.coverage_pct, 1),
    }


def compare_report(
    comparison: SourceComparison, top: int = 20
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The consistency report: per-day rows, the distribution, and the days over the threshold."""
    rows: list[dict[str, Any]] = [
        {
            "date": d.day.isoformat(),
            "a_snapshot": d.a_snapshot,
            "b_snapshot": d.b_snapshot,
            "lag_hours": d.lag_hours,
            "a_km2": _r(d.a_km2),
            "b_km2": _r(d.b_km2),
            "diff_km2": _r(d.diff_km2),
            "diff_pct": round(d.diff_pct, 3),
            "only_a_km2": None if d.only_a_km2 is None else round(d.only_a_km2, 2),
            "only_b_km2": None if d.only_b_km2 is None else round(d.only_b_km2, 2),
            "disagreement_km2": round(d.disagreement_km2, 2),
        }
        for d in comparison.days
    ]
    over = comparison.over_threshold()
    doc: dict[str, Any] = {
        "a": comparison.a,
        "b": comparison.b,
        "compared": "polygons and areas" if comparison.geometry else "areas",
        "days_compared": len(comparison.days),
        "first": rows[0]["date"] if rows else None,
        "last": rows[-1]["date"] if rows else None,
        "unpaired_days": comparison.unpaired,
        "max_lag_hours": comparison.max_lag_hours,
        "threshold_km2": comparison.threshold_km2,
        "days_over_threshold": len(over),
        "largest_disagreements": [
            r for r in sorted(rows, key=lambda r: -r["disagreement_km2"])[:top]
        ],
        "distribution": comparison.distribution(),
        "days": rows,
        "method": "B's snapshot in effect at A's time (no older than max_lag_hours); areas "
        "geodesic; only_a/only_b = equal-area overlay of the two polygons",
    }
    return doc, rows


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
        from guarantor.territory.line_reading import agreed_line as read_agreed_line

        start = parse_day(agreed_at, "--agreed-at") if agreed_at else None
        first = start.date() if start else series.entries[0].taken_at.date()
        line = read_agreed_line(series, first, agreed_line, options, units, border)
        agreed = line.geometry
        start = start or line.taken_at
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
    # an incident merged into another counts in it; it is listed for its lineage only
    confirmed_obligor = [i for i in incidents if i.side == "obligor" and i.confirmed and i.live]
    shown = incidents if all_incidents else [i for i in incidents if i.confirmed]
    breached = min((i.confirmed_at for i in confirmed_obligor if i.confirmed_at), default=None)
    last = chosen[-1]
    incident_rows = [i.to_dict() for i in shown]
    _describe_incidents(incident_rows, shown)
    doc: dict[str, Any] = {
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
        "incidents": incident_rows,
    }
    from guarantor.territory.breach import breach_series
    from guarantor.territory.line_reading import snapshot_coverage

    period = (
        (start or chosen[0].taken_at).date(),
        last.taken_at.date() if end is None else end.date(),
    )
    confirmed = [i for i in incidents if i.confirmed]
    doc["breach_series"] = [w.to_json() for w in breach_series(confirmed, *period)]
    doc["coverage"] = {"territory": snapshot_coverage(series, *period).to_json()}
    result = ViolationsResult(
        shown, agreed, last.parsed(options).geometry, last.taken_at, units, border, label
    )
    return doc, result


def _describe_incidents(rows: list[dict[str, Any]], incidents: list[Incident]) -> None:
    """Add each incident's places (nearest settlements, oblasts by name) when there is a gazetteer."""
    from guarantor.territory.places import describe_incident, find_gazetteer

    gazetteer = find_gazetteer()
    if gazetteer is None:
        return
    for row, incident in zip(rows, incidents, strict=True):
        row.update(describe_incident(gazetteer, incident).to_dict())


def _describe_transfers(doc: dict[str, Any], result: SwapResult) -> None:
    """Add each swap area's places (settlements inside or nearest, oblasts by name)."""
    from guarantor.territory.places import describe_plane_area, find_gazetteer

    gazetteer = find_gazetteer()
    if gazetteer is None:
        return
    for row in doc.get("transfers", []):
        where = describe_plane_area(gazetteer, result.geometries.get(row["id"]))
        row.update(where.to_dict())


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
    entry: SnapshotEntry | None = None,
) -> tuple[dict[str, Any], SwapResult]:
    """Evaluate a land-swap proposal on the map of a date (or on a snapshot already chosen)."""
    from dataclasses import replace

    proposal = load_proposal(proposal_path)
    if troops_per_km is not None:
        if troops_per_km < 0:
            raise UserError("--troops-per-km must not be negative")
        proposal = replace(proposal, troops_per_km=troops_per_km)
    data = locate_data()
    when_text = at or (proposal.at.isoformat() if proposal.at else None)
    if when_text is None:
        raise UserError("give --on DATE (the proposal has no 'at')", Position(str(proposal_path)))
    units = resolve_units(boundaries, data)
    assert units is not None
    land = options.border if options.border is not None else resolve_border(None, data)
    if land is None:
        raise UserError(
            "the swap needs the beneficiary's border: pass --border or provide the data folder"
        )
    places_path = places_file or data.file(PLACES)
    places = load_places(places_path) if places_path else None
    if entry is None:
        series = scan_snapshots(resolve_source(source, data), options)
        entry = series.at_or_before(parse_day(when_text, "--on"))
    result = evaluate_swap(
        proposal, entry.parsed(options).geometry, entry.taken_at, entry.label, units, land, places
    )
    doc = result.to_dict()
    _describe_transfers(doc, result)
    doc["population_source"] = (
        f"{places.source} (GeoNames populations, mostly pre-2022)" if places else "none found"
    )
    doc["population_basis"] = population_basis(places.source if places else None)
    for row in doc["transfers"]:
        row["population_basis"] = doc["population_basis"]["text"]
    return doc, result


def population_basis(source: str | None) -> dict[str, Any]:
    """What the population figures of a swap are, and of when (never present population)."""
    if source is None:
        return {
            "source": None,
            "kind": "none",
            "as_of": None,
            "text": "no population figures: no places file was found (--places)",
        }
    return {
        "source": source,
        "kind": "GeoNames populated places (at least 1,000 people), summed inside each area",
        "as_of": "as recorded by GeoNames: mostly the 2001 census or pre-2022 estimates",
        "licence": "CC BY 4.0 (GeoNames)",
        "text": "GeoNames place populations (pre-war: mostly the 2001 census or pre-2022 "
        "estimates), not present population",
    }


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
    entry: SnapshotEntry,
    options: ReadOptions,
    out: Path,
    units: Units | None = None,
    border: shapely.Geometry | None = None,
) -> dict[str, Any]:
    """A PNG of control at a snapshot."""
    layers = MapLayers(
        title=f"Territorial control, {entry.taken_at.date()}",
        data_note=f"Control: {SOURCE_NOTE}, snapshot {entry.taken_at:%Y-%m-%d %H:%M} UTC ({entry.name}). "
        "Borders: Natural Earth 10m; units: geoBoundaries ADM1.",
        held=entry.parsed(options).geometry,
        land=border if border is not None else resolve_border(None, locate_data()),
        units=units,
    )
    render_map(layers, out)
    return {"date": entry.taken_at.date().isoformat(), "snapshot": entry.label, "file": str(out)}
