"""Hostile territory inputs: oversized members and files, impossible coordinates, cut-off or damaged
archives. Each is refused with where it is and a data-problem exit code, before it is read whole."""

from __future__ import annotations

import gzip
import io
import lzma
import subprocess
import sys
import tarfile
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guarantor.errors import UserError
from guarantor.sources.archive import MIB, ArchiveReader, ReadLimits
from guarantor.sources.geojson_snapshot import parse_snapshot_document
from guarantor.sources.snapshots import ReadOptions, SnapshotKind, scan_snapshots
from guarantor.territory.store import open_series

SQUARE = [[[33.0, 48.0], [33.1, 48.0], [33.1, 48.1], [33.0, 48.1], [33.0, 48.0]]]


def _fc(*rings: object) -> bytes:
    return orjson.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "Окуповано /// Occupied"},
                    "geometry": {"type": "Polygon", "coordinates": ring},
                }
                for ring in rings
            ],
        }
    )


def _tar_bytes(members: list[tuple[str, bytes]], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class _Zeros(io.RawIOBase):
    """`size` zero bytes, produced as they are read (nothing held in memory)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def _bomb(path: Path, member_size: int, compress: str = "xz") -> Path:
    """A small compressed tar holding one huge member of zeros, written as a stream."""
    with tarfile.open(path, f"w:{compress}") as archive:
        info = tarfile.TarInfo("daily/deepstatemap_data_20250101.geojson")
        info.size = member_size
        archive.addfile(info, _Zeros(member_size))  # type: ignore[arg-type]
    return path


def test_a_member_above_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.tar.xz", 48 * MIB)
    assert bomb.stat().st_size < 200_000  # tiny on disk, large unpacked
    limits = ReadLimits(max_file_bytes=4 * MIB)
    with pytest.raises(UserError) as err:
        scan_snapshots(bomb, ReadOptions(limits=limits))
    text = str(err.value)
    assert "bomb.tar.xz:daily/deepstatemap_data_20250101.geojson" in text
    assert "48.0 MiB is above the limit of 4.0 MiB" in text and err.value.exit_code == 3
    with pytest.raises(UserError, match="above the limit"):
        open_series(bomb, ReadOptions(limits=limits), folder=tmp_path / "stores")


def test_the_default_limit_refuses_a_1_gib_member_unread(tmp_path: Path) -> None:
    # Only the header is written: the refusal comes from the member's declared size.
    header = _tar_bytes([("x/deepstatemap_data_20250101.geojson", b"")])[:512]
    info = tarfile.TarInfo("x/deepstatemap_data_20250101.geojson")
    info.size = 1 << 30
    target = tmp_path / "huge.tar.gz"
    target.write_bytes(gzip.compress(info.tobuf() + bytes(1024)))
    assert header  # the plain header layout is what tarfile writes
    with pytest.raises(UserError, match=r"1\.0 GiB is above the limit of 64\.0 MiB") as err:
        ArchiveReader(target).index()
    assert err.value.exit_code == 3


def test_a_file_above_the_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "deepstatemap_data_20250101.geojson"
    big.write_bytes(_fc(SQUARE) + b" " * (2 * MIB))
    with pytest.raises(UserError, match="above the limit") as err:
        scan_snapshots(big, ReadOptions(limits=ReadLimits(max_file_bytes=MIB)))
    assert str(big) in str(err.value)


@pytest.mark.parametrize("mode", ["w:xz", "w:gz", "w:bz2", "w"])
def test_a_cut_off_archive_is_a_located_error(tmp_path: Path, mode: str) -> None:
    members = [(f"d/deepstatemap_data_202501{d:02d}.geojson", _fc(SQUARE)) for d in range(1, 9)]
    whole = _tar_bytes(members, mode)
    suffix = {"w:xz": ".tar.xz", "w:gz": ".tar.gz", "w:bz2": ".tar.bz2", "w": ".tar"}[mode]
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(UserError) as err:
        series = scan_snapshots(cut)
        for entry in series.entries:
            entry.parsed()
    assert str(cut) in str(err.value) and "truncated or corrupt" in str(err.value)
    assert err.value.exit_code == 3
    with pytest.raises(UserError, match="truncated or corrupt"):
        open_series(cut, folder=tmp_path / "stores")


def test_damaged_bytes_inside_a_compressed_archive_are_caught(tmp_path: Path) -> None:
    members = [(f"d/deepstatemap_data_202501{d:02d}.geojson", _fc(SQUARE)) for d in range(1, 9)]
    whole = bytearray(_tar_bytes(members, "w:gz"))
    whole[len(whole) // 2] ^= 0xFF
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(bytes(whole))
    with pytest.raises(UserError, match="truncated or corrupt") as err:
        open_series(bad, folder=tmp_path / "stores")
    assert err.value.exit_code == 3


@pytest.mark.parametrize(
    ("ring", "message"),
    [
        ([[1e300, 48.0], [33.1, 48.0], [33.1, 48.1], [1e300, 48.0]], "longitude outside"),
        ([[33.0, 95.0], [33.1, 95.0], [33.1, 95.5], [33.0, 95.0]], "latitude outside"),
        ([[-200.0, 48.0], [33.1, 48.0], [33.1, 48.1], [-200.0, 48.0]], "longitude outside"),
    ],
)
def test_impossible_coordinates_are_refused_with_their_feature(
    ring: list[list[float]], message: str
) -> None:
    for kind_layers in (None, ("Occupied",)):
        with pytest.raises(UserError, match=message) as err:
            parse_snapshot_document(_fc(SQUARE, [ring]), "f.geojson", layers=kind_layers)
        assert "f.geojson: feature 1" in str(err.value) and err.value.exit_code == 3


def test_infinite_coordinates_are_refused() -> None:
    text = _fc(SQUARE).replace(b"33.1,48.0", b"1e999,48.0")
    with pytest.raises(UserError) as err:
        parse_snapshot_document(text, "inf.geojson")
    assert "inf.geojson" in str(err.value) and err.value.exit_code == 3


def test_a_raw_dump_with_a_far_away_polygon_is_reported_not_measured(tmp_path: Path) -> None:
    karelia = [[[32.0, 63.0], [34.0, 63.0], [34.0, 65.0], [32.0, 63.0]]]
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "1722977162.geojson").write_bytes(_fc(SQUARE, karelia))
    series = open_series(folder, ReadOptions(), folder=tmp_path / "stores")
    parsed = series.entries[0].parsed()
    assert series.entries[0].kind == SnapshotKind.raw
    assert parsed.dropped_outside == 1 and "feature 1" in parsed.outside[0]
    assert parsed.geometry.bounds[3] < 49  # only the square is measured


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=0, max_size=2000))
def test_random_bytes_never_crash_the_parser(data: bytes) -> None:
    for layers in (None, ("Occupied",)):
        try:
            parse_snapshot_document(data, "junk.geojson", layers=layers)
        except UserError as err:
            assert "junk.geojson" in str(err)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=False, allow_infinity=False, width=64),
            st.floats(allow_nan=False, allow_infinity=False, width=64),
        ),
        min_size=3,
        max_size=8,
    )
)
def test_any_coordinates_are_measured_or_refused_with_their_place(
    points: list[tuple[float, float]],
) -> None:
    ring = [list(p) for p in points] + [list(points[0])]
    try:
        parsed = parse_snapshot_document(_fc(SQUARE, [ring]), "any.geojson")
    except UserError as err:
        assert "any.geojson" in str(err)
        return
    minx, miny, maxx, maxy = parsed.geometry.bounds
    assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def test_the_cli_exits_3_without_a_traceback_on_a_cut_off_archive(tmp_path: Path) -> None:
    members = [(f"d/deepstatemap_data_202501{d:02d}.geojson", _fc(SQUARE)) for d in range(1, 5)]
    whole = _tar_bytes(members, "w:xz")
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(whole[: len(whole) // 2])
    result = subprocess.run(
        [sys.executable, "-m", "guarantor.cli", "territory", "area", "--territory", str(cut)],
        capture_output=True,
        text=True,
        env={"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert "cut.tar.xz" in result.stderr and "truncated or corrupt" in result.stderr


def test_lzma_bombs_are_small_on_disk(tmp_path: Path) -> None:
    # The shape of the hostile file the issue names: a small .tar.xz unpacking to much more.
    bomb = _bomb(tmp_path / "b.tar.xz", 64 * MIB)
    assert bomb.stat().st_size < 64 * MIB / 100
    with lzma.open(bomb) as handle:
        assert handle.read(512)[:5] == b"daily"


def test_a_damaged_tar_header_is_not_taken_for_the_end(tmp_path: Path) -> None:
    members = [(f"d/deepstatemap_data_202501{d:02d}.geojson", _fc(SQUARE)) for d in range(1, 9)]
    whole = bytearray(_tar_bytes(members))
    whole[4 * 1024 + 100] ^= 0xFF  # inside the fifth member's header
    bad = tmp_path / "bad.tar"
    bad.write_bytes(bytes(whole))
    with pytest.raises(UserError, match="damaged tar header") as err:
        scan_snapshots(bad)
    assert err.value.exit_code == 3


def test_a_far_away_part_with_swapped_axes_is_refused_in_a_daily_file() -> None:
    swapped = [[[48.0, 33.0], [48.0, 33.1], [48.1, 33.1], [48.0, 33.0]]]
    with pytest.raises(UserError, match=r"\(lat, lon\) order") as err:
        parse_snapshot_document(_fc(SQUARE, swapped), "d.geojson")
    assert "d.geojson: feature 1" in str(err.value)
