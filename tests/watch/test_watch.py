"""`guarantor watch`: incremental ticks, signed idempotent records, webhooks, health and metrics."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from tests.cli_app import cli_app
from tests.watch.conftest import AGREEMENT, Feed, Receiver, write_config
from typer.testing import CliRunner

from guarantor.errors import UserError
from guarantor.ledger.chain import verify
from guarantor.monitor.geography import Geography, read_geojson_geometry
from guarantor.obligations.replay import replay
from guarantor.spec.load import load_agreement
from guarantor.watch.config import load_config
from guarantor.watch.service import Watcher, serve_http


def _watcher(config: Path) -> Watcher:
    return Watcher(load_config(config), sleep=lambda _s: None)


def _keys(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [k for (k,) in conn.execute("select key from records where kind like 'watch_%'")]


def test_ticks_feed_only_new_days_and_record_once(feed: Feed) -> None:
    config = write_config(feed)
    feed.publish(0, 12)
    w = _watcher(config)
    first = w.tick()
    assert first.failures == []
    assert w.health["syn"].data_through == date(2030, 1, 12)
    again = w.tick()  # nothing new: no evaluation, nothing recorded
    assert again.recorded == {"syn": 0}
    feed.publish(12, 30)
    third = w.tick()
    assert third.recorded["syn"] > 0
    keys = _keys(feed.root / "ledger.sqlite")
    assert len(keys) == len(set(keys))
    kinds = Counter(k.split(":")[3] for k in keys)
    assert kinds["activation"] == 2 and kinds["owed"] > 0
    report = verify(w.recorder.engine)
    assert report.ok and report.as_dict()["signatures_checked"] == len(keys) + 1
    w.close()


def test_the_watch_finds_what_replay_finds(feed: Feed) -> None:
    config = write_config(feed)
    feed.publish(0, 30)
    w = _watcher(config)
    w.tick()
    w.close()
    with sqlite3.connect(feed.root / "ledger.sqlite") as conn:
        recorded = sorted(
            (p["trigger"], p["level"], p["time"])
            for (p,) in (
                (json.loads(t),)
                for (t,) in conn.execute(
                    "select payload from records where kind = 'watch_activation'"
                )
            )
        )
    geo = Geography(border=read_geojson_geometry(feed.scenario.border))
    result = replay(
        load_agreement(AGREEMENT), date(2030, 1, 1), date(2030, 1, 30), (), None, geo, feed.live,
        attacks_from_territory=True,
    )  # fmt: skip
    expected = sorted(
        (a.trigger, a.level.value, a.time.isoformat().replace("+00:00", "Z"))
        for a in result.monitor.activations
    )
    assert recorded == expected and expected


def test_a_restart_resumes_from_the_checkpoint_without_duplicates(feed: Feed) -> None:
    config = write_config(feed)
    feed.publish(0, 20)
    w = _watcher(config)
    w.tick()
    w.close()
    before = _keys(feed.root / "ledger.sqlite")
    feed.publish(20, 30)
    again = _watcher(config)  # a new process: the walk comes back from the checkpoint
    assert again._runner("syn").state.data_through == date(2030, 1, 20)
    again.tick()
    after = _keys(feed.root / "ledger.sqlite")
    assert after[: len(before)] == before and len(after) == len(set(after))
    # a lost checkpoint re-walks everything; the ledger's keys keep the records single
    (feed.root / "state" / "syn.checkpoint").unlink()
    third = _watcher(config)
    assert third.tick().recorded == {"syn": 0}
    assert _keys(feed.root / "ledger.sqlite") == after
    third.close()
    again.close()


def test_a_checkpoint_from_older_code_is_walked_again_not_resumed(feed: Feed) -> None:
    """A walk pickled by code whose walk state had other fields is not resumed (it would fail on
    a missing field): the watch walks again and the ledger's keys keep the records single."""
    import pickle

    config = write_config(feed)
    feed.publish(0, 20)
    w = _watcher(config)
    w.tick()
    w.close()
    before = _keys(feed.root / "ledger.sqlite")
    path = feed.root / "state" / "syn.checkpoint"
    state = pickle.loads(path.read_bytes())
    for tracker in state.walk.trackers.values():
        del tracker.absorbed  # as written before merged incidents were kept
    state.walk_version = 1
    path.write_bytes(pickle.dumps(state))
    feed.publish(20, 30)
    again = _watcher(config)
    assert again._runner("syn").state.walk is None  # not resumed
    again.tick()
    after = _keys(feed.root / "ledger.sqlite")
    assert after[: len(before)] == before and len(after) == len(set(after))
    again.close()


def test_webhooks_are_signed_and_resume_from_their_cursor(feed: Feed, receiver: Receiver) -> None:
    config = write_config(feed, webhook=receiver.url)
    feed.publish(0, 30)
    receiver.fail_next = 5  # down for the first tick (2 attempts per batch), then up
    w = _watcher(config)
    first = w.tick()
    assert any(f.startswith("webhook ops:") and "503" in f for f in first.failures)
    assert w.metrics.webhook_up.labels("ops")._value.get() == 0
    assert receiver.bodies == []
    receiver.fail_next = 0
    second = w.tick()
    assert second.failures == []
    seqs = receiver.seqs()
    assert seqs == sorted(seqs) and len(seqs) == len(_keys(feed.root / "ledger.sqlite"))
    assert receiver.bodies[-1]["cursor"] == seqs[-1] and receiver.bad_signatures == 0
    w.tick()
    assert receiver.seqs() == seqs  # nothing new, nothing sent
    w.close()


def test_a_missing_agreement_and_a_dead_webhook_are_reported_the_rest_goes_on(
    feed: Feed,
) -> None:
    broken = (
        "  - {name: gone, agreement: nowhere.yaml, from: 2030-01-01, territory: "
        + str(feed.live)
        + "}\n"
    )
    config = write_config(feed, webhook="http://127.0.0.1:9/hook", extra_agreement=broken)
    feed.publish(0, 30)
    w = _watcher(config)
    report = w.tick()
    assert report.recorded["syn"] > 0
    assert any(f.startswith("gone:") and "nowhere.yaml" in f for f in report.failures)
    assert any(f.startswith("webhook ops:") for f in report.failures)
    server = serve_http(w, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        metrics = urllib.request.urlopen(f"{base}/metrics").read().decode()
        with urllib.request.urlopen(f"{base}/health") as response:
            health = json.loads(response.read())
    finally:
        server.shutdown()
    assert 'guarantor_watch_source_up{agreement="gone"} 0.0' in metrics
    assert 'guarantor_watch_source_up{agreement="syn"} 1.0' in metrics
    assert 'guarantor_watch_failures_total{source="gone"} 1.0' in metrics
    assert 'guarantor_watch_webhook_up{webhook="ops"} 0.0' in metrics
    assert 'guarantor_watch_activations_total{agreement="syn"} 2.0' in metrics
    assert "guarantor_watch_data_lag_seconds" in metrics
    assert health["status"] == "degraded"
    assert health["agreements"]["syn"]["data_through"] == "2030-01-30"
    assert "nowhere.yaml" in health["agreements"]["gone"]["error"]
    w.close()


def test_bad_snapshots_and_gaps_are_reported_and_kept_out(feed: Feed) -> None:
    config = write_config(feed)
    feed.publish(0, 10)
    feed.publish(14, 20)  # four days missing
    (feed.live / "deepstatemap_data_20300117.geojson").write_text(
        '{"type": "FeatureCollection", "features": ['
    )
    (feed.live / "deepstatemap_data_20300118.geojson").write_text(
        '{"type": "FeatureCollection", "features": []}'
    )
    bowtie = [[[33.0, 46.5], [33.5, 47.0], [33.5, 46.5], [33.0, 47.0], [33.0, 46.5]]]
    doc = json.loads((feed.live / "deepstatemap_data_20300119.geojson").read_text())
    doc["features"].append(
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": bowtie},
        }
    )
    (feed.live / "deepstatemap_data_20300119.geojson").write_text(json.dumps(doc))
    w = _watcher(config)
    report = w.tick()
    problems = w.health["syn"].problems
    assert any("20300119" in p and "self-intersecting" in p for p in problems), problems
    assert any("20300118" in p for p in problems), problems
    assert any("gap of 4 days before 2030-01-15" in p for p in problems), problems
    assert any("20300117" in p for p in problems), problems
    assert report.failures == []
    assert w.health["syn"].data_through == date(2030, 1, 20)
    w.close()


def test_config_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "schema: guarantor/watch@1\nledger: {database: l.sqlite}\nagreements:\n"
        "  - {name: a, agreement: x.yaml, from: 2030-01-01, territory: t, colour: red}\n"
    )
    with pytest.raises(UserError) as err:
        load_config(path)
    assert f"{path}:4" in str(err.value) and "colour" in str(err.value)
    result = CliRunner().invoke(cli_app(), ["watch", str(path), "--once"])
    assert isinstance(result.exception, UserError) and result.exception.exit_code == 2


def test_once_exits_3_on_failures(feed: Feed) -> None:
    broken = (
        "  - {name: gone, agreement: nowhere.yaml, from: 2030-01-01, territory: "
        + str(feed.live)
        + "}\n"
    )
    config = write_config(feed, extra_agreement=broken)
    feed.publish(0, 12)
    result = CliRunner().invoke(cli_app(), ["watch", str(config), "--once"])
    assert result.exit_code == 3
    assert "gone:" in result.output


def test_an_event_only_watch_re_evaluates_when_the_file_changes(
    shared_data: Path, examples_dir: Path, tmp_path: Path
) -> None:
    ucdp = shared_data / "events" / "ucdp_ged_ukraine_2014-2023Q1_peacerep.csv.gz"
    events = tmp_path / "events.csv.gz"
    events.write_bytes(ucdp.read_bytes())
    config = tmp_path / "w.yaml"
    config.write_text(
        f"""schema: guarantor/watch@1
data: {{folder: {shared_data}}}
ledger: {{database: ledger.sqlite}}
agreements:
  - name: minsk
    agreement: {examples_dir / "agreements" / "minsk2_era_guarantee.yaml"}
    from: 2015-02-15
    events: [{events}]
    actors: {examples_dir / "actors" / "ucdp_ukraine.yaml"}
"""
    )
    w = _watcher(config)
    first = w.tick()
    assert first.failures == [] and first.recorded["minsk"] > 0
    assert w.health["minsk"].data_through is not None
    assert w.tick().recorded == {"minsk": 0}
    events.write_bytes(ucdp.read_bytes())  # rewritten: read again, nothing new to record
    assert w.tick().recorded == {"minsk": 0}
    w.close()


def test_a_watch_that_fetches_reads_what_it_fetched(
    feed: Feed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from tests.sources_fetch.server import Server, Site

    from guarantor.sources.catalogue import DEEPSTATE_DAILY

    first = DEEPSTATE_DAILY.first
    site = Site()
    for i, f in enumerate(sorted(feed.scenario.snapshots.iterdir())[:20]):
        day = first + timedelta(days=i)
        site.files[f"frontline/cyterat_daily/{day:deepstatemap_data_%Y%m%d.geojson}"] = (
            f.read_bytes()
        )
    server = Server(site)
    monkeypatch.setenv("GUARANTOR_CACHE", str(tmp_path / "cache"))
    config = tmp_path / "fetching.yaml"
    config.write_text(
        f"""schema: guarantor/watch@1
data: {{fetch: true, mirror: '{server.url}'}}
ledger: {{database: ledger.sqlite}}
agreements:
  - name: syn
    agreement: {AGREEMENT}
    from: {first}
    territory: data:frontline/deepstate_cyterat_daily_2024-07-08_2026-08-22.tar.xz
    border: {feed.scenario.border}
    attacks_from_territory: true
"""
    )
    try:
        w = _watcher(config)
        report = w.tick()
    finally:
        server.close()
    assert report.failures == []
    assert report.recorded["syn"] > 0
    assert w.health["syn"].data_through == first + timedelta(days=19)
    w.close()
