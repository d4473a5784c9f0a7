"""Areas, lengths and distances on the WGS84 ellipsoid, and the equal-area plane used for overlays."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod, Transformer

from guarantor.sources.snapshots import UKRAINE_AREA_KM2 as UKRAINE_OFFICIAL_KM2

GEOD = Geod(ellps="WGS84")
# Lambert azimuthal equal-area on the WGS84 ellipsoid, centred on Ukraine. It preserves area
# exactly (authalic latitude), so planar areas of projected polygons equal ellipsoidal areas up
# to the difference between a straight projected edge and a geodesic edge, measured at 2.6e-7
# relative on the DeepState polygons (docs/territory.md). Distances are off by < 0.5 % within
# 800 km of the centre, which is all of Ukraine.
LAEA_UKRAINE = "+proj=laea +lat_0=48.5 +lon_0=31.5 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


@lru_cache(maxsize=2)
def _transformer(inverse: bool) -> Transformer:
    if inverse:
        return Transformer.from_crs(LAEA_UKRAINE, "EPSG:4326", always_xy=True)
    return Transformer.from_crs("EPSG:4326", LAEA_UKRAINE, always_xy=True)


def _apply(transformer: Transformer, coords: NDArray[np.float64]) -> NDArray[np.float64]:
    x, y = transformer.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


# GeoJSON edges are straight in lon/lat (RFC 7946). Projected, a long straight lon/lat edge would
# become a different curve, so edges are first cut to at most this many degrees (about 5 km):
# then two files that share a long straight edge still share it in the plane, to within ~0.5 m.
# DeepState polygons gain about 8 % more vertices.
MAX_EDGE_DEG = 0.05


def to_plane(geom: shapely.Geometry) -> shapely.Geometry:
    """Project lon/lat geometry to the equal-area plane (metres), densifying long edges first."""
    transformer = _transformer(False)
    return shapely.transform(
        shapely.segmentize(geom, MAX_EDGE_DEG), lambda c: _apply(transformer, c)
    )


def to_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    """Project equal-area plane geometry back to lon/lat."""
    transformer = _transformer(True)
    return shapely.transform(geom, lambda c: _apply(transformer, c))


def plane_area_km2(geom: shapely.Geometry) -> float:
    """Area in km² of a geometry in the equal-area plane."""
    return float(shapely.area(geom)) / 1e6


def geodesic_area_km2(geom: shapely.Geometry) -> float:
    """Area in km² of a lon/lat geometry on the WGS84 ellipsoid (edges straight in lon/lat, as
    RFC 7946 reads them: edges longer than MAX_EDGE_DEG are cut, the pieces taken as geodesics)."""
    return float(geodesic_areas_km2(np.array([geom], dtype=object))[0])


def ellipsoidal_areas_km2(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """Areas in km² on the WGS84 ellipsoid of many small lon/lat geometries (a day's changes),
    measured in the equal-area plane: it preserves ellipsoidal area exactly, and edges cut to
    MAX_EDGE_DEG are read as in geodesic_area_km2 to within about 1e-7 of the area, at a
    fraction of the cost of a geodesic per edge."""
    return np.asarray(shapely.area(to_plane(geoms)), dtype=np.float64) / 1e6


def geodesic_areas_km2(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """geodesic_area_km2 of each geometry of an array, all rings gathered in one pass."""
    out = np.zeros(len(geoms), dtype=np.float64)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    for _ in range(2):  # collections may hold multipolygons: flatten them too
        nested = np.isin(shapely.get_type_id(parts), (4, 5, 6, 7))
        if not nested.any():
            break
        parts, inner = shapely.get_parts(parts, return_index=True)
        owner = owner[inner]
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    if not keep.any():
        return out
    # Oriented (exteriors counter-clockwise, holes clockwise), every ring's signed area sums to
    # the polygons' area; the rings go to pyproj as arrays, not through shapely objects.
    rings, of_part = shapely.get_rings(shapely.orient_polygons(parts[keep]), return_index=True)
    coords, index = shapely.get_coordinates(rings, return_index=True)
    coords, index = _densified(coords, index)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(index)) + 1])
    signed = np.empty(len(starts), dtype=np.float64)
    keys = _ring_keys(coords, starts)
    for n, (ring, key) in enumerate(zip(np.split(coords, starts[1:]), keys, strict=True)):
        area = _RING_AREAS.get(key)
        if area is None:
            area = _ring_area(ring)
            if len(_RING_AREAS) >= _RING_CACHE_MAX:
                _RING_AREAS.clear()
            _RING_AREAS[key] = area
        signed[n] = area
    np.add.at(out, owner[keep][of_part[index[starts]]], signed)
    return np.abs(out) / 1e6


def _densified(
    coords: NDArray[np.float64], ring: NDArray[np.intp]
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Rings' vertices with every edge longer than MAX_EDGE_DEG cut into equal parts, as
    shapely.segmentize cuts them (unchanged, and not copied, when no edge is that long).

    A geodesic bulges away from a long straight lon/lat edge (hundreds of metres over a degree),
    so measured whole, a polygon and the pieces it is cut into (per unit, per change) would
    not add up; cut into 0.05° parts, they agree to about a square metre per edge.
    """
    step = np.diff(coords, axis=0)
    length = np.hypot(step[:, 0], step[:, 1])
    inside = ring[1:] == ring[:-1]
    # (a hair over the limit: edges already cut to it, give or take rounding, stay as they are)
    long = inside & (length > MAX_EDGE_DEG * (1 + 1e-9))
    if not long.any():
        return coords, ring
    parts = np.ones(len(coords), dtype=np.intp)
    parts[:-1][long] = np.ceil(length[long] / MAX_EDGE_DEG).astype(np.intp)
    source = np.repeat(np.arange(len(coords)), parts)
    first = np.repeat(np.cumsum(parts) - parts, parts)
    t = (np.arange(len(source)) - first) / parts[source]
    following = np.minimum(source + 1, len(coords) - 1)
    out = coords[source] + t[:, None] * (coords[following] - coords[source])
    return out, ring[source]


_KEY_MIX = np.array(
    [[0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F], [0x165667B19E3779F9, 0xD6E8FEB86659FD93]],
    dtype=np.uint64,
)


def _ring_keys(coords: NDArray[np.float64], starts: NDArray[np.intp]) -> list[bytes]:
    """A 128-bit key per ring from the exact bits of its coordinates, their order and count
    (two multiplicative hashes, all rings at once; a collision, about 1e-30 per pair of rings,
    could only reuse one ring's area for another)."""
    bits = np.ascontiguousarray(coords).view(np.uint64)
    order = np.arange(len(coords), dtype=np.uint64) - np.repeat(
        starts.astype(np.uint64), np.diff(np.append(starts, len(coords)))
    )
    with np.errstate(over="ignore"):
        position = (order + np.uint64(1)) * np.uint64(0xFF51AFD7ED558CCD)
        halves = []
        for mix in _KEY_MIX:
            h = (bits[:, 0] * mix[0]) ^ (bits[:, 1] * mix[1])
            h = (h ^ position) * np.uint64(0xC4CEB9FE1A85EC53)
            h ^= h >> np.uint64(29)
            halves.append(np.add.reduceat(h, starts))
    counts = np.diff(np.append(starts, len(coords))).astype(np.uint64)
    table = np.column_stack([halves[0], halves[1], counts])
    return [row.tobytes() for row in table]


# Signed geodesic areas (m²) remembered by the digest of exact coordinates: consecutive
# snapshots repeat most rings, and most of each long ring.
_RING_AREAS: dict[bytes, float] = {}
_PIECE_AREAS: dict[bytes, float] = {}
_RING_CACHE_MAX = 100_000
# A long ring is measured as a fan of pieces from one fixed point (the signed areas of the pieces
# add up to the ring's: each edge is in one piece, the spokes cancel), cut where a vertex's
# hash says so: the cuts move with the vertices, so a local edit of a front line changes one or
# two pieces and the others are remembered. About one vertex in 64 is a cut.
_FAN_FROM = (31.5, 48.5)
_FAN_MIN = 256  # rings with fewer vertices are measured whole
_CUT_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F], dtype=np.uint64)


def _remembered(coords: NDArray[np.float64]) -> float:
    """The signed area of one fan piece (the fixed point, then these vertices), remembered."""
    key = hashlib.blake2b(coords.tobytes(), digest_size=16).digest()
    area = _PIECE_AREAS.get(key)
    if area is None:
        lons = np.concatenate([[_FAN_FROM[0]], coords[:, 0]])
        lats = np.concatenate([[_FAN_FROM[1]], coords[:, 1]])
        area, _ = GEOD.polygon_area_perimeter(lons, lats)
        if len(_PIECE_AREAS) >= _RING_CACHE_MAX:
            _PIECE_AREAS.clear()
        _PIECE_AREAS[key] = area
    return float(area)


def _ring_area(ring: NDArray[np.float64]) -> float:
    """The signed geodesic area of one ring (counter-clockwise positive); a long one in pieces."""
    ring = np.ascontiguousarray(ring)
    n = len(ring)
    if n < _FAN_MIN:
        area, _ = GEOD.polygon_area_perimeter(ring[:, 0], ring[:, 1])
        return float(area)
    with np.errstate(over="ignore"):
        mixed = (ring.view(np.uint64) * _CUT_MIX).sum(axis=1, dtype=np.uint64)
    cuts = np.flatnonzero((mixed >> np.uint64(58)) == 0)
    cuts = np.unique(np.concatenate([[0], cuts[(cuts > 0) & (cuts < n - 1)], [n - 1]]))
    total = 0.0
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        total += _remembered(ring[a : b + 1])
    return total


def geodesic_length_km(geom: shapely.Geometry) -> float:
    """Length in km of a lon/lat line geometry on the WGS84 ellipsoid."""
    total = 0.0
    for part in shapely.get_parts(geom):
        if part.is_empty:
            continue
        if part.geom_type in ("LineString", "LinearRing"):
            total += GEOD.geometry_length(part)
        elif part.geom_type == "Polygon":
            total += GEOD.geometry_length(part.exterior)
    return total / 1e3


def share_pct(area_km2: float, of_km2: float = UKRAINE_OFFICIAL_KM2) -> float:
    """A share in percent."""
    return 100.0 * area_km2 / of_km2 if of_km2 else 0.0
