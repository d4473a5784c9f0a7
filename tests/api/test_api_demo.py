"""The service section of `guarantor demo`: a real server, per-party writes, a refused write, reads."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from guarantor.api.demo import run
from guarantor.demo import DemoContext
from guarantor.ledger.demo import run as run_ledger
from guarantor.sources.locate import DataFolder, examples_dir


def test_service_demo_on_the_synthetic_ledger(tmp_path: Path) -> None:
    ctx = DemoContext(
        data=DataFolder(None, "synthetic"),
        out=tmp_path,
        console=Console(record=True, width=200),
        examples=examples_dir(),
    )
    run_ledger(ctx)
    run(ctx)
    result = ctx.results["service"]
    assert isinstance(result, dict)
    # delivery 201, write as another party 403, receipt 201, observer writing an event 403, reads 200
    assert result["statuses"] == [201, 403, 201, 403, 200, 200]
    text = ctx.console.export_text()
    assert "cannot write records of 'Germany'" in text
    assert "France delivered 0.50, verified 0.50 EUR bn" in text
    assert "intact" in text and "guarantor dashboard --database" in text
    assert result["openapi_paths"] >= 15
    # the demo ledger itself is untouched: the service ran on a copy
    assert (tmp_path / "service.sqlite").exists() and (tmp_path / "ledger.sqlite").exists()
