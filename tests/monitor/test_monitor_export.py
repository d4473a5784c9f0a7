"""`--out` on `events summary`, `monitor evaluate` and `replay`; activations and events by place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from guarantor.errors import UserError

AGREEMENT = (
    "schema: guarantor/agreement@1\nid: ex\ntitle: ex\nnature: proposal\n"
    "parties: [{id: RU, name: Russia}, {id: UA, name: Ukraine}]\n"
    "triggers:\n  - id: t\n    levels:\n"
    "      - {level: watch, when: {armed_attack: {by: [RU], location: {inside: anywhere}}}}\n"
)
# near Pokrovsk, Bakhmut and one without coordinates
EVENTS = [
    {"id": "a", "start": "2025-01-02T00:00:00Z", "lat": 48.28, "lon": 37.18},
    {"id": "b", "start": "2025-01-02T00:00:00Z", "lat": 48.281, "lon": 37.181},
    {"id": "c", "start": "2025-01-03T00:00:00Z", "lat": 48.59, "lon": 38.0},
    {"id": "d", "start": "2025-01-04T00:00:00Z"},
]


def _app() -> typer.Typer:
    from guarantor.monitor import cli as monitor_cli
    from guarantor.obligations import cli as obligations_cli

    app = typer.Typer()
    monitor_cli.register(app)
    obligations_cli.register(app)
    return app


@pytest.fixture()
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "a.yaml"
    spec.write_text(AGREEMENT)
    events = tmp_path / "e.jsonl"
    rows = []
    for e in EVENTS:
        row = {
            "source": "s",
            "id": e["id"],
            "start": e["start"],
            "actors": ["RU"],
            "type": "battle",
        }
        if "lat" in e:
            row |= {"lat": e["lat"], "lon": e["lon"]}
        rows.append(json.dumps(row))
    events.write_text("\n".join(rows) + "\n")
    return spec, events


def test_events_summary_writes_points_and_groups(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    import pyogrio

    _, events = inputs
    out = tmp_path / "events.gpkg"
    run = CliRunner().invoke(_app(), ["events", "summary", str(events), "--out", str(out)])
    assert run.exit_code == 0, run.output
    layers = dict(pyogrio.list_layers(out))
    assert layers["events"] == "Point" and layers["by_month"] is None
    points = pyogrio.read_dataframe(out, layer="events")
    assert list(points["source_id"]) == ["a", "b", "c", "d"]
    assert points.geometry[3] is None  # no coordinates, no point
    again = CliRunner().invoke(_app(), ["events", "summary", str(events), "--out", str(out)])
    assert isinstance(again.exception, UserError) and "--force" in str(again.exception)


def test_evaluate_writes_activations_and_events(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    import openpyxl

    spec, events = inputs
    out = tmp_path / "m.xlsx"
    args = [
        "monitor",
        "evaluate",
        str(spec),
        "--events",
        str(events),
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
    ]
    run = CliRunner().invoke(_app(), [*args, "--out", str(out)])
    assert run.exit_code == 0, run.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["activations", "undetermined", "events"]
    header = [c.value for c in book["activations"][1]]
    assert "trigger" in header and "trace" not in header
    bad = CliRunner().invoke(_app(), [*args, "--out", str(tmp_path / "m.shp")])
    assert isinstance(bad.exception, UserError) and "unknown extension" in str(bad.exception)


def test_activations_say_where_their_evidence_lies(
    shared_data: Path, inputs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUARANTOR_DATA", str(shared_data))
    spec, events = inputs
    run = CliRunner().invoke(
        _app(),
        [
            "monitor",
            "evaluate",
            str(spec),
            "--events",
            str(events),
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-31",
            "--format",
            "json",
        ],
    )
    assert run.exit_code == 0, run.output
    first = json.loads(run.stdout)["activations"][0]
    assert first["near"] == "Pokrovsk (2)" and first["units_named"] == ["Donetsk (UA-14)"]


@pytest.mark.data
def test_replay_writes_its_tables(shared_data: Path, examples_dir: Path, tmp_path: Path) -> None:
    import pyogrio

    out = tmp_path / "r.gpkg"
    run = CliRunner().invoke(
        _app(),
        [
            "replay",
            str(examples_dir / "agreements/minsk2_era_guarantee.yaml"),
            "--from",
            "2015-02-15",
            "--to",
            "2015-06-30",
            "--events",
            str(shared_data / "events/ucdp_ged_ukraine_2014-2023Q1_peacerep.csv.gz"),
            "--actors",
            str(examples_dir / "actors/ucdp_ukraine.yaml"),
            "--out",
            str(out),
        ],
    )
    assert run.exit_code == 0, run.output
    layers = [name for name, _ in pyogrio.list_layers(out)]
    # spatial layers first; "undetermined" has no rows and no columns: left out
    assert sorted(layers) == ["activations", "events", "obligations"]
    activations = pyogrio.read_dataframe(out, layer="activations", read_geometry=False)
    assert activations["near"].str.contains("Debaltseve").any()
