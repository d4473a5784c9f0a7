"""The incremental flow reader behind cached summaries: it reads only new records and agrees with a full read."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, text

from guarantor.ledger.chain import NewRecord, append
from guarantor.ledger.records import AidCategory, Flow, Kind, flow_record, party_profile
from guarantor.ledger.summary import FlowReader, read_flows, split, summarise


def _flow(value: str, period: str = "2026-03", supersedes: int | None = None) -> Flow:
    return Flow(
        category=AidCategory.military,
        value_eur=Decimal(value),
        valuation_method="contract price",
        period=period,
        source="test",
        supersedes=supersedes,
    )


def _views(engine: Engine, reader: FlowReader) -> tuple[object, object]:
    incremental = reader.read(engine)
    full = read_flows(engine)
    return (
        (summarise(incremental, by="donor"), split(incremental, period="month")),
        (summarise(full, by="donor"), split(full, period="month")),
    )


def test_incremental_reads_agree_with_a_full_read_across_corrections_and_confirmations(
    engine: Engine,
) -> None:
    reader = FlowReader()
    append(
        engine,
        [
            party_profile("France", iso="FRA", gdp_eur_bn=Decimal("2900"), source="test"),
            flow_record(Kind.commitment, "France", _flow("500000000")),
            flow_record(Kind.delivery, "France", _flow("250000000")),
            NewRecord("event", "monitor", {"what": "not a flow"}),
        ],
    )
    incremental, full = _views(engine, reader)
    assert incremental == full
    before = {r["donor"]: r for r in incremental[0]}["France"]  # type: ignore[index]
    assert before["delivered"] == 0.25 and before["commitments"] == 0.5

    # later records refer to records the reader saw in its first call
    append(
        engine,
        [
            flow_record(Kind.delivery, "France", _flow("200000000", supersedes=3)),
            NewRecord(
                str(Kind.verified_delivery),
                "Ukraine",
                _flow("240000000").payload() | {"recipient": "Ukraine"},
                refs=(3,),
            ),
            flow_record(Kind.commitment, "Germany", _flow("100000000", period="2026-04")),
        ],
    )
    incremental, full = _views(engine, reader)
    assert incremental == full
    after = {r["donor"]: r for r in incremental[0]}  # type: ignore[index]
    assert after["France"]["delivered"] == 0.2 and after["France"]["verified"] == 0.24
    assert after["Germany"]["commitments"] == 0.1


def test_reader_does_not_reread_what_it_has_seen(engine: Engine) -> None:
    reader = FlowReader()
    append(engine, [flow_record(Kind.commitment, "France", _flow("500000000"))])
    assert len(reader.read(engine).flows) == 1
    # a record removed behind the ledger's back is verify's business; the reader keeps what it read
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM records WHERE seq = 1"))
    assert len(reader.read(engine).flows) == 1
    assert len(read_flows(engine).flows) == 0


def test_a_supersedes_naming_a_later_record_counts_when_that_record_arrives(engine: Engine) -> None:
    # `supersedes` in a raw payload is not a checked reference, so it may name a seq not yet written
    reader = FlowReader()
    early = _flow("100000000").payload() | {"supersedes": 2}
    append(engine, [NewRecord(str(Kind.commitment), "France", early)])
    assert len(reader.read(engine).flows) == 1
    append(engine, [flow_record(Kind.commitment, "France", _flow("300000000"))])  # seq 2
    incremental, full = _views(engine, reader)
    assert incremental == full
    assert [f.value_eur for f in reader.read(engine).flows] == [Decimal("100000000")]
