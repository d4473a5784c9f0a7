"""Land-swap proposals: areas ceded and received, people in them, and the contact line after."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from numpy.typing import NDArray

from guarantor.errors import Position, UserError
from guarantor.spec.load import load_yaml_model
from guarantor.spec.yamlpos import Positioned
from guarantor.territory.boundaries import Units
from guarantor.territory.geodesy import geodesic_length_km, plane_area_km2, to_lonlat, to_plane
from guarantor.territory.swap_file import (
    DEFAULT_TROOPS_PER_KM,
    AreaNode,
    ProposalFile,
    ZoneKind,
)

SIDES = ("obligor", "beneficiary")
# Front-line segments closer than this to the national border or the coast are the border or
# the coast, not a contact line: DeepState and Natural Earth trace them differently by up to
# about a kilometre.
BORDER_TOLERANCE_KM = 2.0
# Pieces of a transfer smaller than this (km²) are slivers between the control polygons and the
# unit boundaries (different coastlines and borders), not territory anyone would hand over.
MIN_PART_KM2 = 1.0


@dataclass(frozen=True)
class AreaSpec:
    """Where a transfer lies: whole units, the part of units held by a side, or a polygon."""

    units: tuple[str, ...] = ()
    held_by: str | None = None
    polygon: shapely.Geometry | None = None  # lon/lat


@dataclass(frozen=True)
class Transfer:
    """Territory that passes from one side to the other."""

    id: str
    description: str
    giver: str
    receiver: str
    area: AreaSpec
    line: int


@dataclass(frozen=True)
class Frozen:
    """Units where the line stays where it is."""

    id: str
    description: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class Zone:
    """A demilitarised or buffer zone of the deal: an area, or a band along the new line."""

    id: str
    kind: ZoneKind
    description: str
    area: AreaSpec | None
    along_contact_line_km: float | None
    line: int


@dataclass(frozen=True)
class SwapProposal:
    """A land-swap proposal read from YAML."""

    name: str
    source: str
    file: str
    sides: dict[str, str]
    transfers: tuple[Transfer, ...]
    frozen: tuple[Frozen, ...]
    at: date | None = None
    troops_per_km: float = DEFAULT_TROOPS_PER_KM
    zones: tuple[Zone, ...] = ()


def _area_of(node: AreaNode, source: Positioned, at: tuple[str | int, ...], base: Path) -> AreaSpec:
    if node.part_of_unit is not None:
        return AreaSpec(units=node.part_of_unit.codes(), held_by=node.part_of_unit.held_by.value)
    if node.polygon is None:
        return AreaSpec(units=(node.unit,) if node.unit else tuple(node.units or ()))
    where = source.locate((*at, "polygon"))
    if node.polygon.file is not None:
        path = (base / node.polygon.file).resolve()
        try:
            geom = shapely.from_geojson(path.read_bytes())
        except (OSError, shapely.errors.GEOSException) as exc:
            raise UserError(f"cannot read polygon file {path}: {exc}", where) from None
    else:
        try:
            geom = shapely.Polygon(node.polygon.coordinates)
        except (ValueError, TypeError) as exc:
            raise UserError(f"bad polygon coordinates: {exc}", where) from None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return AreaSpec(polygon=geom)


def load_proposal(path: Path) -> SwapProposal:
    """Read and check a land-swap proposal YAML file."""
    doc, source = load_yaml_model(path, ProposalFile)
    transfers = tuple(
        Transfer(
            id=node.id or f"transfer-{i + 1}",
            description=node.description,
            giver=node.giver.value,
            receiver=node.receiver.value,
            area=_area_of(node.area, source, ("transfers", i, "area"), path.parent),
            line=source.locate(("transfers", i, "area")).line or 0,
        )
        for i, node in enumerate(doc.transfers)
    )
    frozen = tuple(
        Frozen(id=node.id or f"frozen-{i + 1}", description=node.description, units=node.codes())
        for i, node in enumerate(doc.frozen)
    )
    zones = tuple(
        Zone(
            id=node.id or f"zone-{i + 1}",
            kind=node.kind,
            description=node.description,
            area=(
                _area_of(node.area, source, ("zones", i, "area"), path.parent)
                if node.area is not None
                else None
            ),
            along_contact_line_km=node.along_contact_line_km,
            line=source.locate(("zones", i)).line or 0,
        )
        for i, node in enumerate(doc.zones)
    )
    return SwapProposal(
        name=doc.name or path.stem,
        source=doc.source,
        file=str(path),
        sides={"obligor": doc.sides.obligor, "beneficiary": doc.sides.beneficiary},
        transfers=transfers,
        frozen=frozen,
        at=doc.at,
        troops_per_km=doc.troops_per_km,
        zones=zones,
    )


@dataclass(frozen=True)
class Places:
    """Populated places (GeoNames) as plane points."""

    names: list[str]
    population: NDArray[np.int64]
    points: NDArray[np.object_]
    source: str

    def within(self, geom: shapely.Geometry) -> tuple[int, list[tuple[str, int]]]:
        """Total population and the places, largest first, inside a plane geometry."""
        if geom.is_empty or not len(self.points):
            return 0, []
        inside = shapely.contains_xy(geom, *shapely.get_coordinates(self.points).T)
        idx = np.flatnonzero(inside)
        order = idx[np.argsort(-self.population[idx], kind="stable")]
        return int(self.population[idx].sum()), [
            (self.names[i], int(self.population[i])) for i in order
        ]


def load_places(path: Path) -> Places:
    """GeoNames places (name, latitude, longitude, population) from a CSV."""
    names: list[str] = []
    pops: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"name", "latitude", "longitude", "population"} - set(reader.fieldnames or [])
        if missing:
            raise UserError(f"places CSV lacks columns {sorted(missing)}", Position(str(path)))
        for row_no, row in enumerate(reader, start=2):
            try:
                lat.append(float(row["latitude"]))
                lon.append(float(row["longitude"]))
                pops.append(int(float(row["population"] or 0)))
            except ValueError:
                raise UserError("bad number in row", Position(str(path), row=row_no)) from None
            names.append(row["name"])
    points = to_plane(shapely.points(np.column_stack([lon, lat]))) if names else np.array([])
    return Places(
        names, np.array(pops, dtype=np.int64), np.asarray(points, dtype=object), str(path)
    )


@dataclass
class SwapResult:
    """What a proposal means on the map of a given day."""

    proposal: SwapProposal
    snapshot: str
    taken_at: datetime
    transfers: list[dict[str, Any]] = field(default_factory=list)
    geometries: dict[str, shapely.Geometry] = field(default_factory=dict)  # id -> plane
    gives_km2: dict[str, float] = field(default_factory=dict)
    population_moved: dict[str, int] = field(default_factory=dict)
    line_before_km: float = 0.0
    line_after_km: float = 0.0
    frozen: list[dict[str, Any]] = field(default_factory=list)
    held_before_km2: float = 0.0
    held_after_km2: float = 0.0
    before: shapely.Geometry = None  # plane, obligor-held before the swap
    after: shapely.Geometry = None  # plane, obligor-held after the swap
    line_after: shapely.Geometry = None  # plane
    line_before: shapely.Geometry = None  # plane
    units: Units | None = None  # the units the proposal was resolved against
    land: shapely.Geometry = None  # lon/lat, the beneficiary's border used
    zones: dict[str, shapely.Geometry] = field(default_factory=dict)  # id -> plane
    zone_rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result with fixed rounding."""
        troops = self.proposal.troops_per_km
        return {
            "proposal": self.proposal.name,
            "file": self.proposal.file,
            "source": self.proposal.source,
            "sides": self.proposal.sides,
            "snapshot": self.snapshot,
            "at": self.taken_at.isoformat(),
            "transfers": self.transfers,
            "gives_km2": {k: round(v, 1) for k, v in self.gives_km2.items()},
            "receives_km2": {
                "obligor": round(self.gives_km2.get("beneficiary", 0.0), 1),
                "beneficiary": round(self.gives_km2.get("obligor", 0.0), 1),
            },
            "population_moved": self.population_moved,
            "obligor_held_km2": {
                "before": round(self.held_before_km2, 1),
                "after": round(self.held_after_km2, 1),
            },
            "contact_line_km": {
                "before": round(self.line_before_km, 1),
                "after": round(self.line_after_km, 1),
                "change": round(self.line_after_km - self.line_before_km, 1),
            },
            "force_to_hold": {
                "troops_per_km": troops,
                "before": round(self.line_before_km * troops),
                "after": round(self.line_after_km * troops),
                "change": round((self.line_after_km - self.line_before_km) * troops),
            },
            "frozen": self.frozen,
            "zones": self.zone_rows,
        }

    def agreed_area(self) -> shapely.Geometry:
        """The agreed line the deal implies: the area the obligor holds after it, on land (plane)."""
        land = to_plane(self.land) if self.land is not None else None
        after = shapely.intersection(self.after, land) if land is not None else self.after
        polygons = [p for p in shapely.get_parts(after) if p.geom_type == "Polygon"]
        for multi in (p for p in shapely.get_parts(after) if p.geom_type == "MultiPolygon"):
            polygons.extend(shapely.get_parts(multi))
        return shapely.MultiPolygon(polygons) if polygons else shapely.Polygon()

    def to_geojson(self, population_basis: str = "") -> dict[str, Any]:
        """The deal on the map (lon/lat FeatureCollection): the agreed line it implies (the area
        the obligor holds after the swap), the contact line after it, each transfer and each zone.

        `territory violations`, `replay` and `monitor` read it back with `--agreed-line`.
        """
        taken = self.taken_at.isoformat()

        def feature(geom: shapely.Geometry, props: dict[str, Any]) -> dict[str, Any]:
            # coordinates rounded to 1e-6 degrees (~0.1 m) for a deterministic, compact file
            lonlat = shapely.transform(to_lonlat(geom), lambda xy: np.round(xy, 6))
            return {
                "type": "Feature",
                "properties": props,
                "geometry": orjson.loads(shapely.to_geojson(lonlat)),
            }

        after = self.agreed_area()
        features = [
            feature(
                after,
                {
                    "role": "agreed_line",
                    "description": "area held by the obligor after the swap (the agreed line)",
                    "proposal": self.proposal.name,
                    "snapshot": self.snapshot,
                    "taken_at": taken,
                    "area_km2": round(self.held_after_km2, 1),
                },
            ),
            feature(
                self.line_after,
                {
                    "role": "contact_line",
                    "description": "contact line after the swap",
                    "length_km": round(self.line_after_km, 1),
                    "taken_at": taken,
                },
            ),
        ]
        for row in self.transfers:
            geom = self.geometries[row["id"]]
            features.append(
                feature(
                    geom,
                    {
                        "role": "transfer",
                        "id": row["id"],
                        "description": row["description"],
                        "from": row["from"],
                        "to": row["to"],
                        "area_km2": row["area_km2"],
                        "population": row["population"],
                        "population_basis": population_basis,
                    },
                )
            )
        for row in self.zone_rows:
            features.append(feature(self.zones[row["id"]], {"role": "zone", **row}))
        return {"type": "FeatureCollection", "features": features}


def contact_line(held: shapely.Geometry, land: shapely.Geometry) -> shapely.Geometry:
    """The part of the held area's outline that runs across the beneficiary's land (plane)."""
    core = shapely.buffer(land, -BORDER_TOLERANCE_KM * 1000.0)
    return shapely.intersection(shapely.boundary(held), core)


def evaluate_swap(
    proposal: SwapProposal,
    held_lonlat: shapely.Geometry,
    taken_at: datetime,
    snapshot: str,
    units: Units,
    land_lonlat: shapely.Geometry,
    places: Places | None = None,
) -> SwapResult:
    """Apply a proposal to the obligor-held area of one snapshot and measure the result."""
    held = to_plane(held_lonlat)
    land = to_plane(land_lonlat)
    held_on_land = shapely.intersection(held, land)
    to_obligor: list[shapely.Geometry] = []
    to_beneficiary: list[shapely.Geometry] = []
    result = SwapResult(
        proposal=proposal, snapshot=snapshot, taken_at=taken_at, units=units, land=land_lonlat
    )
    result.gives_km2 = {"obligor": 0.0, "beneficiary": 0.0}
    result.population_moved = {"to_obligor": 0, "to_beneficiary": 0}
    for transfer in proposal.transfers:
        area = _resolve(transfer.area, held, units, proposal.file, transfer.line)
        # a side can only give what it holds
        given = (
            shapely.intersection(area, held)
            if transfer.giver == "obligor"
            else shapely.difference(shapely.intersection(area, land), held)
        )
        given = _without_slivers(shapely.make_valid(given))
        km2 = plane_area_km2(given)
        people, towns = places.within(given) if places else (0, [])
        result.gives_km2[transfer.giver] += km2
        result.population_moved[f"to_{transfer.receiver}"] += people
        (to_obligor if transfer.receiver == "obligor" else to_beneficiary).append(given)
        result.geometries[transfer.id] = given
        result.transfers.append(
            {
                "id": transfer.id,
                "description": transfer.description,
                "from": transfer.giver,
                "to": transfer.receiver,
                "area_km2": round(km2, 1),
                "population": people,
                "largest_places": [{"name": n, "population": p} for n, p in towns[:5]],
                "places_counted": len(towns),
            }
        )
    after = held
    if to_obligor:
        after = shapely.union_all([after, *to_obligor])
    if to_beneficiary:
        after = shapely.difference(after, shapely.union_all(to_beneficiary))
    after = shapely.make_valid(after)
    line_before = contact_line(held, land)
    line_after = contact_line(after, land)
    result.before, result.after = held, after
    result.line_before, result.line_after = line_before, line_after
    result.line_before_km = geodesic_length_km(to_lonlat(line_before))
    result.line_after_km = geodesic_length_km(to_lonlat(line_after))
    result.held_before_km2 = plane_area_km2(held_on_land)
    result.held_after_km2 = plane_area_km2(shapely.intersection(after, land))
    for zone in proposal.zones:
        if zone.area is not None:
            geom = _resolve(zone.area, held, units, proposal.file, zone.line)  # the day's map
        else:
            width = (zone.along_contact_line_km or 0.0) * 1000.0
            geom = shapely.buffer(line_after, width / 2.0)
        geom = _without_slivers(shapely.make_valid(shapely.intersection(geom, land)))
        result.zones[zone.id] = geom
        result.zone_rows.append(
            {
                "id": zone.id,
                "kind": zone.kind.value,
                "description": zone.description,
                "area_km2": round(plane_area_km2(geom), 1),
                "population": places.within(geom)[0] if places else 0,
            }
        )
    for frozen in proposal.frozen:
        zone = shapely.union_all([units.plane[units.index(u)] for u in frozen.units])
        result.frozen.append(
            {
                "id": frozen.id,
                "description": frozen.description,
                "units": [units.codes[units.index(u)] for u in frozen.units],
                "line_km": round(
                    geodesic_length_km(to_lonlat(shapely.intersection(line_before, zone))), 1
                ),
                "obligor_held_km2": round(plane_area_km2(shapely.intersection(held, zone)), 1),
            }
        )
    return result


def _without_slivers(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop pieces under MIN_PART_KM2: where two datasets trace one coast or border differently."""
    parts = [
        p
        for p in shapely.get_parts(geom)
        if p.geom_type == "Polygon" and p.area / 1e6 >= MIN_PART_KM2
    ]
    return shapely.MultiPolygon(parts) if parts else shapely.Polygon()


def _resolve(
    spec: AreaSpec, held: shapely.Geometry, units: Units, file: str, line: int
) -> shapely.Geometry:
    """The plane geometry an area spec names on this day's map."""
    if spec.polygon is not None:
        return to_plane(spec.polygon)
    try:
        zone = shapely.union_all([units.plane[units.index(u)] for u in spec.units])
    except UserError as err:
        raise UserError(err.message, Position(file, line=line)) from None
    if spec.held_by == "obligor":
        return shapely.intersection(zone, held)
    if spec.held_by == "beneficiary":
        return shapely.difference(zone, held)
    return zone
