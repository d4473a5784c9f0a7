"""Benchmark: the watch's one new day end to end, beside re-running the whole replay; memory over 1,000 days.

    .venv/bin/python benchmarks/bench_watch.py              # real year (needs ../shared/data) + 1,000 days
    .venv/bin/python benchmarks/bench_watch.py --days 200   # a shorter memory run

Part 1 (real data, skipped when ../shared/data is absent): the August 2025 proposal watched from
2025-08-15 against the daily DeepState files. A year of snapshots (to 2026-08-14) is processed
first (the catch-up, timed but not the point); then the file of 2026-08-15 is published and one
tick runs end to end: read (scan the folder, parse the new file), compare (the incident walk
takes the new day), evaluate (monitor Evaluator through obligations.run_history), record (signed
records under idempotency keys in an SQLite ledger) and notify (a webhook POST to a local
receiver, HMAC-signed). Beside it, in the same run, `obligations.replay` re-runs the whole period
to the new day from the snapshots: what a cron job without a checkpoint would do. Wall and CPU
seconds of both, and the ratio.

Part 2 (SYNTHETIC, always): 1,000 simulated days fed one a day through the same watch (ledger,
checkpoint, webhook). The resident set size is sampled every 100 days; "flat" means the RSS
after day 200 grows by less than the figure printed as the budget.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import resource
import shutil
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from guarantor.monitor.geography import Geography, read_geojson_geometry
from guarantor.obligations.replay import replay
from guarantor.spec.load import load_agreement
from guarantor.watch.config import load_config
from guarantor.watch.service import Watcher

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
ARCHIVE = DATA / "frontline" / "deepstate_cyterat_daily_2024-07-08_2026-08-22.tar.xz"
BORDER = DATA / "boundaries" / "naturalearth_10m_ukraine_admin0_deu_pov.geojson"
AGREEMENT = REPO / "examples" / "agreements" / "aug2025_article5_like.yaml"
START = date(2025, 8, 15)
NEW_DAY = date(2026, 8, 15)
RSS_BUDGET_MIB = 40.0


def rss_mib() -> float:
    """The current resident set size (MiB), from /proc."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall s, CPU s) of a call."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


class Sink:
    """A local webhook receiver that counts what it got."""

    def __init__(self) -> None:
        self.records = 0
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                sink.records += len(json.loads(body)["records"])
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def config(root: Path, live: Path, border: Path, start: date, hook: str) -> Path:
    """A watch configuration in `root`."""
    (root / "data").mkdir(exist_ok=True)
    text = f"""schema: guarantor/watch@1
state: state
data: {{folder: {root / "data"}}}
ledger: {{database: ledger.sqlite, key: key.pem}}
agreements:
  - name: bench
    agreement: {AGREEMENT}
    from: {start.isoformat()}
    territory: {live}
    border: {border}
    attacks_from_territory: true
webhooks:
  - {{name: sink, url: '{hook}', secret: bench-secret, attempts: 2}}
"""
    path = root / "watch.yaml"
    path.write_text(text)
    return path


def extract_days(first: date, last: date, dest: Path) -> dict[date, Path]:
    """The daily files from `first` to `last` out of the shared archive, into `dest` (by day)."""
    out: dict[date, Path] = {}
    with tarfile.open(ARCHIVE) as archive:
        for member in archive:
            name = Path(member.name).name
            if not member.isfile() or not name.startswith("deepstatemap_data_"):
                continue
            day = datetime.strptime(name[18:26], "%Y%m%d").date()
            if first <= day <= last:
                data = archive.extractfile(member)
                assert data is not None
                target = dest / name
                target.write_bytes(data.read())
                out[day] = target
    return out


def part_one(root: Path, sink: Sink) -> dict[str, Any]:
    """A year processed, then one new day end to end, beside the whole replay."""
    staged = root / "staged"
    live = root / "live"
    staged.mkdir()
    live.mkdir()
    days = extract_days(START - timedelta(days=3), NEW_DAY, staged)
    for day, path in days.items():
        if day < NEW_DAY:
            shutil.move(path, live / path.name)
    w = Watcher(load_config(config(root, live, BORDER, START, sink.url)))
    catch_up, cu_wall, cu_cpu = timed(w.tick)
    print(
        f"catch-up: {len(days) - 1} snapshot(s) to {NEW_DAY - timedelta(days=1)}: "
        f"{cu_wall:.1f} s wall, {cu_cpu:.1f} s CPU, {sum(catch_up.recorded.values())} record(s)"
    )
    shutil.move(days[NEW_DAY], live / days[NEW_DAY].name)
    one, wall, cpu = timed(w.tick)
    assert not one.failures, one.failures
    step = w.runners["bench"]
    print(
        f"one new day ({NEW_DAY}): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU "
        f"(data through {step.state.data_through}, {sum(one.recorded.values())} record(s) added, "
        f"{sink.records} record(s) delivered in all)"
    )
    w.close()
    geo = Geography(border=read_geojson_geometry(BORDER))
    agreement = load_agreement(AGREEMENT)
    result, r_wall, r_cpu = timed(
        lambda: replay(agreement, START, NEW_DAY, (), None, geo, live, attacks_from_territory=True)
    )
    print(
        f"whole replay {START}..{NEW_DAY}: {r_wall:.1f} s wall, {r_cpu:.1f} s CPU "
        f"({len(result.monitor.activations)} activation(s))"
    )
    print(f"ratio replay / one new day: {r_wall / wall:.0f}x wall, {r_cpu / cpu:.0f}x CPU")
    return {"new_day_wall": wall, "new_day_cpu": cpu, "replay_wall": r_wall, "replay_cpu": r_cpu}


def synthetic_polygon(day: int, rng: np.random.Generator) -> bytes:
    """A SYNTHETIC held area whose front changes locally, as the real maps do.

    An advance that grows week by week for 90 days and then falls back, its place moving each
    month, and one day of map noise (a small dent) somewhere on the front every day.
    """
    lats = np.round(np.arange(46.0, 50.0001, 0.01), 2)
    x = 34.0 + 0.6 * np.sin((lats - 46.0) * 1.7)
    bulge = 0.04 + 0.08 * ((day % 90) // 7) / 13
    centre = 48.0 + 0.5 * np.sin(2 * np.pi * (day // 30) / 12)
    x -= bulge * np.exp(-(((lats - centre) / 0.15) ** 2))
    noise_at = rng.uniform(46.2, 49.8)
    x -= 0.01 * np.exp(-(((lats - noise_at) / 0.03) ** 2))
    x = np.round(x, 6)
    pairs = [[float(a), float(b)] for a, b in zip(x, lats, strict=True)]
    ring = [[36.0, 46.0], [36.0, 50.0], *pairs[::-1]]
    ring.append(ring[0])
    geom = {"type": "Polygon", "coordinates": [ring]}
    feature = {"type": "Feature", "properties": {}, "geometry": geom}
    return orjson.dumps({"type": "FeatureCollection", "features": [feature]})


def part_two(root: Path, sink: Sink, days: int) -> dict[str, Any]:
    """RSS over `days` simulated days, one tick a day."""
    live = root / "live"
    live.mkdir()
    border = root / "border.geojson"
    ring = [[30.0, 46.0], [36.0, 46.0], [36.0, 50.0], [30.0, 50.0], [30.0, 46.0]]
    border.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    start = date(2030, 1, 1)
    rng = np.random.default_rng(11)
    (live / f"deepstatemap_data_{start:%Y%m%d}.geojson").write_bytes(synthetic_polygon(0, rng))
    w = Watcher(load_config(config(root, live, border, start, sink.url)))
    samples: list[tuple[int, float, float]] = []
    with_records: list[float] = []  # CPU s of ticks that recorded (and notified) something
    quiet: list[float] = []
    t0 = time.process_time()
    for d in range(1, days + 1):
        day = start + timedelta(days=d)
        (live / f"deepstatemap_data_{day:%Y%m%d}.geojson").write_bytes(synthetic_polygon(d, rng))
        c0 = time.process_time()
        report = w.tick()
        (with_records if sum(report.recorded.values()) else quiet).append(time.process_time() - c0)
        assert not report.failures, report.failures
        if d % 100 == 0 or d == 1:
            samples.append((d, rss_mib(), time.process_time() - t0))
            print(
                f"  day {d:>5}: RSS {samples[-1][1]:7.1f} MiB, {samples[-1][2]:6.1f} CPU s so far"
            )
    w.close()
    for label, ticks in (("that recorded and notified", with_records), ("with nothing new", quiet)):
        if ticks:
            print(
                f"ticks {label}: {len(ticks)}, CPU median {np.median(ticks) * 1000:.0f} ms, "
                f"max {max(ticks) * 1000:.0f} ms"
            )
    after = [s for s in samples if s[0] >= 200]
    growth = after[-1][1] - after[0][1] if len(after) > 1 else 0.0
    print(
        f"RSS from day {after[0][0] if after else '-'} to day {days}: {growth:+.1f} MiB "
        f"(budget {RSS_BUDGET_MIB:.0f} MiB): {'flat' if growth < RSS_BUDGET_MIB else 'GROWS'}; "
        f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    return {"rss_growth_mib": growth, "samples": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=1000, help="simulated days for the memory run")
    parser.add_argument("--skip-real", action="store_true", help="only the synthetic memory run")
    args = parser.parse_args()
    os.environ.setdefault("GUARANTOR_OFFLINE", "1")
    sink = Sink()
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        root = Path(tmp)
        if args.skip_real:
            print("part 1 skipped (--skip-real)")
        elif not ARCHIVE.exists():
            print(f"part 1 skipped: {ARCHIVE} is absent (see ../shared/data/PROVENANCE.md)")
        else:
            (root / "one").mkdir()
            part_one(root / "one", sink)
        (root / "two").mkdir()
        print(f"part 2: {args.days} SYNTHETIC days, one tick a day")
        part_two(root / "two", sink, args.days)
    sink.close()
    print(f"finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    sys.exit(main())
