"""The ledger's section of `guarantor demo`: import the Kiel tracker, split US/Europe, verify, catch a tamper."""

from __future__ import annotations

import random
import shutil
import sqlite3
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.rule import Rule
from rich.table import Table
from sqlalchemy import Engine

from guarantor.ledger.chain import NewRecord, append, verify
from guarantor.ledger.database import open_engine
from guarantor.ledger.kiel import import_kiel
from guarantor.ledger.records import AidCategory, Flow, Kind, flow_record, party_profile
from guarantor.ledger.summary import plot_split, read_flows, split, summarise
from guarantor.sources.locate import KIEL_FILE

if TYPE_CHECKING:
    from guarantor.demo import DemoContext


def _synthetic(engine: Engine) -> None:
    """A small, clearly synthetic ledger: four donors, monthly allocations, seeded."""
    rng = random.Random(2026)
    donors = {
        "United States": ("USA", 27000),
        "Germany": ("DEU", 4100),
        "United Kingdom": ("GBR", 3300),
        "Japan": ("JPN", 3900),
    }
    items: list[NewRecord] = []
    for name, (iso, gdp) in donors.items():
        items.append(party_profile(name, iso=iso, gdp_eur_bn=Decimal(gdp), source="SYNTHETIC"))
        for year in (2024, 2025):
            for month in range(1, 13):
                for category in ("military", "financial", "humanitarian"):
                    value = Decimal(rng.randrange(0, 900_000)) * 1000
                    flow = Flow(
                        category=AidCategory(category),
                        value_eur=value,
                        valuation_method="SYNTHETIC",
                        period=f"{year}-{month:02d}",
                        source="SYNTHETIC demo data",
                    )
                    items.append(flow_record(Kind.allocation, name, flow))
    append(engine, items)


def run(ctx: DemoContext) -> None:
    """Import (or synthesise) the ledger, show the US/Europe split, verify the chain, show tamper detection."""
    console = ctx.console
    console.print(Rule("[bold]ledger: who gave what, in a chain no one can rewrite"))
    db = ctx.out / "ledger.sqlite"
    for suffix in ("", "-wal", "-shm"):
        (ctx.out / f"ledger.sqlite{suffix}").unlink(missing_ok=True)
    engine = open_engine(str(db))
    source = ctx.data.file(KIEL_FILE)
    if source is not None:
        report = import_kiel(engine, source)
        again = import_kiel(engine, source)
        console.print(
            f"imported {report.rows} donor-months of {report.donors} donors from {source} "
            f"({report.release or 'release unknown'}) → {report.appended} records; "
            f"re-import appended {again.appended} (idempotent)"
        )
        title = "Allocations to Ukraine: US vs Europe (Kiel Ukraine Support Tracker, EUR bn)"
    else:
        _synthetic(engine)
        console.print(
            "[bold yellow]SYNTHETIC[/] ledger (no Kiel tracker file found): four donors, 2024–2025, seeded values"
        )
        title = "SYNTHETIC allocations: US vs Europe (EUR bn)"
    data = read_flows(engine)
    groups = summarise(data, by="group")
    table = Table(
        title="Allocated vs committed by group (EUR bn)"
        + (" — SYNTHETIC" if source is None else "")
    )
    for col in (
        "group",
        "allocated",
        "military",
        "financial",
        "humanitarian",
        "committed",
        "% of GDP",
    ):
        table.add_column(col, justify="left" if col == "group" else "right")
    for row in groups:
        pct = row["pct_gdp"]
        table.add_row(
            row["group"],
            f"{row['total']:.2f}",
            f"{row['military']:.2f}",
            f"{row['financial']:.2f}",
            f"{row['humanitarian']:.2f}",
            f"{row['commitments']:.2f}",
            "–" if pct is None else f"{pct:.2f}",
        )
    console.print(table)
    from guarantor.ledger.cli import split_table

    years = split(data, period="year")
    console.print(split_table(years, "year"))
    plot = plot_split(
        split(data, period="month"), ctx.out / "ledger_us_europe_split.png", title=title
    )
    check = verify(engine)
    console.print(
        f"chain: {check.records} records, head {check.head_hash[:16]}…, "
        + ("[green]intact[/]" if check.ok else f"[red]BROKEN at {check.first_bad}[/]")
    )
    # Show what tampering looks like: edit one record in a copy of the database.
    tampered = ctx.out / "ledger-tampered.sqlite"
    engine.dispose()
    shutil.copyfile(db, tampered)
    target = max(1, check.records // 2)
    with sqlite3.connect(tampered) as conn:
        conn.execute(
            'UPDATE records SET payload = replace(payload, \'"value_eur":"\', \'"value_eur":"1\') WHERE seq = ?',
            (target,),
        )
    broken = verify(open_engine(str(tampered)))
    first = broken.first_bad
    console.print(
        f"tamper test (copy, record {target} edited in SQLite): verify says → {first.message if first else 'nothing?!'}"
    )
    tampered.unlink()
    console.print(
        f"plot: {plot}   ledger: {db}   (Europe = EU27 + EU institutions + UK, NO, CH, IS)"
    )
    ctx.results["ledger"] = {
        "records": check.records,
        "chain_ok": check.ok,
        "tamper_detected": not broken.ok,
        "groups": {r["group"]: r["total"] for r in groups},
        "synthetic": source is None,
    }
