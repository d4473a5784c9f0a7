"""Reading hostile text files: gzip or plain, per-line encoding fallback, delimiter check, dates,
and the limits every event reader keeps (file and line size, field length, clean text, numbers)."""

from __future__ import annotations

import csv
import gzip
import math
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from guarantor.cleantext import text_problem
from guarantor.errors import Position, UserError

GZIP_MAGIC = b"\x1f\x8b"
DATA_PROBLEM = 3  # exit code of an input that is broken as a whole (truncated, too large)

# Limits of every event reader (docs/monitor.md). The real UCDP extract is 3,883 rows, 0.3 MB
# compressed; a full ACLED export of a country is a few hundred MB.
MAX_FILE_BYTES = 1 << 30  # decompressed
MAX_LINE_BYTES = 1 << 20
MAX_ID = 128  # characters of an event id or source name
MAX_NAME = 300  # characters of one actor, type or place name
MAX_NOTES = 10_000  # characters of free text
MAX_FATALITIES = 1_000_000  # deaths in one event: above the largest any source records
MAX_COUNT_CHARS = 12


@dataclass
class LineStats:
    """What happened while decoding a file's lines."""

    cp1252_lines: list[int] = field(default_factory=list)


def iter_lines(path: Path, stats: LineStats, max_bytes: int = MAX_FILE_BYTES) -> Iterator[str]:
    """Decoded lines of a file, gzip or not; a line that is not UTF-8 is decoded as cp1252.

    A file may mix encodings line by line (the real UCDP extract carries cp1252 quotes
    inside UTF-8 text), so the choice is made per line, and recorded in `stats`.
    Streamed: a line over MAX_LINE_BYTES, a file over `max_bytes` (decompressed) and a
    truncated or corrupt gzip stream are located errors (exit 3), never a partial read.
    """
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    number = 0
    seen = 0
    try:
        with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
            while raw := handle.readline(MAX_LINE_BYTES + 1):
                number += 1
                seen += len(raw)
                if len(raw) > MAX_LINE_BYTES:
                    raise UserError(
                        f"line longer than {MAX_LINE_BYTES} bytes: not an event file",
                        Position(str(path), line=number),
                        exit_code=DATA_PROBLEM,
                    )
                if seen > max_bytes:
                    raise UserError(
                        f"more than {max_bytes} bytes{' decompressed' if compressed else ''}: "
                        "over the reader's limit",
                        Position(str(path), line=number),
                        exit_code=DATA_PROBLEM,
                    )
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    # cp1252 leaves 5 bytes undefined; those become U+FFFD rather than an error.
                    text = raw.decode("cp1252", errors="replace")
                    stats.cp1252_lines.append(number)
                if number == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                yield text
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise UserError(
            f"the compressed file is truncated or corrupt after line {number} "
            f"({type(exc).__name__}: {exc}); nothing of it was used",
            Position(str(path), line=number + 1),
            exit_code=DATA_PROBLEM,
        ) from None
    except OSError as exc:
        raise UserError(
            f"unreadable after line {number}: {exc.strerror or exc}",
            Position(str(path), line=number + 1),
            exit_code=DATA_PROBLEM,
        ) from None


def name_field(row: dict[str, str], name: str, limit: int = MAX_NAME) -> str:
    """A short text field (id, actor, type), stripped: at most `limit` characters of clean text."""
    value = row[name].strip()
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters ({len(value)})")
    problem = text_problem(value, name=True)
    if problem is not None:
        raise ValueError(f"{name} {problem}")
    return value


def free_text(value: str, name: str, limit: int = MAX_NOTES) -> str:
    """Free text (notes, descriptions): at most `limit` characters, no control characters."""
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters ({len(value)})")
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(f"{name} {problem}")
    return value


_COUNT = re.compile(r"^\d+(\.0*)?$")


def shown(text: str, limit: int = 40) -> str:
    """A value from a file as a reason quotes it: repr (controls escaped), cut to `limit` characters."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


def count(row: dict[str, str], name: str, limit: int = MAX_FATALITIES) -> int:
    """A whole, non-negative count (blank = 0) within [0, limit]; raises ValueError."""
    text = row[name].strip()
    if not text:
        return 0
    if text.startswith("-") and _COUNT.match(text[1:]):
        raise ValueError(f"{name} {text!r} is negative")
    if len(text) > MAX_COUNT_CHARS or not _COUNT.match(text):
        raise ValueError(
            f"{name} {shown(text, 20)} is not a whole number of at most {MAX_COUNT_CHARS} digits"
        )
    value = int(text.split(".")[0])
    if value > limit:
        raise ValueError(f"{name} {value} is above the limit of {limit:,}")
    return value


def sniff_delimiter(header: str, expected: set[str], path: Path) -> str:
    """The delimiter that splits `header` into names containing `expected`; a clear error if none."""
    best: tuple[int, str] = (-1, ",")
    for delimiter in (",", ";", "\t", "|"):
        names = {n.strip().strip('"') for n in header.rstrip("\r\n").split(delimiter)}
        hits = len(expected & names)
        if hits > best[0]:
            best = (hits, delimiter)
    hits, delimiter = best
    if hits < len(expected):
        names = {n.strip().strip('"') for n in header.rstrip("\r\n").split(delimiter)}
        missing = sorted(expected - names)
        raise UserError(
            f"missing required column(s): {', '.join(missing)}",
            Position(str(path), row=1),
            details=[f"header read with delimiter {delimiter!r}: {header.strip()[:200]}"],
        )
    return delimiter


def csv_records(
    lines: Iterator[str], delimiter: str
) -> Iterator[tuple[int, list[str] | None, str, str]]:
    """CSV records with the physical line number where each starts (quoted newlines allowed).

    A record the csv module cannot parse (e.g. a bare carriage return inside a field) comes
    out as (line, None, reason, raw text) and reading goes on with the next line.
    """
    counter = _Counter(lines)
    reader = csv.reader(counter, delimiter=delimiter)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, None, f"unreadable CSV: {exc}", "".join(counter.buffer)[:2000]
        else:
            yield start, record, "", ""
        counter.buffer.clear()
        start = counter.count + 1


class _Counter:
    """An iterator of lines that counts how many it has handed out."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.count = 0
        self.buffer: list[str] = []  # the lines of the record being read

    def __iter__(self) -> _Counter:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.count += 1
        self.buffer.append(line)
        return line


def coordinate(row: dict[str, str], name: str, limit: float) -> float:
    """A latitude or longitude column as a finite number within [-limit, limit]; raises ValueError."""
    text = row[name].strip()
    try:
        value = float(text) if len(text) <= 40 else None
    except ValueError:
        value = None
    if value is None:
        raise ValueError(f"{name} {shown(text)} is not a number")
    if not math.isfinite(value) or abs(value) > limit:
        raise ValueError(f"{name} {value} is outside [-{limit:g}, {limit:g}]")
    return value


_US_DATETIME = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?)?$"
)
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(Z|[+-]00:?00)?$"
)


def parse_datetime(text: str, *, day_first: bool) -> datetime:
    """An aware UTC datetime from ISO `YYYY-MM-DD[ HH:MM[:SS]]` or `a/b/YYYY [HH:MM[:SS] [AM|PM]]`.

    `day_first` says whether `a/b` is day/month (ACLED) or month/day (UCDP). Raises ValueError.
    Hand-written because the formats are few and fixed, and each must be checked strictly
    (a permissive parser would silently swap day and month).
    """
    value = text.strip()
    iso = _ISO.match(value)
    if iso:
        y, mo, d, hh, mm, ss, _tz = iso.groups()
        return datetime(
            int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=UTC
        )
    us = _US_DATETIME.match(value)
    if us:
        a, b, y, hh, mm, ss, ampm = us.groups()
        day, month = (int(a), int(b)) if day_first else (int(b), int(a))
        hour = int(hh or 0)
        if ampm:
            if not 1 <= hour <= 12:
                raise ValueError(f"hour {hour} with {ampm}")
            hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
        return datetime(int(y), month, day, hour, int(mm or 0), int(ss or 0), tzinfo=UTC)
    raise ValueError(f"unrecognised date {shown(text)}")
