"""The report's pieces (sections with a status) and their assembly into one self-contained HTML page."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import jinja2
from markupsafe import Markup

Status = Literal["ok", "partial", "missing"]


@dataclass
class Section:
    """One part of the report: its HTML body, and what was missing or broken when it was built."""

    id: str
    title: str
    status: Status = "ok"
    body: str = ""
    problems: list[str] = field(default_factory=list)

    def missing(self, why: str) -> Section:
        """Mark the section as missing (nothing could be shown) and say why."""
        self.status = "missing"
        self.problems.append(why)
        return self

    def partial(self, why: str) -> Section:
        """Mark part of the section as missing and say why; the rest is shown."""
        if self.status == "ok":
            self.status = "partial"
        self.problems.append(why)
        return self


def esc(value: object) -> str:
    """HTML-escaped text of a value."""
    return html.escape(str(value), quote=True)


TEMPLATES = Path(__file__).with_name("templates")
_NUMBER = re.compile(r"^[+\-−]?[\d,]*\.?\d+\s*(%|km²|km)?$")


@cache
def environment() -> jinja2.Environment:
    """The report's Jinja environment (templates shipped with the package, autoescaped)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def macro(name: str, *args: object) -> Markup:
    """Call one macro of templates/macros.html.j2; its output is trusted markup."""
    module = environment().get_template("macros.html.j2").module
    return Markup(getattr(module, name)(*args))


def markup(text: str) -> Markup:
    """A trusted HTML fragment (from a template, the spec room's renderer or matplotlib)."""
    return Markup(text)


@dataclass(frozen=True)
class TableData:
    """A table for the `table` macro: numeric columns are right-aligned."""

    headers: list[str]
    rows: list[list[object]]
    caption: str
    numeric: frozenset[int]


def _is_number(value: object) -> bool:
    text = str(value).strip()
    return bool(_NUMBER.match(text)) or text in ("", "never", "n/a")


def numeric_columns(rows: list[list[object]]) -> frozenset[int]:
    """The columns whose every filled cell is a number (blank cells do not count either way)."""
    if not rows:
        return frozenset()
    width = max(len(r) for r in rows)
    return frozenset(
        i
        for i in range(width)
        if any(str(r[i]).strip() for r in rows if i < len(r))
        and any(_NUMBER.match(str(r[i]).strip()) for r in rows if i < len(r))
        and all(_is_number(Markup(str(r[i])).striptags()) for r in rows if i < len(r))
    )


def table(
    headers: list[str], rows: list[list[str]], *, caption: str = "", raw: bool = False
) -> Markup:
    """An HTML table; cells are escaped unless `raw` (then they are trusted HTML fragments)."""
    cells: list[list[object]] = [[Markup(v) if raw else v for v in row] for row in rows]
    return macro("table", TableData(headers, cells, caption, numeric_columns(cells)))


def figure(svg: str, caption: str) -> Markup:
    """A figure block: the inline SVG and a caption saying source, date and method."""
    return macro("figure", Markup(svg), caption)


def para(text: object, cls: str = "") -> Markup:
    """A paragraph (text escaped unless it is markup)."""
    return macro("para", text, cls)


def heading(text: str) -> Markup:
    """A sub-heading inside a section."""
    return macro("heading", text)


def join(parts: Sequence[str]) -> Markup:
    """Blocks of a section body, one per line."""
    return Markup("\n").join(parts)


def assemble(
    title: str,
    subtitle: str,
    sections: list[Section],
    inputs: list[str],
    version: str,
    generated: str | None = None,
) -> str:
    """The whole report as one HTML document (no external references)."""
    for s in sections:
        s.body = Markup(s.body)  # bodies are built from the macros above
    return (
        environment()
        .get_template("page.html.j2")
        .render(
            title=title,
            subtitle=subtitle,
            sections=sections,
            inputs=inputs,
            version=version,
            generated=generated,
        )
    )
