"""`--out FILE`: every format opened back, one layer or sheet per table, refusals that leave
nothing behind."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import shapely
import typer
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.territory.cli import register
from guarantor.territory.export import ExportTable, check_out, write_export
from guarantor.territory.synthetic import write_synthetic

POLYS = ExportTable(
    "incidents",
    (
        {"id": "O-1", "area_km2": 1.5, "units": ["UA-14", "UA-09"], "near": "Pokrovsk"},
        {"id": "O-2", "area_km2": 2.25, "units": [], "near": None},
    ),
    (shapely.box(37.0, 48.0, 37.1, 48.1), shapely.MultiPolygon([shapely.box(36, 47, 36.1, 47.1)])),
)
SERIES = ExportTable(
    "series", ({"date": "2025-01-01", "area_km2": 1.0}, {"date": "2025-01-02", "area_km2": 2.0})
)


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_geopackage_has_one_layer_per_table(tmp_path: Path) -> None:
    import pyogrio

    out = tmp_path / "r.gpkg"
    report = write_export(out, [POLYS, SERIES])
    assert report.tables == (("incidents", 2), ("series", 2))
    layers = {name: kind for name, kind in pyogrio.list_layers(out)}
    assert layers == {"incidents": "MultiPolygon", "series": None}
    frame = pyogrio.read_dataframe(out, layer="incidents")
    assert list(frame["id"]) == ["O-1", "O-2"] and frame.crs.to_epsg() == 4326
    assert frame.loc[0, "units"] == "UA-14, UA-09"
    assert frame.geometry[0].equals(shapely.MultiPolygon([shapely.box(37.0, 48.0, 37.1, 48.1)]))
    table = pyogrio.read_dataframe(out, layer="series", read_geometry=False)
    assert list(table["area_km2"]) == [1.0, 2.0]
    assert _only(tmp_path) == ["r.gpkg"]  # no temporary file left


def test_geojson_holds_the_spatial_tables(tmp_path: Path) -> None:
    out = tmp_path / "r.geojson"
    report = write_export(out, [POLYS, SERIES])
    assert report.left_out == ("series (no geometry)",)
    assert "left out: series (no geometry)" in report.line()
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 2
    assert doc["features"][0]["properties"]["units"] == ["UA-14", "UA-09"]
    with pytest.raises(UserError, match="has no geometry"):
        write_export(tmp_path / "s.geojson", [SERIES])
    assert not (tmp_path / "s.geojson").exists()


def test_csv_and_parquet_write_the_other_tables_beside(tmp_path: Path) -> None:
    import geopandas as gpd

    write_export(tmp_path / "r.csv", [POLYS, SERIES])
    main = pd.read_csv(tmp_path / "r.csv")
    assert list(main.columns) == ["id", "area_km2", "units", "near", "geometry_wkt"]
    assert shapely.from_wkt(main.loc[0, "geometry_wkt"]).equals(POLYS.geometry[0])  # type: ignore[index]
    assert list(pd.read_csv(tmp_path / "r.series.csv")["date"]) == ["2025-01-01", "2025-01-02"]
    write_export(tmp_path / "r.parquet", [POLYS, SERIES])
    geo = gpd.read_parquet(tmp_path / "r.parquet")
    assert geo.crs.to_epsg() == 4326 and list(geo["id"]) == ["O-1", "O-2"]
    assert list(pd.read_parquet(tmp_path / "r.series.parquet")["area_km2"]) == [1.0, 2.0]


def test_xlsx_has_one_sheet_per_table_and_json_every_table(tmp_path: Path) -> None:
    import openpyxl

    write_export(tmp_path / "r.xlsx", {"a": POLYS, "b": SERIES})
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["incidents", "series"]
    rows = list(book["incidents"].values)
    assert rows[0] == ("id", "area_km2", "units", "near", "lon", "lat")
    assert rows[1][:3] == ("O-1", 1.5, "UA-14, UA-09")
    write_export(tmp_path / "r.json", [POLYS, SERIES])
    doc = json.loads((tmp_path / "r.json").read_text())
    assert set(doc["tables"]) == {"incidents", "series"}
    assert doc["tables"]["incidents"][0]["geometry"]["type"] == "Polygon"


def test_refusals_are_one_line_and_leave_nothing(tmp_path: Path) -> None:
    existing = tmp_path / "r.gpkg"
    existing.write_text("keep me")
    with pytest.raises(UserError, match="exists; pass --force") as refused:
        write_export(existing, [POLYS])
    assert "\n" not in str(refused.value)  # one line
    assert existing.read_text() == "keep me"
    write_export(existing, [POLYS], force=True)  # --force overwrites
    assert existing.read_bytes()[:16].startswith(b"SQLite format 3")
    with pytest.raises(UserError, match=r"unknown extension '\.shp'; use one of \.gpkg"):
        check_out(tmp_path / "r.shp")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UserError, match="cannot write in"):
        write_export(blocker / "r.csv", [SERIES])
    assert _only(tmp_path) == ["file", "r.gpkg"]


def test_an_existing_folder_gets_one_csv_per_table(tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    report = write_export(folder, [POLYS, SERIES])
    assert _only(folder) == [f"{POLYS.name}.csv", f"{SERIES.name}.csv"]
    assert [t.name for t in report.files] == [f"{POLYS.name}.csv", f"{SERIES.name}.csv"]
    with open(folder / f"{SERIES.name}.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == len(SERIES.rows)
    with pytest.raises(UserError, match="exists; pass --force"):
        check_out(folder, tables=[POLYS.name])
    write_export(folder, [POLYS, SERIES], force=True)


def test_a_failed_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guarantor.territory import export

    def broken(path: Path, tables: object) -> None:
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_xlsx", broken)
    with pytest.raises(UserError, match="No space left on device"):
        write_export(tmp_path / "r.xlsx", [SERIES])
    assert _only(tmp_path) == []


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    root = typer.Typer()
    register(root)
    return root


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_synthetic(tmp_path_factory.mktemp("synth"), days=12)


def _invoke(cli: typer.Typer, *args: str) -> object:
    return CliRunner().invoke(cli, ["territory", *args], catch_exceptions=True)


def test_area_changes_and_by_unit_export_polygons(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyogrio

    snaps = str(scenario.snapshots)
    run = _invoke(
        cli,
        "area",
        "--territory",
        snaps,
        "--on",
        "2030-01-05",
        "--out",
        str(tmp_path / "a.geojson"),
    )
    assert run.exit_code == 0, run.output  # type: ignore[attr-defined]
    feature = json.loads((tmp_path / "a.geojson").read_text())["features"][0]
    assert feature["properties"]["date"] == "2030-01-05" and feature["properties"]["area_km2"] > 0
    run = _invoke(
        cli,
        "changes",
        "--territory",
        snaps,
        "--from",
        "2030-01-01",
        "--to",
        "2030-01-10",
        "--per",
        "day",
        "--out",
        str(tmp_path / "c.gpkg"),
    )
    assert run.exit_code == 0, run.output  # type: ignore[attr-defined]
    assert [n for n, _ in pyogrio.list_layers(tmp_path / "c.gpkg")] == [
        "changes",
        "control",
        "periods",
    ]
    changes = pyogrio.read_dataframe(tmp_path / "c.gpkg", layer="changes")
    assert list(changes["change"]) == ["gained", "lost"]
    run = _invoke(
        cli,
        "by-unit",
        "--territory",
        snaps,
        "--on",
        "2030-01-05",
        "--boundaries",
        str(scenario.units),
        "--out",
        str(tmp_path / "u.xlsx"),
    )
    assert run.exit_code == 0, run.output  # type: ignore[attr-defined]


def test_history_writes_the_daily_series(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "h.csv"
    run = _invoke(
        cli,
        "history",
        "--territory",
        str(scenario.snapshots),
        "--per",
        "day",
        "--no-cache",
        "--out",
        str(out),
    )
    assert run.exit_code == 0, run.output  # type: ignore[attr-defined]
    series = pd.read_csv(out)
    assert len(series) == 12 and {"period", "area_end_km2", "gained_km2"} <= set(series.columns)


def test_bad_out_is_refused_before_any_work(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    snaps = str(scenario.snapshots)
    (tmp_path / "x.gpkg").write_text("old")
    for out, message in [
        ("x.gpkg", "exists; pass --force"),
        ("x.shp", "unknown extension"),
        ("file/x.csv", "cannot write in"),
    ]:
        (tmp_path / "file").write_text("")
        run = _invoke(cli, "area", "--territory", snaps, "--out", str(tmp_path / out))
        assert isinstance(run.exception, UserError) and message in str(run.exception)  # type: ignore[attr-defined]
    # a date with no snapshot: the error, and no file
    run = _invoke(
        cli, "area", "--territory", snaps, "--on", "2020-01-01", "--out", str(tmp_path / "n.gpkg")
    )
    assert isinstance(run.exception, UserError) and "no snapshot" in str(run.exception)  # type: ignore[attr-defined]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "x.gpkg"]
    assert (tmp_path / "x.gpkg").read_text() == "old"


def test_history_by_unit_writes_names_beside_codes(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    out = tmp_path / "h.xlsx"
    run = _invoke(
        cli,
        "history",
        "--territory",
        str(scenario.snapshots),
        "--per",
        "week",
        "--by",
        "unit",
        "--boundaries",
        str(scenario.units),
        "--no-cache",
        "--out",
        str(out),
    )
    assert run.exit_code == 0, run.output  # type: ignore[attr-defined]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["periods", "units"]
    header = [c.value for c in book["units"][1]]
    units = {
        row[header.index("unit")] for row in book["units"].iter_rows(min_row=2, values_only=True)
    }
    assert units == {"West Synthland (SY-W)", "Central Synthland (SY-C)", "East Synthland (SY-E)"}


def test_compare_writes_the_disagreeing_polygons_in_any_format(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyogrio

    a = write_synthetic(tmp_path / "a", days=16).snapshots  # the advance starts on day 10
    b = tmp_path / "b"
    b.mkdir()
    files = sorted(a.iterdir())
    for i, path in enumerate(files):  # B runs four days ahead of A
        (b / path.name).write_bytes(files[min(i + 4, len(files) - 1)].read_bytes())
    out = tmp_path / "d.gpkg"
    run = _invoke(
        cli,
        "compare",
        "--territory",
        str(a),
        "--territory",
        str(b),
        "--threshold-km2",
        "0",
        "--cache",
        str(tmp_path / "cache.sqlite"),
        "--out",
        str(out),
    )
    assert run.exit_code == 0, run.output  # type: ignore[attr-defined]
    frame = pyogrio.read_dataframe(out, layer="disagreements")
    assert len(frame) > 0 and {"date", "side"} <= set(frame.columns)
