"""Where activations and events happened, by places (towns, oblasts), and their export tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guarantor.monitor.result import Activation, MonitorResult
    from guarantor.sources.events_schema import Event
    from guarantor.territory.export import ExportTable
    from guarantor.territory.places import EventCluster, Gazetteer


def event_locations(events: Sequence[Event]) -> dict[str, tuple[float | None, float | None]]:
    """Each event's id as the monitor cites it ('source:id') -> (lat, lon)."""
    return {f"{e.source}:{e.source_id}": (e.latitude, e.longitude) for e in events}


def activation_places(
    activations: Sequence[Activation],
    located: Mapping[str, tuple[float | None, float | None]],
    gazetteer: Gazetteer | None,
) -> list[EventCluster | None]:
    """Each activation's evidence events by their nearest towns (None without a gazetteer)."""
    from guarantor.territory.places import cluster_events

    if gazetteer is None:
        return [None for _ in activations]
    out: list[EventCluster | None] = []
    for a in activations:
        points = [located[e] for e in a.evidence if e in located]
        cluster = (
            cluster_events(gazetteer, [p[0] for p in points], [p[1] for p in points])
            if points
            else None
        )
        out.append(cluster if cluster is not None and cluster.towns else None)
    return out


def _row(doc: dict[str, Any], cluster: EventCluster | None) -> dict[str, Any]:
    row = {k: v for k, v in doc.items() if k != "trace"}
    if cluster is not None:
        row["near"] = cluster.near
        row["units_named"] = list(cluster.units)
    return row


def monitor_tables(
    result: MonitorResult, events: Sequence[Event], gazetteer: Gazetteer | None
) -> list[ExportTable]:
    """Activations (with where their evidence lies) and undetermined levels, as tables."""
    from guarantor.territory.export import rows_table

    places = activation_places(result.activations, event_locations(events), gazetteer)
    return [
        rows_table(
            "activations",
            [_row(a.to_json(), c) for a, c in zip(result.activations, places, strict=True)],
        ),
        rows_table("undetermined", [_row(u.to_json(), None) for u in result.undetermined]),
    ]


def with_places(
    docs: list[dict[str, Any]], clusters: Sequence[EventCluster | None]
) -> list[dict[str, Any]]:
    """Activation documents with `near` (towns of their evidence) and `units_named` added."""
    out = []
    for doc, cluster in zip(docs, clusters, strict=True):
        if cluster is not None:
            doc = {**doc, "near": cluster.near, "units_named": list(cluster.units)}
        out.append(doc)
    return out


def activations_where(
    activations: Sequence[Activation], events: Sequence[Event]
) -> list[EventCluster | None]:
    """Where each activation's evidence lies, with the data folder's gazetteer (None without)."""
    from guarantor.territory.places import find_gazetteer

    return activation_places(activations, event_locations(events), find_gazetteer())
