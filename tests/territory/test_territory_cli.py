"""`guarantor territory ...` end to end on generated files: formats, documents, files written."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.territory.cli import register
from guarantor.territory.synthetic import write_synthetic


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    root = typer.Typer()
    register(root)
    return root


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_synthetic(tmp_path_factory.mktemp("synth"), days=26)


def _run(cli: typer.Typer, *args: str) -> object:
    result = CliRunner().invoke(cli, ["territory", *args], catch_exceptions=True)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.stderr
    return result


def _json(cli: typer.Typer, *args: str) -> dict[str, object]:
    result = _run(cli, *args, "--format", "json")
    return json.loads(result.stdout)  # type: ignore[attr-defined,no-any-return]


def test_area_on_a_date(cli, scenario) -> None:  # type: ignore[no-untyped-def]
    doc = _json(
        cli,
        "area",
        "--territory",
        str(scenario.snapshots),
        "--on",
        "2030-01-06",
        "--border",
        str(scenario.border),
    )
    assert doc["date"] == "2030-01-06"
    assert set(doc) >= {"date", "snapshot", "area_km2", "share_pct"}
    assert 60_000 < doc["area_km2"] < 70_000  # type: ignore[operator]


def test_area_nearest_earlier_snapshot(cli, scenario) -> None:  # type: ignore[no-untyped-def]
    doc = _json(cli, "area", "--territory", str(scenario.snapshots), "--on", "2030-01-26")
    assert doc["date"] == "2030-01-26"


def test_a_date_after_the_data_is_an_error_unless_nearest(cli, scenario) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match=r"after the data: the snapshots end on 2030-01-26"):
        _run(cli, "area", "--territory", str(scenario.snapshots), "--on", "2031-05-01")
    result = CliRunner().invoke(
        cli,
        [
            *("territory", "area", "--territory", str(scenario.snapshots)),
            *("--on", "2031-05-01", "--nearest", "--format", "json"),
        ],
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["date"] == "2030-01-26"
    assert "using the last snapshot" in result.stderr


def test_changes_total_and_per_month_and_day(cli, scenario) -> None:  # type: ignore[no-untyped-def]
    src = ("--territory", str(scenario.snapshots))
    span = ("--from", "2030-01-06", "--to", "2030-01-25")
    total = _json(cli, "changes", *src, *span)
    assert set(total) >= {"gained_km2", "lost_km2", "net_km2"}
    assert total["gained_km2"] > 100  # type: ignore[operator]
    months = _json(cli, "changes", *src, *span, "--per", "month")
    assert [m["period"] for m in months["periods"]] == ["2030-01"]  # type: ignore[index,union-attr]
    days = _json(cli, "changes", *src, *span, "--per", "day")
    assert len(days["periods"]) == 19  # type: ignore[arg-type]
    # daily gross sums count the beneficiary push and its reversal, the total does not
    daily_gained = sum(d["gained_km2"] for d in days["periods"])  # type: ignore[union-attr,index]
    assert daily_gained > total["gained_km2"]  # type: ignore[operator]


def test_history_per_period_and_unit(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = ("--territory", str(scenario.snapshots), "--cache", str(tmp_path / "c.sqlite"))
    doc = _json(cli, "history", *src, "--per", "week")
    weeks = doc["periods"]
    assert [w["period"] for w in weeks][:2] == ["2029-W53", "2030-W01"] or weeks  # type: ignore[index]
    assert sum(w["days_covered"] for w in weeks) == doc["days_with_snapshots"] == 26  # type: ignore[union-attr,index]
    days = _json(cli, "history", *src, "--per", "day", "--from", "2030-01-07", "--to", "2030-01-25")
    assert len(days["periods"]) == 19  # type: ignore[arg-type]
    assert all(d["coverage_pct"] == 100.0 for d in days["periods"])  # type: ignore[union-attr,index]
    units = _json(
        cli, "history", *src, "--per", "month", "--by", "unit", "--boundaries", str(scenario.units)
    )
    by_code = {u["code"]: u for u in units["units"]}  # type: ignore[union-attr,index]
    assert set(by_code) == {"SY-C", "SY-E", "SY-W"}
    total_net = sum(u["net_km2"] for u in units["units"])  # type: ignore[union-attr,index]
    assert abs(total_net - units["periods"][0]["net_km2"]) < 1.0  # type: ignore[index]


def test_by_unit_json_and_csv(cli, scenario) -> None:  # type: ignore[no-untyped-def]
    args = (
        "by-unit",
        "--territory",
        str(scenario.snapshots),
        "--on",
        "2030-01-10",
        "--boundaries",
        str(scenario.units),
    )
    doc = _json(cli, *args)
    units = {u["code"]: u for u in doc["units"]}  # type: ignore[union-attr,index]
    assert units["SY-E"]["share_pct"] > 95 and units["SY-W"]["controlled_km2"] == 0.0
    assert set(units["SY-C"]) == {"code", "name", "unit", "area_km2", "controlled_km2", "share_pct"}
    assert units["SY-C"]["unit"] == "Central Synthland (SY-C)"  # the name, the code beside it
    text = _run(cli, *args, "--format", "csv").stdout  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["code"] for r in rows] == ["SY-C", "SY-E", "SY-W"]


def test_violations_json_and_map(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    png = tmp_path / "v.png"
    doc = _json(
        cli,
        "violations",
        "--territory",
        str(scenario.snapshots),
        "--agreed-at",
        "2030-01-06",
        "--boundaries",
        str(scenario.units),
        "--border",
        str(scenario.border),
        "--plot",
        str(png),
    )
    assert doc["status"] == "breached"
    sides = sorted(i["side"] for i in doc["incidents"])  # type: ignore[union-attr,index]
    assert sides == ["beneficiary", "obligor"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_swap_json(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = _json(
        cli,
        "swap",
        str(scenario.proposal),
        "--territory",
        str(scenario.snapshots),
        "--boundaries",
        str(scenario.units),
        "--border",
        str(scenario.border),
        "--places",
        str(scenario.places),
        "--troops-per-km",
        "100",
        "--plot",
        str(tmp_path / "s.png"),
    )
    assert doc["force_to_hold"]["troops_per_km"] == 100.0  # type: ignore[index]
    assert [t["id"] for t in doc["transfers"]] == ["east-withdrawal", "central-return"]  # type: ignore[union-attr,index]
    assert (tmp_path / "s.png").stat().st_size > 10_000


def test_output_is_deterministic(cli, scenario) -> None:  # type: ignore[no-untyped-def]
    args = (
        "violations",
        "--territory",
        str(scenario.snapshots),
        "--agreed-at",
        "2030-01-06",
        "--boundaries",
        str(scenario.units),
        "--format",
        "json",
    )
    assert _run(cli, *args).stdout == _run(cli, *args).stdout  # type: ignore[attr-defined]


def test_user_errors_are_user_errors(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="is before"):
        _run(
            cli,
            "changes",
            "--territory",
            str(scenario.snapshots),
            "--from",
            "2030-01-20",
            "--to",
            "2030-01-10",
        )
    bad_date = CliRunner().invoke(
        cli, ["territory", "area", "--territory", str(scenario.snapshots), "--on", "yesterday"]
    )
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    with pytest.raises(UserError, match="no snapshot at or before"):
        _run(cli, "area", "--territory", str(scenario.snapshots), "--on", "2020-01-01")
    with pytest.raises(UserError, match="does not exist"):
        _run(cli, "area", "--territory", str(tmp_path / "nothing.tar.xz"))


def test_map_writes_a_png(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "control.png"
    doc = _json(
        cli,
        "map",
        "--territory",
        str(scenario.snapshots),
        "--on",
        "2030-01-20",
        "--plot",
        str(out),
        "--boundaries",
        str(scenario.units),
        "--border",
        str(scenario.border),
    )
    assert doc["date"] == "2030-01-20" and out.read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".png" and p != out]  # no temp left


def test_swap_out_is_the_agreed_line_of_violations(cli, scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "deal.geojson"
    common = ("--boundaries", str(scenario.units), "--border", str(scenario.border))
    doc = _json(
        cli,
        "swap",
        str(scenario.proposal),
        "--territory",
        str(scenario.snapshots),
        "--on",
        "2030-01-06",
        "--places",
        str(scenario.places),
        "--out",
        str(out),
        *common,
    )
    assert "pre-war" in doc["population_basis"]["text"]  # type: ignore[index]
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    layers = [f["properties"]["layer"] for f in features]
    assert layers[0] == "agreed_line" and {"swap_areas", "contact_line"} <= set(layers)
    # an existing --out is refused without --force, and nothing is written
    before = out.read_bytes()
    refused = CliRunner().invoke(
        cli,
        ["territory", "swap", str(scenario.proposal), "--territory", str(scenario.snapshots),
         "--on", "2030-01-06", "--out", str(out), *common],
    )  # fmt: skip
    assert refused.exit_code != 0 and out.read_bytes() == before
    found = _json(
        cli,
        "violations",
        "--territory",
        str(scenario.snapshots),
        "--agreed-line",
        str(out),
        *common,
    )
    assert found["agreed_at"].startswith("2030-01-06")  # type: ignore[union-attr]
    assert found["coverage"]["territory"]["covers_period"] is True  # type: ignore[index]
    assert all(r["direction"] for r in found["breach_series"])  # type: ignore[union-attr]
    # the swap file itself gives the same line
    same = _json(
        cli,
        "violations",
        "--territory",
        str(scenario.snapshots),
        "--agreed-line",
        str(scenario.proposal),
        "--agreed-at",
        "2030-01-06",
        *common,
    )
    assert same["seized_km2"] == pytest.approx(found["seized_km2"], abs=0.2)  # type: ignore[arg-type]
