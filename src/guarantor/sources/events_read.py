"""Read event files of any supported kind into one deduplicated table, quarantining bad rows."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from guarantor.errors import Position, UserError
from guarantor.fileio import write_atomic
from guarantor.sources import events_acled, events_jsonl, events_ucdp
from guarantor.sources.events_schema import Event, Quarantined, ReadResult
from guarantor.sources.events_text import LineStats, csv_records, iter_lines, sniff_delimiter

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


def detect_kind(path: Path, header: str) -> str:
    """`ucdp`, `acled` or `jsonl`, from the name and the first line."""
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES) or header.lstrip().startswith("{"):
        return "jsonl"
    low = header.lower()
    if "date_start" in low and "side_a" in low:
        return "ucdp"
    if "event_id_cnty" in low and "event_date" in low:
        return "acled"
    raise UserError(
        "not a known event file: expected a UCDP GED CSV (date_start, side_a, ...), "
        "an ACLED export (event_id_cnty, event_date, ...) or guarantor JSON lines",
        Position(str(path), row=1),
        details=[f"first line: {header.strip()[:160]!r}"],
    )


def _raw(record: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(record)
    return buffer.getvalue()[:2000]


def _read_one(path: Path, sink: Callable[[Event | Quarantined], None], result: ReadResult) -> None:
    if not path.is_file():
        raise UserError("no such file", Position(str(path)))
    stats = LineStats()
    lines = iter_lines(path, stats)
    first = next(lines, None)
    if first is None:
        raise UserError("the file is empty", Position(str(path)))
    kind = detect_kind(path, first)
    file = str(path)
    if kind == "jsonl":
        number = 0
        for number, text in enumerate([first, *lines], start=1):
            if not text.strip():
                continue
            result.rows += 1
            try:
                event = events_jsonl.parse_line(text)
            except ValueError as exc:
                sink(Quarantined(file, number, str(exc), text.rstrip("\r\n")[:2000]))
                continue
            sink(_with_origin(event, f"{file}:{number}"))
    else:
        module = events_ucdp if kind == "ucdp" else events_acled
        delimiter = sniff_delimiter(first, set(module.REQUIRED), path)
        if delimiter != ",":
            result.notes.append(f"{file}: columns are separated by {delimiter!r}, not ','")
        try:
            header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
        except csv.Error as exc:
            raise UserError(f"unreadable header: {exc}", Position(file, row=1)) from None
        if kind == "acled" and len(header) not in (31, 33):
            result.notes.append(
                f"{file}: ACLED header has {len(header)} columns (expected 31 or 33)"
            )
        parse = module.parse_row
        repaired: list[tuple[int, str]] = []
        for line, record, problem, raw in csv_records(lines, delimiter):
            number = line + 1  # line 1 is the header
            if record is None:
                result.rows += 1
                sink(Quarantined(file, number, problem, raw))
                continue
            if not record or record == [""]:
                continue
            result.rows += 1
            if len(record) != len(header):
                sink(
                    Quarantined(
                        file,
                        number,
                        f"has {len(record)} fields, the header has {len(header)}",
                        _raw(record, delimiter),
                    )
                )
                continue
            warnings: list[str] = []
            try:
                event = parse(dict(zip(header, record, strict=True)), warnings)
            except ValueError as exc:
                sink(Quarantined(file, number, str(exc), _raw(record, delimiter)))
                continue
            repaired.extend((number, w) for w in warnings)
            sink(_with_origin(event, f"{file}:{number}"))
        if repaired:
            rows = ", ".join(str(n) for n, _ in repaired[:8])
            more = "" if len(repaired) <= 8 else ", ..."
            result.notes.append(
                f"{file}: {len(repaired)} row(s) kept after a repair (rows {rows}{more}); "
                f"first: row {repaired[0][0]}: {repaired[0][1]}"
            )
            result.repaired.extend(repaired)
    if stats.cp1252_lines:
        shown = ", ".join(str(n) for n in stats.cp1252_lines[:5])
        more = "" if len(stats.cp1252_lines) <= 5 else ", ..."
        result.notes.append(
            f"{file}: {len(stats.cp1252_lines)} line(s) are not UTF-8 and were read as cp1252 "
            f"(lines {shown}{more})"
        )


def _with_origin(event: Event, origin: str) -> Event:
    return Event(**{**{f: getattr(event, f) for f in Event.__slots__}, "origin": origin})


def read_events(paths: Iterable[Path], known: Iterable[Event] = ()) -> ReadResult:
    """Read every file, deduplicate on (source, source id), quarantine bad and conflicting rows.

    `known` are events already held (e.g. a store): re-reading them adds nothing.
    Raises UserError when no file yields a usable event.
    """
    result = ReadResult()
    seen: dict[tuple[str, str], Event] = {e.key: e for e in known}
    held = bool(seen)  # `known` may be a one-pass iterable: ask `seen`, not `known`, later
    path_list = list(paths)

    def sink(item: Event | Quarantined) -> None:
        if isinstance(item, Quarantined):
            result.quarantined.append(item)
            return
        previous = seen.get(item.key)
        if previous is None:
            seen[item.key] = item
            result.events.append(item)
            return
        a, b = previous.content(), item.content()
        if a == b:
            result.duplicates += 1
            return
        differing = sorted(k for k in a if a[k] != b[k])
        result.conflicts += 1
        file, _, row = item.origin.rpartition(":")
        details = ", ".join(f"{k} {a[k]!r} vs {b[k]!r}" for k in differing[:3])
        result.quarantined.append(
            Quarantined(
                file,
                int(row) if row.isdigit() else 0,
                f"duplicate id {item.source}:{item.source_id} with different contents than "
                f"{previous.origin or 'the store'}: {details}",
                orjson.dumps(item.to_json(), option=orjson.OPT_SORT_KEYS).decode(),
            )
        )

    for path in path_list:
        _read_one(path, sink, result)
    if not result.events and not held:
        if result.rows == 0:
            raise UserError(
                "no usable events: the file(s) have no data rows",
                Position(", ".join(str(p) for p in path_list)),
            )
        raise UserError(
            "no usable events: every row was quarantined",
            Position(", ".join(str(p) for p in path_list)),
            details=[f"row {q.row}: {q.reason}" for q in result.quarantined[:5]],
        )
    return result


def by_month(events: Iterable[Event]) -> dict[str, int]:
    """Event counts by month of the start date (UTC), `YYYY-MM` keys in order."""
    counts = Counter(e.start.strftime("%Y-%m") for e in events)
    return dict(sorted(counts.items()))


def write_quarantine(records: Iterable[Quarantined], path: Path) -> None:
    """The quarantine file: one CSV row per bad input row (file, row, reason, raw)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "row", "reason", "raw"])
    for q in sorted(records, key=lambda q: (q.file, q.row, q.reason)):
        writer.writerow([q.file, q.row, q.reason, q.raw])
    write_atomic(path, buffer.getvalue().encode())


def write_jsonl(events: Iterable[Event], path: Path) -> None:
    """Events in the project's JSON-lines schema, sorted by start, source and id."""
    ordered = sorted(events, key=lambda e: (e.start, e.source, e.source_id))
    data = b"".join(orjson.dumps(e.to_json(), option=orjson.OPT_SORT_KEYS) + b"\n" for e in ordered)
    write_atomic(path, data)


def ingest(paths: Iterable[Path], store: Path) -> tuple[ReadResult, int]:
    """Add the events of `paths` to a JSON-lines store; returns the read result and events added."""
    known: list[Event] = []
    if store.exists():
        known = read_events([store]).events
    result = read_events(paths, known=known)
    if result.events:
        write_jsonl([*known, *result.events], store)
    return result, len(result.events)
