"""The ledger room for Python: read the ledger's records and flows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from guarantor.territory.export import Exportable, ExportTable

__all__ = ["Ledger", "import_kiel_tracker", "read_ledger"]


@dataclass(frozen=True)
class Ledger(Exportable):
    """The records of a ledger and its flows per donor (committed, allocated, delivered)."""

    records: tuple[dict[str, Any], ...]
    flows: Any = field(repr=False)  # ledger.summary.LedgerFlows

    def totals(self, by: str = "donor", per: str | None = None) -> list[dict[str, Any]]:
        """Totals per donor or group (US, Europe, other, all) in EUR bn, optionally per period."""
        from guarantor.ledger.summary import summarise

        return summarise(self.flows, by="group" if by == "group" else "donor", per=per)  # type: ignore[arg-type]

    def tables(self) -> list[ExportTable]:
        """Totals per donor, then the records."""
        return [
            ExportTable("by_donor", tuple(self.totals())),
            ExportTable("records", self.records),
        ]


def read_ledger(database: str | None = None) -> Ledger:
    """Open a ledger (SQLite path or database URL; default as the CLI's) and read it."""
    from guarantor.ledger.chain import iter_stored
    from guarantor.ledger.database import open_engine
    from guarantor.ledger.summary import read_flows

    engine = open_engine(database)
    try:
        records = tuple(r.as_dict() for r in iter_stored(engine))
        flows = read_flows(engine)
    finally:
        engine.dispose()
    return Ledger(records, flows)


def import_kiel_tracker(path: str | Path, database: str | None = None) -> dict[str, Any]:
    """Load the Kiel Ukraine Support Tracker's data_explorer.csv into a ledger; what was written."""
    from guarantor.ledger.database import open_engine
    from guarantor.ledger.kiel import import_kiel

    engine = open_engine(database)
    try:
        report = import_kiel(engine, Path(path))
    finally:
        engine.dispose()
    return {
        "file": report.file,
        "release": report.release,
        "rows": report.rows,
        "donors": report.donors,
        "appended": report.appended,
        "unchanged": report.unchanged,
        "corrections": report.corrections,
        "quarantined": len(report.quarantined),
    }
