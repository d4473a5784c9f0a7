"""The ledger's demo section runs on synthetic data and on the real tracker file."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from guarantor.demo import DemoContext
from guarantor.ledger.demo import run
from guarantor.sources.locate import DataFolder, examples_dir


def _ctx(data: DataFolder, out: Path) -> DemoContext:
    return DemoContext(
        data=data, out=out, console=Console(record=True, width=120), examples=examples_dir()
    )


def test_demo_on_synthetic_data_is_labelled(tmp_path: Path) -> None:
    ctx = _ctx(DataFolder(None, "synthetic"), tmp_path)
    run(ctx)
    text = ctx.console.export_text()
    assert "SYNTHETIC" in text and "intact" in text and "does not match its hash" in text
    assert (tmp_path / "ledger_us_europe_split.png").stat().st_size > 10_000
    result = ctx.results["ledger"]
    assert (
        isinstance(result, dict)
        and result["synthetic"]
        and result["chain_ok"]
        and result["tamper_detected"]
    )


@pytest.mark.data
def test_demo_on_the_kiel_tracker(shared_data: Path, tmp_path: Path) -> None:
    ctx = _ctx(DataFolder(shared_data, "shared"), tmp_path)
    run(ctx)
    result = ctx.results["ledger"]
    assert isinstance(result, dict) and not result["synthetic"]
    assert result["groups"]["all"] == 358.399501  # the tracker's own grand total of allocations
    assert "re-import appended 0" in ctx.console.export_text()
