"""Gross area gained and lost between two control polygons, computed only where they differ."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from guarantor.territory.boundaries import Units

# Margin (plane metres) around the changed edges: the clip rectangles must strictly contain them.
_MARGIN_M = 10.0
_EMPTY = shapely.Polygon()


@dataclass(frozen=True)
class AreaChange:
    """What one side gained and lost between two snapshots (plane geometry, km²)."""

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


_EDGE_CACHE: dict[int, tuple[shapely.Geometry, tuple[NDArray[np.uint64], NDArray[np.float64]]]] = {}


def _edges_cached(geom: shapely.Geometry) -> tuple[NDArray[np.uint64], NDArray[np.float64]]:
    """_edges, remembered for the last few geometries (each day is compared twice in a series)."""
    hit = _EDGE_CACHE.get(id(geom))
    if hit is not None and hit[0] is geom:
        return hit[1]
    result = _edges(geom)
    if len(_EDGE_CACHE) >= 4:
        _EDGE_CACHE.pop(next(iter(_EDGE_CACHE)))
    _EDGE_CACHE[id(geom)] = (geom, result)
    return result


def _edges(geom: shapely.Geometry) -> tuple[NDArray[np.uint64], NDArray[np.float64]]:
    """The directed boundary edges (interior on the left), each hashed from its exact bits, by key.

    A 64-bit multiplicative hash of the four coordinates' bit patterns: sorting 8-byte keys is
    several times faster than sorting 32-byte rows, and a collision (about 1e-13 per day for a
    few thousand edges) could only hide a change, never invent one.
    """
    oriented = shapely.orient_polygons(geom)
    polygons = shapely.get_parts(oriented)
    rings = shapely.get_rings(polygons[~shapely.is_empty(polygons)])
    if len(rings) == 0:
        return np.empty(0, dtype=np.uint64), np.empty((0, 4))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    edges = np.ascontiguousarray(np.hstack([coords[:-1], coords[1:]])[same])
    with np.errstate(over="ignore"):
        keys = (edges.view(np.uint64) * _MIX).sum(axis=1, dtype=np.uint64)
    # sorted once here, so that membership is a binary search (np.isin sorts both sides each call)
    order = np.argsort(keys)
    return keys[order], edges[order]


def _member(keys: NDArray[np.uint64], sorted_keys: NDArray[np.uint64]) -> NDArray[np.bool_]:
    """Which keys occur in a sorted key array (np.isin without its sorts)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(sorted_keys, keys)
    at[at == len(sorted_keys)] = 0
    found: NDArray[np.bool_] = sorted_keys[at] == keys
    return found


def changed_boxes(before: shapely.Geometry, after: shapely.Geometry) -> list[tuple[float, ...]]:
    """Disjoint rectangles that contain every place where the two polygons differ.

    Both boundaries are compared edge by edge (exact coordinates, orientation normalised). The
    symmetric difference is bounded by edges present in only one of them, and each of its
    connected parts lies inside the bounding box of its own outer boundary, so it lies inside
    the box around the cluster of changed edges it belongs to. Overlapping boxes are merged.
    """
    (ka, ea), (kb, eb) = _edges_cached(before), _edges_cached(after)
    seg = np.concatenate([ea[~_member(ka, kb)], eb[~_member(kb, ka)]])
    if len(seg) == 0:
        return []
    bounds = np.column_stack(
        [
            np.minimum(seg[:, 0], seg[:, 2]) - _MARGIN_M,
            np.minimum(seg[:, 1], seg[:, 3]) - _MARGIN_M,
            np.maximum(seg[:, 0], seg[:, 2]) + _MARGIN_M,
            np.maximum(seg[:, 1], seg[:, 3]) + _MARGIN_M,
        ]
    )
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


def gross_change(before: shapely.Geometry, after: shapely.Geometry) -> AreaChange:
    """Area gained (in after, not before) and lost (in before, not after), as geometries and km²."""
    boxes = changed_boxes(before, after)
    if not boxes:
        return AreaChange(_EMPTY, _EMPTY, 0.0, 0.0)
    rects = shapely.box(*np.array(boxes).T)
    # Cropping to the rectangles first keeps the overlay small: a day's changes touch a few
    # percent of the line. intersection (not clip_by_rect) keeps results valid.
    b = _crop(before, rects)
    a = _crop(after, rects)
    # The rectangles neither overlap nor touch, so the pieces form a valid multipolygon as they are.
    gained = _areal(shapely.GeometryCollection(list(shapely.difference(a, b))))
    lost = _areal(shapely.GeometryCollection(list(shapely.difference(b, a))))
    return AreaChange(
        gained, lost, float(shapely.area(gained)) / 1e6, float(shapely.area(lost)) / 1e6
    )


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
    return AreaChange(
        gained, lost, float(shapely.area(gained)) / 1e6, float(shapely.area(lost)) / 1e6
    )


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
    """km² of a plane geometry inside each unit (0 where it does not reach)."""
    out = np.zeros(len(units.codes), dtype=np.float64)
    if geom.is_empty:
        return out
    candidates = tree.query(geom)
    if len(candidates) == 0:
        return out
    minx, miny, maxx, maxy = geom.bounds
    # Crop each unit to the change's box before the overlay: units have thousands of vertices,
    # a day's change a few dozen.
    cropped = shapely.clip_by_rect(units.plane[candidates], minx - 1, miny - 1, maxx + 1, maxy + 1)
    cropped = shapely.make_valid(cropped)
    out[candidates] = shapely.area(shapely.intersection(cropped, geom)) / 1e6
    return out
