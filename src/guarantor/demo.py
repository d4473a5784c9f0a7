"""The main job (`guarantor demo`): each room contributes one section, in flow order."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from guarantor.sources.locate import DataFolder, cache_dir, examples_dir, locate_data

OFFLINE_ENV = "GUARANTOR_OFFLINE"  # set to 1: never try the network (tests, air-gapped machines)
PROBE_SECONDS = 3.0

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


def fetch_if_online(console: Console) -> DataFolder | None:
    """The cache after `data fetch`, when the sources' host answers within a few seconds."""
    import os

    from guarantor.sources.catalogue import DEEPSTATE_DAILY
    from guarantor.sources.datafetch import fetch_sources, network_answers

    if os.environ.get(OFFLINE_ENV) == "1":
        console.print(f"data: no local data; {OFFLINE_ENV}=1, so no fetch is tried")
        return None
    probe = DEEPSTATE_DAILY.url_pattern.split("/data/")[0]
    if not network_answers(probe, PROBE_SECONDS):
        console.print(
            f"data: no local data, and the network did not answer within {PROBE_SECONDS:.0f} s: "
            "not fetching"
        )
        return None
    console.print(f"data: no local data; fetching the public sources into {cache_dir()} ...")
    summary = fetch_sources([], cache_dir())
    for failed in summary.failed:
        console.print(f"  {failed.source.value}: {failed.failed[0]}")
    location = locate_data()
    return None if location.synthetic else location


def run_demo(data: str | None, out: str) -> None:
    """Run every section present, in order, printing a summary."""
    console = Console(highlight=False)
    location = locate_data(Path(data) if data else None)
    if location.synthetic:
        location = fetch_if_online(console) or location
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = DemoContext(data=location, out=out_dir, console=console, examples=examples_dir())
    console.print(Rule("[bold]guarantor demo"))
    console.print(f"data: {location.describe()}")
    for name in SECTIONS:
        importlib.import_module(name).run(ctx)
    console.print(Rule())
    console.print(f"files written under [bold]{out_dir}[/]")
