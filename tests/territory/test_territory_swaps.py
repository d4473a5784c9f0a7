"""Land swaps on the generated scenario, checked against independent overlays."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from guarantor.errors import UserError
from guarantor.sources.snapshots import ReadOptions, scan_snapshots
from guarantor.territory.boundaries import load_border, load_units
from guarantor.territory.geodesy import geodesic_area_km2, geodesic_length_km
from guarantor.territory.swaps import evaluate_swap, load_places, load_proposal
from guarantor.territory.synthetic import LATS, front, write_synthetic


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_synthetic(tmp_path_factory.mktemp("synth"), days=6)


def test_swap_areas_people_and_line(scenario) -> None:  # type: ignore[no-untyped-def]
    proposal = load_proposal(scenario.proposal)
    units = load_units(scenario.units)
    land = load_border(scenario.border)
    places = load_places(scenario.places)
    entry = scan_snapshots(scenario.snapshots).entries[5]
    held = entry.parsed(ReadOptions()).geometry
    result = evaluate_swap(proposal, held, entry.taken_at, entry.label, units, land, places)
    doc = result.to_dict()
    east = shapely.segmentize(shapely.box(34.5, 46.0, 36.0, 50.0), 0.01)
    central = shapely.segmentize(shapely.box(32.5, 46.0, 34.5, 50.0), 0.01)
    held_dense = shapely.segmentize(held, 0.01)
    ceded = geodesic_area_km2(shapely.difference(east, held_dense))
    returned = geodesic_area_km2(shapely.intersection(central, held_dense))
    assert doc["gives_km2"]["beneficiary"] == pytest.approx(ceded, rel=1e-3)
    assert doc["gives_km2"]["obligor"] == pytest.approx(returned, rel=1e-3)
    assert doc["receives_km2"]["obligor"] == doc["gives_km2"]["beneficiary"]
    # people: the generated towns inside each transferred area, counted independently
    import csv

    rows = list(csv.DictReader(scenario.places.open()))
    inside = [
        r
        for r in rows
        if shapely.intersects(
            shapely.intersection(central, held_dense),
            shapely.Point(float(r["longitude"]), float(r["latitude"])),
        )
    ]
    assert doc["transfers"][1]["population"] == sum(int(r["population"]) for r in inside)
    # the contact line before the swap is the front (less 2 km at each end by the border tolerance)
    front_line = shapely.LineString(list(zip(front(5), LATS, strict=True)))
    assert doc["contact_line_km"]["before"] == pytest.approx(
        geodesic_length_km(front_line), abs=6.0
    )
    force = doc["force_to_hold"]
    line_change = doc["contact_line_km"]["after"] - doc["contact_line_km"]["before"]
    assert force["change"] == pytest.approx(line_change * 250, abs=30)  # lengths shown rounded
    assert line_change < 0  # handing over the east strip and the central bulge shortens the line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\ntransfers: []\n", "no transfers"),
        ("name: x\nbogus: 1\ntransfers: []\n", "unknown key"),
        (
            "name: x\ntransfers:\n  - {from: obligor, to: obligor, area: {unit: SY-C}}\n",
            "from' one side",
        ),
        (
            "name: x\ntransfers:\n  - from: obligor\n    to: beneficiary\n    area: {part_of_unit: {unit: SY-C}}\n",
            "held_by",
        ),
        ("name: [x\n", "YAML syntax error"),
        ("name: x\ntransfer: []\n", "unknown key 'transfer'.*did you mean 'transfers'"),
        ("name: x\ntroops_per_km: -3\ntransfers: []\n", ":2:"),
    ],
)
def test_bad_proposals_say_where(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(UserError, match=message) as err:
        load_proposal(path)
    assert "p.yaml" in str(err.value)


def test_unknown_unit_names_the_line(scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: x\ntransfers:\n  - from: obligor\n    to: beneficiary\n    area: {unit: UA-99}\n"
    )
    units = load_units(scenario.units)
    entry = scan_snapshots(scenario.snapshots).entries[0]
    with pytest.raises(UserError, match="unknown unit 'UA-99'") as err:
        evaluate_swap(
            load_proposal(path),
            entry.parsed(ReadOptions()).geometry,
            entry.taken_at,
            "x",
            units,
            load_border(scenario.border),
        )
    assert "p.yaml:5" in str(err.value)  # the line of the area


def test_the_august_2025_example_reads(examples_dir: Path) -> None:
    proposal = load_proposal(examples_dir / "swaps" / "august_2025_land_swap.yaml")
    assert [t.id for t in proposal.transfers] == ["donetsk-withdrawal", "north-return"]
    assert (
        proposal.transfers[0].area.units == ("UA-14",)
        and proposal.transfers[0].area.held_by == "beneficiary"
    )
    assert proposal.frozen[0].units == ("UA-23", "UA-65")
