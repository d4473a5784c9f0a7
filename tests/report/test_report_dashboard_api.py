"""The dashboard's API routes over a SYNTHETIC scenario, a real SQLite ledger and real tokens."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from guarantor.api.app import create_app
from guarantor.api.dashboard import DashboardConfig, DashboardData, _visible, include_dashboard
from guarantor.errors import UserError
from guarantor.ledger.access import Principal, TokenRole, add_party, issue_token
from guarantor.ledger.chain import StoredRecord
from guarantor.ledger.database import open_engine


@pytest.fixture(scope="module")
def client(synthetic: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("dash")
    engine = open_engine(str(tmp / "ledger.sqlite"))
    for party in ("EU", "FR", "PL"):
        add_party(engine, party)
    tokens = {
        "commission": issue_token(engine, "EU", "commission"),
        "fr": issue_token(engine, "FR", "guarantor"),
        "pl": issue_token(engine, "PL", "guarantor"),
    }
    app = create_app(engine=engine)
    include_dashboard(
        app,
        DashboardConfig(
            territory=synthetic.snapshots,
            agreement=synthetic.agreement,
            start=date(2030, 1, 1),
            border=synthetic.border,
            cache=tmp / "layers.sqlite",
        ),
        background=False,
    )
    with TestClient(app) as c:
        c.tokens = tokens  # type: ignore[attr-defined]
        yield c
    engine.dispose()


def _auth(client: Any, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.tokens[who]}"}


def test_index_and_assets_are_served(client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<div id="map"' in page.text
    assets = [a for a in page.text.split('"') if a.startswith("./assets/")]
    assert assets
    for asset in assets:
        assert client.get(asset[1:]).status_code == 200


def test_config_lists_every_snapshot_with_area(client: Any) -> None:
    cfg = client.get("/v1/dashboard/config").json()
    assert len(cfg["snapshots"]) == 30
    assert cfg["snapshots"][0]["date"] == "2030-01-01"
    assert cfg["line_index"] == 0
    assert cfg["errors"] == []
    areas = [s["area_km2"] for s in cfg["snapshots"]]
    assert areas[15] > areas[0]  # the obligor advanced
    assert cfg["tile_url"] is None  # offline by default
    # coverage per source: the synthetic snapshots cover the period, no event file was given
    assert cfg["coverage"]["territory"]["covers_period"] is True
    assert cfg["coverage"]["events"]["first"] is None
    assert cfg["status"] == "partial"
    assert cfg["agreed_line"]["basis"] == "snapshot"
    assert all(r["direction"] == "all" for r in cfg["breach_series"])


def test_snapshot_levels_are_simplified_geojson(client: Any) -> None:
    sizes = []
    for level in range(3):
        r = client.get(f"/v1/dashboard/snapshots/29?level={level}")
        assert r.status_code == 200
        geom = r.json()
        assert geom["type"] in ("Polygon", "MultiPolygon")
        sizes.append(len(r.content))
    assert sizes[0] < sizes[2]


def test_unknown_snapshot_and_bad_level_are_readable_errors(client: Any) -> None:
    r = client.get("/v1/dashboard/snapshots/999")
    assert r.status_code == 404
    assert r.json()["detail"] == "no snapshot 999 (there are 30)"
    assert client.get("/v1/dashboard/snapshots/0?level=7").status_code == 422


def test_incident_evidence_cites_its_activations(client: Any) -> None:
    ev = client.get("/v1/dashboard/evidence").json()
    assert ev["incidents"]
    cited = [i for i in ev["incidents"] if i["cited_by"]]
    assert cited
    assert all("merged_into" in i and "merged_from" in i for i in ev["incidents"])
    one = client.get(f"/v1/dashboard/evidence/{cited[0]['id']}").json()
    assert one["first_seen"].startswith("2030-01-")
    assert any("additional-territory" in c for c in one["cited_by"])
    assert client.get("/v1/dashboard/evidence/nope").status_code == 404


def test_duties_need_a_token(client: Any) -> None:
    r = client.get("/v1/dashboard/duties")
    assert r.status_code == 401
    assert "bearer token" in r.json()["detail"]


def test_a_guarantor_sees_only_its_own_obligations(client: Any) -> None:
    everyone = client.get("/v1/dashboard/duties", headers=_auth(client, "commission")).json()
    parties = {o["party"] for o in everyone["obligations"]}
    assert {"FR", "PL"} <= parties
    fr = client.get("/v1/dashboard/duties", headers=_auth(client, "fr")).json()
    assert fr["obligations"]
    assert {o["party"] for o in fr["obligations"]} == {"FR"}
    assert fr["activations"] == everyone["activations"]


def test_whatif_without_the_us(client: Any) -> None:
    r = client.post(
        "/v1/dashboard/whatif", json={"without": ["US"]}, headers=_auth(client, "commission")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [v["label"] for v in body["variants"]] == ["all parties", "without US"]
    assert body["variants"][1]["without"] == ["US"]
    fr = client.post(
        "/v1/dashboard/whatif", json={"without": ["US"]}, headers=_auth(client, "fr")
    ).json()
    for variant in fr["variants"]:
        assert {t["party"] for t in variant["plan"]["tasking"]} <= {"FR"}


def test_whatif_is_open_to_anyone_without_the_tasking(client: Any) -> None:
    """The agreement is public and planning is read-only: no token needed; a plan's tasking (what
    each party would send) stays with the parties it names."""
    anon = client.post("/v1/dashboard/whatif", json={"without": ["United States"]})
    assert anon.status_code == 200, anon.text
    body = anon.json()
    assert body["party"] is None
    assert [v["without"] for v in body["variants"]] == [[], ["US"]]
    assert all(v["plan"]["tasking"] == [] for v in body["variants"])
    full = client.post(
        "/v1/dashboard/whatif", json={"without": ["US"]}, headers=_auth(client, "commission")
    ).json()
    coverage = [v["plan"]["coverage_pct"] for v in full["variants"]]
    assert [v["plan"]["coverage_pct"] for v in body["variants"]] == coverage
    r = client.post("/v1/dashboard/whatif", json={"without": ["Atlantis"]})
    assert r.status_code == 422 and "did you mean" not in r.json()["detail"]
    r = client.post("/v1/dashboard/whatif", json={"without": ["Frnace"]})
    assert r.status_code == 422 and "did you mean 'FR' (France)?" in r.json()["detail"]


def test_public_whatif_is_bounded_to_one_at_a_time(client: Any) -> None:
    """Without a token, a new question waits for none: while one is planned, another is a 429
    (a repeat is answered from the cache; a token plans regardless)."""
    data = client.app.state.dashboard
    with data.lock:
        data.whatifs.clear()
    assert data.public_whatif.acquire(blocking=False)
    try:
        r = client.post("/v1/dashboard/whatif", json={"without": ["PL"]})
        assert r.status_code == 429 and r.headers["Retry-After"] == "5"
        ok = client.post(
            "/v1/dashboard/whatif", json={"without": ["PL"]}, headers=_auth(client, "fr")
        )
        assert ok.status_code == 200
        again = client.post("/v1/dashboard/whatif", json={"without": ["pl"]})  # cached now
        assert again.status_code == 200
    finally:
        data.public_whatif.release()


def test_whatif_rejects_unknown_parties(client: Any) -> None:
    r = client.post(
        "/v1/dashboard/whatif", json={"without": ["XX"]}, headers=_auth(client, "commission")
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("'XX' is not a party of the agreement")


def test_not_ready_is_a_readable_503(
    synthetic: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DashboardData, "start", lambda self: None)  # never finishes preparing
    app = create_app(engine=open_engine(str(tmp_path / "l.sqlite")))
    include_dashboard(app, DashboardConfig(territory=synthetic.snapshots))
    with TestClient(app) as c:
        r = c.get("/v1/dashboard/config")
        assert r.status_code == 503
        assert "still preparing" in r.json()["detail"]
        assert c.get("/v1/dashboard/status").json()["ready"] is False


def test_missing_inputs_are_reported_not_fatal(tmp_path: Path) -> None:
    app = create_app(engine=open_engine(str(tmp_path / "l.sqlite")))
    include_dashboard(app, DashboardConfig(territory=tmp_path / "nowhere"), background=False)
    with TestClient(app) as c:
        cfg = c.get("/v1/dashboard/config").json()
    assert cfg["snapshots"] == []
    assert any("territory snapshots" in e for e in cfg["errors"])
    assert any("no agreement configured" in e for e in cfg["errors"])


def _record(kind: str, payload: dict[str, Any]) -> StoredRecord:
    return StoredRecord(
        1, kind, "EU", None, json.dumps(payload), "[]", None, "2030-01-01T00:00:00Z", "", ""
    )


def test_live_feed_shows_a_party_only_its_obligations() -> None:
    fr = Principal("FR", TokenRole.guarantor, 1)
    mon = Principal("MON", TokenRole.monitor, 2)
    theirs = _record("obligation", {"party": "PL", "action": "consult"})
    mine = _record("obligation", {"party": "FR", "action": "consult"})
    act = _record("activation", {"trigger": "t", "level": "consult"})
    assert _visible(theirs, fr) is None
    assert _visible(mine, fr) is not None
    assert _visible(theirs, mon) is not None
    assert _visible(act, fr) == {
        "seq": 1,
        "kind": "activation",
        "party": "EU",
        "recorded_at": "2030-01-01T00:00:00Z",
        "payload": {"trigger": "t", "level": "consult"},
    }
    assert _visible(_record("commitment", {}), mon) is None


def test_party_by_name_or_iso_code_and_unknown_is_422(client: Any) -> None:
    """A party named FR, France, FRA or fr narrows the duties to FR; an unknown name is a 422."""
    for name in ("FR", "France", "FRA", "fr"):
        r = client.get(f"/v1/dashboard/duties?party={name}", headers=_auth(client, "commission"))
        assert r.status_code == 200, r.text
        parties = {o["party"] for o in r.json()["obligations"]}
        assert parties == {"FR"}, (name, parties)
    r = client.get("/v1/dashboard/duties?party=Atlantis", headers=_auth(client, "commission"))
    assert r.status_code == 422
    assert "'Atlantis' is not a party of the agreement" in r.json()["detail"]
    r = client.post(
        "/v1/dashboard/whatif",
        json={"without": ["United States"]},
        headers=_auth(client, "commission"),
    )
    assert r.status_code == 200 and r.json()["variants"][1]["without"] == ["US"]


def test_change_between_two_snapshots_has_gained_and_lost_areas(client: Any) -> None:
    n = len(client.get("/v1/dashboard/config").json()["snapshots"])
    fc = client.get(f"/v1/dashboard/change?from=0&to={n - 1}").json()
    kinds = {f["properties"]["change"]: f["properties"]["area_km2"] for f in fc["features"]}
    assert set(kinds) == {"gained", "lost"}
    assert kinds["gained"] > 0  # Synthland's obligor advances over the month
    assert client.get(f"/v1/dashboard/change?from=0&to={n + 5}").status_code == 404


def test_map_png_and_no_basemap_without_a_data_folder(client: Any) -> None:
    r = client.get("/v1/dashboard/map.png?index=0")
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/v1/dashboard/basemap").status_code == 404
    assert client.get("/v1/dashboard/config").json()["has_basemap"] is False


def test_aid_needs_a_token_and_reads_the_ledger(client: Any) -> None:
    assert client.get("/v1/dashboard/aid").status_code == 401
    body = client.get("/v1/dashboard/aid", headers=_auth(client, "commission")).json()
    assert body == {"donors": [], "years": []}  # this ledger holds parties and tokens only


def test_a_token_registered_as_france_is_fr(synthetic: Any, tmp_path: Path) -> None:
    """A token issued to "France" (as the README tour registers it) reads FR's duties, writes
    records as FR by any spelling, and cannot write as another party."""
    engine = open_engine(str(tmp_path / "ledger.sqlite"))
    add_party(engine, "France")
    assert not add_party(engine, "fra")  # the same party by its ISO code
    token = issue_token(engine, "FR", "guarantor")  # issued to the registered "France"
    assert issue_token(engine, "France", "observer").startswith("gt_")
    with pytest.raises(UserError, match="did you mean 'France'"):
        issue_token(engine, "Frnace", "guarantor")
    app = create_app(engine=engine)
    include_dashboard(
        app,
        DashboardConfig(
            territory=synthetic.snapshots,
            agreement=synthetic.agreement,
            start=date(2030, 1, 1),
            border=synthetic.border,
            cache=tmp_path / "layers.sqlite",
        ),
        background=False,
    )
    h = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as c:
        duties = c.get("/v1/dashboard/duties", headers=h).json()
        assert duties["party"] == "FR" and duties["obligations"]
        assert {o["party"] for o in duties["obligations"]} == {"FR"}
        for spelling in ("FR", "FRA", "france"):
            r = c.post("/v1/acts", json={"party": spelling, "act": "consultation_held"}, headers=h)
            assert r.status_code == 201, r.text
            assert r.json()["record"]["party"] == "France"
        r = c.post("/v1/acts", json={"party": "PL", "act": "consultation_held"}, headers=h)
        assert r.status_code == 403
    engine.dispose()
