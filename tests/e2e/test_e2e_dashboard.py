"""The dashboard and the report in headless Chromium (Debian's), driven by playwright-core from web/.

Each test of dashboard.e2e.mjs runs as one pytest test against a live server on loopback that
serves a SYNTHETIC scenario (generated here) with a real SQLite ledger and real tokens.
Screenshots land in tests/_artifacts/e2e/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from guarantor.report.pdf import find_chromium

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
SCRIPT = Path(__file__).with_name("dashboard.e2e.mjs")
ARTIFACTS = REPO / "tests" / "_artifacts" / "e2e"
AGREEMENT = REPO / "examples" / "agreements" / "aug2025_article5_like.yaml"


def _names() -> list[str]:
    return re.findall(r'^test\("([^"]+)"', SCRIPT.read_text(encoding="utf-8"), re.M)


@dataclass
class Live:
    url: str
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A dashboard server on loopback over a synthetic scenario, with tokens for three parties."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests need it")
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed; the browser tests run playwright-core under node")
    if (
        not (WEB / "node_modules" / "playwright-core").is_dir()
        or not (WEB / "node_modules" / "axe-core").is_dir()
    ):
        pytest.skip("web/node_modules lacks playwright-core/axe-core: run `npm ci --prefix web`")
    import uvicorn

    from guarantor.api.app import create_app
    from guarantor.api.dashboard import DashboardConfig, include_dashboard
    from guarantor.ledger.access import add_party, issue_token
    from guarantor.ledger.database import open_engine
    from guarantor.ledger.kiel import import_kiel
    from guarantor.report.build import write_report
    from guarantor.report.request import ReportRequest
    from guarantor.territory.boundaries import UNITS_DEFAULT
    from guarantor.territory.inputs import PLACES
    from guarantor.territory.synthetic import START, write_synthetic

    tmp = tmp_path_factory.mktemp("e2e")
    scenario = write_synthetic(tmp / "synthetic", days=30)
    basemap = tmp / "basemap"  # a data folder's boundaries and places, over Synthland
    (basemap / "boundaries").mkdir(parents=True)
    (basemap / "population").mkdir()
    shutil.copy(scenario.units, basemap / "boundaries" / UNITS_DEFAULT.split("/")[-1])
    shutil.copy(scenario.places, basemap / PLACES)
    engine = open_engine(str(tmp / "ledger.sqlite"))
    for party in ("EU", "FR", "MON", "France", "Atlantis"):
        add_party(engine, party)
    kiel = tmp / "data_explorer.csv"  # SYNTHETIC figures in the Kiel tracker's columns
    kiel.write_text(
        '"country","iso","year","month","total","financial","humanitarian","military","commitments","to_be_allocated","gdp","pct_gdp"\n'
        '"United States","USA",2029,1,4.5,1,0.5,3,6,1.5,100,1.5\n'
        '"Germany","DEU",2029,2,2.5,1,0.5,1,3,0.5,100,1\n'
        '"France","FRA",2030,1,1.5,1,0,0.5,2,0.5,100,1\n'
    )
    import_kiel(engine, kiel)
    events = tmp / "events.jsonl"  # SYNTHETIC events in Synthland, by actors no trigger names
    events.write_text(
        "".join(
            json.dumps(
                {
                    "source": "e2e",
                    "id": f"ev{k}",
                    "start": f"2030-01-{day}T06:00:00Z",
                    "type": kind,
                    "actors": [actor],
                    "fatalities": fat,
                    "lat": 48.0 + k * 0.3,
                    "lon": 32.0 + k * 0.3,
                }
            )
            + "\n"
            for k, (day, kind, actor, fat) in enumerate(
                [
                    (25, "battle", "Alpha force", 5),
                    (28, "remote_violence", "Beta group", 0),
                    (29, "battle", "Beta group", 12),
                ]
            )
        )
    )
    tokens = {
        "TOKEN_COMMISSION": issue_token(engine, "EU", "commission"),
        "TOKEN_GUARANTOR": issue_token(engine, "FR", "guarantor"),
        "TOKEN_MONITOR": issue_token(engine, "MON", "monitor"),
        "TOKEN_FRANCE": issue_token(engine, "France", "guarantor"),
        "TOKEN_UNKNOWN": issue_token(engine, "Atlantis", "guarantor"),
    }
    app = create_app(engine=engine)
    include_dashboard(
        app,
        DashboardConfig(
            territory=scenario.snapshots,
            agreement=AGREEMENT,
            start=START,
            end=date(2030, 1, 30),
            border=scenario.border,
            cache=tmp / "layers.sqlite",
            poll_seconds=0.2,
            basemap_dir=basemap,
            events=[events],
        ),
        background=False,
    )
    report = tmp / "report.html"
    write_report(
        ReportRequest(
            agreement=AGREEMENT, territory=scenario.snapshots, start=START, border=scenario.border
        ),
        report,
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the dashboard server did not start within 20 s")
        time.sleep(0.05)
    env = {
        **os.environ,
        **tokens,
        "DASHBOARD_URL": f"http://127.0.0.1:{port}",
        "GUARANTOR_PARTY": "FR",
        "MONITOR_PARTY": "MON",
        "ARTIFACTS": str(ARTIFACTS),
        "CHROMIUM": chromium,
        "WEB_DIR": str(WEB),
        "REPORT_HTML": str(report),
    }
    try:
        yield Live(env["DASHBOARD_URL"], env)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="module")
def results(live: Live) -> dict[str, tuple[bool, str]]:
    """Run every browser scenario once (one node process, one browser); outcome and TAP text per test."""
    done = subprocess.run(
        ["node", "--test", "--test-reporter=tap", str(SCRIPT)],
        env=live.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out: dict[str, tuple[bool, str]] = {}
    blocks = re.split(r"^# Subtest: ", done.stdout, flags=re.M)[1:]
    for block in blocks:
        name = block.splitlines()[0].strip()
        out[name] = (bool(re.search(rf"^ok \d+ - {re.escape(name)}", block, re.M)), block)
    if not out:
        pytest.fail(f"the browser tests did not run:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return out


@pytest.mark.parametrize("name", _names())
def test_e2e(results: dict[str, tuple[bool, str]], name: str) -> None:
    """One browser scenario of dashboard.e2e.mjs."""
    assert name in results, f"scenario did not run: {name}"
    ok, text = results[name]
    assert ok, text[-4000:]
