"""Presentation in one place: a typed result rendered as a Rich table, JSON or CSV.

A room returns a typed result; its `cli.py` wraps the result's rows in a `Tabular` (title,
columns, rows, the JSON document) and hands it to `render`. The columns are the result's field
names, so that a table's headers, the CSV's header row, the JSON keys and the API say the same.
JSON goes through `guarantor.jsonout` (deterministic); rooms with a custom layout keep their own
`render.py` (respond, negotiate) and use `cell`/`write_csv` from here.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from guarantor.jsonout import Format, TableOrJson, emit

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

Row = Mapping[str, Any]

# Column names whose values are numbers read right-aligned in a table.
NUMERIC_SUFFIXES = ("km2", "km", "pct", "ratio", "count", "eur", "bn", "_n")


@dataclass(frozen=True)
class Tabular:
    """A result as the output layer prints it: rows under named columns, and its JSON form."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    document: Any = None  # the JSON form (default: {"rows": [...]})
    caption: str | None = None
    right: frozenset[str] = field(default_factory=frozenset)  # right-aligned beyond the numbers

    def json_document(self) -> Any:
        """What `--format json` prints."""
        if self.document is not None:
            return self.document
        return {"rows": [dict(r) for r in self.rows]}


def tabular(
    title: str,
    rows: Iterable[Any],
    columns: Sequence[str] | None = None,
    document: Any = None,
    caption: str | None = None,
) -> Tabular:
    """A `Tabular` from mappings or frozen dataclasses (their fields are the columns)."""
    as_rows = tuple(row_of(r) for r in rows)
    names = tuple(columns) if columns is not None else (tuple(as_rows[0]) if as_rows else ())
    return Tabular(title, names, as_rows, document, caption)


def row_of(item: Any) -> Row:
    """A row: a mapping as it is, a dataclass as its fields (enums as their values)."""
    if isinstance(item, Mapping):
        return item
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return {
            f.name: _plain(getattr(item, f.name))
            for f in dataclasses.fields(item)
            if not f.name.startswith("_")
        }
    raise TypeError(f"not a row: {type(item).__name__}")


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _csv_value(value: Any) -> Any:
    """A CSV field: empty for None, lists space-joined, text with control characters escaped."""
    from guarantor.cleantext import visible_text

    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(_plain(v)) for v in value)
    if isinstance(value, str):
        return visible_text(value)
    return _plain(value)


def cell(value: object, digits: int | None = None) -> str:
    """One table cell: thousands separated, floats to 2 places (1 from 100), lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if digits is not None:
            return f"{value:,.{digits}f}"
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def is_numeric(column: str) -> bool:
    """Whether a column is right-aligned by its name."""
    return column.endswith(NUMERIC_SUFFIXES)


def csv_text(rows: Iterable[Row], columns: Sequence[str]) -> str:
    """CSV with a header row; control characters in text are written as escapes."""
    from guarantor.cleantext import visible_text

    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: "" if v is None else visible_text(v) if isinstance(v, str) else _plain(v)
                for k, v in row.items()
            }
        )
    return buf.getvalue()


def write_csv(rows: Iterable[Row], columns: Sequence[str]) -> None:
    """CSV on stdout (see `csv_text`)."""
    sys.stdout.write(csv_text(rows, columns))
    sys.stdout.flush()


def rich_table(result: Tabular) -> Table:
    """The result as a Rich table, headers = field names (text shown safe: no markup, no control
    characters reach the terminal)."""
    from rich.markup import escape
    from rich.table import Table

    from guarantor.cleantext import visible_text

    table = Table(title=result.title, caption=result.caption)
    digits: dict[str, int | None] = {}
    for col in result.columns:
        values = [row.get(col) for row in result.rows if row.get(col) is not None]
        numbers = bool(values) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in values
        )
        right = col in result.right or is_numeric(col) or numbers
        table.add_column(col, justify="right" if right else "left")
        digits[col] = column_digits(values)
    for row in result.rows:
        table.add_row(*(escape(visible_text(cell(row.get(c), digits[c]))) for c in result.columns))
    return table


def column_digits(values: Sequence[object]) -> int | None:
    """Decimal places shared by a column's floats, so that its decimal points line up: as many
    as the values carry (1 or 2; 1 when any reaches 100), never more precision than was given;
    None when the column holds no float."""
    floats = [v for v in values if isinstance(v, float) and math.isfinite(v)]
    if not floats:
        return None
    cap = 1 if any(abs(v) >= 100 for v in floats) else 2
    return max(1, min(cap, max(_decimals(v) for v in floats)))


def _decimals(v: float) -> int:
    """The fewest decimal places (up to 2) that show `v` exactly as given."""
    for d in (0, 1):
        if round(v, d) == v:
            return d
    return 2


def render(result: Tabular, fmt: Format | TableOrJson, console: Console | None = None) -> None:
    """Print the result on stdout as `fmt` says: a table, one JSON document, or CSV."""
    if fmt.value == "json":
        emit(result.json_document())
    elif fmt.value == "csv":
        write_csv(result.rows, result.columns)
    else:
        from rich.console import Console

        (console or Console(highlight=False)).print(rich_table(result))
