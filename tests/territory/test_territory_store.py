"""The snapshot store: built on the first read, reused, and rebuilt or refused when it cannot be trusted."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import tarfile
from pathlib import Path

import orjson
import pytest
import shapely

from guarantor.errors import UserError
from guarantor.sources.snapshots import ReadOptions, scan_snapshots
from guarantor.territory.store import (
    FORMAT,
    PARSER,
    StoreEvent,
    open_series,
    peek_series,
    store_path,
    stored_row,
)
from guarantor.territory.synthetic import write_synthetic

OPTS = ReadOptions()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_synthetic(tmp_path_factory.mktemp("synth"), days=12)


@pytest.fixture
def folder(scenario, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    days = tmp_path / "days"
    shutil.copytree(scenario.snapshots, days)
    return days


def _tar(folder: Path, target: Path) -> Path:
    with tarfile.open(target, "w:xz") as archive:
        for file in sorted(folder.iterdir()):
            archive.add(file, arcname=f"daily/{file.name}")
    return target


def _events(series) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.split(":", 1)[0] for n in series.notes]


def test_first_read_builds_the_store_later_reads_open_it(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "stores"
    first = open_series(folder, OPTS, folder=store)
    assert _events(first) == [StoreEvent.built.value]
    assert store_path(folder, OPTS, store).exists()
    again = open_series(folder, OPTS, folder=store)
    assert again.notes == []  # opened, nothing rebuilt
    plain = scan_snapshots(folder)
    assert [e.taken_at for e in again.entries] == [e.taken_at for e in plain.entries]
    for stored, read in zip(again.entries, plain.entries, strict=True):
        assert shapely.equals(stored.parsed(OPTS).geometry, read.parsed(OPTS).geometry)
        row = stored_row(stored)
        assert row is not None and row.area_km2 > 60_000
    assert not any(p.name.endswith(".tmp") for p in store.iterdir())  # nothing half-written


def test_the_store_never_lives_in_the_checkout(folder: Path) -> None:
    path = store_path(folder, OPTS)
    assert Path(os.environ["XDG_CACHE_HOME"]) in path.parents
    repo = Path(__file__).resolve().parents[2]
    assert repo not in path.parents


def test_an_archive_store_answers_without_reading_the_archive(folder: Path, tmp_path: Path) -> None:
    archive = _tar(folder, tmp_path / "days.tar.xz")
    store = tmp_path / "stores"
    built = open_series(archive, OPTS, folder=store)
    assert len(built.entries) == 12
    assert peek_series(archive, OPTS, store) is not None
    # The store is used as long as the archive is the same file with the same bytes.
    os.utime(archive, None)
    assert peek_series(archive, OPTS, store) is not None


def test_a_changed_source_makes_the_store_stale_and_it_is_rebuilt(
    folder: Path, tmp_path: Path
) -> None:
    store = tmp_path / "stores"
    open_series(folder, OPTS, folder=store)
    last = sorted(folder.iterdir())[-1]
    first = sorted(folder.iterdir())[0]
    last.write_bytes(first.read_bytes())  # the last day now repeats the first
    assert peek_series(folder, OPTS, store) is None  # stale: not used as it is
    again = open_series(folder, OPTS, folder=store)
    assert _events(again) == [StoreEvent.stale.value]
    assert "1 snapshot file(s) new or changed" in again.notes[0]
    assert shapely.equals(
        again.entries[-1].parsed(OPTS).geometry, again.entries[0].parsed(OPTS).geometry
    )
    archive = _tar(folder, tmp_path / "days.tar.xz")
    open_series(archive, OPTS, folder=store)
    last.unlink()
    _tar(folder, archive)  # the same archive, rewritten with a day less
    fewer = open_series(archive, OPTS, folder=store)
    assert _events(fewer) == [StoreEvent.stale.value] and len(fewer.entries) == 11


def test_a_corrupt_store_file_is_rebuilt(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "stores"
    open_series(folder, OPTS, folder=store)
    path = store_path(folder, OPTS, store)
    path.write_bytes(b"this is not a database" * 100)
    again = open_series(folder, OPTS, folder=store)
    assert _events(again) == [StoreEvent.corrupt.value]
    assert str(path) in again.notes[0]
    assert len(again.entries) == 12


def test_a_row_that_fails_its_checksum_is_caught_and_the_store_rebuilt(
    folder: Path, tmp_path: Path
) -> None:
    store = tmp_path / "stores"
    open_series(folder, OPTS, folder=store)
    path = store_path(folder, OPTS, store)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE snapshot SET area_km2 = area_km2 + 1000 WHERE id = 3")
    again = open_series(folder, OPTS, folder=store)
    assert _events(again) == [StoreEvent.corrupt.value]
    assert "fails its checksum" in again.notes[0]
    plain = scan_snapshots(folder)
    from guarantor.territory.geodesy import geodesic_area_km2

    expected = geodesic_area_km2(plain.entries[2].parsed(OPTS).geometry)
    row = stored_row(again.entries[2])
    assert row is not None and row.area_km2 == pytest.approx(expected)


def test_damaged_stored_geometry_is_read_again_from_the_source(
    folder: Path, tmp_path: Path
) -> None:
    store = tmp_path / "stores"
    open_series(folder, OPTS, folder=store)
    path = store_path(folder, OPTS, store)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE snapshot SET wkb = substr(wkb, 1, 40) || zeroblob(8) WHERE id = 5")
    series = open_series(folder, OPTS, folder=store)
    damaged = next(e for e in series.entries if stored_row(e).id == 5)  # type: ignore[union-attr]
    geom = damaged.parsed(OPTS).geometry
    plain = {e.name: e for e in scan_snapshots(folder).entries}
    assert shapely.equals(geom, plain[damaged.name].parsed(OPTS).geometry)
    store_notes = damaged.backing.notes  # type: ignore[union-attr]
    assert any(n.event is StoreEvent.repaired and damaged.name in n.message for n in store_notes)
    assert not path.exists()  # dropped: the next read rebuilds it
    assert _events(open_series(folder, OPTS, folder=store)) == [StoreEvent.built.value]


def test_a_store_of_an_older_version_is_rebuilt_a_newer_one_refused(
    folder: Path, tmp_path: Path
) -> None:
    store = tmp_path / "stores"
    open_series(folder, OPTS, folder=store)
    path = store_path(folder, OPTS, store)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'parser'", (str(PARSER - 1),))
    again = open_series(folder, OPTS, folder=store)
    assert _events(again) == [StoreEvent.older.value]
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (str(FORMAT + 1),))
    with pytest.raises(UserError, match="newer guarantor") as err:
        open_series(folder, OPTS, folder=store)
    assert err.value.exit_code == 3 and str(path) in str(err.value)
    assert path.exists()  # refused, not overwritten


def test_other_reading_options_have_their_own_store(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "stores"
    other = ReadOptions(layers=("Occupied",))
    assert store_path(folder, OPTS, store) != store_path(folder, other, store)


def _fc(coordinates: object) -> bytes:
    return orjson.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Polygon", "coordinates": coordinates},
                }
            ],
        }
    )


def test_two_different_snapshots_at_one_time_are_refused_and_nothing_is_stored(
    folder: Path, tmp_path: Path
) -> None:
    store = tmp_path / "stores"
    target = tmp_path / "conflict.tar"
    files = sorted(folder.iterdir())
    with tarfile.open(target, "w") as archive:
        for arcname, file in (("a/" + files[0].name, files[0]), ("b/" + files[0].name, files[-1])):
            data = file.read_bytes()
            info = tarfile.TarInfo(arcname)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    with pytest.raises(UserError, match="two different snapshots") as err:
        open_series(target, OPTS, folder=store)
    assert "a/" in str(err.value) and "b/" in str(err.value) and err.value.exit_code == 3
    assert not store.exists() or not list(store.iterdir())


def test_a_rejected_snapshot_is_left_out_and_named(folder: Path, tmp_path: Path) -> None:
    store = tmp_path / "stores"
    last = sorted(folder.iterdir())[-1]
    last.write_bytes(_fc([[[1e300, 48.0], [33.1, 48.0], [33.1, 48.1], [1e300, 48.0]]]))
    series = open_series(folder, OPTS, folder=store)
    assert len(series.entries) == 11
    assert len(series.rejected) == 1
    assert last.name in series.rejected[0] and "feature 0" in series.rejected[0]
    assert "longitude outside" in series.rejected[0]
    again = open_series(folder, OPTS, folder=store)
    assert again.notes == []  # the rejected file is known: the store is not stale


def test_answering_from_the_store_imports_no_heavy_library() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; import guarantor.territory.cli, guarantor.territory.query, "
        "guarantor.territory.timeline, guarantor.territory.store, guarantor.territory.inputs; "
        "print(sorted(m for m in ('numpy', 'shapely', 'pyproj', 'pydantic', 'matplotlib') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
