"""Reading hostile text files: gzip or plain, per-line encoding fallback, delimiter check, dates."""

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

from guarantor.errors import Position, UserError

GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class LineStats:
    """What happened while decoding a file's lines."""

    cp1252_lines: list[int] = field(default_factory=list)
    truncated_after_line: int | None = None
    truncation_error: str = ""


def iter_lines(path: Path, stats: LineStats) -> Iterator[str]:
    """Decoded lines of a file, gzip or not; a line that is not UTF-8 is decoded as cp1252.

    A file may mix encodings line by line (the real UCDP extract carries cp1252 quotes
    inside UTF-8 text), so the choice is made per line, and recorded in `stats`.
    A truncated gzip stream ends the iteration and is recorded, never raised mid-way.
    """
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    number = 0
    try:
        with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
            for raw in handle:
                number += 1
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    # cp1252 leaves 5 bytes undefined; those become U+FFFD rather than an error.
                    text = raw.decode("cp1252", errors="replace")
                    stats.cp1252_lines.append(number)
                if number == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                yield text
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        stats.truncated_after_line = number
        stats.truncation_error = f"{type(exc).__name__}: {exc}"


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
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None
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
    raise ValueError(f"unrecognised date {text!r}")
