"""The public sources `guarantor data fetch` knows: where each file comes from, its licence, its check.

Each source lands in the layout of the shared data folder (../shared/data, see its PROVENANCE.md)
so that every reader works unchanged on the cache. Data without an open licence (DeepState
geometry, Kiel) is only ever fetched into the user's cache, never shipped with the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class SourceName(StrEnum):
    """A group of files that `data fetch --only` selects."""

    territory = "territory"
    events = "events"
    aid = "aid"
    boundaries = "boundaries"
    population = "population"


class ContentKind(StrEnum):
    """What a downloaded file must be before it is kept (anything else is refused)."""

    geojson = "geojson"  # a GeoJSON FeatureCollection (JSON, parsed whole)
    csv = "csv"  # text whose first line holds the listed columns
    gzip_csv = "gzip_csv"  # gzip (CRC checked) of such text
    zip = "zip"  # a zip archive (every member's CRC checked) holding a member ending so


class Distribution(StrEnum):
    """How a source reaches a user: fetched into the cache, or may ship with the package."""

    fetched = "fetched"  # no open licence found: the user's own download, never redistributed
    open = "open"  # openly licensed: fetched here, may ship with attribution


class Reshape(StrEnum):
    """How a downloaded file becomes the shared-data layout (see sources/reshape.py)."""

    none = "none"  # kept as downloaded
    ucdp_ukraine = "ucdp_ukraine"  # UCDP GED (zip of the global CSV) -> Ukraine rows, gzip
    natural_earth_ukraine = "natural_earth_ukraine"  # Natural Earth countries -> Ukraine only
    geonames_ukraine = "geonames_ukraine"  # GeoNames UA.zip -> places >= 1,000 people, UA-xx


@dataclass(frozen=True)
class ContentRule:
    """What a file must contain: its kind and, for CSV, columns its header must name."""

    kind: ContentKind
    columns: tuple[str, ...] = ()
    member: str = ""  # for zip: the suffix of the member that must be there


@dataclass(frozen=True)
class SourceFile:
    """One file of a source: its upstream URL, where it lands, what it must be, how it is reshaped.

    `size` and `sha256` are checked when known (a pinned release); a source that changes
    upstream (a tracker's latest release) leaves them empty and relies on the content check.
    """

    url: str
    path: str  # relative to the data folder, in the shared-data layout
    rule: ContentRule
    reshape: Reshape = Reshape.none
    download_as: str = ""  # where the upstream file is kept before reshaping ("" = `path`)
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class DailySeries:
    """A source published as one file per day (404 = not published that day, a gap)."""

    url_pattern: str  # strftime pattern of the upstream URL
    folder: str  # relative folder in the data layout
    name_pattern: str  # strftime pattern of the file name
    first: date
    rule: ContentRule


@dataclass(frozen=True)
class Source:
    """A public source: what it is, its licence and attribution, and its files."""

    name: SourceName
    title: str
    licence: str
    attribution: str
    delivery: Distribution
    files: tuple[SourceFile, ...] = ()
    daily: DailySeries | None = None


GEOJSON = ContentRule(ContentKind.geojson)

DEEPSTATE_DAILY = DailySeries(
    url_pattern=(
        "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/data/"
        "deepstatemap_data_%Y%m%d.geojson"
    ),
    folder="frontline/cyterat_daily",
    name_pattern="deepstatemap_data_%Y%m%d.geojson",
    first=date(2024, 7, 8),
    rule=GEOJSON,
)

CATALOGUE: tuple[Source, ...] = (
    Source(
        SourceName.territory,
        "DeepState occupied area, one GeoJSON a day (cyterat/deepstate-map-data mirror)",
        "none found (DeepState geometry; mirror repository GPL-3.0)",
        "DeepStateMap via github.com/cyterat/deepstate-map-data",
        Distribution.fetched,
        daily=DEEPSTATE_DAILY,
    ),
    Source(
        SourceName.events,
        "UCDP Georeferenced Event Dataset (GED), Ukraine rows",
        "CC BY 4.0",
        "UCDP GED: Sundberg & Melander (2013); Davies, Pettersson & Öberg (2024)",
        Distribution.open,
        files=(
            SourceFile(
                "https://ucdp.uu.se/downloads/ged/ged241-csv.zip",
                "events/ucdp_ged_ukraine.csv.gz",
                ContentRule(ContentKind.zip, member=".csv"),
                Reshape.ucdp_ukraine,
                download_as="events/upstream/ged-csv.zip",
            ),
        ),
    ),
    Source(
        SourceName.aid,
        "Kiel Institute Ukraine Support Tracker (data explorer table)",
        "none found; cite Trebesch et al., The Ukraine Support Tracker",
        "Kiel Institute for the World Economy, Ukraine Support Tracker",
        Distribution.fetched,
        files=(
            SourceFile(
                "https://raw.githubusercontent.com/UkraineSupportTrackerWebsite/"
                "ukraine-support-tracker/main/data/data_explorer.csv",
                "aid_kiel_ust/data_explorer.csv",
                ContentRule(ContentKind.csv, ("country", "year", "month", "military")),
            ),
        ),
    ),
    Source(
        SourceName.boundaries,
        "Natural Earth 10m admin-0 (Ukraine) and geoBoundaries UKR ADM1",
        "public domain (Natural Earth); ODbL 1.0 (geoBoundaries, attribution)",
        "Made with Natural Earth; geoBoundaries (Runfola et al. 2020), ODbL 1.0",
        Distribution.open,
        files=(
            SourceFile(
                "https://raw.githubusercontent.com/nvkelso/natural-earth-vector/master/"
                "geojson/ne_10m_admin_0_countries_deu.geojson",
                "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson",
                GEOJSON,
                Reshape.natural_earth_ukraine,
                download_as="boundaries/upstream/ne_10m_admin_0_countries_deu.geojson",
            ),
            SourceFile(
                "https://github.com/wmgeolab/geoBoundaries/raw/main/releaseData/gbOpen/UKR/"
                "ADM1/geoBoundaries-UKR-ADM1_simplified.geojson",
                "boundaries/geoBoundaries-UKR-ADM1_simplified.geojson",
                GEOJSON,
            ),
        ),
    ),
    Source(
        SourceName.population,
        "GeoNames places in Ukraine with at least 1,000 people",
        "CC BY 4.0",
        "GeoNames (geonames.org), CC BY 4.0",
        Distribution.open,
        files=(
            SourceFile(
                "https://download.geonames.org/export/dump/UA.zip",
                "population/geonames_ua_cities1000.csv",
                ContentRule(ContentKind.zip, member="UA.txt"),
                Reshape.geonames_ukraine,
                download_as="population/upstream/UA.zip",
            ),
        ),
    ),
)


def source(name: SourceName) -> Source:
    """The catalogue entry of a source."""
    return next(s for s in CATALOGUE if s.name is name)
