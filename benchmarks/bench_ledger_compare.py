"""The ledger benchmark on two versions of the code in one session: a baseline revision (default
`main`) against this checkout, alternating, so that both see the same machine and load.

Each round runs benchmarks/bench_ledger.py (this checkout's script) once with the baseline's
`src` (extracted with `git archive` into a temporary folder) and once with this checkout's, on the
same data; then prints the median of every write and read figure per version and the ratio
(this checkout / baseline). Issue 20's goal: write and read figures unchanged within 10 %.

    .venv/bin/python benchmarks/bench_ledger_compare.py                      # 3 rounds, full size
    .venv/bin/python benchmarks/bench_ledger_compare.py --quick --rounds 2   # smoke size
    .venv/bin/python benchmarks/bench_ledger_compare.py --baseline 530cc78
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def extract(revision: str, into: Path) -> Path:
    """The revision's tree in a folder (git archive), its `src` returned."""
    archive = into / "baseline.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), revision], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "baseline", filter="data")
    return into / "baseline" / "src"


def figures(doc: dict[str, Any]) -> dict[str, float]:
    """The figures compared: throughput (higher is better) and CPU per request (lower is better)."""
    out: dict[str, float] = {}
    for r in doc["reads"]:
        out[f"{r['db']} read {r['endpoint']} req/s"] = r["rps"]
        out[f"{r['db']} read {r['endpoint']} srv CPU ms"] = r["server_cpu_ms"]
    for r in doc["mixed"]:
        out[f"{r['db']} read {r['endpoint']} req/s"] = r["rps"]
    for r in doc["writes"]:
        out[f"{r['db']} write {r['what']} rec/s"] = r["rps"]
        if "server_cpu_ms" in r:
            out[f"{r['db']} write {r['what']} srv CPU ms"] = r["server_cpu_ms"]
    for name, ms in doc["app_cpu"].items():
        out[f"ASGI app {name} CPU ms (in process)"] = ms
    for db, ms in doc["rebuild"].items():
        out[f"{db} summary after one record, incremental ms"] = ms["incremental"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", default="main", help="git revision to compare against")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="bench_ledger's smoke size")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="guarantor-ledger-compare-")
    folder = Path(tmp.name)
    versions = {"baseline": extract(args.baseline, folder), "this": REPO / "src"}
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "this": []}
    print(
        f"baseline {args.baseline}; {args.rounds} rounds; load average before {os.getloadavg()[0]:.2f}"
    )
    for n in range(args.rounds):
        for label, src in versions.items():
            out = folder / f"{label}-{n}.json"
            cmd = [sys.executable, str(REPO / "benchmarks" / "bench_ledger.py"), "--json", str(out)]
            env = {**os.environ, "GUARANTOR_BENCH_SRC": str(src)}
            load = os.getloadavg()[0]
            subprocess.run([*cmd, *(["--quick"] if args.quick else [])], env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            runs[label].append(figures(json.loads(out.read_text())))
            print(f"round {n + 1} {label}: done (load average at start {load:.2f})", flush=True)
    print(f"\n{'figure':<72} {'baseline':>10} {'this':>10} {'ratio':>7}")
    for key in runs["this"][0]:
        base = statistics.median(r[key] for r in runs["baseline"])
        this = statistics.median(r[key] for r in runs["this"])
        print(f"{key:<72} {base:>10.2f} {this:>10.2f} {this / base:>7.2f}")
    print("(ratio = this / baseline: above 1 is better for req/s and rec/s, below 1 for ms)")
    print(f"load average after {os.getloadavg()[0]:.2f}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
