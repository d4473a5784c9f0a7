"""The capability catalogue for people (table), spreadsheets (CSV) and scripts (JSON)."""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.markup import escape
from rich.table import Table

from guarantor.respond.catalogue import Catalogue


def capability_rows(cat: Catalogue) -> list[dict[str, Any]]:
    """The catalogue as data: every kind with its values and their provenance."""
    rows = []
    for c in cat.capabilities.values():
        row = c.model_dump(mode="json", exclude={"sources"})
        row["provenance"] = {name: _grade_json(c, name) for name in c.graded_values()}
        rows.append(row)
    return rows


def _grade_json(c: Any, name: str) -> dict[str, str | None]:
    p = c.provenance_of(name)
    source = c.sources.get(name)
    return {
        "grade": p.grade.value if p.grade else None,
        "doc": p.doc,
        "quote": p.quote,
        "reason": p.reason,
        "note": source.note if source is not None else None,
    }


def capabilities_csv(cat: Catalogue) -> str:
    """One row per kind: units, money, readiness, rotation and the grade of each value."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "id",
            "unit",
            "domain",
            "integer",
            "lethal",
            "unit_size",
            "cost_eur_per_year",
            "readiness",
            "rotation",
            "stands_for",
            "anywhere",
            "grades",
        ]
    )
    for c in cat.capabilities.values():
        grades = " ".join(
            f"{n}={(c.provenance_of(n).grade or 'ungraded')}" for n in c.graded_values()
        )
        writer.writerow(
            [
                c.id,
                c.unit,
                c.domain,
                str(c.integer).lower(),
                str(c.lethal).lower(),
                f"{c.unit_size.count:g} {c.unit_size.of}" if c.unit_size else "",
                "face value"
                if c.face_value
                else (f"{c.cost_eur_per_year:.0f}" if c.cost_eur_per_year is not None else ""),
                str(c.readiness) if c.readiness else "",
                f"{c.rotation:g}",
                " ".join(f"{k}={v:g}" for k, v in sorted(c.stands_for.items())),
                str(c.anywhere).lower(),
                grades,
            ]
        )
    return buf.getvalue()


def capabilities_table(cat: Catalogue) -> Table:
    """The catalogue for people: each kind's size, money, readiness, rotation and their grades."""
    table = Table(
        title="Capability catalogue (grade of each value in brackets)", title_justify="left"
    )
    for col in ("id", "unit", "size", "EUR/unit/yr", "ready", "rotation", "serves / stands for"):
        table.add_column(col)

    def g(c: Any, name: str) -> str:
        grade = c.provenance_of(name).grade
        return escape(f" [{grade.value if grade else 'ungraded'}]")

    for c in cat.capabilities.values():
        size = f"{c.unit_size.count:g} {c.unit_size.of}{g(c, 'unit_size')}" if c.unit_size else ""
        if c.stands_for:
            cost = "its parts'"
        elif c.face_value:
            cost = "face value"
        elif c.cost_eur_per_year:
            cost = f"{c.cost_eur_per_year:,.0f}{g(c, 'cost_eur_per_year')}"
        else:
            cost = f"not monetised{g(c, 'cost_eur_per_year')}"
        ready = f"{c.readiness}{g(c, 'readiness')}" if c.readiness else ""
        rotation = f"{c.rotation:g}{g(c, 'rotation')}" if "rotation" in c.graded_values() else "–"
        if c.stands_for:
            serves = ", ".join(f"{v:g} {k}" for k, v in sorted(c.stands_for.items())) + g(
                c, "stands_for"
            )
        elif c.anywhere:
            serves = "anywhere"
        else:
            serves = "; ".join(f"{k}←{'/'.join(v)}" for k, v in sorted(c.serves.items()))
        table.add_row(c.id, c.unit, size, cost, ready, rotation, serves)
    return table
