"""The main job (`guarantor demo`): each room contributes one section, in flow order."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from guarantor.sources.locate import DataFolder, examples_dir, locate_data

# Each section is `guarantor.<room>.demo` with `run(ctx: DemoContext) -> None`.
SECTIONS: tuple[str, ...] = (
    "guarantor.spec.demo",
    "guarantor.territory.demo",
    "guarantor.obligations.demo",
    "guarantor.respond.demo",
    "guarantor.ledger.demo",
    "guarantor.negotiate.demo",
    "guarantor.simulate.demo",
    "guarantor.report.demo",
    "guarantor.api.demo",
)


@dataclass
class DemoContext:
    """What every demo section gets: where the data is, where to write, how to print."""

    data: DataFolder
    out: Path
    console: Console
    examples: Path
    results: dict[str, object] = field(default_factory=dict)


def run_demo(data: str | None, out: str) -> None:
    """Run every section present, in order, printing a summary."""
    console = Console(highlight=False)
    location = locate_data(Path(data) if data else None)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = DemoContext(data=location, out=out_dir, console=console, examples=examples_dir())
    console.print(Rule("[bold]guarantor demo"))
    console.print(f"data: {location.describe()}")
    for name in SECTIONS:
        importlib.import_module(name).run(ctx)
    console.print(Rule())
    console.print(f"files written under [bold]{out_dir}[/]")
