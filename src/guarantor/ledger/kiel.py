"""Import of the Kiel Ukraine Support Tracker (`data_explorer.csv`) into the ledger, idempotently."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from guarantor.errors import Position, UserError
from guarantor.ledger.canonical import canonical_json
from guarantor.ledger.chain import RECORD_COLUMNS, NewRecord, append_locked, row_to_record, writer
from guarantor.ledger.records import AidCategory, Flow, Kind, commitment, flow_record, party_profile
from guarantor.ledger.tables import records

COLUMNS: tuple[str, ...] = (
    "country",
    "iso",
    "year",
    "month",
    "total",
    "financial",
    "humanitarian",
    "military",
    "commitments",
    "to_be_allocated",
    "gdp",
    "pct_gdp",
)
SOURCE = "Kiel Ukraine Support Tracker, data_explorer.csv (Trebesch et al.)"
VALUATION = "Kiel Institute estimate, EUR as published by the tracker"
BN = Decimal(10) ** 9
KEY_PREFIX = "kiel/"


@dataclass
class BadRow:
    """A quarantined input row and why."""

    row: int
    reason: str


@dataclass
class ImportReport:
    """What an import read and wrote."""

    file: str
    sha256: str
    release: str | None
    rows: int = 0
    donors: int = 0
    appended: int = 0
    unchanged: int = 0
    corrections: int = 0
    quarantined: list[BadRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "file": self.file,
            "sha256": self.sha256,
            "release": self.release,
            "rows": self.rows,
            "donors": self.donors,
            "appended": self.appended,
            "unchanged": self.unchanged,
            "corrections": self.corrections,
            "quarantined": [{"row": b.row, "reason": b.reason} for b in self.quarantined],
        }


def _decimal(text: str, column: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{column}: not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"{column}: not a finite number: {text!r}")
    return value


def _release_label(path: Path) -> str | None:
    info = path.with_name("release_info.csv")
    if not info.exists():
        return None
    with info.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows[-1].get("label") if rows else None


def read_rows(path: Path) -> tuple[dict[str, NewRecord], ImportReport]:
    """The records a tracker file stands for, by key, and the quarantined rows."""
    if not path.is_file():
        raise UserError("no such file", Position(str(path)))
    raw = path.read_bytes()
    report = ImportReport(
        file=str(path), sha256=hashlib.sha256(raw).hexdigest(), release=_release_label(path)
    )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text: {exc}", Position(str(path))) from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise UserError(
            f"not a Kiel tracker data_explorer.csv: missing column(s) {', '.join(missing)}",
            Position(str(path), line=1),
        )
    wanted: dict[str, NewRecord] = {}
    donors: dict[str, tuple[str, Decimal | None]] = {}
    for number, row in enumerate(reader, start=2):
        report.rows += 1
        try:
            country = (row["country"] or "").strip()
            iso = (row["iso"] or "").strip()
            if not country or not iso:
                raise ValueError("country and iso must not be empty")
            year, month = int(row["year"]), int(row["month"])
            if not (1990 <= year <= 2100 and 1 <= month <= 12):
                raise ValueError(f"year/month out of range: {year}-{month}")
            values = {
                c: _decimal(row[c] or "", c)
                for c in ("total", "military", "financial", "humanitarian", "commitments")
            }
            for c, v in values.items():
                if v < 0:
                    raise ValueError(f"{c}: negative value {v}")
            parts = values["military"] + values["financial"] + values["humanitarian"]
            if values["total"] != parts:
                raise ValueError(
                    f"total {values['total']} is not military + financial + humanitarian"
                )
            gdp_text = (row["gdp"] or "").strip()
            gdp = _decimal(gdp_text, "gdp") if gdp_text and gdp_text.upper() != "NA" else None
        except (ValueError, TypeError) as exc:
            report.quarantined.append(BadRow(number, str(exc)))
            continue
        period = f"{year:04d}-{month:02d}"
        if country in donors and donors[country][0] != iso:
            report.quarantined.append(
                BadRow(number, f"{country} has ISO {iso} here, {donors[country][0]} before")
            )
            continue
        donors.setdefault(country, (iso, gdp))
        for category in ("military", "financial", "humanitarian"):
            value = values[category]
            if value == 0:
                continue
            key = f"{KEY_PREFIX}{iso}/{period}/allocation/{category}"
            if key in wanted:
                report.quarantined.append(
                    BadRow(number, f"duplicate donor-month {country} {period}")
                )
                break
            flow = Flow(
                category=AidCategory(category),
                value_eur=value * BN,
                valuation_method=VALUATION,
                period=period,
                source=SOURCE,
            )
            wanted[key] = flow_record(Kind.allocation, country, flow, key=key)
        if values["commitments"] != 0:
            key = f"{KEY_PREFIX}{iso}/{period}/commitment"
            flow = Flow(
                category=AidCategory.unspecified,
                value_eur=values["commitments"] * BN,
                valuation_method=VALUATION,
                period=period,
                source=SOURCE,
            )
            wanted[key] = commitment(country, flow, key=key)
    for country, (iso, gdp) in sorted(donors.items()):
        key = f"{KEY_PREFIX}{iso}/profile"
        wanted[key] = party_profile(country, iso=iso, gdp_eur_bn=gdp, source=SOURCE, key=key)
    report.donors = len(donors)
    return wanted, report


def import_kiel(engine: Engine, path: Path) -> ImportReport:
    """Load the tracker file; unchanged rows are skipped, changed ones appended as corrections (one transaction)."""
    wanted, report = read_rows(path)
    if report.rows and len(report.quarantined) == report.rows:
        raise UserError(f"every one of the {report.rows} rows is malformed", Position(str(path)))
    with writer(engine) as conn, conn.begin():
        effective: dict[str, Any] = {}
        count: dict[str, int] = {}
        stmt = (
            select(*RECORD_COLUMNS)
            .where(records.c.key.like(f"{KEY_PREFIX}%"))
            .order_by(records.c.seq)
        )
        for row in conn.execute(stmt):
            rec = row_to_record(row)
            assert rec.key is not None
            base = rec.key.split("@", 1)[0]
            effective[base] = rec
            count[base] = count.get(base, 0) + 1
        todo: list[tuple[NewRecord, str]] = []
        for key in sorted(wanted):
            item = wanted[key]
            payload = item.payload_text()
            old = effective.get(key)
            if old is None:
                todo.append((item, payload))
                continue
            old_payload = dict(old.data())
            old_payload.pop("supersedes", None)
            if canonical_json(old_payload) == payload and old.party == item.party:
                report.unchanged += 1
                continue
            fixed = dict(item.payload)
            fixed["supersedes"] = old.seq
            correction = NewRecord(
                kind=item.kind,
                party=item.party,
                payload=fixed,
                refs=(old.seq,),
                key=f"{key}@{count[key]}",
            )
            todo.append((correction, correction.payload_text()))
            report.corrections += 1
        for key in sorted(set(effective) - set(wanted)):
            old = effective[key]
            data = dict(old.data())
            if old.kind == Kind.party_profile or data.get("value_eur") in (None, "0"):
                continue
            data["value_eur"] = "0"
            data["supersedes"] = old.seq
            zero = NewRecord(
                kind=old.kind,
                party=old.party,
                payload=data,
                refs=(old.seq,),
                key=f"{key}@{count[key]}",
            )
            todo.append((zero, zero.payload_text()))
            report.corrections += 1
        if todo:
            run = NewRecord(
                kind=str(Kind.import_run),
                party="Kiel Institute",
                payload={
                    "source": SOURCE,
                    "file_sha256": report.sha256,
                    "release": report.release,
                    "rows": report.rows,
                    "quarantined": len(report.quarantined),
                },
                key=f"{KEY_PREFIX}import/{report.sha256}/{len(effective)}",
            )
            todo.append((run, run.payload_text()))
        result = append_locked(conn, todo)
        report.appended = len(result.appended)
    return report
