"""Gross area gained and lost between two control polygons, computed only where they differ.

Geometries are lon/lat (as read); the pieces that changed are measured on the WGS84 ellipsoid
through the equal-area plane (geodesy.ellipsoidal_areas_km2). Working on lon/lat spares
projecting a whole front line every day: only the small pieces that changed are projected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from guarantor.territory.boundaries import Units
from guarantor.territory.geodesy import ellipsoidal_areas_km2

# Margin around the changed edges (the clip rectangles must strictly contain them): about 10 m,
# in degrees on lon/lat and in metres in the plane.
_MARGIN_DEG = 1e-4
_MARGIN_PLANE_M = 10.0
_EMPTY = shapely.Polygon()


@dataclass(frozen=True)
class AreaChange:
    """What one side gained and lost between two snapshots (lon/lat geometry, ellipsoidal km²)."""

    gained: shapely.Geometry
    lost: shapely.Geometry
    gained_km2: float
    lost_km2: float

    @property
    def net_km2(self) -> float:
        """Gained minus lost."""
        return self.gained_km2 - self.lost_km2


_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)


class _Edges:
    """A polygon's directed boundary edges (interior on the left) in ring order, with a 64-bit
    key per edge from its exact bits and the keys sorted (membership is then a binary search)."""

    __slots__ = ("coords", "keys", "ring", "sorted_keys")

    def __init__(self, geom: shapely.Geometry) -> None:
        # A multiplicative hash of the four coordinates' bit patterns: sorting 8-byte keys is
        # several times faster than sorting 32-byte rows, and a collision (about 1e-13 per day
        # for a few thousand edges) could only hide a change, never invent one.
        oriented = shapely.orient_polygons(geom)
        polygons = shapely.get_parts(oriented)
        rings = shapely.get_rings(polygons[~shapely.is_empty(polygons)])
        if len(rings) == 0:
            self.coords = np.empty((0, 4))
            self.keys = self.sorted_keys = np.empty(0, dtype=np.uint64)
            self.ring = np.empty(0, dtype=np.intp)
            return
        coords, ring = shapely.get_coordinates(rings, return_index=True)
        same = ring[1:] == ring[:-1]
        self.coords = np.ascontiguousarray(np.hstack([coords[:-1], coords[1:]])[same])
        self.ring = ring[:-1][same]
        with np.errstate(over="ignore"):
            self.keys = (self.coords.view(np.uint64) * _MIX).sum(axis=1, dtype=np.uint64)
        self.sorted_keys = np.sort(self.keys)

    def only_here(self, other: _Edges) -> NDArray[np.float64]:
        """Bounding boxes (minx, miny, maxx, maxy) of the runs of consecutive edges of this
        polygon that the other lacks: one box per run instead of one per edge."""
        # Which keys are missing is found between the two sorted arrays (a binary search with
        # sorted needles stays in cache; with needles in ring order it was 10x slower), then the
        # few missing keys are looked up in ring order.
        missing = self.sorted_keys[~_member(self.sorted_keys, other.sorted_keys)]
        if len(missing) == 0:
            return np.empty((0, 4))
        changed = np.flatnonzero(_member(self.keys, missing))  # not empty: missing are our keys
        ring = self.ring[changed]
        starts = np.flatnonzero(
            np.concatenate([[True], (np.diff(changed) != 1) | (ring[1:] != ring[:-1])])
        )
        seg = self.coords[changed]
        lo = np.minimum(seg[:, :2], seg[:, 2:])
        hi = np.maximum(seg[:, :2], seg[:, 2:])
        return np.column_stack(
            [np.minimum.reduceat(lo, starts, axis=0), np.maximum.reduceat(hi, starts, axis=0)]
        )


_EDGE_CACHE: dict[int, tuple[shapely.Geometry, _Edges]] = {}


def _edges_cached(geom: shapely.Geometry) -> _Edges:
    """A polygon's edges, remembered for the last few geometries (each day is compared twice in
    a series)."""
    hit = _EDGE_CACHE.get(id(geom))
    if hit is not None and hit[0] is geom:
        return hit[1]
    result = _Edges(geom)
    if len(_EDGE_CACHE) >= 4:
        _EDGE_CACHE.pop(next(iter(_EDGE_CACHE)))
    _EDGE_CACHE[id(geom)] = (geom, result)
    return result


def _member(keys: NDArray[np.uint64], sorted_keys: NDArray[np.uint64]) -> NDArray[np.bool_]:
    """Which keys occur in a sorted key array (np.isin without its sorts)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(sorted_keys, keys)
    at[at == len(sorted_keys)] = 0
    found: NDArray[np.bool_] = sorted_keys[at] == keys
    return found


def changed_boxes(
    before: shapely.Geometry, after: shapely.Geometry, margin: float = _MARGIN_DEG
) -> list[tuple[float, ...]]:
    """Disjoint rectangles that contain every place where the two polygons differ.

    Both boundaries are compared edge by edge (exact coordinates, orientation normalised). The
    symmetric difference is bounded by edges present in only one of them, and each of its
    connected parts lies inside the bounding box of its own outer boundary, so it lies inside
    the box around the cluster of changed edges it belongs to. Overlapping boxes are merged.
    """
    a, b = _edges_cached(before), _edges_cached(after)
    runs = np.concatenate([a.only_here(b), b.only_here(a)])
    if len(runs) == 0:
        return []
    bounds = runs + np.array([-margin, -margin, margin, margin])
    while True:
        merged = _merge_boxes(bounds)
        if len(merged) == len(bounds):
            break  # no two boxes overlap or touch any more
        bounds = merged
    return [tuple(b) for b in bounds.tolist()]


def _merge_boxes(bounds: NDArray[np.float64]) -> NDArray[np.float64]:
    """Replace each group of overlapping boxes by its bounding box (one pass)."""
    boxes = shapely.box(bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3])
    left, right = shapely.STRtree(boxes).query(boxes, predicate="intersects")
    # connected components by minimum-label propagation with pointer jumping (a few numpy
    # passes; scipy's sparse graph set-up cost more than the whole search at these sizes)
    label = np.arange(len(boxes))
    while True:
        new = label.copy()
        np.minimum.at(new, left, label[right])
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    _, label = np.unique(label, return_inverse=True)
    count = int(label.max()) + 1
    out = np.empty((count, 4), dtype=np.float64)
    out[:, :2] = np.inf
    out[:, 2:] = -np.inf
    np.minimum.at(out[:, 0], label, bounds[:, 0])
    np.minimum.at(out[:, 1], label, bounds[:, 1])
    np.maximum.at(out[:, 2], label, bounds[:, 2])
    np.maximum.at(out[:, 3], label, bounds[:, 3])
    return out


@dataclass(frozen=True)
class ChangedPieces:
    """Where one polygon differs from another: what only the later one holds, and the reverse."""

    gained: shapely.Geometry
    lost: shapely.Geometry


def changed_pieces(
    before: shapely.Geometry, after: shapely.Geometry, margin: float = _MARGIN_DEG
) -> ChangedPieces:
    """after - before and before - after, overlaid only inside the boxes where the two differ
    (any coordinates: `margin` is in their unit)."""
    boxes = changed_boxes(before, after, margin)
    if not boxes:
        return ChangedPieces(_EMPTY, _EMPTY)
    rects = shapely.box(*np.array(boxes).T)
    # Cropping to the rectangles first keeps the overlay small: a day's changes touch a few
    # percent of the line. intersection (not clip_by_rect) keeps results valid.
    b = _crop(before, rects)
    a = _crop(after, rects)
    # The rectangles neither overlap nor touch, so the pieces form a valid multipolygon as they are.
    return ChangedPieces(
        _areal(shapely.GeometryCollection(list(shapely.difference(a, b)))),
        _areal(shapely.GeometryCollection(list(shapely.difference(b, a)))),
    )


def plane_pieces(before: shapely.Geometry, after: shapely.Geometry) -> ChangedPieces:
    """changed_pieces of two polygons in the equal-area plane (metres), for tolerances in metres."""
    return changed_pieces(before, after, _MARGIN_PLANE_M)


def gross_change(before: shapely.Geometry, after: shapely.Geometry) -> AreaChange:
    """Area gained (in after, not before) and lost (in before, not after) between two lon/lat
    polygons, as geometries and ellipsoidal km²."""
    pieces = changed_pieces(before, after)
    gained_km2, lost_km2 = ellipsoidal_areas_km2(
        np.array([pieces.gained, pieces.lost], dtype=object)
    )
    return AreaChange(pieces.gained, pieces.lost, float(gained_km2), float(lost_km2))


def _crop(geom: shapely.Geometry, rects: NDArray[np.object_]) -> NDArray[np.object_]:
    """The geometry inside each rectangle: the fast rectangle clipper, an overlay where it fails."""
    bounds = shapely.bounds(rects)
    out = np.array([shapely.clip_by_rect(geom, *row) for row in bounds.tolist()], dtype=object)
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = shapely.intersection(geom, rects[bad])
    return out


def full_change(before: shapely.Geometry, after: shapely.Geometry) -> AreaChange:
    """The same as gross_change by two whole-polygon overlays (the reference it is tested against)."""
    gained = _areal(shapely.difference(after, before))
    lost = _areal(shapely.difference(before, after))
    # measured as gross_change measures its pieces, so that the two compare exactly
    gained_km2, lost_km2 = ellipsoidal_areas_km2(np.array([gained, lost], dtype=object))
    return AreaChange(gained, lost, float(gained_km2), float(lost_km2))


def _areal(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop lines and points that overlays leave along shared boundaries."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = shapely.get_parts(shapely.get_parts(geom))
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    return shapely.MultiPolygon(list(parts)) if len(parts) else _EMPTY


def areas_by_unit(
    geom: shapely.Geometry, units: Units, tree: shapely.STRtree
) -> NDArray[np.float64]:
    """Ellipsoidal km² of a lon/lat geometry inside each unit (0 where it does not reach)."""
    out = np.zeros(len(units.codes), dtype=np.float64)
    if geom.is_empty:
        return out
    candidates = tree.query(geom)
    if len(candidates) == 0:
        return out
    minx, miny, maxx, maxy = geom.bounds
    pad = _MARGIN_DEG / 10
    # Crop each unit to the change's box before the overlay: units have thousands of vertices,
    # a day's change a few dozen.
    cropped = shapely.clip_by_rect(
        units.lonlat[candidates], minx - pad, miny - pad, maxx + pad, maxy + pad
    )
    cropped = shapely.make_valid(cropped)
    inside = shapely.intersection(cropped, geom)
    out[candidates] = ellipsoidal_areas_km2(inside)
    return out
