"""Where events are: the beneficiary's border, the agreed line, named zones; vectorised tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from guarantor.errors import Position, UserError

TERRITORIAL_SEA_KM = 22.224  # 12 nautical miles


def _read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise UserError(f"cannot read GeoJSON: {exc}", Position(str(path))) from None


def _shape(geom: Any, path: Path, index: int) -> BaseGeometry:
    """One GeoJSON geometry as a valid shape; a clear error naming the feature when unreadable."""
    try:
        shape = shapely.from_geojson(orjson.dumps(geom))
    except Exception as exc:  # shapely raises GEOSException subclasses with no common base
        raise UserError(f"invalid geometry: {exc}", Position(str(path), feature=index)) from None
    return shape if shape.is_valid else shapely.make_valid(shape)


def read_geojson_geometry(path: Path) -> BaseGeometry:
    """The union of the geometries in a GeoJSON file (FeatureCollection, Feature or geometry)."""
    doc = _read_json(path)
    features = doc.get("features") if isinstance(doc, dict) else None
    items = features if features is not None else [doc]
    geoms = [
        _shape(item.get("geometry", item) if isinstance(item, dict) else None, path, index)
        for index, item in enumerate(items)
    ]
    if not geoms:
        raise UserError("no geometry", Position(str(path)))
    return shapely.union_all(geoms)


def read_zones(path: Path) -> dict[str, BaseGeometry]:
    """Named zones from a GeoJSON FeatureCollection whose features carry `properties.name`."""
    doc = _read_json(path)
    zones: dict[str, BaseGeometry] = {}
    for index, feature in enumerate(doc.get("features", [])):
        name = (feature.get("properties") or {}).get("name")
        if not name:
            raise UserError(
                "zone feature without properties.name", Position(str(path), feature=index)
            )
        zones[name] = _shape(feature.get("geometry"), path, index)
    return zones


@dataclass
class Geography:
    """The shapes location predicates test against, with cached buffers."""

    border: BaseGeometry | None = None
    agreed_line_held: BaseGeometry | None = None  # area held by the adversary at entry into force
    zones: dict[str, BaseGeometry] = field(default_factory=dict)
    _cache: dict[tuple[str, float], BaseGeometry] = field(default_factory=dict, repr=False)

    def _buffered(self, key: str, geom: BaseGeometry, km: float) -> BaseGeometry:
        """`geom` grown by `km`, buffered in an azimuthal equidistant projection around it."""
        if km <= 0:
            return geom
        cached = self._cache.get((key, km))
        if cached is not None:
            return cached
        centre = geom.centroid
        aeqd = f"+proj=aeqd +lat_0={centre.y:.4f} +lon_0={centre.x:.4f} +datum=WGS84 +units=m"
        fwd = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
        inv = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
        projected = shapely.transform(
            geom, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))
        )
        grown = shapely.segmentize(shapely.buffer(projected, km * 1000.0, quad_segs=8), 5000.0)
        back = shapely.transform(
            grown, lambda xy: np.column_stack(inv.transform(xy[:, 0], xy[:, 1]))
        )
        shapely.prepare(back)
        self._cache[(key, km)] = back
        return back

    def inside(
        self, where: str, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        """Mask of points inside the beneficiary (with or without its sea), a named area, or anywhere."""
        if where == "anywhere":
            return np.ones(lon.shape, dtype=bool)
        if where not in ("beneficiary", "beneficiary_incl_sea"):
            # obligor_territory, treaty_area: shapes the user names in the zones file
            if where not in self.zones:
                raise UserError(
                    f"a trigger needs the area {where!r} (location.inside); give it as a feature "
                    f"with properties.name = {where!r} in --zones FILE.geojson"
                )
            return _contains(self.zones[where], lon, lat)
        if self.border is None:
            raise UserError(
                "a trigger needs the beneficiary's border (location.inside) but none was given; "
                "pass --border FILE.geojson or put the data folder in place"
            )
        shape = self.border
        if where == "beneficiary_incl_sea":
            shape = self._buffered("border", self.border, TERRITORIAL_SEA_KM)
        return _contains(shape, lon, lat)

    def beyond_line(
        self, km: float, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        """Mask of points outside the adversary-held area and at least `km` from it."""
        if self.agreed_line_held is None:
            raise UserError(
                "a trigger needs the agreed line (location.beyond_agreed_line_km) but none was "
                "given; pass --agreed-line FILE.geojson (the area held at entry into force) "
                "or --territory"
            )
        return ~_contains(self._buffered("line", self.agreed_line_held, km), lon, lat)

    def in_zone(
        self, name: str, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        """Mask of points inside the named zone."""
        zone = self.zones.get(name)
        if zone is None:
            known = ", ".join(sorted(self.zones)) or "none"
            raise UserError(f"unknown zone {name!r} (zones given: {known}); pass --zones FILE")
        return _contains(zone, lon, lat)


GRID_CELLS = 256  # per axis, for the cell classification of large point sets
GRID_MIN_POINTS = 50_000  # below this, exact tests on every point are cheap enough


@dataclass
class _Grid:
    """Cells over a shape's bounds classed as wholly inside (1), wholly outside (0) or mixed (2)."""

    minx: float
    miny: float
    dx: float
    dy: float
    cls: NDArray[np.int8]


_GRIDS: dict[int, tuple[BaseGeometry, _Grid]] = {}


def _grid(shape: BaseGeometry) -> _Grid:
    cached = _GRIDS.get(id(shape))
    if cached is not None and cached[0] is shape:
        return cached[1]
    minx, miny, maxx, maxy = shape.bounds
    n = GRID_CELLS
    dx, dy = (maxx - minx) / n or 1e-9, (maxy - miny) / n or 1e-9
    ix, iy = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x0, y0 = minx + ix.ravel() * dx, miny + iy.ravel() * dy
    cells = shapely.box(x0, y0, x0 + dx, y0 + dy)
    shapely.prepare(shape)
    # contains_properly / disjoint: a cell touching the boundary at all is "mixed", so the
    # classification never disagrees with an exact contains_xy on any point in it.
    cls = np.full(n * n, 2, dtype=np.int8)
    cls[shapely.contains_properly(shape, cells)] = 1
    cls[shapely.disjoint(shape, cells)] = 0
    grid = _Grid(minx, miny, dx, dy, cls.reshape(n, n))
    _GRIDS[id(shape)] = (shape, grid)
    return grid


def _contains(
    shape: BaseGeometry, lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Vectorised point-in-polygon (NaN coordinates are outside).

    Points outside the bounding box are outside; for large point sets a 256x256 grid of cells
    answers for cells wholly inside or outside, and only points in cells that the boundary
    crosses are tested exactly with shapely's `contains_xy` on the prepared shape.
    """
    out = np.zeros(lon.shape, dtype=bool)
    minx, miny, maxx, maxy = shape.bounds
    box = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
    idx = np.flatnonzero(box)
    if idx.size == 0:
        return out
    shapely.prepare(shape)
    if idx.size < GRID_MIN_POINTS:
        out[idx] = shapely.contains_xy(shape, lon[idx], lat[idx])
        return out
    grid = _grid(shape)
    x, y = lon[idx], lat[idx]
    n = GRID_CELLS
    ix = np.minimum(((x - grid.minx) / grid.dx).astype(np.intp), n - 1)
    iy = np.minimum(((y - grid.miny) / grid.dy).astype(np.intp), n - 1)
    cls = grid.cls[ix, iy]
    out[idx] = cls == 1
    mixed = np.flatnonzero(cls == 2)
    if mixed.size:
        out[idx[mixed]] = shapely.contains_xy(shape, x[mixed], y[mixed])
    return out
