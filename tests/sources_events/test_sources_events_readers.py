"""Event readers: the real UCDP file as it is, ACLED variants, JSON lines, and a corpus of broken files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from guarantor.errors import UserError
from guarantor.sources import events_acled, events_ucdp
from guarantor.sources.events_read import by_month, ingest, read_events

UCDP_FILE = "events/ucdp_ged_ukraine_2014-2023Q1_peacerep.csv.gz"


def ucdp_row(**overrides: str) -> dict[str, str]:
    """A plausible GED row (all 49 columns) with overrides."""
    row = {c: "" for c in events_ucdp.COLUMNS}
    row.update(
        id="1001", relid="UKR-2015-1-1", year="2015", type_of_violence="1",
        side_a="Government of Ukraine", side_b="DPR", where_prec="1", latitude="48.0",
        longitude="37.8", date_prec="1", date_start="2/16/2015 12:00:00 AM",
        date_end="2/16/2015 12:00:00 AM", deaths_civilians="0", best="3", high="4", low="2",
        dyad_name="Government of Ukraine - DPR", where_description="Donetsk",
    )  # fmt: skip
    row.update(overrides)
    return row


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    columns: tuple[str, ...],
    delimiter: str = ",",
    gz: bool = False,
) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(columns), delimiter=delimiter, lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def test_real_ucdp_file_reads_every_row(shared_data: Path) -> None:
    result = read_events([shared_data / UCDP_FILE])
    assert result.rows == 3883
    assert result.accepted + len(result.quarantined) + result.duplicates == result.rows
    assert result.accepted == 3883  # every row is usable; 31 have their fatality bounds repaired
    assert len(result.repaired) == 31
    assert any("cp1252" in n for n in result.notes)
    months = by_month(result.events)
    assert sum(months.values()) == 3883
    assert min(months) == "2014-01" and max(months) == "2023-02"  # starts; some end in March
    ids = {e.source_id: e for e in result.events}
    # a row written `1/22/2014 12:00:00 AM` (month first)
    assert ids["147997"].start == datetime(2014, 1, 22, tzinfo=UTC)
    assert all(e.end >= e.start for e in result.events)
    assert not any("\ufffd" in e.notes for e in result.events)  # no undecodable bytes left


def test_candidate_date_formats_are_month_first(tmp_path: Path) -> None:
    rows = [
        ucdp_row(
            id="1",
            year="2022",
            date_start="8/31/2022 12:00:00 AM",
            date_end="8/31/2022 12:00:00 AM",
        ),
        ucdp_row(id="2", year="2022", date_start="09/01/2022 00:00", date_end="09/03/2022 00:00"),
        ucdp_row(id="3", year="2022", date_start="2022-09-05", date_end="2022-09-05"),
    ]
    result = read_events([write_csv(tmp_path / "ged.csv", rows, events_ucdp.COLUMNS)])
    starts = {e.source_id: e.start for e in result.events}
    assert starts == {
        "1": datetime(2022, 8, 31, tzinfo=UTC),
        "2": datetime(2022, 9, 1, tzinfo=UTC),
        "3": datetime(2022, 9, 5, tzinfo=UTC),
    }


def test_bad_ucdp_rows_are_quarantined_with_row_and_reason(tmp_path: Path) -> None:
    rows = [
        ucdp_row(id="1"),
        ucdp_row(id="2", date_start="2/30/2015 12:00:00 AM", date_end="2/30/2015 12:00:00 AM"),
        ucdp_row(id="3", year="2014"),  # date says 2015
        ucdp_row(id="4", date_end="2/10/2015 12:00:00 AM"),  # end before start
        ucdp_row(id="5", latitude="123.0"),
        ucdp_row(id="6", longitude="east"),
        ucdp_row(id="7", best="-3"),
        ucdp_row(id="1"),  # exact duplicate
        ucdp_row(id="1", best="4"),  # same id, other contents
    ]
    path = write_csv(tmp_path / "ged.csv", rows, events_ucdp.COLUMNS)
    result = read_events([path])
    reasons = {q.row: q.reason for q in result.quarantined}
    assert (
        result.rows == 9
        and result.accepted == 1
        and result.duplicates == 1
        and result.conflicts == 1
    )
    assert "day is out of range" in reasons[3]
    assert "year says '2014'" in reasons[4]
    assert "before date_start" in reasons[5]
    assert "latitude 123.0 is outside" in reasons[6]
    assert "longitude 'east' is not a number" in reasons[7]
    assert "negative" in reasons[8]
    assert "different contents" in reasons[10] and "ged.csv:2" in reasons[10]


def test_semicolon_delimiter_is_detected_and_noted(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ged.csv", [ucdp_row()], events_ucdp.COLUMNS, delimiter=";")
    result = read_events([path])
    assert result.accepted == 1
    assert any("';'" in n for n in result.notes)


def test_missing_columns_is_a_user_error_naming_them(tmp_path: Path) -> None:
    columns = tuple(c for c in events_ucdp.COLUMNS if c not in ("best", "latitude"))
    path = write_csv(tmp_path / "ged.csv", [{c: ucdp_row()[c] for c in columns}], columns)
    with pytest.raises(UserError) as info:
        read_events([path])
    assert (
        "best" in str(info.value) and "latitude" in str(info.value) and "row 1" in str(info.value)
    )


def test_truncated_gzip_is_a_located_error_with_a_non_zero_exit(tmp_path: Path) -> None:
    rows = [ucdp_row(id=str(i)) for i in range(1, 400)]
    full = write_csv(tmp_path / "full.csv.gz", rows, events_ucdp.COLUMNS, gz=True).read_bytes()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(full[: len(full) // 2])
    with pytest.raises(UserError, match="truncated or corrupt") as info:
        read_events([cut])
    assert info.value.exit_code == 3 and info.value.location is not None
    assert info.value.location.line is not None and info.value.location.line > 1
    proc = run_cli("events", "summary", str(cut), "--format", "json")
    assert proc.returncode == 3 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert "truncated" in proc.stderr


def test_mixed_encodings_are_read_line_by_line(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ged.csv",
        [
            ucdp_row(id="1", where_description="Kyiv’s centre"),
            ucdp_row(id="2", where_description="Lviv"),
        ],
        events_ucdp.COLUMNS,
    )
    data = path.read_bytes().replace(b"Lviv", "L\x92viv".encode("latin-1"))
    path.write_bytes(data)
    result = read_events([path])
    notes = {e.source_id: e.notes for e in result.events}
    assert "Kyiv’s" in notes["1"] and "L’viv" in notes["2"]
    assert any("cp1252" in n for n in result.notes)


def test_nothing_usable_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ged.csv", [ucdp_row(latitude="999")], events_ucdp.COLUMNS)
    with pytest.raises(UserError, match="no usable events"):
        read_events([path])


def acled_row(**overrides: str) -> dict[str, str]:
    row = {c: "" for c in events_acled.COLUMNS_33}
    row.update(
        id="1", iso="804", event_id_cnty="UKR1", event_date="2025-08-20", year="2025",
        time_precision="1", event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile attack",
        actor1="Military Forces of Russia (2000-)", actor2="Civilians (Ukraine)", latitude="47.84",
        longitude="35.14", fatalities="2", geo_precision="1", notes="Shelling of Zaporizhzhia",
    )  # fmt: skip
    row.update(overrides)
    return row


def test_acled_33_from_the_shared_header_and_31_columns(shared_data: Path, tmp_path: Path) -> None:
    header = (shared_data / "events/acled_export_header_only.csv").read_text().strip().split(",")
    assert tuple(header) == events_acled.COLUMNS_33
    p33 = write_csv(
        tmp_path / "a33.csv",
        [acled_row(), acled_row(event_id_cnty="UKR2", event_date="21/08/2025 00:00:00")],
        events_acled.COLUMNS_33,
    )
    rows31 = [
        {
            c: acled_row(event_id_cnty="UKR3", event_date="22/08/2025")[c]
            for c in events_acled.COLUMNS_31
        }
    ]
    p31 = write_csv(tmp_path / "a31.csv", rows31, events_acled.COLUMNS_31)
    result = read_events([p33, p31])
    starts = {e.source_id: e.start.date().isoformat() for e in result.events}
    assert starts == {"UKR1": "2025-08-20", "UKR2": "2025-08-21", "UKR3": "2025-08-22"}
    assert {e.event_type for e in result.events} == {"remote_violence"}
    assert result.events[0].actors[0] == "Military Forces of Russia (2000-)"


def test_acled_bad_rows(tmp_path: Path) -> None:
    rows = [
        acled_row(),
        acled_row(event_id_cnty="B", event_date="31/02/2025"),
        acled_row(event_id_cnty="C", event_type="Parade"),
        acled_row(event_id_cnty="D", fatalities="many"),
    ]
    result = read_events([write_csv(tmp_path / "a.csv", rows, events_acled.COLUMNS_33)])
    assert result.accepted == 1 and len(result.quarantined) == 3
    assert {q.row for q in result.quarantined} == {3, 4, 5}


def test_jsonl_schema_and_bad_lines(tmp_path: Path) -> None:
    good = {
        "source": "osint",
        "id": "a1",
        "start": "2025-08-20T04:00:00Z",
        "lat": 48.5,
        "lon": 37.9,
        "actors": ["RU"],
        "type": "remote_violence",
        "fatalities": {"best": 2, "low": 1, "high": 3},
    }
    lines = [
        json.dumps(good),
        json.dumps({**good, "id": "a2", "start": "2025-08-20T04:00:00"}),  # naive time
        json.dumps({**good, "id": "a3", "type": "sabotage"}),
        "{not json",
        json.dumps({**good, "id": "a4", "lat": 95}),
    ]
    path = tmp_path / "ev.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = read_events([path])
    assert result.accepted == 1
    reasons = {q.row: q.reason for q in result.quarantined}
    assert (
        "UTC offset" in reasons[2]
        and "unknown event type" in reasons[3]
        and 4 in reasons
        and "lat" in reasons[5]
    )


def test_jsonl_negative_fatality_count_has_a_one_line_reason() -> None:
    from guarantor.sources.events_jsonl import parse_line

    line = {"source": "s", "id": "1", "start": "2025-08-20T04:00:00Z", "actors": ["RU"]}
    with pytest.raises(ValueError) as info:
        parse_line(json.dumps({**line, "type": "battle", "fatalities": -3}))
    assert str(info.value) == "fatalities must not be negative"


def test_ingest_twice_adds_nothing(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "ged.csv", [ucdp_row(id="1"), ucdp_row(id="2")], events_ucdp.COLUMNS)
    store = tmp_path / "store.jsonl"
    _, added = ingest([src], store)
    assert added == 2
    first = store.read_bytes()
    result, added = ingest([src], store)
    assert added == 0 and result.duplicates == 2
    assert store.read_bytes() == first
    # the store is itself a readable event file in the project's schema
    assert read_events([store]).accepted == 2


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guarantor.cli", *args], capture_output=True, text=True, check=False
    )


def test_events_summary_json_shape(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "ged.csv",
        [
            ucdp_row(id="1"),
            ucdp_row(id="2", date_start="3/1/2015 12:00:00 AM", date_end="3/1/2015 12:00:00 AM"),
            ucdp_row(id="3", latitude="x"),
        ],
        events_ucdp.COLUMNS,
    )
    quarantine = tmp_path / "q.csv"
    proc = run_cli(
        "events", "summary", str(src), "--format", "json", "--quarantine", str(quarantine)
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert isinstance(doc.pop("by_place"), list)  # empty without a gazetteer in the data folder
    assert doc == {
        "rows": 3,
        "accepted": 2,
        "quarantined": 1,
        "duplicates": 0,
        "by_month": {"2015-02": 1, "2015-03": 1},
    }
    rows = list(csv.DictReader(quarantine.open()))
    assert rows[0]["row"] == "4" and "latitude" in rows[0]["reason"]


def test_events_summary_exits_2_when_nothing_usable(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "ged.csv", [ucdp_row(latitude="x")], events_ucdp.COLUMNS)
    proc = run_cli(
        "events", "summary", str(src), "--format", "json", "--quarantine", str(tmp_path / "q.csv")
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "no usable events" in proc.stderr and "Traceback" not in proc.stderr


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(st.binary(max_size=300), max_size=12),
    header=st.sampled_from(["ucdp", "acled", "jsonl", "none"]),
    gz=st.booleans(),
)
def test_garbage_never_crashes_and_nothing_is_lost(
    tmp_path: Path, lines: list[bytes], header: str, gz: bool
) -> None:
    head = {
        "ucdp": ",".join(events_ucdp.COLUMNS).encode() + b"\n",
        "acled": ",".join(events_acled.COLUMNS_33).encode() + b"\n",
        "jsonl": b"",
        "none": b"",
    }[header]
    name = "x.jsonl" if header == "jsonl" else "x.csv"
    data = head + b"\n".join(lines)
    path = tmp_path / (name + (".gz" if gz else ""))
    path.write_bytes(
        gzip.compress(data, mtime=0)[: max(10, len(data) // 2)] if gz and lines else data
    )
    try:
        result = read_events([path])
    except UserError as err:
        assert str(err)  # a message, not a crash
        return
    assert result.accepted + len(result.quarantined) + result.duplicates == result.rows


def test_header_only_acled_export_says_there_are_no_rows(shared_data: Path) -> None:
    with pytest.raises(UserError, match="no data rows"):
        read_events([shared_data / "events/acled_export_header_only.csv"])


def test_unparseable_csv_record_is_quarantined_and_reading_goes_on(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ged.csv",
        [ucdp_row(id="1"), ucdp_row(id="2", where_description="bad@field"), ucdp_row(id="3")],
        events_ucdp.COLUMNS,
    )
    path.write_bytes(path.read_bytes().replace(b"bad@field", b"bad\rfield"))
    result = read_events([path])
    assert sorted(e.source_id for e in result.events) == ["1", "3"]
    (q,) = result.quarantined
    assert q.row == 3 and "unreadable CSV" in q.reason and q.raw.startswith("2,")
