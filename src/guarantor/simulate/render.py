"""Rich and CSV renderings of a comparison and of a sensitivity run."""

from __future__ import annotations

import csv
import io

from rich.table import Table

from guarantor.simulate.sensitivity import Bar
from guarantor.simulate.sweep import SweepResult

COLUMNS = (
    "name",
    "p_detect_24h",
    "p_decision_in_time",
    "response_p50_days",
    "response_p90_days",
    "coverage_mean",
    "unanswered_share",
    "deterrence_index",
    "violations_per_year",
)


def _rows(result: SweepResult) -> list[list[str]]:
    rows = []
    for r in result.results:
        s = r.summary()
        t = s["response_time_days"]
        rows.append(
            [
                s["name"],
                f"{s['p_detect_24h']:.3f}",
                f"{s['p_decision_in_time']:.3f}",
                "never" if t["p50"] is None else f"{t['p50']:.2f}",
                "never" if t["p90"] is None else f"{t['p90']:.2f}",
                f"{s['coverage_mean']:.3f}",
                f"{s['unanswered_share']:.3f}",
                f"{s['deterrence_index']:.4f}",
                f"{s['details']['violations_per_trial_mean']:.2f}",
            ]
        )
    return rows


def comparison_table(result: SweepResult) -> Table:
    """The designs side by side."""
    table = Table(
        title=f"Designs compared: {result.trials:,} trials, seed {result.seed}, "
        f"params {result.params.digest[:12]}",
        title_justify="left",
    )
    heads = (
        "design",
        "det≤24h",
        "in time",
        "p50 d",
        "p90 d",
        "cover",
        "unans.",
        "deter.",
        "viol/yr",
    )
    for i, h in enumerate(heads):
        table.add_column(h, justify="left" if i == 0 else "right", no_wrap=True)
    for row in _rows(result):
        table.add_row(*row)
    return table


def comparison_csv(result: SweepResult) -> str:
    """The comparison as CSV (one row per design)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(_rows(result))
    return buf.getvalue()


def tornado_table(design: str, base: float, bars: list[Bar], top: int = 12) -> Table:
    """The largest swings of the deterrence index."""
    table = Table(
        title=f"Sensitivity of {design}: deterrence index {base:.4f} at the defaults",
        title_justify="left",
    )
    for h in ("parameter", "low", "high", "index at low", "index at high", "swing"):
        table.add_column(h, justify="left" if h == "parameter" else "right")
    for b in bars[:top]:
        table.add_row(
            b.name,
            f"{b.low:.3g}",
            f"{b.high:.3g}",
            f"{b.at_low:.4f}",
            f"{b.at_high:.4f}",
            f"{b.swing:.4f}",
        )
    return table
