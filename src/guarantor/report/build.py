"""Build the report: run each room on the inputs, render every section, write one HTML file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from guarantor import __version__
from guarantor.errors import UserError
from guarantor.fileio import write_atomic
from guarantor.report.document import Section, assemble
from guarantor.report.request import ReportRequest

Progress = Callable[[str], None]


def build_report(req: ReportRequest, progress: Progress | None = None) -> tuple[str, list[Section]]:
    """The report's HTML and its sections (each marked ok, partial or missing)."""
    from guarantor.report.sections_explore import design_section, negotiation_section
    from guarantor.report.sections_ledger import ledger_section
    from guarantor.report.sections_monitor import (
        events_section,
        monitor,
        obligations_section,
        territory_section,
    )
    from guarantor.report.sections_respond import respond_section
    from guarantor.report.sections_spec import agreement_section

    def say(text: str) -> None:
        if progress:
            progress(text)

    say("agreement and lint")
    first, agreement = agreement_section(req.agreement)
    sections = [first]
    title = "guarantor report"
    subtitle = f"Agreement file {req.agreement.name}"
    if agreement is None:
        for sid, name in (
            ("territory", "Territory: control, the agreed line and incidents"),
            ("activations", "Events and activations"),
            ("obligations", "Obligations: what was owed, by when, and status"),
            ("plan", "Response plan: tasking, gaps and fair shares"),
        ):
            sections.append(Section(sid, name).missing("the agreement could not be loaded"))
    else:
        title = agreement.title
        say("replay: territory, events, activations, obligations")
        m = monitor(req, agreement)
        subtitle = f"{agreement.id}, version {agreement.version}: replayed as if in force from {m.start} to {m.end}"
        sections += [territory_section(m), events_section(m), obligations_section(m)]
        say("response plan")
        data_dir = req.data or (req.kiel.parent.parent if req.kiel else None)
        sections.append(
            respond_section(agreement, req.step, req.compare_without, req.scenario, data_dir)
        )
    say("ledger")
    sections.append(ledger_section(req.ledger, req.kiel))
    say("negotiation")
    sections.append(negotiation_section(req.negotiation))
    say("design comparison")
    sections.append(design_section(req.simulation, req.trials, req.seed, req.data))
    if req.note:
        subtitle = f"{req.note} | {subtitle}"
    page = assemble(title, subtitle, sections, req.describe(), __version__, req.timestamp)
    return page, sections


def write_report(req: ReportRequest, out: Path, progress: Progress | None = None) -> list[Section]:
    """Build the report and write it to `out` (HTML); returns the sections for a summary."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"the report is HTML: --out must end in .html, got {out.name}")
    page, sections = build_report(req, progress)
    write_atomic(out, page.encode("utf-8"))
    return sections
