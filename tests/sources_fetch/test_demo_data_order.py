"""`make demo` without local data: a fetch when the network answers, else synthetic, said plainly."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from guarantor import demo
from guarantor.sources import datafetch


def _console() -> Console:
    return Console(record=True, width=200)


def test_offline_env_never_tries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARANTOR_OFFLINE", "1")
    monkeypatch.setattr(datafetch, "network_answers", lambda *_a: pytest.fail("asked"))
    console = _console()
    assert demo.fetch_if_online(console) is None
    assert "GUARANTOR_OFFLINE=1" in console.export_text()


def test_no_network_falls_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUARANTOR_OFFLINE", raising=False)
    monkeypatch.setattr(datafetch, "network_answers", lambda *_a: False)
    console = _console()
    assert demo.fetch_if_online(console) is None
    assert "did not answer within 3 s" in console.export_text()


def test_network_answers_then_the_cache_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GUARANTOR_OFFLINE", raising=False)
    monkeypatch.delenv("GUARANTOR_DATA", raising=False)
    monkeypatch.setenv("GUARANTOR_CACHE", str(tmp_path))
    monkeypatch.setattr("guarantor.sources.locate.shared_candidates", lambda: [])
    monkeypatch.setattr(datafetch, "network_answers", lambda *_a: True)

    def fake_fetch(only: object, cache: Path) -> datafetch.FetchSummary:
        (cache / "frontline" / "cyterat_daily").mkdir(parents=True)
        return datafetch.FetchSummary(cache, [])

    monkeypatch.setattr(datafetch, "fetch_sources", fake_fetch)
    found = demo.fetch_if_online(_console())
    assert found is not None and found.origin == "cache" and found.path == tmp_path / "data"
