"""Snapshot readers: folders, tar archives read in place, single files, raw dumps, bad input."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
import shapely

from guarantor.errors import UserError
from guarantor.sources.geojson_snapshot import english_layer_name, parse_snapshot_document
from guarantor.sources.snapshots import ReadOptions, scan_snapshots
from guarantor.territory.boundaries import load_units
from guarantor.territory.synthetic import write_synthetic

SQUARE = [[[33.0, 48.0], [33.1, 48.0], [33.1, 48.1], [33.0, 48.1], [33.0, 48.0]]]


def _fc(*geoms: object, props: list[dict[str, object]] | None = None) -> bytes:
    feats = [
        {"type": "Feature", "properties": (props or [{}] * len(geoms))[i], "geometry": g}
        for i, g in enumerate(geoms)
    ]
    return orjson.dumps({"type": "FeatureCollection", "features": feats})


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_synthetic(tmp_path_factory.mktemp("synth"), days=12)


def _tar(folder: Path, target: Path, mode: str = "w:xz") -> Path:
    with tarfile.open(target, mode) as archive:
        for file in sorted(folder.iterdir(), reverse=True):  # stored out of order on purpose
            archive.add(file, arcname=f"data/{file.name}")
    return target


def test_folder_is_sorted_with_utc_0300_timestamps(scenario) -> None:  # type: ignore[no-untyped-def]
    series = scan_snapshots(scenario.snapshots)
    times = [e.taken_at for e in series.entries]
    assert len(times) == 12
    assert times == sorted(times)
    assert times[0] == datetime(2030, 1, 1, 3, 0, tzinfo=UTC)
    assert all(t.tzinfo is UTC for t in times)


def test_tar_xz_read_in_place_equals_folder(scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = _tar(scenario.snapshots, tmp_path / "daily.tar.xz")
    from_tar = scan_snapshots(archive)
    from_dir = scan_snapshots(scenario.snapshots)
    assert [e.taken_at for e in from_tar.entries] == [e.taken_at for e in from_dir.entries]
    opts = ReadOptions()
    for a, b in zip(from_tar.entries, from_dir.entries, strict=True):
        assert a.digest(opts) == b.digest(opts)
        assert shapely.equals(a.parsed(opts).geometry, b.parsed(opts).geometry)
    assert not any(p.name != "daily.tar.xz" for p in tmp_path.iterdir())  # nothing unpacked


def test_truncated_archive_names_the_file(scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = _tar(scenario.snapshots, tmp_path / "daily.tar.xz")
    cut = tmp_path / "cut.tar.xz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(UserError) as err:
        scan_snapshots(cut)
    assert "cut.tar.xz" in str(err.value) and "truncated or corrupt" in str(err.value)


def test_single_file_needs_a_date(tmp_path: Path) -> None:
    plain = tmp_path / "front.geojson"
    plain.write_bytes(_fc({"type": "Polygon", "coordinates": SQUARE}))
    with pytest.raises(UserError, match="cannot tell the date"):
        scan_snapshots(plain)
    at = datetime(2025, 8, 15, 12, tzinfo=UTC)
    series = scan_snapshots(plain, ReadOptions(at=at))
    assert series.entries[0].taken_at == at


def test_not_a_feature_collection(tmp_path: Path) -> None:
    with pytest.raises(
        UserError, match="expected a GeoJSON FeatureCollection, found 'Polygon'"
    ) as err:
        parse_snapshot_document(
            orjson.dumps({"type": "Polygon", "coordinates": SQUARE}), "x.geojson"
        )
    assert "x.geojson" in str(err.value)


def test_empty_geometry_is_quarantined_with_its_index() -> None:
    parsed = parse_snapshot_document(
        _fc({"type": "Polygon", "coordinates": SQUARE}, {"type": "Polygon", "coordinates": []}),
        "f.geojson",
    )
    assert parsed.quarantined == ["f.geojson: feature 1: empty geometry; left out"]
    assert parsed.geometry.area > 0


def test_only_empty_geometries_is_an_error() -> None:
    with pytest.raises(UserError, match="no area features left"):
        parse_snapshot_document(_fc(None), "f.geojson")


def test_invalid_geometry_is_repaired_and_counted() -> None:
    bowtie = [[[33.0, 48.0], [33.1, 48.1], [33.1, 48.0], [33.0, 48.1], [33.0, 48.0]]]
    parsed = parse_snapshot_document(_fc({"type": "Polygon", "coordinates": bowtie}), "b.geojson")
    assert parsed.repaired == 1
    assert parsed.geometry.is_valid and parsed.geometry.area > 0


def test_unreadable_geometry_names_the_feature() -> None:
    bad = {"type": "Polygon", "coordinates": [[[33.0, 48.0], [33.1, 48.1]]]}
    with pytest.raises(UserError) as err:
        parse_snapshot_document(_fc({"type": "Polygon", "coordinates": SQUARE}, bad), "r.geojson")
    assert "r.geojson: feature 1" in str(err.value)


def test_swapped_coordinates_are_refused() -> None:
    swapped = [[[lat, lon] for lon, lat in SQUARE[0]]]
    with pytest.raises(UserError, match=r"\(lat, lon\) order") as err:
        parse_snapshot_document(_fc({"type": "Polygon", "coordinates": swapped}), "s.geojson")
    assert "s.geojson" in str(err.value)


def test_identical_duplicates_are_dropped_conflicting_refused(tmp_path: Path) -> None:
    a = tmp_path / "a"
    a.mkdir()
    body = _fc({"type": "Polygon", "coordinates": SQUARE})
    (a / "deepstatemap_data_20250101.geojson").write_bytes(body)
    (a / "2025-01-01T03.geojson").write_bytes(body)  # dated name, 00:00 UTC: a different time
    assert len(scan_snapshots(a).entries) == 2
    with tarfile.open(tmp_path / "dup.tar", "w") as archive:
        for name in (
            "x/deepstatemap_data_20250101.geojson",
            "y/deepstatemap_data_20250101.geojson",
        ):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    series = scan_snapshots(tmp_path / "dup.tar")
    assert len(series.entries) == 1 and len(series.duplicates) == 1
    other = _fc(
        {
            "type": "Polygon",
            "coordinates": [[[33.0, 48.0], [33.2, 48.0], [33.2, 48.2], [33.0, 48.0]]],
        }
    )
    with tarfile.open(tmp_path / "conflict.tar", "w") as archive:
        for name, data in (
            ("x/deepstatemap_data_20250101.geojson", body),
            ("y/deepstatemap_data_20250101.geojson", other),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    with pytest.raises(UserError, match="two different snapshots"):
        scan_snapshots(tmp_path / "conflict.tar")


@pytest.mark.parametrize(
    ("name", "english"),
    [
        ("Окуповано /// Occupied", "Occupied"),
        (
            "Окупований Крим /// Occupied Crimea\xa0/// geoJSON.territories.crimea",
            "Occupied Crimea",
        ),
        ("ОРДЛО /// CADR and CALR\xa0/// geoJSON.territories.ordlo", "CADR and CALR"),
        ("Окуповано", "Occupied"),
        ("Окупована Абхазія.\n///\nOccupied Abkhazia.", "Occupied Abkhazia"),
        ("Звільнено /// Liberated /// geoJSON.status.dismissed", "Liberated"),
    ],
)
def test_english_layer_names(name: str, english: str) -> None:
    assert english_layer_name(name) == english


def test_raw_dump_keeps_layers_and_drops_features_outside_the_border(tmp_path: Path) -> None:
    border = shapely.box(22.0, 44.0, 40.0, 52.5)
    joke = [[[24.0, 57.0], [25.0, 57.0], [25.0, 58.0], [24.0, 57.0]]]  # over Latvia
    body = _fc(
        {"type": "Polygon", "coordinates": SQUARE},
        {"type": "Polygon", "coordinates": joke},
        {
            "type": "Polygon",
            "coordinates": [[[35.0, 47.0], [35.1, 47.0], [35.1, 47.1], [35.0, 47.0]]],
        },
        {"type": "Point", "coordinates": [30.5, 50.4]},
        props=[
            {"name": "Окуповано /// Occupied"},
            {"name": "Окуповані території Латвії.\n///\nOccupied"},
            {"name": "Звільнено /// Liberated"},
            {"name": "Київ /// Kyiv"},
        ],
    )
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "1722977162.geojson").write_bytes(body)
    series = scan_snapshots(folder, ReadOptions(border=border))
    entry = series.entries[0]
    assert entry.taken_at == datetime.fromtimestamp(1722977162, tz=UTC)
    parsed = entry.parsed(ReadOptions(border=border))
    assert parsed.dropped_outside == 1 and parsed.skipped_layers == 2
    assert shapely.equals(parsed.geometry, shapely.Polygon(SQUARE[0]))


def test_boundaries_without_codes_name_the_feature(tmp_path: Path) -> None:
    path = tmp_path / "units.geojson"
    path.write_bytes(_fc({"type": "Polygon", "coordinates": SQUARE}, props=[{"name": "A"}]))
    with pytest.raises(UserError) as err:
        load_units(path)
    assert "units.geojson: feature 0" in str(err.value) and "no code" in str(err.value)
