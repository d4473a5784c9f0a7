"""Benchmark of the report room: report generation, and the dashboard in headless Chromium.

Project vs baseline, in the same run:
- report: `guarantor report` for the demo's inputs (one process, all sections) against the
  baseline of `guarantor replay` alone on the same snapshots (the largest single piece it contains);
- dashboard: first meaningful render with the whole DeepState history loaded, and slider steps with
  the precomputed simplified layers against full-resolution geometry fetched and drawn per step.

    .venv/bin/python benchmarks/bench_report.py            # real data (../shared/data)
    .venv/bin/python benchmarks/bench_report.py --quick    # SYNTHETIC scenario, small
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
AGREEMENT = REPO / "examples" / "agreements" / "aug2025_article5_like.yaml"
SNAPSHOTS = DATA / "frontline" / "deepstate_cyterat_daily_2024-07-08_2026-08-22.tar.xz"
BORDER = DATA / "boundaries" / "naturalearth_10m_ukraine_admin0_deu_pov.geojson"
KIEL = DATA / "aid_kiel_ust" / "data_explorer.csv"
EVENTS = DATA / "events" / "ucdp_ged_ukraine_2014-2023Q1_peacerep.csv.gz"
NEGOTIATION = REPO / "examples" / "negotiation" / "ukraine-2025.yaml"


# Runs a command and prints its own peak RSS (KB) last on stderr: RUSAGE_CHILDREN of this process
# would keep the largest child so far, not each command's.
WRAP = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr); sys.exit(r.returncode)"
)


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WRAP, *cmd], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr[-2000:]}")
    rss, cpu = done.stderr.strip().splitlines()[-1].split()
    return seconds, float(cpu), int(rss) / 1024


def bench_report(quick: bool, tmp: Path) -> None:
    gx = [sys.executable, "-m", "guarantor.cli"]
    if quick:
        from guarantor.territory.synthetic import write_synthetic

        sc = write_synthetic(tmp / "syn", days=30)
        common = ["--territory", str(sc.snapshots), "--from", "2030-01-01", "--to", "2030-01-30"]
        extra = ["--border", str(sc.border), "--trials", "500"]
    else:
        common = [
            "--territory",
            str(SNAPSHOTS),
            "--events",
            str(EVENTS),
            "--from",
            "2025-08-18",
            "--to",
            "2026-08-22",
        ]
        extra = [
            "--border",
            str(BORDER),
            "--kiel",
            str(KIEL),
            "--negotiation",
            str(NEGOTIATION),
            "--trials",
            "2000",
        ]
    out = tmp / "report.html"
    report_s, report_cpu, report_mb = timed(
        [*gx, "report", str(AGREEMENT), *common, *extra, "--out", str(out), "--format", "json"]
    )
    replay_s, replay_cpu, replay_mb = timed(
        [*gx, "replay", str(AGREEMENT), *common, "--format", "json"]
    )
    print(
        f"report (project):  {report_s:6.1f} s wall, {report_cpu:6.1f} s CPU, peak RSS {report_mb:4.0f} MB, "
        f"{out.stat().st_size / 1e6:.2f} MB HTML"
    )
    print(
        f"replay (baseline): {replay_s:6.1f} s wall, {replay_cpu:6.1f} s CPU, peak RSS {replay_mb:4.0f} MB"
    )
    print(
        f"ratio report/replay: {report_s / replay_s:.2f} wall, {report_cpu / replay_cpu:.2f} CPU "
        "(target: report < 30 s)"
    )


def bench_dashboard(quick: bool, tmp: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None or not (REPO / "web" / "node_modules" / "playwright-core").is_dir():
        print("dashboard: skipped (needs Debian chromium and `npm ci --prefix web`)")
        return
    import shapely
    import uvicorn
    from fastapi import Response

    from guarantor.api.app import create_app
    from guarantor.api.dashboard import DashboardConfig, include_dashboard
    from guarantor.ledger.database import open_engine
    from guarantor.sources.snapshots import ReadOptions, scan_snapshots

    if quick:
        from guarantor.territory.synthetic import write_synthetic

        sc = write_synthetic(tmp / "syn-dash", days=60)
        cfg = DashboardConfig(
            territory=sc.snapshots, agreement=AGREEMENT, start=date(2030, 1, 1), border=sc.border
        )
        steps = 15
    else:
        cfg = DashboardConfig(
            territory=SNAPSHOTS,
            agreement=AGREEMENT,
            start=date(2025, 8, 18),
            border=BORDER,
            basemap_dir=DATA,  # oblast lines and settlement labels
        )
        steps = 40
    cfg.cache = tmp / "dashboard-layers.sqlite"  # empty: a cold start (no cached layers)
    app = create_app(engine=open_engine(str(tmp / "ledger.sqlite")))
    started, cpu = time.perf_counter(), time.process_time()
    data = include_dashboard(
        app, cfg, background=False, progress=lambda line: print(f"  dashboard: {line}")
    )
    prepare_s, prepare_cpu = time.perf_counter() - started, time.process_time() - cpu
    series = scan_snapshots(cfg.territory)  # baseline route: full-resolution geometry per request
    options = ReadOptions()

    @app.get("/bench/raw/{index}")
    def raw(index: int) -> Response:
        return Response(
            shapely.to_geojson(series.entries[index].parsed(options).geometry),
            media_type="application/json",
        )

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    env = {
        **os.environ,
        "URL": f"http://127.0.0.1:{port}",
        "CHROMIUM": chromium,
        "WEB_DIR": str(REPO / "web"),
        "STEPS": str(steps),
    }
    done = subprocess.run(
        ["node", str(Path(__file__).with_name("bench_report_browser.mjs"))],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    server.should_exit = True
    if done.returncode != 0:
        sys.exit(done.stderr[-2000:])
    r = json.loads(done.stdout.strip().splitlines()[-1])
    snaps = len(data.prepared.snapshots)
    level0 = statistics.mean(len(data.prepared.shapes[(i, 0)]) for i in range(snaps)) / 1e3
    level2 = statistics.mean(len(data.prepared.shapes[(i, 2)]) for i in range(snaps)) / 1e3
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def q(xs: list[float], p: float) -> float:
        return sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]

    p, b = r["project_steps_ms"], r["baseline_steps_ms"]
    print(
        f"dashboard: {snaps} snapshots prepared cold (no cached layers) in {prepare_s:.1f} s wall, "
        f"{prepare_cpu:.1f} s CPU (target < 15 s); server peak RSS {rss:.0f} MB"
    )
    print(f"layer size: level 0 {level0:.1f} kB, level 2 {level2:.1f} kB per snapshot (mean)")
    ph = r["phases"]
    print(
        f"first meaningful render: {r['first_render_ms']} ms from navigation (target < 1000 ms); in the page: "
        f"HTML {ph['html_ms']:.0f} ms, DOM ready {ph['dom_ready_ms']:.0f} ms, config {ph['config_ms']:.0f} ms, "
        f"map drawn {ph['first_render_ms']:.0f} ms"
    )
    print(
        f"slider step (project):  median {statistics.median(p):6.1f} ms, p95 {q(p, 0.95):6.1f} ms over {len(p)} steps (target < 100 ms)"
    )
    print(
        f"slider step (baseline): median {statistics.median(b):6.1f} ms, p95 {q(b, 0.95):6.1f} ms (full geometry per step)"
    )
    print(f"ratio baseline/project (median): {statistics.median(b) / statistics.median(p):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="SYNTHETIC scenario, small sizes")
    parser.add_argument("--only", choices=("report", "dashboard"), default=None)
    args = parser.parse_args()
    if not args.quick and not SNAPSHOTS.exists():
        sys.exit(f"real data not found at {DATA}: use --quick")
    print(
        f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} (shared machine: timings are noisy)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        if args.only in (None, "report"):
            bench_report(args.quick, Path(tmp))
        if args.only in (None, "dashboard"):
            bench_dashboard(args.quick, Path(tmp))


if __name__ == "__main__":
    main()
