"""Deterministic matplotlib figures as inline SVG text (no timestamps, fixed ids)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

import matplotlib
import matplotlib.dates as mdates

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from guarantor.report.document import esc

STYLE: dict[str, Any] = {
    "svg.hashsalt": "guarantor-report",  # fixed element ids: byte-identical output
    "svg.fonttype": "none",  # text stays text (smaller, searchable, no font paths)
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
}

# Colour-blind-safe palette (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
STATUS_COLOURS = {
    "met": "#009E73",
    "open": "#0072B2",
    "pending": "#56B4E9",
    "overdue": "#E69F00",
    "breached": "#D55E00",
    "waived": "#999999",
    "unverified": "#CC79A7",
    "unrecorded": "#BBBBBB",
}


def new_figure(width: float = 9.0, height: float = 3.6) -> Figure:
    """A figure drawn with the report's fixed style."""
    with plt.rc_context(cast(Any, STYLE)):
        fig = plt.figure(figsize=(width, height))
    return fig


def to_svg(fig: Figure, title: str) -> str:
    """The figure as an inline <svg> element with an accessible title; the figure is closed."""
    buf = io.StringIO()
    with plt.rc_context(cast(Any, STYLE)):
        fig.savefig(
            buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight"
        )
    plt.close(fig)
    text = buf.getvalue()
    start = text.index("<svg")
    svg = text[start:]
    # Inline SVG needs no XML prolog/doctype; give it a role and a title for screen readers.
    svg = re.sub(
        r"<svg ",
        '<svg role="img" aria-label="' + esc(title) + '" ',
        svg,
        count=1,
    )
    return svg.strip()


_date2num: Callable[[Any], Any] = mdates.date2num
_locator = cast(Callable[..., Any], mdates.AutoDateLocator)
_concise = cast(Callable[..., Any], mdates.ConciseDateFormatter)


def day_number(when: datetime) -> float:
    """A datetime as matplotlib's date number (days since its epoch)."""
    return float(_date2num(when))


def day_numbers(times: Sequence[datetime]) -> list[float]:
    """Datetimes as matplotlib date numbers."""
    return [day_number(t) for t in times]


def date_axis(ax: Any, axis: str = "x") -> None:
    """Label an axis of date numbers concisely (matplotlib's ConciseDateFormatter): at most
    seven ticks, the year or month written once, so labels never overlap at any period length."""
    which = ax.xaxis if axis == "x" else ax.yaxis
    which.axis_date()
    locator = _locator(minticks=3, maxticks=7)
    which.set_major_locator(locator)
    which.set_major_formatter(_concise(locator, show_offset=True))
