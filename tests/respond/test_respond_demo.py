"""The respond section of `guarantor demo` runs on the examples and writes its comparisons."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from guarantor.demo import DemoContext
from guarantor.respond.demo import run
from guarantor.sources.locate import DataFolder


def test_demo_section_compares_with_and_without_the_us(tmp_path: Path, examples_dir: Path) -> None:
    buffer = io.StringIO()
    ctx = DemoContext(
        data=DataFolder(None, "synthetic"),
        out=tmp_path,
        console=Console(file=buffer, width=120),
        examples=examples_dir,
    )
    run(ctx)
    text = buffer.getvalue()
    assert "without the US" in text and "uk-brigade" in text and "fr-brigade" in text
    assert "World Bank" in text  # no data folder: the shipped GDP table
    written = sorted(p.name for p in (tmp_path / "respond").glob("*.json"))
    assert written == [
        "aug2025-article5-like.military-response.compare.json",
        "paris-declaration-2026.mnf-presence.compare.json",
    ]
    paris = json.loads((tmp_path / "respond" / written[1]).read_text(encoding="utf-8"))
    with_us, without = (v["plan"] for v in paris["variants"])
    assert without["coverage_pct"] < with_us["coverage_pct"]
