"""Hostile territory files: each is read by `guarantor territory` in its own process; the exit code,
any traceback and the process's peak memory are reported (issue 20, readers with limits).

Run: .venv/bin/python benchmarks/hostile_territory.py [--keep DIR]

Goal: no traceback, a non-zero exit with a located message for every file that cannot be used,
peak memory under 300 MB for any of them (a 1 GiB member inside a small .tar.xz included).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GIB = 1 << 30
SQUARE = [[33.0, 48.0], [33.1, 48.0], [33.1, 48.1], [33.0, 48.1], [33.0, 48.0]]


def fc(rings: list[object], name: str = "Окуповано /// Occupied") -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": name},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
                for ring in rings
            ],
        }
    ).encode()


class Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def tar_bytes(members: list[tuple[str, bytes]], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def make_files(folder: Path) -> list[Path]:
    """Write the hostile files; return them (each is one `--territory` source)."""
    out: list[Path] = []

    def put(name: str, data: bytes) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out.append(path)

    day = "deepstatemap_data_20250101.geojson"
    # oversized members, streamed into small archives
    for suffix, mode in (("tar.xz", "w:xz"), ("tar.gz", "w:gz"), ("tar.bz2", "w:bz2")):
        path = folder / f"bomb_1gib.{suffix}"
        size = GIB if suffix != "tar.bz2" else GIB // 4  # bz2 compresses slowly
        with tarfile.open(path, mode) as archive:
            info = tarfile.TarInfo(f"daily/{day}")
            info.size = size
            archive.addfile(info, Zeros(size))  # type: ignore[arg-type]
        out.append(path)
    header = tarfile.TarInfo(f"x/{day}")
    header.size = 8 * GIB
    put("declared_8gib.tar.gz", gzip.compress(header.tobuf() + bytes(1024)))
    put(day.replace("0101", "0102"), fc([SQUARE]) + b" " * (80 << 20))  # 80 MiB file
    # impossible coordinates
    bad_rings = {
        "lon_1e300": [[1e300, 48.0], [33.1, 48.0], [33.1, 48.1], [1e300, 48.0]],
        "lon_minus_200": [[-200.0, 48.0], [33.1, 48.0], [33.1, 48.1], [-200.0, 48.0]],
        "lat_95": [[120.0, 95.0], [120.1, 95.0], [120.1, 95.5], [120.0, 95.0]],
        "swapped": [[48.0, 33.0], [48.0, 33.1], [48.1, 33.1], [48.0, 33.0]],
    }
    for label, ring in bad_rings.items():
        put(f"{label}/deepstatemap_data_20250103.geojson", fc([SQUARE, ring]))
        put(f"{label}_raw/1722977162.geojson", fc([SQUARE, ring]))
    put(
        "inf/deepstatemap_data_20250103.geojson",
        fc([SQUARE]).replace(b"33.1, 48.0", b"1e999, 48.0"),
    )
    put("nan/deepstatemap_data_20250103.geojson", fc([SQUARE]).replace(b"33.1, 48.0", b"NaN, 48.0"))
    # not GeoJSON at all
    put("empty/deepstatemap_data_20250104.geojson", b"")
    put("garbage/deepstatemap_data_20250104.geojson", os.urandom(5000))
    put("array/deepstatemap_data_20250104.geojson", b"[1, 2, 3]")
    put("deep/deepstatemap_data_20250104.geojson", b"[" * 200_000 + b"]" * 200_000)
    put("nul/deepstatemap_data_20250104.geojson", fc([SQUARE]).replace(b"Polygon", b"Poly\x00gon"))
    put(
        "latin1/deepstatemap_data_20250104.geojson",
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Окуповано"}}]}'.encode(
            "cp1251"
        ),
    )
    put("no_layers_raw/1722977162.geojson", fc([SQUARE], name="Звільнено /// Liberated"))
    put("only_jokes_raw/1722977162.geojson", fc([[[24, 57], [25, 57], [25, 58], [24, 57]]]))
    put(
        "huge_numbers/deepstatemap_data_20250105.geojson",
        fc([SQUARE]).replace(b"33.1,", b"3" * 400 + b".1,"),
    )
    # cut-off and damaged archives
    members = [(f"d/deepstatemap_data_202501{d:02d}.geojson", fc([SQUARE])) for d in range(1, 13)]
    for suffix, mode in (
        ("tar.xz", "w:xz"),
        ("tar.gz", "w:gz"),
        ("tar.bz2", "w:bz2"),
        ("tar", "w"),
    ):
        whole = tar_bytes(members, mode)
        for cut in (0.1, 0.5, 0.9, 0.999):
            put(f"cut_{int(cut * 1000)}.{suffix}", whole[: max(1, int(len(whole) * cut))])
        for k, at in enumerate((0.3, 0.6, 0.95)):
            damaged = bytearray(whole)
            damaged[int(len(damaged) * at)] ^= 0xFF
            put(f"flip_{k}.{suffix}", bytes(damaged))
    put("not_an_archive.tar.xz", b"plain text, not xz")
    put("zero_bytes.tar.gz", b"")
    many = io.BytesIO()
    with tarfile.open(fileobj=many, mode="w:gz") as archive:
        for i in range(100_500):
            info = tarfile.TarInfo(f"m/{1_600_000_000 + i}.geojson")
            archive.addfile(info, io.BytesIO(b""))
    put("too_many_members.tar.gz", many.getvalue())
    # two different snapshots at one time
    other = [[33.0, 48.0], [33.2, 48.0], [33.2, 48.2], [33.0, 48.0]]
    put("conflict.tar", tar_bytes([(f"a/{day}", fc([SQUARE])), (f"b/{day}", fc([other]))]))
    return out


def run(source: Path, store: Path) -> dict[str, object]:
    """`guarantor territory area --territory SOURCE` in its own process: exit, traceback, peak."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        err_file, peak_file = Path(tmp) / "err", Path(tmp) / "peak"
        with err_file.open("wb") as err:
            # /usr/bin/time reports the command's own peak (a forked Python would report its
            # parent's memory as well)
            code = subprocess.run(
                [
                    "/usr/bin/time",
                    "-f",
                    "%M",
                    "-o",
                    str(peak_file),
                    str(REPO / ".venv/bin/guarantor"),
                    "territory",
                    "area",
                    "--territory",
                    str(source),
                ],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, "XDG_CACHE_HOME": str(store), "GUARANTOR_WORKERS": "1"},
                check=False,
            ).returncode
        text = err_file.read_text(errors="replace")
        peak_kb = int(peak_file.read_text().split()[-1])
    size = (
        source.stat().st_size
        if source.is_file()
        else sum(p.stat().st_size for p in source.iterdir())
    )
    return {
        "file": source.name if source.is_file() else source.name + "/",
        "size": size,
        "exit": code,
        "traceback": "Traceback" in text,
        "peak_mb": peak_kb / 1024,
        "seconds": round(time.perf_counter() - start, 1),
        "message": " ".join(text.split())[:150],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "files"
        folder.mkdir(parents=True, exist_ok=True)
        files = make_files(folder)
        sources = sorted({f if f.parent == folder else f.parent for f in files})
        print(f"{len(sources)} hostile sources ({len(files)} files); load {os.getloadavg()[0]:.1f}")
        rows = [run(s, Path(tmp) / "cache") for s in sources]
    worst = max(float(r["peak_mb"]) for r in rows)  # type: ignore[arg-type]
    for r in rows:
        peak = f"{r['peak_mb']:.0f} MB"
        print(
            f"{r['file']:34} {r['size']:>11,} B  exit {r['exit']}  {peak:>10}  {r['seconds']:>5} s  {r['message'][:90]}"
        )
    print(
        f"sources: {len(rows)}; tracebacks: {sum(bool(r['traceback']) for r in rows)}; "
        f"exit 0: {sum(r['exit'] == 0 for r in rows)}; peak memory of any: {worst:.0f} MB"
    )


if __name__ == "__main__":
    sys.exit(main())
