"""The ledger: committed against delivered per party, and the US against Europe over time."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from guarantor.errors import UserError
from guarantor.report.document import Section, figure, join, table
from guarantor.report.figures import PALETTE, new_figure, to_svg

TOP_DONORS = 15


def read_ledger(ledger: str | None, kiel: Path | None) -> tuple[Any, str]:
    """The ledger's flows, from a database or from a Kiel CSV imported into a temporary one."""
    from guarantor.ledger.database import open_engine
    from guarantor.ledger.summary import read_flows

    if ledger:
        if "://" not in ledger and not Path(ledger).exists():
            raise UserError(f"ledger database {ledger} does not exist")
        engine = open_engine(ledger)
        try:
            return read_flows(engine), f"ledger {Path(ledger).name}"
        finally:
            engine.dispose()
    if kiel is None:
        raise UserError("no ledger (--ledger) and no Kiel tracker file (--kiel) were given")
    from guarantor.ledger.kiel import import_kiel

    with tempfile.TemporaryDirectory(prefix="guarantor-report-") as tmp:
        engine = open_engine(str(Path(tmp) / "ledger.sqlite"))
        try:
            import_kiel(engine, kiel)
            return read_flows(engine), f"{kiel.name} (Kiel Ukraine Support Tracker, imported)"
        finally:
            engine.dispose()


def ledger_section(ledger: str | None, kiel: Path | None) -> Section:
    """Committed versus delivered (allocated) per donor and the US/Europe split by year."""
    from guarantor.ledger.summary import split, summarise

    s = Section("ledger", "Ledger: committed, allocated and delivered; the US and Europe")
    try:
        flows, source = read_ledger(ledger, kiel)
    except UserError as err:
        return s.missing(str(err))
    donors = summarise(flows, by="donor")
    if not donors:
        return s.missing(f"the ledger ({source}) holds no flows")
    top = sorted(donors, key=lambda r: (-r["total"], r["donor"]))[:TOP_DONORS]
    fig = new_figure(9, 3.8)
    ax = fig.add_subplot()
    idx = range(len(top))
    ax.bar(
        [i - 0.27 for i in idx],
        [r["commitments"] for r in top],
        0.27,
        color=PALETTE[1],
        label="committed",
    )
    ax.bar(list(idx), [r["total"] for r in top], 0.27, color=PALETTE[0], label="allocated")
    ax.bar(
        [i + 0.27 for i in idx],
        [r["delivered"] for r in top],
        0.27,
        color=PALETTE[2],
        label="delivered (recorded)",
    )
    ax.set_xticks(list(idx))
    ax.set_xticklabels([r["donor"][:24] for r in top], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("EUR bn")
    ax.legend(fontsize=7)
    ax.set_title(f"Top {len(top)} donors by allocations")
    parts = [
        figure(
            to_svg(fig, "Committed, allocated and delivered per donor"),
            f"Source: {source}. Method: effective ledger flows (corrections applied), EUR bn. "
            "The Kiel tracker records allocations, not deliveries: where no delivery was recorded the bar is empty.",
        )
    ]
    parts.append(
        table(
            ["donor", "group", "committed", "allocated", "military", "delivered", "% GDP"],
            [
                [
                    r["donor"],
                    r["group"],
                    f"{r['commitments']:.2f}",
                    f"{r['total']:.2f}",
                    f"{r['military']:.2f}",
                    f"{r['delivered']:.2f}" if r["delivery_ratio"] is not None else "not tracked",
                    "" if r["pct_gdp"] is None else f"{r['pct_gdp']:.3f}",
                ]
                for r in top
            ],
            caption=f"EUR bn; top {len(top)} of {len(donors)} donors",
        )
    )
    years = split(flows, period="year")
    if years:
        fig = new_figure(9, 3.4)
        ax = fig.add_subplot()
        labels = [r["period"] for r in years]
        ax.bar(
            [i - 0.2 for i in range(len(labels))],
            [r["US"] for r in years],
            0.4,
            color=PALETTE[0],
            label="US",
        )
        ax.bar(
            [i + 0.2 for i in range(len(labels))],
            [r["Europe"] for r in years],
            0.4,
            color=PALETTE[1],
            label="Europe",
        )
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels)
        ax.set_ylabel("allocations, EUR bn")
        ax.legend(fontsize=7)
        ax.set_title("The US and Europe, allocations per year")
        parts.append(
            figure(
                to_svg(fig, "US and Europe allocations per year"),
                f"Source: {source}. Method: ledger split by donor group (EU institutions count as Europe).",
            )
        )
        parts.append(
            table(
                ["year", "US", "Europe", "all", "Europe's share of US+Europe"],
                [
                    [
                        r["period"],
                        f"{r['US']:.2f}",
                        f"{r['Europe']:.2f}",
                        f"{r['all']:.2f}",
                        ""
                        if r["europe_share_of_us_plus_europe"] is None
                        else f"{r['europe_share_of_us_plus_europe'] * 100:.1f}%",
                    ]
                    for r in years
                ],
            )
        )
    s.body = join(parts)
    return s
