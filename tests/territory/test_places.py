"""The gazetteer: names to places and back, nearest settlements, areas and event groups by place."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import shapely
import typer
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.territory.cli import register
from guarantor.territory.places import (
    Gazetteer,
    cluster_events,
    fold,
    haversine_km,
    match_key,
    parse_lat_lon,
    read_gazetteer,
    unit_label,
)

ROWS = [
    # geonameid, name, lat, lon, population, oblast
    (1, "Pokrovsk", 48.28, 37.18, 60_127, "UA-14"),
    (2, "Myrnohrad", 48.30, 37.26, 46_000, "UA-14"),
    (3, "Rodynske", 48.35, 37.21, 9_850, "UA-14"),
    (4, "Kryvyy Rih", 47.91, 33.39, 603_904, "UA-12"),
    (5, "Zaporizhzhya", 47.85, 35.12, 710_052, "UA-23"),
    (6, "Kupyansk", 49.71, 37.62, 27_000, "UA-63"),
    (7, "Pokrovske", 47.98, 36.23, 9_868, "UA-12"),
    (8, "Bilohorodka", 50.39, 30.22, 1_500, "UA-32"),
]
NAMES = {
    "UA-14": "Donetsk Oblast",
    "UA-12": "Dnipropetrovsk Oblast",
    "UA-23": "Zaporizhia Oblast",
    "UA-63": "Kharkiv Oblast",
    "UA-32": "Kyiv Oblast",
}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer(ROWS, NAMES, "test")


def test_names_fold_accents_case_hyphens_and_transliterations(gaz: Gazetteer) -> None:
    assert fold("Kal’mius’ke") == fold("kalmiuske") == "kalmiuske"
    assert match_key("Kryvyi Rih") == match_key("KRYVYY-RIH")
    assert [p.name for p in gaz.lookup("kryvyi rih")] == ["Kryvyy Rih"]
    assert [p.name for p in gaz.lookup("Zaporizhzhia")] == ["Zaporizhzhya"]
    # exact first, then those starting with the name, largest first
    assert [p.name for p in gaz.lookup("Pokrovsk")] == ["Pokrovsk", "Pokrovske"]


def test_an_unknown_name_is_one_line_with_close_matches(gaz: Gazetteer) -> None:
    with pytest.raises(UserError, match="did you mean Myrnohrad"):
        gaz.lookup("Myrnograd")
    with pytest.raises(UserError, match="no place called"):
        gaz.lookup("Atlantis")


def test_units_by_name_with_the_code_beside() -> None:
    assert unit_label("UA-14", "Donetsk Oblast") == "Donetsk (UA-14)"
    assert unit_label("UA-43", "Autonomous Republic of Crimea") == "Crimea (UA-43)"
    assert unit_label("UA-99", None) == "UA-99"


def test_nearest_agrees_with_a_scan_of_every_place(gaz: Gazetteer) -> None:
    for lat, lon in [(48.29, 37.2), (50.0, 30.0), (47.0, 36.0), (49.5, 37.5)]:
        naive = sorted(ROWS, key=lambda r: haversine_km(lat, lon, r[2], r[3]))
        found = gaz.near(lat, lon, 3)
        assert [p.geonameid for p in found] == [r[0] for r in naive[:3]]
        assert found[0].distance_km == pytest.approx(
            haversine_km(lat, lon, naive[0][2], naive[0][3])
        )
    large = gaz.near(48.29, 37.2, 2, min_population=50_000)
    assert large[0].name == "Pokrovsk" and len(large) == 2
    assert all(p.population >= 50_000 for p in large)


def test_haversine_is_the_great_circle() -> None:
    # one degree of latitude on the mean radius
    assert haversine_km(48, 37, 49, 37) == pytest.approx(math.radians(1) * 6371.0088)


def test_an_area_is_described_by_the_places_inside_then_the_nearest(gaz: Gazetteer) -> None:
    area = shapely.box(37.15, 48.25, 37.3, 48.32)  # Pokrovsk and Myrnohrad, not Rodynske
    where = gaz.describe(37.2, 48.28, area)
    assert [p.name for p in where.places] == ["Pokrovsk", "Myrnohrad", "Rodynske"]
    assert where.places[0].distance_km is None and where.places[2].distance_km is not None
    assert where.units == ("Donetsk (UA-14)",)
    assert where.text.startswith(
        "in Pokrovsk (pop. 60,127), Myrnohrad (pop. 46,000); near Rodynske"
    )
    assert where.to_dict()["near"] == "Pokrovsk, Myrnohrad, Rodynske"
    # a point alone: the nearest, and the oblast of the nearest
    point = gaz.describe(37.62, 49.7)
    assert point.places[0].name == "Kupyansk" and point.units == ("Kharkiv (UA-63)",)


def test_events_are_grouped_by_their_nearest_town(gaz: Gazetteer) -> None:
    cluster = cluster_events(
        gaz, [48.28, 48.281, 48.3, None, 47.9], [37.18, 37.181, 37.26, None, 33.4], 10_000
    )
    assert cluster.near == "Pokrovsk (2), Myrnohrad (1), Kryvyy Rih (1)"  # ties: file order
    assert cluster.located == 4 and cluster.total == 5
    assert cluster.units[0] == "Donetsk (UA-14)"


def test_lat_lon_text() -> None:
    assert parse_lat_lon("48.28, 37.18") == (48.28, 37.18)
    for bad in ["48.28", "north,east", "95,30"]:
        with pytest.raises(UserError, match="--near"):
            parse_lat_lon(bad)


def test_a_gazetteer_file_without_the_columns_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("name,lat\nX,1\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        read_gazetteer(path)
    assert err.value.exit_code == 3 and "lacks columns" in str(err.value)


def test_places_command_on_the_real_gazetteer(shared_data: Path) -> None:
    root = typer.Typer()
    register(root)
    run = CliRunner().invoke(
        root, ["places", "Pokrovsk", "--format", "json", "--data", str(shared_data)]
    )
    assert run.exit_code == 0, run.output
    import json

    doc = json.loads(run.stdout)
    first = doc["places"][0]
    assert first["name"] == "Pokrovsk" and first["unit"] == "Donetsk (UA-14)"
    near = CliRunner().invoke(
        root,
        [
            "places",
            "--near",
            "48.28,37.18",
            "--limit",
            "3",
            "--format",
            "csv",
            "--data",
            str(shared_data),
        ],
    )
    assert near.exit_code == 0 and near.stdout.splitlines()[1].startswith("Pokrovsk,")
    both = CliRunner().invoke(root, ["places", "Kyiv", "--near", "50,30"])
    assert isinstance(both.exception, UserError)


def test_places_out_writes_points(shared_data: Path, tmp_path: Path) -> None:
    import pyogrio

    root = typer.Typer()
    register(root)
    out = tmp_path / "p.gpkg"
    run = CliRunner().invoke(
        root, ["places", "--near", "48.28,37.18", "--data", str(shared_data), "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    frame = pyogrio.read_dataframe(out)
    assert frame.geometry.geom_type.unique().tolist() == ["Point"] and len(frame) == 10
