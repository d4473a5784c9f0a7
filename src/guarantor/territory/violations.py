"""Advances beyond an agreed line as incidents, and the "no additional territory" obligation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
import shapely
from numpy.typing import NDArray

from guarantor.errors import UserError
from guarantor.territory.boundaries import Units
from guarantor.territory.changes import _MIX, plane_pieces
from guarantor.territory.geodesy import plane_area_km2, to_lonlat, to_plane
from guarantor.territory.incident import Incident, Side

# Parts smaller than this (km²) are overlay slivers, not territory; they are not tracked at all.
_SLIVER_KM2 = 0.01
_EMPTY = shapely.Polygon()


@dataclass(frozen=True)
class ViolationParams:
    """Tolerances for map noise (see docs/territory.md for the reasons behind the defaults)."""

    min_area_km2: float = 1.0
    min_persistence_days: float = 3.0
    buffer_km: float = 0.5

    def __post_init__(self) -> None:
        if self.min_area_km2 < 0 or self.min_persistence_days < 0 or self.buffer_km < 0:
            raise UserError("violation tolerances must not be negative")


@dataclass
class IncidentTrack:
    """The tracker's working record of one incident; `frozen()` gives the public `Incident`."""

    id: str
    side: Side
    first_seen: datetime
    last_seen: datetime
    confirmed_at: datetime | None = None
    reversed_at: datetime | None = None
    area_km2: float = 0.0  # largest extent seen
    current_area_km2: float = 0.0  # at the last snapshot examined
    max_depth_km: float = 0.0
    centroid: tuple[float, float] = (0.0, 0.0)  # lon, lat of the largest extent
    units: list[str] = field(default_factory=list)
    unit_names: list[str] = field(default_factory=list)
    snapshots_present: int = 0
    merged_from: list[str] = field(default_factory=list)
    merged_into: str | None = None
    merged_at: datetime | None = None
    trail: list[tuple[datetime, float, float]] = field(default_factory=list, repr=False)
    footprint: shapely.Geometry = field(default=None, repr=False)  # plane, union of all extents
    largest: shapely.Geometry = field(default=None, repr=False)  # plane, the largest extent
    _run_start: datetime | None = field(default=None, repr=False)
    _last_area: float = field(default=-1.0, repr=False)
    _seen_vertices: NDArray[np.uint64] = field(
        default_factory=lambda: np.empty(0, dtype=np.uint64), repr=False
    )

    def frozen(self) -> Incident:
        """The public, immutable incident."""
        return Incident(
            id=self.id,
            side=self.side,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            confirmed_at=self.confirmed_at,
            reversed_at=self.reversed_at,
            area_km2=self.area_km2,
            current_area_km2=self.current_area_km2,
            max_depth_km=self.max_depth_km,
            centroid=self.centroid,
            units=tuple(self.units),
            unit_names=tuple(self.unit_names),
            snapshots_present=self.snapshots_present,
            merged_from=tuple(self.merged_from),
            merged_into=self.merged_into,
            merged_at=self.merged_at,
            trail=tuple(self.trail),
            footprint=self.footprint,
            largest=self.largest,
        )


class _Tracker:
    """Follows one side's advance over time and cuts it into incidents.

    The region ever advanced into only grows (by each day's new advance), so its connected
    components never split: an incident is a component of it, identified by an anchor point
    inside its first extent; incidents whose components grow together merge into the older.
    """

    def __init__(self, side: Side, line_boundary: shapely.Geometry, params: ViolationParams):
        self.side = side
        self.params = params
        self.line_tree = shapely.STRtree(_segments(line_boundary))
        self.incidents: list[IncidentTrack] = []
        self.absorbed: list[IncidentTrack] = []  # merged into another, kept for their lineage
        self.anchors: list[shapely.Point] = []
        self.ever: shapely.Geometry = _EMPTY
        self.serial = 0

    def observe(self, when: datetime, current: shapely.Geometry, added: shapely.Geometry) -> None:
        """One snapshot: `current` is the side's whole advance, `added` what is new since the last."""
        if not added.is_empty:
            self.ever = _clean(shapely.union(self.ever, added)) if not self.ever.is_empty else added
        parts = [p for p in shapely.get_parts(current) if p.area / 1e6 >= _SLIVER_KM2]
        comps = shapely.get_parts(self.ever)
        tree = shapely.STRtree(comps)
        where = np.full(len(parts), -1)
        if parts:
            probe = shapely.point_on_surface(np.array(parts, dtype=object))
            hit_part, hit_comp = tree.query(probe, predicate="within")
            where[hit_part] = hit_comp
        by_comp: dict[int, list[IncidentTrack]] = {}
        if self.anchors:
            hit_anchor, hit_comp = tree.query(
                np.array(self.anchors, dtype=object), predicate="within"
            )
            for a, c in zip(hit_anchor.tolist(), hit_comp.tolist(), strict=True):
                by_comp.setdefault(c, []).append(self.incidents[a])
        for group in by_comp.values():
            for gone in group[1:]:  # incidents are kept in order of creation: the first is older
                _merge(group[0], gone)
                gone.merged_into, gone.merged_at = group[0].id, when
                group[0].merged_from.append(gone.id)
                self.absorbed.append(gone)
                position = self.incidents.index(gone)
                del self.incidents[position], self.anchors[position]
            del group[1:]
        extents: dict[str, list[shapely.Geometry]] = {}
        for part, comp in sorted(
            zip(parts, where.tolist(), strict=True), key=lambda pc: -float(pc[0].area)
        ):
            owners = by_comp.get(comp) if comp >= 0 else None
            if not owners:
                owners = [self._new(when, part, comp)]
                if comp >= 0:
                    by_comp[comp] = owners
            extents.setdefault(owners[0].id, []).append(part)
        for comp, owners in by_comp.items():
            owners[0].footprint = comps[comp]
        for inc in self.incidents:
            pieces = extents.get(inc.id, [])
            # parts of one valid multipolygon are disjoint, so they form a valid one again
            extent = (
                (pieces[0] if len(pieces) == 1 else shapely.MultiPolygon(pieces))
                if pieces
                else None
            )
            area = plane_area_km2(extent) if extent is not None else 0.0
            inc.current_area_km2 = area
            present = extent is not None and area >= self.params.min_area_km2
            if present:
                self._present(inc, when, extent, area)
            else:
                self._absent(inc, when)
            mark = (area if present else 0.0, inc.max_depth_km)
            if not inc.trail or inc.trail[-1][1:] != mark:
                inc.trail.append((when, *mark))

    def _new(self, when: datetime, part: shapely.Geometry, comp: int) -> IncidentTrack:
        self.serial += 1
        tag = "O" if self.side is Side.obligor else "B"
        inc = IncidentTrack(
            id=f"{tag}-{when:%Y%m%d}-{self.serial:03d}",
            side=self.side,
            first_seen=when,
            last_seen=when,
            footprint=part,
            largest=part,
        )
        self.incidents.append(inc)
        self.anchors.append(shapely.point_on_surface(part))
        return inc

    def _present(
        self, inc: IncidentTrack, when: datetime, extent: shapely.Geometry, area: float
    ) -> None:
        if inc.snapshots_present == 0:
            inc.first_seen = when
        inc.snapshots_present += 1
        inc.last_seen = when
        inc.reversed_at = None
        if inc._run_start is None:
            inc._run_start = when
        persisted = when - inc._run_start >= timedelta(days=self.params.min_persistence_days)
        if inc.confirmed_at is None and persisted:
            inc.confirmed_at = when
        if area > inc.area_km2:
            inc.area_km2 = area
            inc.largest = extent
        # an extent whose area moved by less than 1,000 m² (overlay round-off) keeps its depth
        if abs(area - inc._last_area) > 1e-3:
            inc.max_depth_km = max(inc.max_depth_km, self._depth_km(inc, extent))
            inc._last_area = area

    def _absent(self, inc: IncidentTrack, when: datetime) -> None:
        if inc._run_start is not None and inc.snapshots_present and inc.reversed_at is None:
            inc.reversed_at = when
        inc._run_start = None

    def _depth_km(self, inc: IncidentTrack, extent: shapely.Geometry) -> float:
        """Largest distance to the agreed line from the extent's outline vertices new since yesterday."""
        coords = shapely.get_coordinates(shapely.boundary(extent))
        with np.errstate(over="ignore"):
            keys = (coords.view(np.uint64) * _MIX[:2]).sum(axis=1, dtype=np.uint64)
        new = ~np.isin(keys, inc._seen_vertices)  # vertices kept since yesterday keep their depth
        inc._seen_vertices = keys
        if not new.any():
            return 0.0
        points = shapely.points(coords[new])
        # An extent touches the (buffered) line, so no point of it is farther from the line than
        # its diagonal plus the buffer: bounding the search keeps the index query local.
        minx, miny, maxx, maxy = extent.bounds
        reach = float(np.hypot(maxx - minx, maxy - miny)) + self.params.buffer_km * 1000.0 + 1.0
        _, distance = self.line_tree.query_nearest(
            points, max_distance=reach, return_distance=True, all_matches=False
        )
        return float(distance.max()) / 1e3 if len(distance) else 0.0


def _merge(target: IncidentTrack, gone: IncidentTrack) -> None:
    """Fold an incident into an older one it has grown into."""
    if gone.snapshots_present and (
        target.snapshots_present == 0 or gone.first_seen < target.first_seen
    ):
        target.first_seen = gone.first_seen
    if gone.area_km2 > target.area_km2:
        target.area_km2, target.largest = gone.area_km2, gone.largest
    target.max_depth_km = max(target.max_depth_km, gone.max_depth_km)
    target.snapshots_present = max(target.snapshots_present, gone.snapshots_present)
    if gone.confirmed_at and (
        target.confirmed_at is None or gone.confirmed_at < target.confirmed_at
    ):
        target.confirmed_at = gone.confirmed_at
    if gone._run_start and (target._run_start is None or gone._run_start < target._run_start):
        target._run_start = gone._run_start


def _segments(line: shapely.Geometry) -> np.ndarray[Any, np.dtype[np.object_]]:
    """The line as two-point segments (for a nearest-segment index)."""
    coords, ring = shapely.get_coordinates(shapely.get_parts(line), return_index=True)
    same = ring[1:] == ring[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    segments: np.ndarray[Any, np.dtype[np.object_]] = shapely.linestrings(
        np.stack([starts, ends], axis=1)
    )
    return segments


def find_incidents(
    snapshots: Iterable[tuple[datetime, shapely.Geometry]],
    agreed_line: shapely.Geometry,
    params: ViolationParams | None = None,
    *,
    units: Units | None = None,
    border: shapely.Geometry | None = None,
) -> list[Incident]:
    """Every advance beyond the agreed line (lon/lat control polygon of the obligor), both sides.

    `snapshots` are (UTC time, lon/lat polygon held by the obligor) in time order. An obligor
    incident is land held beyond the line buffered by `buffer_km`; a beneficiary incident is land
    inside the line shrunk by `buffer_km` that the obligor no longer holds.
    """
    walk = IncidentWalk(agreed_line, params, units=units, border=border)
    for when, geom in snapshots:
        walk.observe(when, geom)
    return walk.incidents()


class IncidentWalk:
    """`find_incidents` one snapshot at a time: the incidents so far can be read after any day.

    A long-running watcher keeps one walk and feeds it each new day, instead of walking the
    whole history again (see guarantor.watch).
    """

    # The shape of a walk's saved state (its trackers' fields). A checkpoint that pickled a walk
    # records this; bump it whenever a field is added, renamed or changes meaning, so that a
    # watch resuming from an older checkpoint walks again instead of failing on a missing field.
    STATE_VERSION = 2  # 2: merged incidents kept for their lineage (_Tracker.absorbed)

    def __init__(
        self,
        agreed_line: shapely.Geometry,
        params: ViolationParams | None = None,
        *,
        units: Units | None = None,
        border: shapely.Geometry | None = None,
    ) -> None:
        self.params = params = params or ViolationParams()
        self.units = units
        line = to_plane(agreed_line)
        buffer_m = params.buffer_km * 1000.0
        self.line = line
        self.outer = shapely.buffer(line, buffer_m) if buffer_m else line
        self.inner = shapely.buffer(line, -buffer_m) if buffer_m else line
        self.land = to_plane(border) if border is not None else None
        if self.land is not None:
            shapely.prepare(self.land)
        self.trackers = {side: _Tracker(side, shapely.boundary(line), params) for side in Side}
        self.previous: datetime | None = None
        self.held_before: shapely.Geometry | None = None
        self.advance = self.retreat = _EMPTY

    def observe(self, when: datetime, geom: shapely.Geometry) -> None:
        """One snapshot (UTC time, lon/lat polygon held by the obligor), later than the last."""
        if self.previous is not None and when <= self.previous:
            raise UserError(
                f"snapshots out of order or duplicated: {when.isoformat()} after "
                f"{self.previous.isoformat()}"
            )
        self.previous = when
        held = to_plane(geom)
        land, outer, inner = self.land, self.outer, self.inner
        if self.held_before is None:
            change = plane_pieces(self.line, held)  # fast when the line is itself a snapshot
            self.advance = added_advance = _on_land(
                _beyond(change.gained, outer, exclude=True), land
            )
            self.retreat = added_retreat = _clean(_beyond(change.lost, inner, exclude=False))
        else:
            # Advance and retreat are updated by each day's small change instead of being
            # recomputed against the whole line: with G, L gained and lost since yesterday,
            # advance' = (advance - L) + (G - outer) and retreat' = (retreat - G) + (L & inner).
            advance, retreat = self.advance, self.retreat
            day = plane_pieces(self.held_before, held)
            added_advance = added_retreat = _EMPTY
            if not day.lost.is_empty:
                advance = shapely.difference(advance, day.lost)
                added_retreat = _clean(_beyond(day.lost, inner, exclude=False))
                retreat = shapely.union(retreat, added_retreat)
            if not day.gained.is_empty:
                retreat = shapely.difference(retreat, day.gained)
                added_advance = _on_land(_beyond(day.gained, outer, exclude=True), land)
                advance = shapely.union(advance, added_advance)
            self.advance, self.retreat = _clean(advance), _clean(retreat)
        self.held_before = held
        self.trackers[Side.obligor].observe(when, self.advance, added_advance)
        self.trackers[Side.beneficiary].observe(when, self.retreat, added_retreat)

    def incidents(self) -> list[Incident]:
        """The incidents so far, with stable ids (side, first-seen day, rank that day)."""
        tracks = [
            inc
            for tracker in self.trackers.values()
            for inc in (*tracker.incidents, *tracker.absorbed)
            if inc.snapshots_present > 0
        ]
        for inc in tracks:
            _describe(inc, self.units)
        tracks.sort(key=lambda i: (i.first_seen, i.side, -i.area_km2, i.centroid))
        # ids by side, first-seen date and rank that day: stable for the same inputs and parameters
        # (the trackers keep their own working ids: the walk may go on after this)
        counters: dict[tuple[str, str], int] = {}
        renamed: dict[str, str] = {}
        for inc in tracks:
            key = (inc.side.value, f"{inc.first_seen:%Y%m%d}")
            counters[key] = counters.get(key, 0) + 1
            renamed[inc.id] = f"{'O' if inc.side is Side.obligor else 'B'}-{key[1]}-{counters[key]}"
        # lineage in the final ids (an incident merged before it was ever present has none)
        out = []
        for inc in tracks:
            out.append(
                replace(
                    inc.frozen(),
                    id=renamed[inc.id],
                    merged_from=tuple(sorted(renamed[g] for g in inc.merged_from if g in renamed)),
                    merged_into=(None if inc.merged_into is None else renamed.get(inc.merged_into)),
                )
            )
        return out


def _clean(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygons of an overlay result and drop slivers that would otherwise accumulate."""
    parts = [
        p
        for p in shapely.get_parts(geom)
        if p.geom_type == "Polygon" and p.area / 1e6 >= _SLIVER_KM2 / 10
    ]
    return shapely.MultiPolygon(parts) if parts else _EMPTY


def _on_land(geom: shapely.Geometry, land: shapely.Geometry | None) -> shapely.Geometry:
    """The part on the beneficiary's land: held beyond its border or offshore does not count."""
    if land is None or geom.is_empty:
        return _clean(geom)
    minx, miny, maxx, maxy = geom.bounds
    local = shapely.make_valid(shapely.clip_by_rect(land, minx - 1, miny - 1, maxx + 1, maxy + 1))
    return _clean(shapely.intersection(geom, local))


def _beyond(change: shapely.Geometry, zone: shapely.Geometry, *, exclude: bool) -> shapely.Geometry:
    """The part of a (small) change outside (exclude) or inside the tolerance zone."""
    if change.is_empty:
        return change
    minx, miny, maxx, maxy = change.bounds
    local = shapely.make_valid(shapely.clip_by_rect(zone, minx - 1, miny - 1, maxx + 1, maxy + 1))
    return shapely.difference(change, local) if exclude else shapely.intersection(change, local)


def _describe(inc: IncidentTrack, units: Units | None) -> None:
    """Fill the centroid (lon/lat) and the units an incident touches."""
    point = to_lonlat(shapely.centroid(inc.largest))
    inc.centroid = (point.x, point.y)
    if units is None:
        return
    shares = shapely.area(shapely.intersection(units.plane, inc.footprint))
    order = np.argsort(-shares, kind="stable")
    picked = [int(i) for i in order if shares[i] > 0]
    inc.units = [units.codes[i] for i in picked]
    inc.unit_names = [units.names[i] for i in picked]


@dataclass(frozen=True)
class NoAdditionalTerritory:
    """The evaluation of "not to seize any additional territory" beyond an agreed line."""

    agreed_at: datetime | None
    until: datetime | None
    snapshots: int
    status: Literal["complied", "breached", "no_data"]
    breached_at: datetime | None
    seized_km2: float
    incidents: Sequence[Incident]
    beneficiary_incidents: Sequence[Incident]
    params: ViolationParams
    merged_incidents: Sequence[Incident] = ()  # confirmed, then grown into another (lineage)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "obligation": "no_additional_territory",
            "agreed_at": self.agreed_at.isoformat() if self.agreed_at else None,
            "until": self.until.isoformat() if self.until else None,
            "snapshots": self.snapshots,
            "status": self.status,
            "breached_at": self.breached_at.isoformat() if self.breached_at else None,
            "seized_km2": round(self.seized_km2, 3),
            "confirmed_incidents": [i.to_dict() for i in self.incidents],
            "beneficiary_incidents": [i.to_dict() for i in self.beneficiary_incidents],
            "merged_incidents": [i.to_dict() for i in self.merged_incidents],
            "params": {
                "min_area_km2": self.params.min_area_km2,
                "min_persistence_days": self.params.min_persistence_days,
                "buffer_km": self.params.buffer_km,
            },
        }


def evaluate_no_additional_territory(
    snapshots: Sequence[tuple[datetime, shapely.Geometry]],
    agreed_line: shapely.Geometry,
    params: ViolationParams | None = None,
    *,
    agreed_at: datetime | None = None,
    units: Units | None = None,
    border: shapely.Geometry | None = None,
) -> NoAdditionalTerritory:
    """Breached once any obligor advance beyond the line is confirmed (area and persistence)."""
    params = params or ViolationParams()
    later = [(t, g) for t, g in snapshots if agreed_at is None or t > agreed_at]
    if not later:
        return NoAdditionalTerritory(agreed_at, None, 0, "no_data", None, 0.0, [], [], params)
    incidents = find_incidents(later, agreed_line, params, units=units, border=border)
    confirmed = [i for i in incidents if i.confirmed and i.live and i.side is Side.obligor]
    gains = [i for i in incidents if i.confirmed and i.live and i.side is Side.beneficiary]
    merged = [i for i in incidents if i.confirmed and not i.live]
    breached_at = min((i.confirmed_at for i in confirmed if i.confirmed_at), default=None)
    seized = sum(i.current_area_km2 for i in confirmed)
    return NoAdditionalTerritory(
        agreed_at=agreed_at,
        until=later[-1][0],
        snapshots=len(later),
        status="breached" if confirmed else "complied",
        breached_at=breached_at,
        seized_km2=seized,
        incidents=confirmed,
        beneficiary_incidents=gains,
        params=params,
        merged_incidents=merged,
    )
