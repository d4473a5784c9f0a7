"""Parse one territorial-control GeoJSON document into a validated lon/lat geometry."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np
import orjson
import shapely
from shapely.errors import GEOSException

from guarantor.errors import Position, UserError
from guarantor.sources.archive import DATA_EXIT
from guarantor.sources.snapshots import DEFAULT_LAYERS, UKRAINE_BBOX

__all__ = ["DEFAULT_LAYERS", "UKRAINE_BBOX", "ParsedSnapshot", "parse_snapshot_document"]

# Aliases of the selected layers in raw dumps: before May 2022 the names were Ukrainian only;
# after March 2024 they carry i18n keys.
LAYER_ALIASES: Mapping[str, str] = {
    "Окуповано": "Occupied",
    "ОРДЛО": "CADR and CALR",
    "Крим": "Occupied Crimea",
    "Окупований Крим": "Occupied Crimea",  # April-May 2022 dumps name Crimea in Ukrainian only
    "geoJSON.status.occupied": "Occupied",
    "geoJSON.territories.ordlo": "CADR and CALR",
    "geoJSON.territories.crimea": "Occupied Crimea",
}

FC_RE = re.compile(rb'"type"\s*:\s*"FeatureCollection"')
# Layer names that speak of occupation but are not selected: early 2022 dumps drew new occupation
# as dated layers ("Окуповано 04.04", "Ізюм. Окуповано"). Reported, never silently added or lost.
OCCUPIED_LOOKING = re.compile(r"occup|окуп|зайнят", re.IGNORECASE)
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
    outside: list[str] = field(default_factory=list)  # features left out: off the beneficiary
    layers: tuple[str, ...] = ()  # the selected layers found (raw dumps), sorted
    # Raw dumps: layers not read whose names speak of occupation and that lie on the beneficiary.
    unselected: tuple[str, ...] = ()


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


def check_coordinates(
    bounds: tuple[float, float, float, float], where: Position, extent: tuple[float, ...]
) -> None:
    """Refuse coordinates that are not finite lon/lat, or that would fall on the beneficiary swapped."""
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        raise UserError(
            "coordinates are not finite numbers: not WGS84 lon/lat", where, exit_code=DATA_EXIT
        )
    ex0, ey0, ex1, ey1 = extent
    swapped = miny <= ex1 and maxy >= ex0 and minx <= ey1 and maxx >= ey0
    if miny < -90 or maxy > 90:
        if swapped and minx >= -90 and maxx <= 90 and miny >= -180 and maxy <= 180:
            raise UserError(
                "coordinates are in (lat, lon) order; GeoJSON requires (lon, lat) (RFC 7946)",
                where,
                exit_code=DATA_EXIT,
            )
        raise UserError(
            f"latitude outside [-90, 90] ({miny:.6g} .. {maxy:.6g}): not WGS84 lon/lat coordinates",
            where,
            exit_code=DATA_EXIT,
        )
    if minx < -180 or maxx > 180:
        raise UserError(
            f"longitude outside [-180, 180] ({minx:.6g} .. {maxx:.6g}): not WGS84 lon/lat "
            "coordinates",
            where,
            exit_code=DATA_EXIT,
        )
    inside = minx <= ex1 and maxx >= ex0 and miny <= ey1 and maxy >= ey0
    if not inside and swapped:
        raise UserError(
            "coordinates appear to be in (lat, lon) order: swapped, they fall on the "
            "beneficiary's territory; GeoJSON requires (lon, lat) (RFC 7946)",
            where,
            exit_code=DATA_EXIT,
        )


def check_axis_order(geom: shapely.Geometry, where: Position, extent: tuple[float, ...]) -> None:
    """Refuse a geometry whose coordinates are not finite lon/lat or look swapped."""
    if geom.is_empty:
        return
    minx, miny, maxx, maxy = shapely.bounds(geom).tolist()
    check_coordinates((minx, miny, maxx, maxy), where, extent)


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
    if layers is not None:
        layered = _parse_layers(data, file, set(layers), border, extent)
        if layered is not None:
            return layered
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
    bounds = shapely.bounds(parts)
    if not _coordinates_ok(bounds) or _any_swapped(bounds, extent):
        return None  # the full parser names the feature
    result = ParsedSnapshot(geometry=shapely.Polygon(), features=len(parts))
    valid = shapely.is_valid(parts)
    if not valid.all():
        result.repaired = int((~valid).sum())
        parts[~valid] = [polygonal_part(g) for g in shapely.make_valid(parts[~valid])]
    geom = parts[0] if len(parts) == 1 else shapely.union_all(parts)
    check_axis_order(geom, Position(file), extent)
    result.geometry = geom
    return result


def _coordinates_ok(bounds: np.ndarray[Any, Any]) -> bool:
    """Whether every bounding box is finite lon/lat (NaN rows are empty geometries)."""
    rows = bounds[~np.isnan(bounds).all(axis=1)]
    if not np.isfinite(rows).all():
        return False
    return bool(
        (rows[:, [0, 2]] >= -180).all()
        and (rows[:, [0, 2]] <= 180).all()
        and (rows[:, [1, 3]] >= -90).all()
        and (rows[:, [1, 3]] <= 90).all()
    )


def _any_swapped(bounds: np.ndarray[Any, Any], extent: tuple[float, ...]) -> bool:
    """Whether any part misses the beneficiary's extent but would hit it with axes swapped."""
    ex0, ey0, ex1, ey1 = extent
    minx, miny, maxx, maxy = bounds.T
    inside = (minx <= ex1) & (maxx >= ex0) & (miny <= ey1) & (maxy >= ey0)
    swapped = (miny <= ex1) & (maxy >= ex0) & (minx <= ey1) & (maxx >= ey0)
    return bool((~inside & swapped).any())


class _Properties(msgspec.Struct):
    name: Any = ""


class _Feature(msgspec.Struct):
    type: str
    properties: _Properties | None = None
    geometry: msgspec.Raw = msgspec.Raw(b"null")


class _Collection(msgspec.Struct):
    type: str
    features: list[_Feature]


_LAYERED = msgspec.json.Decoder(_Collection)


def _parse_layers(
    data: bytes,
    file: str,
    wanted: set[str],
    border: shapely.Geometry | None,
    extent: tuple[float, float, float, float],
) -> ParsedSnapshot | None:
    """Raw dumps: decode only names, keep the selected geometries as raw JSON, read them with GEOS.

    About five times faster than a full JSON parse: most of a dump is coordinates of layers that
    are not kept. None sends the document to the full parser, which locates any problem.
    """
    try:
        doc = _LAYERED.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if doc.type != "FeatureCollection" or any(f.type != "Feature" for f in doc.features):
        return None
    result = ParsedSnapshot(geometry=shapely.Polygon(), features=len(doc.features))
    indices: list[int] = []
    raws: list[bytes] = []
    names: list[str] = []
    unselected: list[tuple[int, str, bytes]] = []
    for index, feature in enumerate(doc.features):
        name = str(feature.properties.name) if feature.properties is not None else ""
        layer = english_layer_name(name)
        if layer not in wanted:
            result.skipped_layers += 1
            if OCCUPIED_LOOKING.search(layer):
                unselected.append((index, layer, bytes(feature.geometry)))
            continue
        raw = bytes(feature.geometry)
        if raw.strip() == b"null":
            result.quarantined.append(f"{Position(file, feature=index)}: empty geometry; left out")
            continue
        indices.append(index)
        raws.append(raw)
        names.append(layer)
    if not raws:
        return None
    try:
        geoms = np.asarray(shapely.from_geojson(raws), dtype=object)
    except (GEOSException, ValueError):
        return None
    areal = np.isin(shapely.get_type_id(geoms), (3, 6, 7))  # points and lines are labels
    geoms = geoms[areal]
    indices = [i for i, ok in zip(indices, areal, strict=True) if ok]
    names = [n for n, ok in zip(names, areal, strict=True) if ok]
    if len(geoms) == 0:
        return None
    bounds = shapely.bounds(geoms)
    if not _coordinates_ok(bounds) or shapely.is_empty(geoms).any():
        return None
    for geom, index in zip(geoms, indices, strict=True):
        check_axis_order(geom, Position(file, feature=index), extent)
    kinds = shapely.get_type_id(geoms)
    collections = kinds == 7
    for i in np.flatnonzero(collections):
        if not shapely.is_valid(shapely.get_parts(geoms[i])).all():
            result.repaired += 1
        geoms[i] = polygonal_part(geoms[i])
    valid = shapely.is_valid(geoms)
    if not valid.all():
        result.repaired += int((~valid).sum())
        geoms[~valid] = [polygonal_part(g) for g in shapely.make_valid(geoms[~valid])]
    keep = _inside(geoms, border, extent)
    for ok, index, name in zip(keep, indices, names, strict=True):
        if not ok:
            result.dropped_outside += 1
            result.outside.append(f"{Position(file, feature=index)}: {name!r} off the beneficiary")
    kept = [g for g, ok in zip(geoms, keep, strict=True) if ok and not g.is_empty]
    if not kept:
        return None
    result.layers = tuple(sorted({n for n, ok in zip(names, keep, strict=True) if ok}))
    result.unselected = _unselected_on_beneficiary(unselected, border, extent)
    result.geometry = kept[0] if len(kept) == 1 else shapely.union_all(kept)
    return result


def _unselected_on_beneficiary(
    unselected: list[tuple[int, str, bytes]],
    border: shapely.Geometry | None,
    extent: tuple[float, float, float, float],
) -> tuple[str, ...]:
    """The occupation-like area layers not read that lie on the beneficiary (sorted names)."""
    names = set()
    for _, layer, raw in unselected:
        try:
            geom = shapely.from_geojson(raw)
        except (GEOSException, ValueError):
            continue
        if geom is None or geom.is_empty or shapely.get_type_id(geom) not in (3, 6, 7):
            continue
        bounds = shapely.bounds(geom).reshape(1, 4)
        if not _coordinates_ok(bounds):
            continue
        if _inside(np.array([geom], dtype=object), border, extent)[0]:
            names.add(layer)
    return tuple(sorted(names))


def _inside(
    geoms: np.ndarray[Any, Any],
    border: shapely.Geometry | None,
    extent: tuple[float, float, float, float],
) -> list[bool]:
    """Which features touch the beneficiary: its border, or without one its bounding box."""
    if border is not None:
        shapely.prepare(border)
        return [bool(v) for v in shapely.intersects(border, geoms)]
    box = shapely.box(*extent)
    return [bool(v) for v in shapely.intersects(box, geoms)]


def _parse_full(
    data: bytes,
    file: str,
    *,
    layers: Collection[str] | None,
    border: shapely.Geometry | None,
    extent: tuple[float, float, float, float],
) -> ParsedSnapshot:
    """Feature by feature, with the feature index in every message."""
    if not data.strip():
        raise UserError("empty file: expected a GeoJSON FeatureCollection", Position(file))
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UserError(f"not valid JSON ({exc})", Position(file), exit_code=DATA_EXIT) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise UserError(
            f"expected a GeoJSON FeatureCollection, found {found!r}", Position(file)
        ) from None
    features = doc.get("features")
    if not isinstance(features, list):
        raise UserError("FeatureCollection has no 'features' list", Position(file))
    wanted = set(layers) if layers is not None else None
    result = ParsedSnapshot(geometry=shapely.Polygon(), features=len(features))
    kept: list[shapely.Geometry] = []
    layers_found: set[str] = set()
    polygon_layers: set[str] = set()
    for index, feature in enumerate(features):
        where = Position(file, feature=index)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise UserError("not a GeoJSON Feature", where)
        raw = feature.get("geometry")
        gtype = raw.get("type") if isinstance(raw, dict) else None
        layer = ""
        if wanted is not None:
            props = feature.get("properties") or {}
            name = props.get("name", "") if isinstance(props, dict) else ""
            layer = english_layer_name(str(name))
            if gtype in (*_POLYGONAL, "GeometryCollection"):
                polygon_layers.add(layer)
            if layer not in wanted:
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
        if wanted is not None and not _inside(np.array([geom], dtype=object), border, extent)[0]:
            result.dropped_outside += 1
            result.outside.append(f"{where}: {layer or gtype!r} off the beneficiary")
            continue
        if layer:
            layers_found.add(layer)
        kept.append(geom)
    if not kept:
        details = result.quarantined[:5]
        if wanted is not None:
            others = sorted(polygon_layers - wanted)[:12]
            details.append(
                f"area layers present: {', '.join(others) or 'none'} (choose with --layers)"
            )
        raise UserError(
            "no area features left in this snapshot"
            + (f" (layers {sorted(wanted)})" if wanted else ""),
            Position(file),
            details=details,
            exit_code=DATA_EXIT,
        )
    result.layers = tuple(sorted(layers_found))
    result.geometry = kept[0] if len(kept) == 1 else shapely.union_all(kept)
    return result
