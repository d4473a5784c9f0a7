"""`import guarantor as g`: a light import, a lazy public surface, typed results with frames and
shapes; and the tour in docs/examples runs top to bottom on the real data."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import guarantor as g
from guarantor.territory.synthetic import write_synthetic

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "shapely", "geopandas", "pyogrio", "pyarrow", "openpyxl", "scipy")


def test_import_guarantor_loads_no_room_and_no_heavy_library() -> None:
    code = (
        "import sys, json, guarantor as g; "
        "print(json.dumps([m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r} or m.startswith('guarantor.')]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_every_public_name_resolves_and_is_documented() -> None:
    public = [n for n in g.__all__ if n not in ("FLOW", "__version__")]
    assert {
        "load_agreement",
        "read_snapshots",
        "area_on",
        "changes_between",
        "area_series",
        "violations",
        "places",
        "replay",
        "plan_response",
        "read_ledger",
        "write_export",
    } <= set(public)
    page = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    for name in public:
        value = getattr(g, name)
        assert callable(value) and value.__doc__, name
        assert f"`{name}" in page, f"docs/python.md does not describe {name}"
    assert set(public) <= set(dir(g))
    with pytest.raises(AttributeError):
        g.no_such_thing  # noqa: B018


def test_rooms_list_their_public_names() -> None:
    import importlib

    for module in ("spec", "territory", "obligations", "respond", "ledger"):
        api = importlib.import_module(f"guarantor.{module}.api")
        assert api.__all__ and all(hasattr(api, n) for n in api.__all__)


def test_results_are_frames_and_shapes_on_a_generated_scenario(tmp_path: Path) -> None:
    import geopandas as gpd
    import pandas as pd

    scenario = write_synthetic(tmp_path / "synth", days=12)
    area = g.area_on("2030-01-05", scenario.snapshots)
    assert str(area.date) == "2030-01-05" and area.area_km2 > 0
    geo = area.to_geo()
    assert isinstance(geo, gpd.GeoDataFrame) and geo.crs.to_epsg() == 4326
    snaps = g.read_snapshots(scenario.snapshots)
    assert len(snaps) == 12 and isinstance(snaps.to_frame(), pd.DataFrame)
    changes = g.changes_between("2030-01-01", "2030-01-12", per="day", snapshots=snaps)
    assert changes.gained_km2 > 0
    assert list(changes.to_geo()["change"]) == ["gained", "lost"]
    assert len(changes.to_frame("periods")) >= 1
    series = g.area_series(snapshots=snaps, cache=tmp_path / "cache.sqlite")
    frame = series.to_frame()
    assert len(frame) == 12 and frame.index.name == "period"
    with pytest.raises(ValueError, match="no spatial table"):
        series.to_geo()
    report = g.write_export(tmp_path / "a.gpkg", area)
    assert report.tables == (("control", 1),)
    line = g.violations(scenario.agreed_on, snapshots=snaps)
    assert line.status in ("breached", "complied")
    assert [t.name for t in line.tables()] == ["incidents", "agreed_line", "control_last"]
    assert len(line.to_geo()) == len(line.incidents)


@pytest.mark.data
@pytest.mark.slow
def test_the_python_tour_runs(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUARANTOR_DATA", str(shared_data))
    monkeypatch.setenv("TOUR_OUT", str(tmp_path))
    if "XDG_CACHE_HOME" not in os.environ:  # the snapshot store: never the user's own cache
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    runpy.run_path(str(ROOT / "docs" / "examples" / "python_tour.py"), run_name="__main__")
    import pyogrio

    layers = [name for name, _ in pyogrio.list_layers(tmp_path / "violations.gpkg")]
    assert layers == ["incidents", "agreed_line", "control_last"]
    assert (tmp_path / "violations.xlsx").exists() and (tmp_path / "tour.sqlite").exists()
