"""Run every benchmark in this folder, one after another, each in its own process (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    """Run bench_*.py (pass --quick for smoke sizes) and report which failed."""
    here = Path(__file__).parent
    extra = sys.argv[1:]
    failed = []
    for script in sorted(here.glob("bench_*.py")):
        print(f"\n=== {script.name} {' '.join(extra)}", flush=True)
        code = subprocess.call([sys.executable, str(script), *extra])
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
