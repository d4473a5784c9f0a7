"""CSV rows of plans and of contributions per party and year."""

from __future__ import annotations

import csv
import io

from guarantor.respond.contributions import Contributions
from guarantor.respond.plan import ResponsePlan
from guarantor.respond.render.words import (
    BAND_WORDS,
    assumed_refs,
    csv_quantity,
    format_by,
    gap_reason,
    unavailable_reason,
)

CSV_HEADER = [
    "kind",
    "party",
    "capability",
    "quantity",
    "where",
    "by",
    "pledge",
    "money_eur",
    "reason",
    "assumed",
]


def plan_csv(plan: ResponsePlan) -> str:
    """One CSV: tasks, gaps, pledges that do not stand, fair shares (column `kind`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for t in plan.tasking:
        writer.writerow(
            [
                "task",
                t.party,
                t.capability,
                csv_quantity(t.quantity),
                t.where,
                format_by(t.by_days, plan.activation),
                t.pledge,
                f"{t.money_eur:.0f}",
                "",
                " ".join(assumed_refs(t.assumed)),
            ]
        )
    for g in plan.gaps:
        writer.writerow(
            [
                "gap",
                "",
                g.capability,
                csv_quantity(g.quantity),
                g.where,
                "",
                "",
                "",
                gap_reason(g, plan.activation),
                " ".join(assumed_refs(g.assumed)),
            ]
        )
    for u in plan.unavailable:
        writer.writerow(
            [
                "unavailable",
                u.party,
                u.capability,
                csv_quantity(u.quantity),
                "",
                "",
                u.pledge,
                "",
                unavailable_reason(u),
                "",
            ]
        )
    for f in plan.fair:
        ratio = f"{f.ratio:.3f}" if f.ratio is not None else ""
        writer.writerow(
            [
                "fair_share",
                f.party,
                "",
                ratio,
                "",
                "",
                "",
                f"{f.money_eur:.0f}",
                BAND_WORDS[f.band],
                " ".join(assumed_refs(f.assumed)),
            ]
        )
    return buf.getvalue()


def contributions_csv(c: Contributions) -> str:
    """One row per party and year of the guarantee: party,year,money_eur."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["party", "year", "money_eur"])
    for p in c.parties:
        for year, value in enumerate(p.per_year, start=1):
            writer.writerow([p.party, year, f"{value:.0f}"])
    return buf.getvalue()
