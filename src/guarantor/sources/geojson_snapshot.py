"""Parse one territorial-control GeoJSON document into a validated lon/lat geometry."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import shapely
from shapely.errors import GEOSException

from guarantor.errors import Position, UserError

# The beneficiary's extent (Ukraine, lon/lat) used to detect swapped coordinates when no border
# file is given: west 22.1, south 44.3, east 40.3, north 52.4 (Natural Earth admin-0 bounds).
UKRAINE_BBOX: tuple[float, float, float, float] = (22.0, 44.0, 40.5, 52.5)

# DeepState's raw dumps name layers "<Ukrainian> /// <English> [/// <i18n key>]". Before May 2022
# the names were Ukrainian only; after March 2024 the English part is still present. These are
# the layers whose union is the occupied territory (as in the cyterat daily files).
DEFAULT_LAYERS: tuple[str, ...] = ("Occupied", "CADR and CALR", "Occupied Crimea")
LAYER_ALIASES: Mapping[str, str] = {
    "Окуповано": "Occupied",
    "ОРДЛО": "CADR and CALR",
    "Крим": "Occupied Crimea",
    "geoJSON.status.occupied": "Occupied",
    "geoJSON.territories.ordlo": "CADR and CALR",
    "geoJSON.territories.crimea": "Occupied Crimea",
}

FC_RE = re.compile(rb'"type"\s*:\s*"FeatureCollection"')
_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass
class ParsedSnapshot:
    """The polygonal union of a document's selected features, with what was repaired or left out."""

    geometry: shapely.Geometry
    features: int
    repaired: int = 0
    dropped_outside: int = 0
    skipped_layers: int = 0
    quarantined: list[str] = field(default_factory=list)


def english_layer_name(name: str) -> str:
    """The English layer name of a DeepState feature name (the part after the first `///`)."""
    parts = [p.replace("\xa0", " ").strip() for p in name.split("///")]
    english = parts[1] if len(parts) >= 2 and parts[1] else parts[0]
    english = " ".join(english.split()).rstrip(".")
    if english in LAYER_ALIASES:
        return LAYER_ALIASES[english]
    key = parts[-1] if len(parts) >= 3 else ""
    return LAYER_ALIASES.get(key, english)


def polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a geometry (make_valid may return lines or points beside polygons)."""
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
    if not parts:
        return shapely.Polygon()
    parts = [g if g.is_valid else polygonal_part(shapely.make_valid(g)) for g in parts]
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def check_axis_order(geom: shapely.Geometry, where: Position, extent: tuple[float, ...]) -> None:
    """Refuse coordinates that lie outside the beneficiary but would lie inside it swapped."""
    minx, miny, maxx, maxy = shapely.bounds(geom).tolist()
    if miny < -90 or maxy > 90:
        if minx >= -90 and maxx <= 90:
            raise UserError(
                "coordinates are in (lat, lon) order; GeoJSON requires (lon, lat) (RFC 7946)", where
            )
        raise UserError("latitude outside [-90, 90]: not WGS84 lon/lat coordinates", where)
    ex0, ey0, ex1, ey1 = extent
    inside = minx <= ex1 and maxx >= ex0 and miny <= ey1 and maxy >= ey0
    swapped = miny <= ex1 and maxy >= ex0 and minx <= ey1 and maxx >= ey0
    if not inside and swapped:
        raise UserError(
            "coordinates appear to be in (lat, lon) order: swapped, they fall on the "
            "beneficiary's territory; GeoJSON requires (lon, lat) (RFC 7946)",
            where,
        )


def _geometry_of(raw: Any, where: Position) -> shapely.Geometry:
    """Build a shapely geometry from a parsed GeoJSON geometry object, or say why not."""
    if raw is None:
        return shapely.Polygon()
    if not isinstance(raw, dict) or "type" not in raw:
        raise UserError("geometry is not a GeoJSON geometry object", where)
    try:
        return shapely.from_geojson(orjson.dumps(raw))
    except (GEOSException, ValueError, TypeError) as exc:
        raise UserError(f"unreadable {raw.get('type')} geometry: {exc}", where) from None


def parse_snapshot_document(
    data: bytes,
    file: str,
    *,
    layers: Collection[str] | None = None,
    border: shapely.Geometry | None = None,
    extent: tuple[float, float, float, float] = UKRAINE_BBOX,
) -> ParsedSnapshot:
    """Parse a FeatureCollection into the union of its polygonal features (layers: raw dumps only)."""
    if layers is None and border is None and FC_RE.search(data[:512]):
        fast = _parse_fast(data, file, extent)
        if fast is not None:
            return fast
    return _parse_full(data, file, layers=layers, border=border, extent=extent)


def _parse_fast(data: bytes, file: str, extent: tuple[float, ...]) -> ParsedSnapshot | None:
    """GEOS's own GeoJSON reader for plain files; None sends the document to the full parser."""
    try:
        collection = shapely.from_geojson(data)
    except (GEOSException, ValueError):
        return None  # the full parser locates the problem
    parts = shapely.get_parts(collection)
    types = shapely.get_type_id(parts)
    if len(parts) == 0 or shapely.is_empty(parts).any() or not ((types == 3) | (types == 6)).all():
        return None
    result = ParsedSnapshot(geometry=shapely.Polygon(), features=len(parts))
    valid = shapely.is_valid(parts)
    if not valid.all():
        result.repaired = int((~valid).sum())
        parts[~valid] = [polygonal_part(g) for g in shapely.make_valid(parts[~valid])]
    geom = parts[0] if len(parts) == 1 else shapely.union_all(parts)
    check_axis_order(geom, Position(file), extent)
    result.geometry = geom
    return result


def _parse_full(
    data: bytes,
    file: str,
    *,
    layers: Collection[str] | None,
    border: shapely.Geometry | None,
    extent: tuple[float, ...],
) -> ParsedSnapshot:
    """Feature by feature, with the feature index in every message."""
    if not data.strip():
        raise UserError("empty file: expected a GeoJSON FeatureCollection", Position(file))
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UserError(f"not valid JSON ({exc})", Position(file)) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise UserError(
            f"expected a GeoJSON FeatureCollection, found {found!r}", Position(file)
        ) from None
    features = doc.get("features")
    if not isinstance(features, list):
        raise UserError("FeatureCollection has no 'features' list", Position(file))
    wanted = set(layers) if layers is not None else None
    if border is not None:
        shapely.prepare(border)
    result = ParsedSnapshot(geometry=shapely.Polygon(), features=len(features))
    kept: list[shapely.Geometry] = []
    for index, feature in enumerate(features):
        where = Position(file, feature=index)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise UserError("not a GeoJSON Feature", where)
        raw = feature.get("geometry")
        gtype = raw.get("type") if isinstance(raw, dict) else None
        if wanted is not None:
            props = feature.get("properties") or {}
            name = props.get("name", "") if isinstance(props, dict) else ""
            if english_layer_name(str(name)) not in wanted:
                result.skipped_layers += 1
                continue
        if gtype not in (*_POLYGONAL, "GeometryCollection", None):
            if wanted is None:
                result.quarantined.append(f"{where}: {gtype} is not an area; left out")
            continue
        geom = _geometry_of(raw, where)
        if geom.geom_type == "GeometryCollection":
            if not all(shapely.is_valid(shapely.get_parts(geom))):
                result.repaired += 1
            geom = polygonal_part(geom)
        if geom.is_empty:
            result.quarantined.append(f"{where}: empty geometry; left out")
            continue
        check_axis_order(geom, where, extent)
        if not geom.is_valid:
            geom = polygonal_part(shapely.make_valid(geom))
            result.repaired += 1
        if border is not None and not border.intersects(geom):
            result.dropped_outside += 1
            continue
        kept.append(geom)
    if not kept:
        raise UserError(
            "no area features left in this snapshot"
            + (f" (layers {sorted(wanted)})" if wanted else ""),
            Position(file),
            details=result.quarantined[:5],
        )
    result.geometry = kept[0] if len(kept) == 1 else shapely.union_all(kept)
    return result
