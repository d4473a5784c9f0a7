"""Downloaded upstream files into the layout of the shared data folder, so that readers work unchanged."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

from guarantor.errors import UserError
from guarantor.fileio import write_atomic
from guarantor.sources.catalogue import Reshape

DATA_EXIT = 3

# GeoNames admin-1 code -> ISO 3166-2 (facts; the same table as
# ../shared/data/population/geonames_admin1code_to_iso3166_2_UA.csv).
GEONAMES_ADMIN1_UA: dict[str, str] = {
    "01": "UA-71", "02": "UA-74", "03": "UA-77", "04": "UA-12", "05": "UA-14",
    "06": "UA-26", "07": "UA-63", "08": "UA-65", "09": "UA-68", "10": "UA-35",
    "11": "UA-43", "12": "UA-30", "13": "UA-32", "14": "UA-09", "15": "UA-46",
    "16": "UA-48", "17": "UA-51", "18": "UA-53", "19": "UA-56", "20": "UA-40",
    "21": "UA-59", "22": "UA-61", "23": "UA-05", "24": "UA-07", "25": "UA-21",
    "26": "UA-23", "27": "UA-18",
}  # fmt: skip

GEONAMES_COLUMNS = (
    "geonameid",
    "name",
    "latitude",
    "longitude",
    "population",
    "geonames_admin1code",
    "iso_3166_2",
)


def reshape(kind: Reshape, upstream: Path, target: Path, source: str) -> int:
    """Write `target` from the downloaded `upstream` file; the number of rows/features kept."""
    try:
        if kind is Reshape.ucdp_ukraine:
            return _ucdp(upstream, target)
        if kind is Reshape.natural_earth_ukraine:
            return _natural_earth(upstream, target)
        if kind is Reshape.geonames_ukraine:
            return _geonames(upstream, target)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, csv.Error) as exc:
        raise UserError(
            f"{source}: cannot reshape {upstream.name}: {exc.__class__.__name__}: {exc}; "
            "nothing written",
            exit_code=DATA_EXIT,
        ) from None
    return 0


def _member(archive: zipfile.ZipFile, suffix: str) -> str:
    for name in archive.namelist():
        if name.endswith(suffix):
            return name
    raise KeyError(f"no member ending {suffix!r}")


def _ucdp(upstream: Path, target: Path) -> int:
    """The Ukraine rows of UCDP GED (a zip of the global CSV, or the CSV) as gzip CSV."""
    if zipfile.is_zipfile(upstream):
        with zipfile.ZipFile(upstream) as archive:
            text = archive.read(_member(archive, ".csv")).decode("utf-8-sig")
    else:
        text = upstream.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "country" not in reader.fieldnames:
        raise ValueError("the GED table has no 'country' column")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    kept = 0
    for row in reader:
        if row["country"] == "Ukraine":
            writer.writerow(row)
            kept += 1
    if not kept:
        raise ValueError("no row with country 'Ukraine'")
    write_atomic(target, gzip.compress(out.getvalue().encode("utf-8"), mtime=0))
    return kept


def _natural_earth(upstream: Path, target: Path) -> int:
    """Ukraine's feature of Natural Earth admin-0 countries."""
    doc = json.loads(upstream.read_bytes())
    keep = [
        f
        for f in doc.get("features", [])
        if (f.get("properties") or {}).get("ADM0_A3") == "UKR"
        or (f.get("properties") or {}).get("ISO_A3") == "UKR"
    ]
    if not keep:
        raise ValueError("no feature with ADM0_A3 'UKR'")
    write_atomic(target, json.dumps({"type": "FeatureCollection", "features": keep}))
    return len(keep)


def _geonames(upstream: Path, target: Path) -> int:
    """Populated places of GeoNames UA.txt with >= 1,000 people, with their UA-xx code."""
    with zipfile.ZipFile(upstream) as archive:
        text = archive.read(_member(archive, "UA.txt")).decode("utf-8")
    rows = []
    for line in text.splitlines():
        cols = line.split("\t")
        if len(cols) < 15 or cols[6] != "P":
            continue
        population = int(cols[14] or 0)
        if population < 1000:
            continue
        code = cols[10]
        rows.append(
            (cols[0], cols[1], cols[4], cols[5], population, code, GEONAMES_ADMIN1_UA.get(code, ""))
        )
    if not rows:
        raise ValueError("no populated place with 1,000 people or more")
    rows.sort(key=lambda r: (-int(r[4]), r[0]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GEONAMES_COLUMNS)
    writer.writerows(rows)
    write_atomic(target, out.getvalue())
    return len(rows)
