"""A tour of the Python API, notebook-style (cells marked `# %%`; VS Code and Jupytext open it as a
notebook). It runs top to bottom on the real data in ../shared/data (or GUARANTOR_DATA) and is run
by tests/test_python_api.py. See docs/python.md.
"""

# %% Setup: the repository's examples and the data folder
import os
import tempfile
from pathlib import Path

import pandas as pd

import guarantor as g

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 8)

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("GUARANTOR_DATA", ROOT.parent / "shared" / "data"))
OUT = Path(os.environ.get("TOUR_OUT") or tempfile.mkdtemp(prefix="guarantor-tour-"))
CYTERAT = sorted((DATA / "frontline").glob("deepstate_cyterat_daily_*.tar.xz"))[-1]

# %% An agreement, as the spec room reads it (errors carry file:line:column)
agreement = g.load_agreement(ROOT / "examples/agreements/aug2025_article5_like.yaml")
print(agreement.id, "-", len(agreement.parties), "parties")

# %% Places, not coordinates: the GeoNames gazetteer with oblast names
print(g.places("Pokrovsk", limit=3).to_frame()[["name", "population", "unit"]])
print(g.places(near=(48.28, 37.18), limit=3).to_frame()[["name", "distance_km", "unit"]])

# %% Snapshots: the cyterat daily DeepState files, one per day
snapshots = g.read_snapshots(CYTERAT, data=DATA)
print(len(snapshots), "days,", snapshots.dates[0], "..", snapshots.dates[-1])

# %% Control on a date, as a number and as a polygon (GeoDataFrame, EPSG:4326)
area = g.area_on("2025-08-15", CYTERAT, data=DATA)
print(f"{area.date}: {area.area_km2:,.0f} km² ({area.share_pct:.2f} % of Ukraine)")
print(area.to_geo().geometry.iloc[0].geom_type)

# %% Gross changes between two dates, per week, with the change polygons
changes = g.changes_between("2025-08-15", "2025-09-15", per="week", snapshots=snapshots)
print(f"gained {changes.gained_km2:,.1f} km², lost {changes.lost_km2:,.1f} km²")
print(changes.to_frame("periods")[["period", "gained_km2", "lost_km2", "net_km2"]])
print(changes.to_geo()[["change", "area_km2"]])

# %% The daily area series (sums of daily gross changes), as a DataFrame indexed by day
series = g.area_series(start="2025-08-01", end="2025-08-31", snapshots=snapshots)
print(series.to_frame()[["area_end_km2", "gained_km2", "lost_km2"]].tail(5))

# %% Advances beyond the line of 15 August 2025, described by places
line = g.violations("2025-08-15", until="2025-09-15", snapshots=snapshots)
print(line.status, "- first confirmed", line.breached_at)
incidents = line.to_geo()
print(incidents[["id", "side", "area_km2", "near", "units_named"]].head())

# %% Files analysts' tools open: one layer per table (incidents, agreed line, control)
print(g.write_export(OUT / "violations.gpkg", line, force=True).line())
print(line.write(OUT / "violations.xlsx", force=True).line())

# %% Replay history against a guarantee (UCDP events, a year of Minsk II)
replayed = g.replay(
    ROOT / "examples/agreements/minsk2_era_guarantee.yaml",
    "2015-02-15",
    "2016-02-14",
    events=[DATA / "events/ucdp_ged_ukraine_2014-2023Q1_peacerep.csv.gz"],
    actors=ROOT / "examples/actors/ucdp_ukraine.yaml",
)
activations = replayed.to_frame("activations")
print(len(activations), "activations; where the first ones' evidence lies:")
print(activations[["time", "trigger", "level", "near"]].head(3))
print(replayed.to_frame()[["party", "action", "due", "status"]].head(3))

# %% Plan a response: who sends what, where, by when
plan = g.plan_response(ROOT / "examples/agreements/paris_declaration_2026.yaml", "mnf-presence")
print(f"coverage {plan.coverage_pct:.1f} %")
print(plan.to_frame()[["party", "capability", "quantity", "where"]].head())

# %% The ledger: the Kiel tracker imported, totals per group (EUR bn)
database = f"sqlite:///{OUT / 'tour.sqlite'}"
print(
    g.import_kiel_tracker(DATA / "aid_kiel_ust/data_explorer.csv", database)["appended"], "records"
)
ledger = g.read_ledger(database)
print(ledger.to_frame()[["donor", "group"]].head(3))
print(len(ledger.records), "records;", [r["group"] for r in ledger.totals(by="group")])
