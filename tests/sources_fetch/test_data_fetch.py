"""`guarantor data fetch` against local HTTP servers: faults, resume, conditional requests, status."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from tests.cli_app import cli_app
from tests.sources_fetch.server import Fault, Server, Site
from typer.testing import CliRunner

from guarantor.sources.catalogue import (
    DEEPSTATE_DAILY,
    ContentKind,
    ContentRule,
    Reshape,
    SourceName,
)
from guarantor.sources.datafetch import fetch_sources
from guarantor.sources.download import (
    DownloadError,
    DownloadOutcome,
    DownloadRequest,
    RetryPolicy,
    download,
    part_path,
)
from guarantor.sources.reshape import reshape
from guarantor.sources.status import data_status

NO_WAIT = RetryPolicy(attempts=4, sleep=lambda _s: None)
FIRST = DEEPSTATE_DAILY.first
TODAY = FIRST + timedelta(days=3)


def _fc(i: int) -> bytes:
    ring = [[30.0, 48.0], [30.0 + 0.1 * (i + 1), 48.0], [30.0, 48.5], [30.0, 48.0]]
    geom = {"type": "MultiPolygon", "coordinates": [[ring]]}
    feature = {"type": "Feature", "properties": {}, "geometry": geom}
    padding = " " * 20_000  # big enough that a dropped connection leaves a real part behind
    return (json.dumps({"type": "FeatureCollection", "features": [feature]}) + padding).encode()


def _layout() -> dict[str, bytes]:
    """A mirror in the shared-data layout (generated, small)."""
    files = {}
    for i in range(4):
        day = FIRST + timedelta(days=i)
        if i == 2:
            continue  # a day never published
        files[f"frontline/cyterat_daily/{day:deepstatemap_data_%Y%m%d.geojson}"] = _fc(i)
    events = "id,country,date_start,date_end,best\n1,Ukraine,2022-02-24 00:00:00.000,2022-02-24,3\n"
    events += "2,Ukraine,2023-03-31 00:00:00.000,2023-03-31,1\n"
    files["events/ucdp_ged_ukraine.csv.gz"] = gzip.compress(events.encode(), mtime=0)
    files["aid_kiel_ust/data_explorer.csv"] = (
        b'"country","iso","year","month","military"\n"A","AAA",2022,2,1\n"A","AAA",2026,4,2\n'
    )
    files["boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson"] = _fc(9)
    files["boundaries/geoBoundaries-UKR-ADM1_simplified.geojson"] = _fc(8)
    files["population/geonames_ua_cities1000.csv"] = b"geonameid,name\n703448,Kyiv\n"
    return files


@pytest.fixture()
def site() -> Iterator[tuple[Site, Server]]:
    s = Site(files=_layout())
    server = Server(s)
    yield s, server
    server.close()


def _fetch(server: Server, cache: Path, *only: SourceName):  # type: ignore[no-untyped-def]
    return fetch_sources(
        list(only), cache, mirror=server.url, today=TODAY, retry=NO_WAIT, timeout=5
    )


def test_everything_then_only_what_is_new(site: tuple[Site, Server], tmp_path: Path) -> None:
    s, server = site
    cache = tmp_path / "cache"
    first = _fetch(server, cache)
    assert not first.failed, first.to_json()
    by = {r.source: r for r in first.sources}
    assert len(by[SourceName.territory].downloaded) == 3
    assert by[SourceName.territory].missing == [(FIRST + timedelta(days=2)).isoformat()]
    for path, body in s.files.items():
        assert (cache / path).read_bytes() == body
    hits = sum(s.hits.values())
    again = _fetch(server, cache)
    assert not again.failed
    assert all(not r.downloaded for r in again.sources)
    # daily files are immutable (no request); the others are asked conditionally and get 304s;
    # the missing day is asked again (it may be published late)
    assert set(s.not_modified) == {p for p in s.files if "cyterat_daily" not in p}
    assert sum(s.hits.values()) - hits == len(s.not_modified) + 1
    assert not list(cache.rglob("*.part"))


def test_a_changed_file_is_fetched_again(site: tuple[Site, Server], tmp_path: Path) -> None:
    s, server = site
    cache = tmp_path / "cache"
    _fetch(server, cache, SourceName.aid)
    s.files["aid_kiel_ust/data_explorer.csv"] += b'"B","BBB",2026,5,3\n'
    second = _fetch(server, cache, SourceName.aid)
    assert second.sources[0].downloaded == ["aid_kiel_ust/data_explorer.csv"]
    assert (cache / "aid_kiel_ust/data_explorer.csv").read_bytes().endswith(b"2026,5,3\n")


def test_a_dropped_connection_resumes_with_range(site: tuple[Site, Server], tmp_path: Path) -> None:
    s, server = site
    name = f"frontline/cyterat_daily/{FIRST:deepstatemap_data_%Y%m%d.geojson}"
    s.faults[name] = Fault.drop
    cache = tmp_path / "cache"
    summary = _fetch(server, cache, SourceName.territory)
    assert not summary.failed
    assert s.ranges == [name]
    assert (cache / name).read_bytes() == s.files[name]


def test_500_then_200_is_retried(site: tuple[Site, Server], tmp_path: Path) -> None:
    s, server = site
    s.faults["events/ucdp_ged_ukraine.csv.gz"] = Fault.error_then_ok
    summary = _fetch(server, tmp_path / "cache", SourceName.events)
    assert not summary.failed
    assert s.hits["events/ucdp_ged_ukraine.csv.gz"] == 3


def test_a_truncated_file_is_refused_and_named(site: tuple[Site, Server], tmp_path: Path) -> None:
    s, server = site
    s.faults["events/ucdp_ged_ukraine.csv.gz"] = Fault.truncate
    cache = tmp_path / "cache"
    summary = _fetch(server, cache, SourceName.events)
    (failure,) = summary.failed[0].failed
    assert failure.startswith("events: http://") and "truncated" in failure
    assert not (cache / "events/ucdp_ged_ukraine.csv.gz").exists()
    assert not list(cache.rglob("*.part"))


def test_an_html_error_page_is_refused(site: tuple[Site, Server], tmp_path: Path) -> None:
    s, server = site
    s.faults["boundaries/geoBoundaries-UKR-ADM1_simplified.geojson"] = Fault.html
    summary = _fetch(server, tmp_path / "cache", SourceName.boundaries)
    assert "HTML" in summary.failed[0].failed[0]
    assert (tmp_path / "cache/boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson").exists()


def test_wrong_json_and_size_and_checksum(site: tuple[Site, Server], tmp_path: Path) -> None:
    s, server = site
    s.files["x.geojson"] = b'{"type": "Feature"}'
    client = httpx.Client(timeout=5)
    rule = ContentRule(ContentKind.geojson)
    with pytest.raises(DownloadError, match="not a GeoJSON FeatureCollection"):
        download(
            client,
            DownloadRequest("t", f"{server.url}/x.geojson", tmp_path / "x", rule),
            retry=NO_WAIT,
        )
    good = "frontline/cyterat_daily/" + f"{FIRST:deepstatemap_data_%Y%m%d.geojson}"
    req = DownloadRequest("t", f"{server.url}/{good}", tmp_path / "y", rule, size=5)
    with pytest.raises(DownloadError, match="were expected"):
        download(client, req, retry=NO_WAIT)
    req = DownloadRequest("t", f"{server.url}/{good}", tmp_path / "y", rule, sha256="0" * 64)
    with pytest.raises(DownloadError, match="sha256"):
        download(client, req, retry=NO_WAIT)
    assert not (tmp_path / "y").exists() and not part_path(tmp_path / "y").exists()
    assert (
        download(client, DownloadRequest("t", f"{server.url}/nope", tmp_path / "z", rule))
        is DownloadOutcome.missing
    )


def test_offline_fails_with_exit_3_naming_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUARANTOR_CACHE", str(tmp_path / "c"))
    result = CliRunner().invoke(
        cli_app(),
        [
            "data",
            "fetch",
            "--only",
            "aid",
            "--mirror",
            "http://127.0.0.1:9",
            "--timeout",
            "1",
            "--retries",
            "1",
        ],
    )
    assert result.exit_code == 3
    assert "aid: http://127.0.0.1:9/aid_kiel_ust/data_explorer.csv" in result.output


def test_cli_fetch_then_status_json(
    site: tuple[Site, Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _s, server = site
    monkeypatch.setenv("GUARANTOR_CACHE", str(tmp_path / "c"))
    monkeypatch.delenv("GUARANTOR_DATA", raising=False)
    result = CliRunner().invoke(
        cli_app(),
        [
            "data",
            "fetch",
            "--only",
            "aid",
            "--only",
            "events",
            "--mirror",
            server.url,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    cache = tmp_path / "c" / "data"
    status = CliRunner().invoke(
        cli_app(), ["data", "status", "--data", str(cache), "--format", "json"]
    )
    assert status.exit_code == 0, status.output
    rows = {r["source"]: r for r in json.loads(status.stdout)}
    assert set(rows) == {s.value for s in SourceName}
    assert all(set(r) == {"source", "first", "last", "path", "licence"} for r in rows.values())
    assert rows["events"] | {"licence": ""} == {
        "source": "events",
        "first": "2022-02-24",
        "last": "2023-03-31",
        "path": str(cache / "events/ucdp_ged_ukraine.csv.gz"),
        "licence": "",
    }
    assert (rows["aid"]["first"], rows["aid"]["last"]) == ("2022-02-01", "2026-04-30")


def test_status_reads_a_fetched_daily_folder(site: tuple[Site, Server], tmp_path: Path) -> None:
    _s, server = site
    cache = tmp_path / "cache"
    _fetch(server, cache, SourceName.territory)
    (row,) = [r for r in data_status(cache) if r.source is SourceName.territory]
    assert (row.first, row.last) == (FIRST, FIRST + timedelta(days=3))
    assert row.path == cache / "frontline/cyterat_daily"


def test_reshape_upstream_files(tmp_path: Path) -> None:
    ged = "id,country,date_start\n1,Ukraine,2024-01-01\n2,Syria,2024-01-02\n"
    zpath = tmp_path / "ged.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("GEDEvent_v24_1.csv", ged)
    assert reshape(Reshape.ucdp_ukraine, zpath, tmp_path / "u.csv.gz", "events") == 1
    assert b"Syria" not in gzip.decompress((tmp_path / "u.csv.gz").read_bytes())
    ne = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ADM0_A3": "UKR"}, "geometry": None},
        {"type": "Feature", "properties": {"ADM0_A3": "POL"}, "geometry": None},
    ]}  # fmt: skip
    (tmp_path / "ne.geojson").write_text(json.dumps(ne))
    assert (
        reshape(Reshape.natural_earth_ukraine, tmp_path / "ne.geojson", tmp_path / "b.geojson", "b")
        == 1
    )
    rows = ["703448\tKyiv\tKyiv\t\t50.45\t30.52\tP\tPPLC\tUA\t\t12\t\t\t\t2952301",
            "1\tHamlet\tHamlet\t\t50\t30\tP\tPPL\tUA\t\t12\t\t\t\t20"]  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("UA.txt", "\n".join(rows))
    (tmp_path / "UA.zip").write_bytes(buf.getvalue())
    assert reshape(Reshape.geonames_ukraine, tmp_path / "UA.zip", tmp_path / "g.csv", "p") == 1
    assert (tmp_path / "g.csv").read_text().splitlines()[1].endswith(",12,UA-30")


def test_a_broken_upstream_is_refused_by_reshape(tmp_path: Path) -> None:
    (tmp_path / "ne.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(Exception, match="boundaries: cannot reshape"):
        reshape(
            Reshape.natural_earth_ukraine, tmp_path / "ne.geojson", tmp_path / "b", "boundaries"
        )
    assert not (tmp_path / "b").exists()


def test_today_default_is_not_in_the_past() -> None:
    assert DEEPSTATE_DAILY.first < date.today()
