"""Admin-1 units and the national border: loaded from GeoJSON, projected once, areas measured."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import shapely
from numpy.typing import NDArray

from guarantor.errors import Position, UserError
from guarantor.sources.geojson_snapshot import UKRAINE_BBOX, check_axis_order, polygonal_part
from guarantor.sources.locate import BORDER_FILE, DataFolder
from guarantor.territory.geodesy import geodesic_area_km2, to_plane

UNITS_DEFAULT = "boundaries/derived_geoBoundaries-UKR-ADM1_clipped_to_NE_land.geojson"
UNITS_FALLBACK = "boundaries/geoBoundaries-UKR-ADM1_simplified.geojson"
BORDER_DEFAULT = BORDER_FILE
CODE_FIELDS = ("shapeISO", "iso_3166_2", "ISO_3166_2", "iso", "code", "id", "shapeID")
NAME_FIELDS = ("shapeName", "name", "NAME", "name_en", "NAME_1")


@dataclass(frozen=True)
class Units:
    """Named areal units (e.g. oblasts) in lon/lat and in the equal-area plane."""

    source: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    lonlat: NDArray[np.object_]
    plane: NDArray[np.object_]
    area_km2: NDArray[np.float64]  # geodesic
    digest: str

    def index(self, code_or_name: str) -> int:
        """The position of a unit given its code (UA-14) or its name (case-insensitive)."""
        key = code_or_name.strip().lower()
        for i, (code, name) in enumerate(zip(self.codes, self.names, strict=True)):
            if key in (code.lower(), name.lower()):
                return i
        raise UserError(
            f"unknown unit {code_or_name!r}; known: {', '.join(self.codes)}", Position(self.source)
        )

    def tree(self) -> shapely.STRtree:
        """A spatial index over the units (lon/lat)."""
        return shapely.STRtree(self.lonlat)


def _read_features(path: Path) -> list[dict[str, object]]:
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise UserError(f"not valid JSON ({exc})", Position(str(path))) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise UserError("expected a GeoJSON FeatureCollection of units", Position(str(path)))
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise UserError("the FeatureCollection has no features", Position(str(path)))
    return features


def load_units(path: Path, code_field: str | None = None, name_field: str | None = None) -> Units:
    """Read a GeoJSON of units; every feature needs a code (shapeISO or --code-field) and an area."""
    if not path.is_file():
        raise UserError("boundaries file does not exist", Position(str(path)))
    features = _read_features(path)
    codes: list[str] = []
    names: list[str] = []
    geoms: list[shapely.Geometry] = []
    for index, feature in enumerate(features):
        where = Position(str(path), feature=index)
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        fields = (code_field,) if code_field else CODE_FIELDS
        code = next((str(props[f]) for f in fields if props.get(f) not in (None, "")), None)
        if code is None:
            raise UserError(
                f"unit has no code (looked for properties {', '.join(fields)}); "
                "pass --code-field to name the property that holds it",
                where,
            )
        nfields = (name_field,) if name_field else NAME_FIELDS
        name = next((str(props[f]) for f in nfields if props.get(f) not in (None, "")), code)
        raw = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(raw, dict):
            raise UserError("unit has no geometry", where)
        try:
            geom = shapely.from_geojson(orjson.dumps(raw))
        except Exception as exc:
            raise UserError(f"unreadable unit geometry: {exc}", where) from None
        geom = polygonal_part(geom if geom.is_valid else shapely.make_valid(geom))
        if geom.is_empty:
            raise UserError("unit geometry is empty or not an area", where)
        check_axis_order(geom, where, UKRAINE_BBOX)
        if code in codes:
            raise UserError(f"duplicate unit code {code!r}", where)
        codes.append(code)
        names.append(name)
        geoms.append(geom)
    lonlat = np.array(geoms, dtype=object)
    plane = np.array([to_plane(g) for g in geoms], dtype=object)
    areas = np.array([geodesic_area_km2(g) for g in geoms], dtype=np.float64)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Units(str(path), tuple(codes), tuple(names), lonlat, plane, areas, digest)


def load_border(path: Path) -> shapely.Geometry:
    """The union of a GeoJSON's polygons in lon/lat (the beneficiary's national border)."""
    features = _read_features(path)
    geoms = []
    for index, feature in enumerate(features):
        raw = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(raw, dict):
            raise UserError("border feature has no geometry", Position(str(path), feature=index))
        geom = shapely.from_geojson(orjson.dumps(raw))
        geoms.append(polygonal_part(geom if geom.is_valid else shapely.make_valid(geom)))
    return shapely.union_all(geoms)


def default_units_path(data: DataFolder) -> Path | None:
    """The land-clipped geoBoundaries admin-1 file in the data folder, if present."""
    return data.file(UNITS_DEFAULT) or data.file(UNITS_FALLBACK)


def default_border_path(data: DataFolder) -> Path | None:
    """The Natural Earth border of Ukraine in the data folder, if present."""
    return data.file(BORDER_DEFAULT)
