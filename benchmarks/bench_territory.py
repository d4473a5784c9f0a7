"""Benchmark: the full cyterat history (load, area, daily gross gain/loss, per-unit) vs a naive baseline.

Run: .venv/bin/python benchmarks/bench_territory.py [--quick] [--data DIR]

Both run in this one process on the same archive. Wall times are for a shared 2-core machine
(noisy): the ratio is the figure to read. Peak memory is the process's peak resident set size
(VmHWM) during each phase, reset between phases through /proc/self/clear_refs, so GEOS's C
allocations count too (tracemalloc would miss them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from pyproj import Geod  # noqa: E402
from shapely.geometry import shape  # noqa: E402
from shapely.ops import unary_union  # noqa: E402
from shapely.validation import make_valid  # noqa: E402

from guarantor.sources.snapshots import ReadOptions, scan_snapshots  # noqa: E402
from guarantor.territory.boundaries import load_units  # noqa: E402
from guarantor.territory.cache import HistoryCache  # noqa: E402
from guarantor.territory.history import build_history  # noqa: E402

UNITS = "boundaries/derived_geoBoundaries-UKR-ADM1_clipped_to_NE_land.geojson"


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _members(archive: Path, limit: int | None) -> list[tuple[str, bytes]]:
    """The daily files in name (= date) order, read from the archive in place."""
    out = []
    with tarfile.open(archive, "r|*") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".geojson"):
                handle = tar.extractfile(member)
                assert handle is not None
                out.append((member.name, handle.read()))
    out.sort()
    return out[:limit] if limit else out


def baseline(archive: Path, units_file: Path, limit: int | None) -> dict[str, object]:
    """The naive way: json.load, shape, make_valid, unary_union, difference, pyproj area, per unit."""
    geod = Geod(ellps="WGS84")

    def area(geom: shapely.Geometry) -> float:
        return abs(geod.geometry_area_perimeter(geom)[0]) / 1e6

    units = json.loads(units_file.read_text())["features"]
    unit_geoms = [make_valid(shape(f["geometry"])) for f in units]
    areas, gained, lost, per_unit = [], [], [], []
    previous = None
    for _, data in _members(archive, limit):
        doc = json.loads(data)
        geom = unary_union([make_valid(shape(f["geometry"])) for f in doc["features"]])
        areas.append(area(geom))
        if previous is not None:
            gained.append(area(geom.difference(previous)))
            lost.append(area(previous.difference(geom)))
        else:
            gained.append(0.0)
            lost.append(0.0)
        per_unit.append(
            [area(u.intersection(geom)) if u.intersects(geom) else 0.0 for u in unit_geoms]
        )
        previous = geom
    return {
        "area": np.array(areas),
        "gained": np.array(gained),
        "lost": np.array(lost),
        "units": np.array(per_unit),
    }


def project(archive: Path, units_file: Path, limit: int | None) -> dict[str, object]:
    """guarantor: tar read in place, equal-area plane, local overlays, running per-unit sums."""
    units = load_units(units_file)
    series = scan_snapshots(archive, ReadOptions())
    if limit:
        series.entries = series.entries[:limit]
    history = build_history(series, units=units)
    assert history.unit_controlled is not None
    return {
        "area": np.array([r.area_km2 for r in history.records]),
        "gained": np.array([r.gained_km2 for r in history.records]),
        "lost": np.array([r.lost_km2 for r in history.records]),
        "units": history.unit_controlled,
    }


def add_one_day(
    archive: Path, units_file: Path, limit: int | None
) -> tuple[float, float, float, float, int]:
    """Process all days but the last into a cache, then time adding the last one (folder source)."""
    units = load_units(units_file)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "days"
        folder.mkdir()
        members = _members(archive, limit)
        for name, data in members[:-1]:
            (folder / Path(name).name).write_bytes(data)
        with HistoryCache(Path(tmp) / "cache.sqlite") as cache:
            build_history(scan_snapshots(folder), units=units, cache=cache)
        name, data = members[-1]
        (folder / Path(name).name).write_bytes(data)
        start, cpu = time.perf_counter(), time.process_time()
        with HistoryCache(Path(tmp) / "cache.sqlite") as cache:
            history = build_history(scan_snapshots(folder), units=units, cache=cache)
        added, added_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        with HistoryCache(Path(tmp) / "cache.sqlite") as cache:
            build_history(scan_snapshots(folder), units=units, cache=cache)
        unchanged, unchanged_cpu = time.perf_counter() - start, time.process_time() - cpu
        shutil.rmtree(folder)
    return added, added_cpu, unchanged, unchanged_cpu, history.stats.pairs_computed


def main() -> None:
    """Run both, print times, peak memory, the ratio and the agreement of the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 60 days only (smoke run)")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    archives = sorted((args.data / "frontline").glob("deepstate_cyterat_daily_*.tar.xz"))
    if not archives:
        sys.exit(
            f"no cyterat archive under {args.data}/frontline (see ../shared/data/PROVENANCE.md)"
        )
    archive, units_file = archives[-1], args.data / UNITS
    limit = 60 if args.quick else None

    _reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    ours = project(archive, units_file, limit)
    t_project, c_project, m_project = (
        time.perf_counter() - start,
        time.process_time() - cpu,
        _peak_mb(),
    )

    _reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    naive = baseline(archive, units_file, limit)
    t_base, c_base, m_base = time.perf_counter() - start, time.process_time() - cpu, _peak_mb()

    added, added_cpu, unchanged, unchanged_cpu, pairs = add_one_day(archive, units_file, limit)
    days = len(ours["area"])  # type: ignore[arg-type]
    d_area = np.abs(ours["area"] - naive["area"])  # type: ignore[operator]
    d_gain = np.abs(ours["gained"] - naive["gained"])  # type: ignore[operator]
    d_loss = np.abs(ours["lost"] - naive["lost"])  # type: ignore[operator]
    d_unit = np.abs(ours["units"] - naive["units"])  # type: ignore[operator]
    print(f"cyterat history: {days} days from {archive.name}")
    print(f"{'':28}{'wall s':>10}{'CPU s':>10}{'peak RSS MB':>14}")
    print(f"{'guarantor':28}{t_project:10.2f}{c_project:10.2f}{m_project:14.0f}")
    print(f"{'naive baseline':28}{t_base:10.2f}{c_base:10.2f}{m_base:14.0f}")
    print(
        f"speed-up (baseline / guarantor): {t_base / t_project:.1f}x wall, {c_base / c_project:.1f}x CPU"
    )
    print(
        f"add one day to a processed history (folder, cache): {added * 1000:.0f} ms wall, "
        f"{added_cpu * 1000:.0f} ms CPU ({pairs} pair computed)"
    )
    print(
        f"re-run with nothing new (folder, cache): {unchanged * 1000:.0f} ms wall, "
        f"{unchanged_cpu * 1000:.0f} ms CPU"
    )
    print("agreement, equal-area plane (guarantor) vs geodesic WGS84 (baseline):")
    print(
        f"  area per day     max |diff| {d_area.max():.3f} km2 (relative {np.max(d_area / naive['area']):.1e})"
    )  # type: ignore[operator]
    print(
        f"  gained per day   max |diff| {d_gain.max():.3f} km2, total {naive['gained'].sum():.1f} vs {ours['gained'].sum():.1f}"
    )  # type: ignore[union-attr]
    print(
        f"  lost per day     max |diff| {d_loss.max():.3f} km2, total {naive['lost'].sum():.1f} vs {ours['lost'].sum():.1f}"
    )  # type: ignore[union-attr]
    print(f"  per unit per day max |diff| {d_unit.max():.3f} km2")


if __name__ == "__main__":
    main()
