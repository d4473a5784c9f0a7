"""Benchmark: the whole war, 2022-04 .. 2026-08, from the raw DeepState dumps and the cyterat files.

Run: .venv/bin/python benchmarks/bench_territory_war.py [--quick] [--skip-current] [--data DIR]

Every phase runs in its own process (so that peak memory, VmHWM, is the phase's own, GEOS included,
and each cold phase starts with an empty store and cache), in one run, side by side:

* guarantor: the snapshot store (built on the first read, in worker processes), the daily
  timeline (per day the cyterat file, else the last raw dump of the day), daily gross changes and
  per-oblast control computed only where two days differ, in worker processes;
* the current code: the code before this work (git revision CURRENT_REV), scan_snapshots +
  measure_on for one date and build_history per source for the history;
* a naive pipeline: tarfile, json.load, shape(), make_valid, unary_union, two whole-polygon
  differences per day, geodesic areas of everything, per unit intersection + geodesic area.

Wall times on the shared 2-core machine are noisy: the load average is printed with each figure,
and CPU seconds (this process and its workers) beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CURRENT_REV = "530cc78"  # main before issue 19: the "current code" this work is measured against
UNITS = "boundaries/derived_geoBoundaries-UKR-ADM1_clipped_to_NE_land.geojson"
BORDER = "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson"
ONE_DATE = "2023-06-01"
QUICK = ("2024-06-20", "2024-08-10")  # a window where both sources overlap


def _load() -> str:
    return " ".join(f"{x:.1f}" for in_ in [os.getloadavg()] for x in in_)


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _archives(data: Path) -> tuple[Path, Path]:
    frontline = data / "frontline"
    return (
        sorted(frontline.glob("deepstate_cyterat_daily_*.tar.xz"))[-1],
        sorted(frontline.glob("deepstate_danielrose_raw_*.tar.xz"))[-1],
    )


# --- phases, each run in a child process ------------------------------------------------------


def phase_one_date_guarantor(data: Path, store: Path, window: Any) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "src"))
    from guarantor.sources.snapshots import ReadOptions, parse_day
    from guarantor.territory.boundaries import load_border
    from guarantor.territory.query import snapshot_on
    from guarantor.territory.timeline import territory_sources

    _, raw = _archives(data)
    options = ReadOptions(border_file=data / BORDER, border_loader=load_border)
    sources = territory_sources([raw], options)
    answer = snapshot_on(sources, parse_day(ONE_DATE), store)
    return {"area_km2": answer.area_km2, "snapshot": answer.entry.name, "store": answer.from_store}


def phase_warm_dates_guarantor(data: Path, store: Path, window: Any) -> dict[str, Any]:
    """Build the stores, then time single-date queries on many dates (in process)."""
    sys.path.insert(0, str(REPO / "src"))
    from datetime import timedelta

    from guarantor.sources.snapshots import ReadOptions, parse_day
    from guarantor.territory.boundaries import load_border
    from guarantor.territory.query import snapshot_on
    from guarantor.territory.timeline import open_timeline, territory_sources

    cyterat, raw = _archives(data)
    options = ReadOptions(border_file=data / BORDER, border_loader=load_border)
    sources = territory_sources([cyterat, raw], options)
    open_timeline(sources, store)
    first = parse_day("2022-04-10")
    times = []
    areas = []
    for k in range(40):
        when = first + timedelta(days=37 * k)
        start = time.perf_counter()
        answer = snapshot_on(sources, when, store)
        times.append(time.perf_counter() - start)
        areas.append(answer.area_km2)
    times.sort()
    return {
        "queries": len(times),
        "median_ms": 1000 * times[len(times) // 2],
        "max_ms": 1000 * times[-1],
        "first_area_km2": areas[0],
    }


def phase_history_guarantor(data: Path, store: Path, window: Any) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "src"))
    from guarantor.sources.snapshots import ReadOptions
    from guarantor.territory.boundaries import load_border, load_units
    from guarantor.territory.cache import HistoryCache
    from guarantor.territory.history import build_history
    from guarantor.territory.timeline import open_timeline, territory_sources

    cyterat, raw = _archives(data)
    options = ReadOptions(border_file=data / BORDER, border_loader=load_border)
    units = load_units(data / UNITS)
    sources = territory_sources([cyterat, raw], options)
    timeline = open_timeline(sources, store)
    if window:
        timeline.picks = [p for p in timeline.picks if window[0] <= p.day.isoformat() <= window[1]]
    with HistoryCache(store / "history.sqlite") as cache:
        history = build_history(timeline.as_series(), options, units, cache)
    assert history.unit_controlled is not None
    return {
        "days": [r.taken_at.date().isoformat() for r in history.records],
        "names": [r.name for r in history.records],
        "area": [r.area_km2 for r in history.records],
        "gained": [r.gained_km2 for r in history.records],
        "lost": [r.lost_km2 for r in history.records],
        "units": history.unit_controlled.tolist(),
        "computed": history.stats.pairs_computed,
        "from_cache": history.stats.from_cache,
    }


def phase_naive(data: Path, store: Path, window: Any) -> dict[str, Any]:
    """json.load, shape, make_valid, unary_union; whole-polygon overlays; geodesic areas."""
    import tarfile
    from datetime import UTC, datetime

    from pyproj import Geod
    from shapely.geometry import shape
    from shapely.ops import unary_union
    from shapely.validation import make_valid

    sys.path.insert(0, str(REPO / "src"))
    from guarantor.sources.geojson_snapshot import DEFAULT_LAYERS, english_layer_name

    geod = Geod(ellps="WGS84")

    def area(geom: Any) -> float:
        return abs(geod.geometry_area_perimeter(geom)[0]) / 1e6

    cyterat, raw = _archives(data)
    border = unary_union(
        [
            make_valid(shape(f["geometry"]))
            for f in json.loads((data / BORDER).read_text())["features"]
        ]
    )
    unit_geoms = [
        make_valid(shape(f["geometry"])) for f in json.loads((data / UNITS).read_text())["features"]
    ]
    # The days: the cyterat file of the day, else the last raw dump of the day.
    plan: dict[str, tuple[int, Path, str, str]] = {}
    for rank, archive in ((0, cyterat), (1, raw)):
        with tarfile.open(archive, "r:*") as tar:
            for member in tar.getmembers():
                name = member.name.rsplit("/", 1)[-1]
                if not name.endswith(".geojson"):
                    continue
                if rank == 0:
                    digits = name.rsplit("_", 1)[-1][:8]
                    day = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
                    taken = day + "T03:00"
                else:
                    stamp = datetime.fromtimestamp(int(name.split(".")[0]), tz=UTC)
                    day, taken = stamp.date().isoformat(), stamp.isoformat()
                if window and not window[0] <= day <= window[1]:
                    continue
                known = plan.get(day)
                if known is None or rank < known[0] or (rank == known[0] and taken > known[3]):
                    plan[day] = (rank, archive, member.name, taken)

    def geometry_of(archive: Path, data_bytes: bytes) -> Any:
        doc = json.loads(data_bytes)
        parts = []
        for feature in doc["features"]:
            g = feature.get("geometry")
            if not g or g["type"] not in ("Polygon", "MultiPolygon", "GeometryCollection"):
                continue
            if archive == raw:
                label = english_layer_name(str((feature.get("properties") or {}).get("name", "")))
                if label not in DEFAULT_LAYERS:
                    continue
            geom = make_valid(shape(g))
            if archive == raw and not border.intersects(geom):
                continue
            parts.append(geom)
        merged = unary_union(parts)
        polys = [
            p
            for p in getattr(merged, "geoms", [merged])
            if p.geom_type in ("Polygon", "MultiPolygon")
        ]
        return unary_union(polys)

    # Each archive is read once in stored order; each chosen file is parsed as it is read.
    geoms: dict[str, Any] = {}
    for archive in (raw, cyterat):
        chosen = {n: d for d, (_, a, n, _) in plan.items() if a == archive}
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if member.name in chosen:
                    handle = tar.extractfile(member)
                    assert handle is not None
                    geoms[chosen[member.name]] = geometry_of(archive, handle.read())
    days_sorted = sorted(plan)
    areas, gained, lost, per_unit = [], [], [], []
    previous = None
    for day in days_sorted:
        geom = geoms.pop(day)
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
    return {"days": days_sorted, "area": areas, "gained": gained, "lost": lost, "units": per_unit}


CURRENT_ONE_DATE = """
import sys, json
from pathlib import Path
from guarantor.sources.snapshots import ReadOptions, scan_snapshots, parse_day
from guarantor.territory.boundaries import load_border
from guarantor.territory.inputs import measure_on
data = Path(sys.argv[1]); raw = Path(sys.argv[2])
options = ReadOptions(border=load_border(data / "{border}"))
series = scan_snapshots(raw, options)
m = measure_on(series, parse_day("{day}"), options)
print(json.dumps({{"area_km2": m.area_km2, "snapshot": m.entry.name}}))
"""

CURRENT_HISTORY = """
import sys, json
from pathlib import Path
from guarantor.sources.snapshots import ReadOptions, scan_snapshots, parse_day
from guarantor.territory.boundaries import load_border, load_units
from guarantor.territory.history import build_history
data = Path(sys.argv[1]); units = load_units(data / "{units}")
window = json.loads(sys.argv[4])
options = ReadOptions(border=load_border(data / "{border}"))
out = {{}}
for archive in sys.argv[2:4]:
    series = scan_snapshots(Path(archive), options)
    if window:
        series.entries = series.between(parse_day(window[0]).replace(hour=0), parse_day(window[1]))
    history = build_history(series, options, units)
    out[Path(archive).name] = len(history.records)
print(json.dumps(out))
"""


def _current_tree(tmp: Path) -> Path:
    """The code of CURRENT_REV, unpacked from git (nothing changes in the checkout)."""
    target = tmp / "current"
    if (target / "src").exists():
        return target / "src"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", CURRENT_REV, "src/guarantor"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def phase_current(kind: str, data: Path, tmp: Path, window: Any) -> dict[str, Any]:
    cyterat, raw = _archives(data)
    src = _current_tree(tmp)
    env = {**os.environ, "PYTHONPATH": str(src), "XDG_CACHE_HOME": str(tmp / "xdg")}
    if kind == "one_date":
        code = CURRENT_ONE_DATE.format(border=BORDER, day=ONE_DATE)
        args = [str(data), str(raw)]
    else:
        code = CURRENT_HISTORY.format(border=BORDER, units=UNITS)
        args = [str(data), str(raw), str(cyterat), json.dumps(window)]
    start, cpu = time.perf_counter(), _cpu()
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True
    )
    return {
        "wall": time.perf_counter() - start,
        "cpu": _cpu() - cpu,
        "peak_mb": _children_peak_mb(),
        "result": json.loads(out.stdout.strip().splitlines()[-1]),
    }


PHASES = {
    "one_date": phase_one_date_guarantor,
    "warm_dates": phase_warm_dates_guarantor,
    "history": phase_history_guarantor,
    "naive": phase_naive,
}


def _child(name: str, data: Path, store: Path, window: Any) -> None:
    start, cpu = time.perf_counter(), _cpu()
    result = PHASES[name](data, store, window)
    print(
        json.dumps(
            {
                "wall": time.perf_counter() - start,
                "cpu": _cpu() - cpu,
                "peak_mb": max(_peak_mb(), _children_peak_mb()),
                "result": result,
            }
        )
    )


def run(name: str, data: Path, store: Path, window: Any) -> dict[str, Any]:
    """One phase in a fresh process; its JSON line back."""
    load = _load()
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            name,
            "--data",
            str(data),
            "--store",
            str(store),
            "--window",
            json.dumps(window),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "XDG_CACHE_HOME": str(store / "xdg")},
    )
    doc: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    doc["load"] = load
    return doc


def cli_wall(args: list[str], store: Path) -> tuple[float, str]:
    load = _load()
    start = time.perf_counter()
    subprocess.run(
        [str(REPO / ".venv/bin/guarantor"), *args],
        check=True,
        capture_output=True,
        env={**os.environ, "XDG_CACHE_HOME": str(store / "xdg")},
    )
    return time.perf_counter() - start, load


def _line(name: str, doc: dict[str, Any]) -> str:
    return (
        f"{name:34}{doc['wall']:10.2f}{doc['cpu']:10.2f}{doc['peak_mb']:12.0f}   load {doc['load']}"
    )


def main() -> None:
    """Run every phase and print the table, the ratios and the agreement of the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"history over {QUICK} only")
    parser.add_argument("--skip-current", action="store_true", help="leave out the current code")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--window", default="null", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _child(args.phase, args.data, args.store, json.loads(args.window))
        return
    try:
        _archives(args.data)
    except IndexError:
        sys.exit(f"no DeepState archives under {args.data}/frontline (see PROVENANCE.md)")
    window = list(QUICK) if args.quick else None
    print(f"machine: {os.cpu_count()} cores; load average at start {_load()}")
    print(f"{'':34}{'wall s':>10}{'CPU s':>10}{'peak MB':>12}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cold = tmp / "cold"
        cold.mkdir()
        one = run("one_date", args.data, cold, window)
        print(_line(f"one date {ONE_DATE}, raw, cold", one))
        cli_cold, cli_load = cli_wall(
            ["territory", "area", "--territory", str(_archives(args.data)[1]), "--on", ONE_DATE],
            cold,
        )
        print(f"{'  the same through the CLI':34}{cli_cold:10.2f}{'':22}   load {cli_load}")
        current_one = None
        if not args.skip_current:
            current_one = phase_current("one_date", args.data, tmp, window)
            current_one["load"] = _load()
            print(_line("  current code", current_one))
        store = tmp / "store"
        store.mkdir()
        hist = run("history", args.data, store, window)
        print(_line("history, both sources, cold", hist))
        warm = run("history", args.data, store, window)
        print(_line("history, both sources, warm", warm))
        (tmp / "naive").mkdir()
        naive = run("naive", args.data, tmp / "naive", window)
        print(_line("history, naive pipeline", naive))
        current_hist = None
        if not args.skip_current:
            current_hist = phase_current("history", args.data, tmp, window)
            current_hist["load"] = _load()
            print(_line("history, current code (per source)", current_hist))
        dates = run("warm_dates", args.data, store, window)
        r = dates["result"]
        print(
            f"one date, warm store, in process: median {r['median_ms']:.1f} ms, max "
            f"{r['max_ms']:.1f} ms over {r['queries']} dates   load {dates['load']}"
        )
        walls = []
        for day in ("2022-05-01", "2023-06-01", "2025-08-15"):
            wall, load = cli_wall(
                [
                    "territory",
                    "area",
                    "--territory",
                    str(_archives(args.data)[0]),
                    "--territory",
                    str(_archives(args.data)[1]),
                    "--on",
                    day,
                    "--store",
                    str(store),
                ],
                store,
            )
            walls.append(wall)
        print(f"one date, warm store, CLI: {', '.join(f'{w:.2f}' for w in walls)} s   load {load}")
        startup, load = cli_wall(["version"], store)
        print(f"  (the guarantor CLI's own start-up, `guarantor version`: {startup:.2f} s)")
    ours, base = hist["result"], naive["result"]
    print(f"days: {len(ours['days'])} (naive {len(base['days'])})")
    print(
        f"speed-up cold history, naive / guarantor: {naive['wall'] / hist['wall']:.1f}x wall, "
        f"{naive['cpu'] / hist['cpu']:.1f}x CPU"
    )
    if current_hist:
        print(
            f"speed-up cold history, current / guarantor: {current_hist['wall'] / hist['wall']:.1f}x "
            f"wall, {current_hist['cpu'] / hist['cpu']:.1f}x CPU"
        )
    if current_one:
        print(
            f"speed-up one date cold, current / guarantor: {current_one['wall'] / one['wall']:.1f}x wall"
        )
    if ours["days"] == base["days"]:
        import numpy as np

        d_area = np.abs(np.array(ours["area"]) - np.array(base["area"]))
        d_gain = np.abs(np.array(ours["gained"]) - np.array(base["gained"]))
        d_loss = np.abs(np.array(ours["lost"]) - np.array(base["lost"]))
        d_unit = np.abs(np.array(ours["units"]) - np.array(base["units"]))
        print(
            "agreement, guarantor (edges straight in lon/lat, geodesic) vs naive (edges as geodesics):"
        )
        print(
            f"  area per day     max |diff| {d_area.max():.3f} km2 (relative {np.max(d_area / np.array(base['area'])):.1e})"
        )
        print(
            f"  gained per day   max |diff| {d_gain.max():.3f} km2, total {sum(base['gained']):.1f} vs {sum(ours['gained']):.1f}"
        )
        print(
            f"  lost per day     max |diff| {d_loss.max():.3f} km2, total {sum(base['lost']):.1f} vs {sum(ours['lost']):.1f}"
        )
        print(f"  per unit per day max |diff| {d_unit.max():.3f} km2")
    else:
        print("the two pipelines chose different days: no agreement check")
    print(f"load average at end {_load()}")


if __name__ == "__main__":
    main()
