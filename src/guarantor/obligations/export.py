"""A replay as tables for `--out`: activations (with where), undetermined levels, obligations,
territorial incidents as polygons and events as points."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guarantor.obligations.replay import ReplayResult
    from guarantor.territory.export import ExportTable


def replay_tables(result: ReplayResult) -> list[ExportTable]:
    """The tables of a replay, one layer or sheet each."""
    from guarantor.monitor.where import monitor_tables
    from guarantor.territory.export import ExportTable, event_points, rows_table
    from guarantor.territory.geodesy import to_lonlat
    from guarantor.territory.places import describe_incident, find_gazetteer

    gazetteer = find_gazetteer()
    events = result.read.events if result.read is not None else []
    tables = monitor_tables(result.monitor, events, gazetteer)
    tables.append(rows_table("obligations", [o.to_json() for o in result.timeline.owed]))
    with_shape = [i for i in result.incidents if i.footprint is not None]
    if with_shape:
        rows = []
        for incident in with_shape:
            row = incident.to_dict()
            if gazetteer is not None:
                row.update(describe_incident(gazetteer, incident).to_dict())
            rows.append(row)
        tables.append(
            ExportTable("incidents", tuple(rows), tuple(to_lonlat(i.footprint) for i in with_shape))
        )
    if events:
        tables.append(event_points(events))
    return tables
