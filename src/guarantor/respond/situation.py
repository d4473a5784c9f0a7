"""Situation values measured by other rooms: the contact-line length from the territory room."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from guarantor.errors import UserError
from guarantor.sources.locate import DataFolder
from guarantor.sources.snapshots import ReadOptions, scan_snapshots
from guarantor.territory.geodesy import geodesic_length_km, to_lonlat, to_plane
from guarantor.territory.inputs import resolve_border, resolve_source
from guarantor.territory.swaps import contact_line


@functools.cache
def contact_line_km(data_dir: Path, day: dt.date) -> tuple[float, str]:
    """Geodesic length (km) of the contact line in the DeepState snapshot at or before `day`.

    The line is the held area's outline across the beneficiary's land (territory.swaps), so the
    international border is not counted. Returns the length and the snapshot it came from.
    """
    data = DataFolder(data_dir, "argument")
    source = resolve_source(None, data)
    border = resolve_border(None, data)
    if border is None:
        raise UserError(f"no border file in {data_dir} to measure the contact line against")
    series = scan_snapshots(source)
    when = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)
    entry = series.at_or_before(when)
    held = entry.parsed(ReadOptions()).geometry
    line = contact_line(to_plane(held), to_plane(border))
    return geodesic_length_km(to_lonlat(line)), entry.label
