"""A plain per-event Python evaluator: the reference the vectorised engine is tested and timed against.

Deliberately simple: one loop over events, one test per leaf, shapely point-in-polygon per
point, dictionaries per day. It shares only the compiled plan with the engine, and answers in the same three values
(0 false, 1 unknown, 2 true) with its own plain Kleene connectives.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import shapely
from shapely.geometry import Point

from guarantor.model import Agreement
from guarantor.model.triggers import Level
from guarantor.monitor.actors import ActorMap
from guarantor.monitor.columns import EventColumns, day_number
from guarantor.monitor.geography import TERRITORIAL_SEA_KM, Geography
from guarantor.rules import Leaf, LeafKind, Node, NodeKind, compile_agreement
from guarantor.sources.events_schema import EVENT_TYPES


def naive_levels(
    agreement: Agreement,
    events: Iterable[EventColumns],
    start: date,
    end: date,
    actors: ActorMap | None = None,
    geography: Geography | None = None,
) -> dict[str, tuple[list[int], list[int]]]:
    """Per trigger and day: the highest established level and the highest possible one (-1 none)."""
    plan = compile_agreement(agreement)
    actors = actors or ActorMap()
    geo = geography or Geography()
    first, days = day_number(start), day_number(end) - day_number(start) + 1
    n_leaves = len(plan.leaves)
    count: list[dict[int, int]] = [defaultdict(int) for _ in range(n_leaves)]
    fat: list[dict[int, int]] = [defaultdict(int) for _ in range(n_leaves)]
    nowhere: list[dict[int, int]] = [defaultdict(int) for _ in range(n_leaves)]
    nowhere_fat: list[dict[int, int]] = [defaultdict(int) for _ in range(n_leaves)]
    no_fat: list[dict[int, int]] = [defaultdict(int) for _ in range(n_leaves)]
    shapes: dict[tuple[str, float | str], object] = {}

    def has_place(leaf: Leaf) -> bool:
        p = leaf.place
        inside = p.inside is not None and p.inside.value != "anywhere"
        return inside or p.beyond_agreed_line_km is not None or bool(p.zone)

    def place_ok(leaf: Leaf, lon: float, lat: float) -> bool:
        point = Point(lon, lat)
        p = leaf.place
        if p.inside is not None and p.inside.value != "anywhere":
            key = ("inside", p.inside.value)
            if key not in shapes:
                if p.inside.value == "beneficiary":
                    shapes[key] = geo.border
                elif p.inside.value == "beneficiary_incl_sea":
                    shapes[key] = geo._buffered("border", geo.border, TERRITORIAL_SEA_KM)
                else:
                    shapes[key] = geo.zones[p.inside.value]
            if not shapely.contains(shapes[key], point):
                return False
        if p.beyond_agreed_line_km is not None:
            key2 = ("beyond", p.beyond_agreed_line_km)
            if key2 not in shapes:
                shapes[key2] = geo._buffered("line", geo.agreed_line_held, p.beyond_agreed_line_km)
            if shapely.contains(shapes[key2], point):
                return False
        if p.zone:
            return bool(shapely.contains(geo.zones[p.zone], point))
        return True

    for chunk in events:
        codes = {name: code for code, name in enumerate(EVENT_TYPES)}
        for i in range(len(chunk)):
            d = int(chunk.day[i]) - first
            if not 0 <= d < days:
                continue
            names = [chunk.actor_names[c] for c in chunk.actors[i] if c >= 0]
            lon, lat = float(chunk.lon[i]), float(chunk.lat[i])
            carried = chunk.fatalities_known is None or bool(chunk.fatalities_known[i])
            for j, leaf in enumerate(plan.leaves):
                if int(chunk.type_code[i]) not in {codes[t] for t in leaf.event_types}:
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
                if has_place(leaf) and (math.isnan(lon) or math.isnan(lat)):
                    nowhere[j][d] += 1
                    nowhere_fat[j][d] += int(chunk.fatalities[i])
                    continue
                if not place_ok(leaf, lon, lat):
                    continue
                count[j][d] += 1
                fat[j][d] += int(chunk.fatalities[i])
                if not carried:
                    no_fat[j][d] += 1

    def three(known: int, possible: int, need: int) -> int:
        return 2 if known >= need else 1 if possible >= need else 0

    def day_value(j: int, s: int) -> int:
        leaf = plan.leaves[j]
        if leaf.kind is LeafKind.narrative:
            return 1
        span = range(max(0, s - leaf.window_days + 1), s + 1)
        n = sum(count[j].get(x, 0) for x in span)
        maybe = n + sum(nowhere[j].get(x, 0) for x in span)
        value = three(n, maybe, leaf.min_events or 1)
        if leaf.min_fatalities is not None:
            f = sum(fat[j].get(x, 0) for x in span)
            f_max = f + sum(nowhere_fat[j].get(x, 0) for x in span)
            unsure = sum(no_fat[j].get(x, 0) + nowhere[j].get(x, 0) for x in span) > 0
            v = three(f, f_max, leaf.min_fatalities)
            value = min(value, 1 if v == 0 and unsure else v)
        if leaf.min_distinct_days is not None:
            dd = sum(1 for x in span if count[j].get(x, 0) > 0)
            dm = sum(1 for x in span if count[j].get(x, 0) + nowhere[j].get(x, 0) > 0)
            value = min(value, three(dd, dm, leaf.min_distinct_days))
        if leaf.requires:
            value = min(value, 1)  # no event source records these attributes
        return value

    def leaf_value(j: int, t: int) -> int:
        k = plan.leaves[j].sustained_days
        if t < k - 1:
            return 0
        return min(day_value(j, s) for s in range(t - k + 1, t + 1))

    def tree(node: Node, t: int) -> int:
        if node.kind is NodeKind.leaf:
            return leaf_value(node.leaf, t)
        if node.kind is NodeKind.not_:
            return 2 - tree(node.children[0], t)
        parts = [tree(n, t) for n in node.children]
        return min(parts) if node.kind is NodeKind.all else max(parts)

    order = list(Level)
    out: dict[str, tuple[list[int], list[int]]] = {}
    for trigger in plan.triggers:
        established, possible = [], []
        for t in range(days):
            best, maybe = -1, -1
            for lv in trigger.levels:
                value = tree(lv.tree, t)
                if value == 2:
                    best = max(best, order.index(lv.level))
                if value >= 1:
                    maybe = max(maybe, order.index(lv.level))
            established.append(best)
            possible.append(maybe)
        out[trigger.id] = (established, possible)
    return out
