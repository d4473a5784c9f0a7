"""`guarantor report`: the self-contained HTML (and PDF) report of an agreement against the data."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from guarantor.cliparams import (
    data_option,
    date_option,
    input_file_argument,
    input_file_option,
    input_path_option,
    refuse_existing,
)
from guarantor.jsonout import Format
from guarantor.output import Tabular, render

err = Console(stderr=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add `guarantor report` to the root CLI."""
    app.command("report")(report_command)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send file descriptor 1 to stderr meanwhile: native libraries (HiGHS) print banners there."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def report_command(
    agreement: Path = input_file_argument(help="Agreement YAML."),
    out: Path = typer.Option(..., "--out", help="The HTML file to write."),
    events: list[Path] = input_path_option(
        [], "--events", help="Event files (UCDP, ACLED, .jsonl)."
    ),
    territory: Path | None = input_path_option(
        None, "--territory", help="Territory snapshots (folder or DeepState tar)."
    ),
    start: date | None = date_option(
        None, "--from", help="In force from (default: the agreement's date)."
    ),
    end: date | None = date_option(
        None, "--to", help="Until (default: last snapshot, else a year on)."
    ),
    border: Path | None = input_file_option(
        None, "--border", help="Beneficiary border GeoJSON (default: from the data folder)."
    ),
    actors: Path | None = input_file_option(None, "--actors", help="Actor map YAML."),
    acts: Path | None = input_path_option(
        None, "--acts", help="Recorded acts (YAML file or folder, e.g. examples/acts)."
    ),
    ledger: str | None = typer.Option(
        None, "--ledger", help="Ledger database (SQLite file or URL)."
    ),
    kiel: Path | None = input_file_option(
        None, "--kiel", help="Kiel tracker data_explorer.csv (imported into a temporary ledger)."
    ),
    negotiation: Path | None = input_file_option(
        None, "--negotiation", help="Negotiation model YAML (negotiate room)."
    ),
    scenario: Path | None = input_file_option(None, "--scenario", help="Planning scenario YAML."),
    step: str | None = typer.Option(
        None, "--step", help="Ladder step to plan (default: the highest with needs)."
    ),
    compare_without: list[str] = typer.Option(
        ["US"], "--compare-without", help="What-if variants: parties left out ('US', 'US,UK')."
    ),
    simulation: Path | None = input_file_option(
        None, "--simulation", help="Design comparison JSON (guarantor simulate --format json)."
    ),
    trials: int = typer.Option(
        2000, "--trials", min=100, help="Else simulate the designs here with this many trials."
    ),
    timestamp: bool = typer.Option(
        False, "--timestamp", help="Print the generation time in the report (breaks byte-identity)."
    ),
    pdf: Path | None = typer.Option(
        None, "--pdf", help="Also print the report to this PDF (headless Chromium)."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="Summary as table, json or csv."),
    data_dir: Path | None = data_option(),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out or --pdf file."),
) -> None:
    """Write one self-contained HTML report: agreement, territory, activations, obligations, plan, ledger, negotiation."""
    from datetime import UTC, datetime

    from guarantor.report.build import write_report
    from guarantor.report.request import ReportRequest
    from guarantor.sources.locate import locate_data
    from guarantor.spec.load import load_agreement

    refuse_existing(out, "--out", force)
    refuse_existing(pdf, "--pdf", force)
    load_agreement(agreement)  # a bad agreement is refused here, before anything is written
    data = locate_data(data_dir)
    if border is None:
        border = data.file("boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson")
    req = ReportRequest(
        agreement=agreement,
        events=list(events),
        territory=territory,
        start=start,
        end=end,
        border=border,
        actors=actors,
        acts=acts,
        ledger=ledger,
        kiel=kiel,
        negotiation=negotiation,
        scenario=scenario,
        step=step,
        compare_without=list(compare_without),
        simulation=simulation,
        trials=trials,
        data=data.path,
        timestamp=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC") if timestamp else None,
    )
    started = time.perf_counter()
    with _stdout_to_stderr(), err.status("building the report") as status:
        sections = write_report(req, out, progress=lambda m: status.update(m))
    seconds = time.perf_counter() - started
    if pdf is not None:
        from guarantor.report.pdf import html_to_pdf

        with err.status("printing the PDF with headless Chromium"):
            html_to_pdf(out, pdf)
    rows: list[dict[str, Any]] = [
        {"section": s.id, "title": s.title, "status": s.status, "problems": s.problems}
        for s in sections
    ]
    document = {"out": str(out), "pdf": None if pdf is None else str(pdf), "sections": rows}
    flat = tuple({**r, "problems": "; ".join(r["problems"])} for r in rows)
    title = f"report written to {out}" + (f" and {pdf}" if pdf else "")
    render(Tabular(title, ("section", "title", "status", "problems"), flat, document), fmt)
    if fmt is not Format.table:
        return
    err.print(f"built in {seconds:.1f} s")
