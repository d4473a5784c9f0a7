"""What a report is asked for: the agreement and the optional inputs behind each section."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass
class ReportRequest:
    """The inputs of one report; every optional input that is absent marks its section missing."""

    agreement: Path
    events: list[Path] = field(default_factory=list)
    territory: Path | None = None
    start: date | None = None
    end: date | None = None
    border: Path | None = None
    actors: Path | None = None
    acts: Path | None = None  # a record of acts (file or folder) the obligations are judged against
    ledger: str | None = None  # a ledger database (SQLite file or URL)
    kiel: Path | None = None  # or the Kiel tracker CSV, imported into a temporary ledger
    negotiation: Path | None = None
    scenario: Path | None = None
    step: str | None = None  # ladder step to plan (default: the highest step with needs)
    compare_without: list[str] = field(default_factory=lambda: ["US"])
    simulation: Path | None = None  # a `guarantor simulate --format json` document
    trials: int = 2000  # else the designs are simulated here with this many trials
    seed: int = 2026
    data: Path | None = None  # the real data folder (calibration, GDP), if any
    note: str | None = None  # shown under the title, e.g. that the data are SYNTHETIC
    timestamp: str | None = None  # printed only when asked for (reports are byte-identical)

    def describe(self) -> list[str]:
        """One line per input, for the report's footer."""
        lines = [f"agreement: {self.agreement.name}"]
        if self.territory:
            lines.append(f"territory snapshots: {self.territory.name}")
        for p in self.events:
            lines.append(f"events: {p.name}")
        if self.border:
            lines.append(f"border: {self.border.name}")
        if self.acts:
            lines.append(f"acts: {self.acts.name}")
        if self.ledger:
            lines.append(f"ledger: {Path(self.ledger).name}")
        if self.kiel:
            lines.append(f"ledger import: {self.kiel.name} (Kiel Ukraine Support Tracker)")
        if self.negotiation:
            lines.append(f"negotiation model: {self.negotiation.name}")
        if self.scenario:
            lines.append(f"planning scenario: {self.scenario.name}")
        if self.simulation:
            lines.append(f"design comparison: {self.simulation.name}")
        if self.data:
            lines.append("data folder: the real data (PROVENANCE.md)")
        if self.start and self.end:
            lines.append(f"period: {self.start} to {self.end}")
        elif self.start:
            lines.append(f"period: from {self.start} to the last snapshot (or a year on)")
        elif self.end:
            lines.append(f"period: from the agreement's date to {self.end}")
        return lines
