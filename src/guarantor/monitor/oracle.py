"""A plain per-event Python evaluator: the reference the vectorised engine is tested and timed against.

Deliberately simple: one loop over events, one test per leaf, shapely point-in-polygon per
point, dictionaries per day. It shares only the compiled plan with the engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import shapely
from shapely.geometry import Point

from guarantor.model import Agreement
from guarantor.model.triggers import LEVEL_ORDER
from guarantor.monitor.actors import ActorMap
from guarantor.monitor.columns import EventColumns, day_number
from guarantor.monitor.geography import Geography
from guarantor.monitor.plan import Leaf, Node, compile_plan


def naive_levels(
    agreement: Agreement,
    events: Iterable[EventColumns],
    start: date,
    end: date,
    actors: ActorMap | None = None,
    geography: Geography | None = None,
) -> dict[str, list[int]]:
    """Each trigger's level per day (-1 = none), computed event by event."""
    plan = compile_plan(agreement)
    actors = actors or ActorMap()
    geo = geography or Geography()
    first, days = day_number(start), day_number(end) - day_number(start) + 1
    count: list[dict[int, int]] = [defaultdict(int) for _ in plan.leaves]
    fat: list[dict[int, int]] = [defaultdict(int) for _ in plan.leaves]
    shapes: dict[tuple[str, float | str], object] = {}

    def place_ok(leaf: Leaf, lon: float, lat: float) -> bool:
        point = Point(lon, lat)
        if leaf.inside and leaf.inside != "anywhere":
            key = ("inside", leaf.inside)
            if key not in shapes:
                if leaf.inside == "beneficiary":
                    shapes[key] = geo.border
                elif leaf.inside == "beneficiary_incl_sea":
                    shapes[key] = geo._buffered("border", geo.border, 22.224)
                else:
                    shapes[key] = geo.zones[leaf.inside]
            if not shapely.contains(shapes[key], point):
                return False
        if leaf.beyond_km is not None:
            key2 = ("beyond", leaf.beyond_km)
            if key2 not in shapes:
                shapes[key2] = geo._buffered("line", geo.agreed_line_held, leaf.beyond_km)
            if shapely.contains(shapes[key2], point):
                return False
        if leaf.zone:
            return bool(shapely.contains(geo.zones[leaf.zone], point))
        return True

    for chunk in events:
        for i in range(len(chunk)):
            d = int(chunk.day[i]) - first
            if not 0 <= d < days:
                continue
            names = [chunk.actor_names[c] for c in chunk.actors[i] if c >= 0]
            for j, leaf in enumerate(plan.leaves):
                if int(chunk.type_code[i]) not in leaf.types:
                    continue
                if leaf.parties:
                    conf = max(
                        (
                            1.0 if n in leaf.parties else actors.confidence(n, set(leaf.parties))
                            for n in names
                        ),
                        default=0.0,
                    )
                    if conf <= 0 or conf < leaf.min_attribution:
                        continue
                if not place_ok(leaf, float(chunk.lon[i]), float(chunk.lat[i])):
                    continue
                count[j][d] += 1
                fat[j][d] += int(chunk.fatalities[i])

    def leaf_holds(j: int, t: int) -> bool:
        leaf = plan.leaves[j]

        def day_ok(s: int) -> bool:
            window = range(max(0, s - leaf.window_days + 1), s + 1)
            n = sum(count[j].get(x, 0) for x in window)
            if (
                leaf.min_events is None
                and leaf.min_fatalities is None
                and leaf.min_distinct_days is None
            ):
                return n >= 1
            ok = leaf.min_events is None or n >= leaf.min_events
            if leaf.min_fatalities is not None:
                ok = ok and sum(fat[j].get(x, 0) for x in window) >= leaf.min_fatalities
            if leaf.min_distinct_days is not None:
                ok = (
                    ok
                    and sum(1 for x in window if count[j].get(x, 0) > 0) >= leaf.min_distinct_days
                )
            return ok

        k = leaf.sustained_days
        return t >= k - 1 and all(day_ok(s) for s in range(t - k + 1, t + 1))

    def tree(node: Node, t: int) -> bool:
        if node[0] == "leaf":
            return leaf_holds(node[1], t)
        if node[0] == "narrative":
            return False
        if node[0] == "not":
            return not tree(node[1], t)
        parts = [tree(n, t) for n in node[1]]
        return all(parts) if node[0] == "all" else any(parts)

    out: dict[str, list[int]] = {}
    for trigger, levels in plan.triggers:
        series = []
        for t in range(days):
            best = -1
            for level, node in levels:
                if tree(node, t):
                    best = max(best, LEVEL_ORDER[level])
            series.append(best)
        out[trigger.id] = series
    return out
