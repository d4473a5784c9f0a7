"""Import of the Kiel Ukraine Support Tracker (`data_explorer.csv`) into the ledger, idempotently."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, select

from guarantor.cleantext import text_problem
from guarantor.errors import Position, UserError
from guarantor.ledger.canonical import canonical_json
from guarantor.ledger.chain import RECORD_COLUMNS, NewRecord, append_locked, row_to_record, writer
from guarantor.ledger.records import AidCategory, Flow, Kind, flow_record, party_profile
from guarantor.ledger.tables import records
from guarantor.sources.events_text import csv_records

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


MAX_FILE_BYTES = 64 << 20  # the real file is about 100 kB
MAX_FIELD = 200  # characters in any field (the longest donor name is 27)
MAX_AMOUNT_BN = Decimal(10) ** 6  # EUR bn: a million billion euros, beyond any donor's GDP
MAX_DECIMALS = 15  # EUR bn to 15 decimals = EUR to 6 (what a Flow holds); the file has 13
NUMBER_CHARS = 40
INT_RE = re.compile(r"^\d{1,4}$")


def _decimal(text: str, column: str) -> Decimal:
    """An amount in EUR bn within bounds; ValueError naming the column otherwise."""
    value_text = text.strip()
    if len(value_text) > NUMBER_CHARS:
        raise ValueError(f"{column}: a number of more than {NUMBER_CHARS} characters")
    try:
        value = Decimal(value_text)
    except InvalidOperation:
        raise ValueError(f"{column}: not a number: {value_text!r}") from None
    if not value.is_finite():
        raise ValueError(f"{column}: not a finite number: {value_text!r}")
    if abs(value) > MAX_AMOUNT_BN:
        raise ValueError(f"{column}: {value_text} is beyond {MAX_AMOUNT_BN:,} EUR bn")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise ValueError(f"{column}: {value_text} has more than {MAX_DECIMALS} decimals")
    return value


def _field_problem(column: str, text: str) -> str | None:
    if len(text) > MAX_FIELD:
        return f"{column}: longer than {MAX_FIELD} characters ({len(text)})"
    problem = text_problem(text, name=True)
    return None if problem is None else f"{column} {problem}"


def _release_label(path: Path) -> str | None:
    info = path.with_name("release_info.csv")
    if not info.is_file() or info.stat().st_size > 1 << 20:
        return None
    try:
        rows = list(csv.DictReader(info.read_text(encoding="utf-8-sig").splitlines()))
    except (UnicodeDecodeError, csv.Error):
        return None
    label = rows[-1].get("label") if rows else None
    if not isinstance(label, str) or _field_problem("label", label) is not None:
        return None
    return label


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UserError(
            f"not UTF-8 text: {exc.reason} at byte {exc.start}", Position(str(path), line=line)
        ) from None


def read_rows(path: Path) -> tuple[dict[str, NewRecord], ImportReport]:
    """The records a tracker file stands for, by key, and the quarantined rows."""
    if not path.is_file():
        raise UserError("no such file", Position(str(path)))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserError(
            f"larger than {MAX_FILE_BYTES >> 20} MiB: not a Kiel tracker file", Position(str(path))
        )
    raw = path.read_bytes()
    report = ImportReport(
        file=str(path), sha256=hashlib.sha256(raw).hexdigest(), release=_release_label(path)
    )
    records = csv_records(iter(_decode(raw, path).splitlines(keepends=True)), ",")
    first = next(records, None)
    header = [h.strip() for h in first[1]] if first is not None and first[1] is not None else []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise UserError(
            f"not a Kiel tracker data_explorer.csv: missing column(s) {', '.join(missing)}",
            Position(str(path), line=1),
        )
    wanted: dict[str, NewRecord] = {}
    donors: dict[str, tuple[str, Decimal | None]] = {}
    for line, record, problem, _raw in records:
        if record == [] or record == [""]:
            continue
        report.rows += 1
        if record is None:
            report.quarantined.append(BadRow(line, problem))
            continue
        if len(record) != len(header):
            report.quarantined.append(
                BadRow(line, f"has {len(record)} fields, the header has {len(header)}")
            )
            continue
        row = dict(zip(header, record, strict=True))
        try:
            parsed = _parse_row(row)
        except ValueError as exc:
            report.quarantined.append(BadRow(line, str(exc)))
            continue
        country, iso, period, gdp, flows = parsed
        if country in donors and donors[country][0] != iso:
            report.quarantined.append(
                BadRow(line, f"{country} has ISO {iso} here, {donors[country][0]} before")
            )
            continue
        keys = [f"{KEY_PREFIX}{iso}/{period}/{measure}" for measure, _ in flows]
        if any(key in wanted for key in keys):
            report.quarantined.append(BadRow(line, f"duplicate donor-month {country} {period}"))
            continue
        donors.setdefault(country, (iso, gdp))
        for key, (measure, flow) in zip(keys, flows, strict=True):
            kind = Kind.commitment if measure == "commitment" else Kind.allocation
            wanted[key] = flow_record(kind, country, flow, key=key)
    for country, (iso, gdp) in sorted(donors.items()):
        key = f"{KEY_PREFIX}{iso}/profile"
        wanted[key] = party_profile(country, iso=iso, gdp_eur_bn=gdp, source=SOURCE, key=key)
    report.donors = len(donors)
    return wanted, report


def _parse_row(row: dict[str, str]) -> tuple[str, str, str, Decimal | None, list[tuple[str, Flow]]]:
    """One tracker row: donor, ISO, month, GDP and its flows by measure; ValueError with the reason."""
    for column in COLUMNS:
        problem = _field_problem(column, row[column] or "")
        if problem is not None:
            raise ValueError(problem)
    country = (row["country"] or "").strip()
    iso = (row["iso"] or "").strip()
    if not country or not iso:
        raise ValueError("country and iso must not be empty")
    year_text, month_text = row["year"].strip(), row["month"].strip()
    if not INT_RE.match(year_text) or not INT_RE.match(month_text):
        raise ValueError(f"year/month are not whole numbers: {year_text!r}, {month_text!r}")
    year, month = int(year_text), int(month_text)
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
        raise ValueError(f"total {values['total']} is not military + financial + humanitarian")
    gdp_text = (row["gdp"] or "").strip()
    gdp = _decimal(gdp_text, "gdp") if gdp_text and gdp_text.upper() != "NA" else None
    period = f"{year:04d}-{month:02d}"
    flows: list[tuple[str, Flow]] = []
    try:
        for category in ("military", "financial", "humanitarian"):
            if values[category] != 0:
                flows.append(
                    (
                        f"allocation/{category}",
                        Flow(
                            category=AidCategory(category),
                            value_eur=values[category] * BN,
                            valuation_method=VALUATION,
                            period=period,
                            source=SOURCE,
                        ),
                    )
                )
        if values["commitments"] != 0:
            flows.append(
                (
                    "commitment",
                    Flow(
                        category=AidCategory.unspecified,
                        value_eur=values["commitments"] * BN,
                        valuation_method=VALUATION,
                        period=period,
                        source=SOURCE,
                    ),
                )
            )
    except ValidationError as exc:
        raise ValueError(f"not a valid flow: {exc.errors()[0]['msg']}") from None
    return country, iso, period, gdp, flows


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
