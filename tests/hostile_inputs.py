"""A corpus of hostile input files for the events readers (UCDP, ACLED, JSON lines, gzip) and the
Kiel import: overflowing numbers, NaN, huge fields, NUL bytes, ANSI escapes and markup, bidi
overrides, broken encodings, truncated and bombing archives.

Used by tests/sources_events/test_hostile_inputs.py (in-process: no traceback, clean exits) and by
benchmarks/bench_hostile_inputs.py (each file through the real CLI in its own process: exit code,
stderr, peak memory).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path

from tests.sources_events.test_sources_events_readers import acled_row, ucdp_row

from guarantor.ledger.kiel import COLUMNS as KIEL_COLUMNS
from guarantor.sources import events_acled, events_ucdp

BIG = "x" * 200_000
DIGITS = "9" * 5000
ANSI = "\x1b[31mred\x1b[0m\x1b[2J"
MARKUP = "[/bold][link=file:///etc/passwd]x[/]"
BIDI = "Ukr\u202eeniar\u202c"


@dataclass(frozen=True)
class Case:
    """One hostile file and the command that reads it."""

    name: str
    path: Path
    command: tuple[str, ...]  # guarantor arguments; the file is the last one


def _csv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def kiel_row(**overrides: str) -> dict[str, str]:
    """A plausible Kiel tracker row with overrides."""
    row = {
        "country": "Australia", "iso": "AUS", "year": "2022", "month": "2", "total": "0.002645",
        "financial": "0", "humanitarian": "0", "military": "0.002645", "commitments": "0.002645",
        "to_be_allocated": "0", "gdp": "1312.77115526256", "pct_gdp": "0.0002",
    }  # fmt: skip
    row.update(overrides)
    return row


JSONL_GOOD = {
    "source": "osint", "id": "a1", "start": "2025-08-20T04:00:00Z", "lat": 48.5, "lon": 37.9,
    "actors": ["RU"], "type": "remote_violence", "fatalities": {"best": 2, "low": 1, "high": 3},
}  # fmt: skip


def _ucdp_cases() -> dict[str, bytes]:
    bad = {
        "best-5000-digits": {"best": DIGITS, "high": DIGITS},
        "best-1e400": {"best": "1e400"},
        "best-nan": {"best": "NaN"},
        "best-inf": {"best": "inf"},
        "best-fraction": {"best": "1.5"},
        "best-huge": {"best": "9999999999", "high": "9999999999"},
        "best-negative": {"best": "-3"},
        "civilians-overflow": {"deaths_civilians": "1" * 400},
        "lat-1e300": {"latitude": "1e300"},
        "lat-nan": {"latitude": "NaN"},
        "lat-inf": {"latitude": "-inf"},
        "lat-91": {"latitude": "-91"},
        "lat-long-text": {"latitude": "4" * 5000},
        "lon-1e300": {"longitude": "1e300"},
        "lon-181": {"longitude": "181"},
        "lat-empty": {"latitude": ""},
        "id-nul": {"id": "10\x0001"},
        "id-ansi": {"id": ANSI},
        "id-200k": {"id": BIG},
        "side-ansi": {"side_a": ANSI},
        "side-markup": {"side_a": MARKUP},
        "side-bidi": {"side_b": BIDI},
        "side-200k": {"side_b": BIG[:100_000]},
        "where-200k": {"where_description": BIG},
        "where-ansi": {"where_description": ANSI},
        "date-5000": {"date_start": DIGITS},
        "date-feb30": {"date_start": "2/30/2015 12:00:00 AM"},
        "date-year0": {"date_start": "1/1/0000", "year": "0"},
        "type-markup": {"type_of_violence": "[/]"},
        "year-overflow": {"year": DIGITS},
        "surrogate": {"side_a": "\ud800"},
    }
    out = {f"ucdp-{k}.csv": _csv([ucdp_row(), ucdp_row(**{"id": "2", **v})], events_ucdp.COLUMNS) for k, v in bad.items()}  # fmt: skip
    good = _csv([ucdp_row(id=str(i)) for i in range(1, 300)], events_ucdp.COLUMNS)
    out["ucdp-truncated.csv.gz"] = gzip.compress(good, mtime=0)[:-200]
    out["ucdp-truncated-early.csv.gz"] = gzip.compress(good, mtime=0)[:40]
    out["ucdp-corrupt.csv.gz"] = gzip.compress(good, mtime=0)[:100] + b"\x00" * 500
    out["ucdp-gzip-of-garbage.csv.gz"] = gzip.compress(bytes(range(256)) * 400, mtime=0)
    out["ucdp-bad-gzip-header.csv.gz"] = b"\x1f\x8b\x08" + b"\xff" * 1000
    bomb_row = _csv([ucdp_row()], events_ucdp.COLUMNS).split(b"\n", 1)[1]
    header = _csv([], events_ucdp.COLUMNS)
    out["ucdp-gzip-bomb.csv.gz"] = gzip.compress(header + bomb_row * 20_000, 9, mtime=0)
    out["ucdp-long-line.csv"] = header + b"1001," + b"x" * (2 << 20)
    out["ucdp-nul-bytes.csv"] = header + b"\x00" * 5000 + b"\n"
    out["ucdp-unterminated-quote.csv"] = header + b'1001,"' + b"a\n" * 70_000
    out["ucdp-cr-only.csv"] = good.replace(b"\n", b"\r")
    out["ucdp-utf16.csv"] = good.decode().encode("utf-16")
    out["ucdp-latin1-markup.csv"] = header + bomb_row.replace(
        b"Donetsk", "Don\xe9tsk [/x]".encode("latin-1")
    )
    out["ucdp-header-only.csv"] = header
    out["ucdp-short-rows.csv"] = header + b"1,2,3\n" * 50
    out["ucdp-long-rows.csv"] = header + b",".join([b"1"] * 5000) + b"\n"
    out["ucdp-semicolon-garbage.csv"] = header.replace(b",", b";") + b";;;;;\n"
    return out


def _acled_cases() -> dict[str, bytes]:
    bad = {
        "fatalities-5000-digits": {"fatalities": DIGITS},
        "fatalities-negative": {"fatalities": "-1"},
        "fatalities-float": {"fatalities": "1e400"},
        "notes-200k": {"notes": BIG},
        "notes-ansi": {"notes": ANSI},
        "actor-ansi": {"actor1": ANSI},
        "actor-markup": {"actor2": MARKUP},
        "actor-nul": {"actor1": "a\x00b"},
        "date-garbage": {"event_date": DIGITS},
        "type-markup": {"event_type": "[/]" * 1000},
        "lat-1e300": {"latitude": "1e300"},
        "lon-nan": {"longitude": "nan"},
        "id-200k": {"event_id_cnty": BIG},
    }
    return {f"acled-{k}.csv": _csv([acled_row(), acled_row(**{"event_id_cnty": "UKR2", **v})], events_acled.COLUMNS_33) for k, v in bad.items()}  # fmt: skip


def _jsonl_cases() -> dict[str, bytes]:
    def lines(*items: object) -> bytes:
        return b"".join(
            (x if isinstance(x, bytes) else json.dumps(x).encode()) + b"\n" for x in items
        )

    bad: dict[str, object] = {
        "fatalities-bigint": {**JSONL_GOOD, "id": "b", "fatalities": int(DIGITS[:400])},
        "fatalities-over-limit": {**JSONL_GOOD, "id": "b", "fatalities": 10**12},
        "lat-1e400": b'{"source":"s","id":"b","start":"2025-08-20T04:00:00Z","lat":1e400,"lon":1,"actors":["RU"],"type":"battle"}',
        "lat-nan": b'{"source":"s","id":"b","start":"2025-08-20T04:00:00Z","lat":NaN,"lon":1,"actors":["RU"],"type":"battle"}',
        "deep": b"[" * 100_000 + b"]" * 100_000,
        "notes-ansi": {**JSONL_GOOD, "id": "b", "notes": ANSI},
        "notes-200k": {**JSONL_GOOD, "id": "b", "notes": BIG},
        "actors-many": {**JSONL_GOOD, "id": "b", "actors": ["a"] * 10_000},
        "actor-markup": {**JSONL_GOOD, "id": "b", "actors": [MARKUP]},
        "id-nul": {**JSONL_GOOD, "id": "b\x00"},
        "surrogate": b'{"source":"s","id":"\\ud800","start":"2025-08-20T04:00:00Z","actors":["RU"],"type":"battle"}',
        "invalid-utf8": b'{"source":"s","id":"\xff\xfe","start":"2025-08-20T04:00:00Z","actors":["RU"],"type":"battle"}',
        "type-200k": {**JSONL_GOOD, "id": "b", "type": BIG},
        "year-99999": {**JSONL_GOOD, "id": "b", "start": "99999-01-01T00:00:00Z"},
        "not-object": [1, 2, 3],
        "string-bomb": b'"' + b"a" * 900_000 + b'"',
    }
    out = {f"events-{k}.jsonl": lines(JSONL_GOOD, v) for k, v in bad.items()}
    out["events-long-line.jsonl"] = lines(JSONL_GOOD) + b'{"notes":"' + b"a" * (3 << 20) + b'"}\n'
    out["events-truncated.jsonl.gz"] = gzip.compress(lines(*[{**JSONL_GOOD, "id": str(i)} for i in range(500)]), mtime=0)[:-100]  # fmt: skip
    out["events-empty.jsonl"] = b""
    out["events-blank-lines.jsonl"] = b"\n" * 10_000
    return out


def _kiel_cases() -> dict[str, bytes]:
    bad = {
        "amount-25-digits": {"total": "1" * 25, "military": "1" * 25},
        "amount-1e999999": {"total": "1E+999999", "military": "1E+999999"},
        "amount-nan": {"total": "NaN", "military": "NaN"},
        "amount-infinity": {"total": "Infinity", "military": "Infinity"},
        "amount-5000-digits": {"commitments": DIGITS},
        "amount-16-decimals": {"total": "0.0000000000000001", "military": "0.0000000000000001"},
        "amount-negative": {"total": "-1", "military": "-1"},
        "amount-underscore": {"total": "1_000", "military": "1_000"},
        "gdp-1e400": {"gdp": "1e400"},
        "country-200k": {"country": BIG},
        "country-300": {"country": "A" * 300},
        "country-nul": {"country": "Aus\x00tralia"},
        "country-ansi": {"country": "Aus" + ANSI},
        "country-markup": {"country": MARKUP},
        "country-bidi": {"country": BIDI},
        "iso-nul": {"iso": "A\x00S"},
        "year-5000-digits": {"year": DIGITS},
        "month-13": {"month": "13"},
        "month-float": {"month": "2.5"},
        "total-mismatch": {"total": "5"},
        "surrogate": {"country": "\udc80"},
    }
    out = {f"kiel-{k}.csv": _csv([kiel_row(), kiel_row(**{"month": "3", **v})], KIEL_COLUMNS) for k, v in bad.items()}  # fmt: skip
    header = _csv([], KIEL_COLUMNS)
    out["kiel-every-row-bad.csv"] = _csv([kiel_row(total="x")] * 3, KIEL_COLUMNS)
    out["kiel-missing-columns.csv"] = b"country,iso\nA,B\n"
    out["kiel-empty.csv"] = b""
    out["kiel-binary.csv"] = bytes(range(256)) * 100
    out["kiel-utf16.csv"] = _csv([kiel_row()], KIEL_COLUMNS).decode().encode("utf-16")
    out["kiel-unterminated-quote.csv"] = header + b'"Australia' + b"a\n" * 70_000
    out["kiel-field-200k-unquoted.csv"] = header + b"A" * 200_000 + b",AUS,2022,2,0,0,0,0,0,0,1,0\n"
    out["kiel-nul-everywhere.csv"] = header + b"\x00," * 11 + b"\x00\n"
    out["kiel-duplicate-rows.csv"] = _csv([kiel_row(), kiel_row()], KIEL_COLUMNS)
    out["kiel-iso-change.csv"] = _csv([kiel_row(), kiel_row(month="3", iso="AUT")], KIEL_COLUMNS)
    return out


def build(folder: Path) -> list[Case]:
    """Write the corpus into a folder; the cases in a stable order."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    for name, data in sorted({**_ucdp_cases(), **_acled_cases(), **_jsonl_cases()}.items()):
        path = folder / name
        path.write_bytes(data)
        cases.append(Case(name, path, ("events", "summary", "--format", "json", "--quarantine", str(folder / f"{name}.quarantine.csv"), str(path))))  # fmt: skip
    for name, data in sorted(_kiel_cases().items()):
        sub = folder / name.removesuffix(".csv")
        sub.mkdir(exist_ok=True)
        path = sub / "data_explorer.csv"
        path.write_bytes(data)
        (sub / "release_info.csv").write_bytes(
            b'"release","label"\n"29","' + ANSI.encode() + b'"\n' if "ansi" in name else b""
        )
        cases.append(Case(sub.name, path, ("ledger", "import-kiel", str(path))))
    return cases
