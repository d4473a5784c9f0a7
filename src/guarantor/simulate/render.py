"""Rich and CSV renderings of a sensitivity analysis, its parameters and its calibration.

Made at the edge from the typed results; the field names are those of the JSON document.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from rich.table import Table

from guarantor.simulate.calibrate import CalibrationRecord
from guarantor.simulate.metrics import METRICS, PRIMARY, Metric
from guarantor.simulate.ranking import MIN_DRAWS_FOR_IMPORTANCE, ROBUST
from guarantor.simulate.run import SimulationResult

SHORT = {
    Metric.deterrence_index: "deterrence",
    Metric.unanswered_share: "unanswered",
    Metric.p_decision_in_time: "decided in time",
    Metric.p_detect_24h: "detected ≤24h",
    Metric.response_p50_days: "response p50 (d)",
    Metric.coverage_mean: "coverage",
    Metric.violations_per_year: "violations/yr",
}


def _num(x: float | None, digits: int) -> str:
    if x is None or not math.isfinite(x):
        return "never"
    return f"{x:.{digits}f}"


def _interval(s: dict[str, Any], metric: Metric) -> str:
    d = metric.digits + (1 if metric is Metric.deterrence_index else 0)
    return f"{_num(s['median'], d)} [{_num(s['p05'], d)}–{_num(s['p95'], d)}]"


def ranking_table(result: SimulationResult) -> Table:
    """The table an analyst reads first: designs by median deterrence, and whether each
    difference to the next design survives the parameter uncertainty."""
    table = Table(
        title=f"Designs ranked by {PRIMARY.value} (median [90% interval] over {result.draws:,} "
        f"parameter draws x {result.trials:,} trials, seed {result.seed})",
        title_justify="left",
    )
    for h in ("rank", "design", PRIMARY.value, "MC s.e.", "beats next in", "difference to next"):
        table.add_column(h, justify="left" if h in ("design", "difference to next") else "right")
    index = {name: j for j, name in enumerate(result.names)}
    for pos, (name, _med, share) in enumerate(result.ranking(), 1):
        s = result.summary(index[name], PRIMARY)
        if share is None:
            verdict, shown = "", ""
        else:
            shown = f"{share:.0%} of draws"
            verdict = "robust" if share >= ROBUST else f"NOT robust (< {ROBUST:.0%})"
        table.add_row(str(pos), name, _interval(s, PRIMARY), _num(s["mc_se"], 5), shown, verdict)
    return table


def metrics_table(result: SimulationResult) -> Table:
    """Every metric of every design: median, 90% interval over the draws, Monte Carlo error."""
    table = Table(
        title="All metrics: median and 90% interval over parameter draws; MC s.e. = Monte Carlo "
        "error of one draw",
        title_justify="left",
    )
    for h in ("design", "metric", "median", "90% interval", "MC s.e."):
        table.add_column(h, justify="left" if h in ("design", "metric") else "right")
    for j, name in enumerate(result.names):
        for k, m in enumerate(METRICS):
            s = result.summary(j, m)
            d = m.digits + (1 if m is Metric.deterrence_index else 0)
            table.add_row(
                name if k == 0 else "",
                m.value,
                _num(s["median"], d),
                f"{_num(s['p05'], d)} – {_num(s['p95'], d)}",
                _num(s["mc_se"], d + 1),
                end_section=k == len(METRICS) - 1,
            )
    return table


def comparison_csv(result: SimulationResult) -> str:
    """One row per design and metric: name, metric, median, p05, p95, mc_se."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["name", "metric", "median", "p05", "p95", "mc_se"])
    for j, name in enumerate(result.names):
        for m in METRICS:
            s = result.summary(j, m)
            w.writerow([name, m.value, *(_csv(s[k]) for k in ("median", "p05", "p95", "mc_se"))])
    return buf.getvalue()


def _csv(x: float | None) -> str:
    return "" if x is None else f"{x:.6f}"


def importance_table(result: SimulationResult, design: str, top: int) -> Table:
    """The parameters that move a design's primary metric most (first-order Sobol indices);
    empty, and saying why, below the draws they need."""
    rows = sorted(
        (i for i in result.importance if i.design == design and i.metric is PRIMARY),
        key=lambda i: (-i.index, i.parameter),
    )[:top]
    table = Table(
        title=f"{design}: what moves {PRIMARY.value} (Sobol first-order index over "
        f"{result.draws:,} draws; ± 95% half-width; below it, indistinguishable from noise)",
        title_justify="left",
        caption=""
        if result.importance
        else f"no indices: they need at least {MIN_DRAWS_FOR_IMPORTANCE} parameter draws",
        caption_justify="left",
    )
    for h in ("parameter", "grade", "index", "±"):
        table.add_column(h, justify="left" if h in ("parameter", "grade") else "right")
    params = result.prepared.params.params
    for i in rows:
        grade = params[i.parameter].grade.value if i.parameter in params else ""
        table.add_row(i.parameter, grade, f"{i.index:.3f}", f"{i.conf:.3f}")
    return table


def flips_table(result: SimulationResult) -> Table:
    """For differences that are not robust: the deciding parameter and where the order flips."""
    table = Table(
        title="Differences that are not robust, and what decides them", title_justify="left"
    )
    for h in ("designs", "parameter", "index", "order flips at", "better below", "better above"):
        table.add_column(h)
    for f in result.flips:
        table.add_row(
            f"{f.a} vs {f.b}",
            f.parameter,
            f"{f.index:.3f}",
            "no flip seen" if f.at is None else f"{f.at:.4g}",
            f.better_below,
            f.better_above,
        )
    return table


def importance_csv(result: SimulationResult) -> str:
    """Every importance index: parameter, metric, design, index, conf."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["parameter", "metric", "design", "index", "conf"])
    for i in result.importance:
        w.writerow([i.parameter, i.metric.value, i.design, f"{i.index:.6f}", f"{i.conf:.6f}"])
    return buf.getvalue()


PARAMETER_COLUMNS = ("parameter", "grade", "distribution", "central", "p05", "p95", "source")


def parameters_table(rows: list[dict[str, Any]]) -> Table:
    """Every parameter with its grade, distribution and 90% interval."""
    table = Table(title="Parameters: distributions and provenance", title_justify="left")
    for h in PARAMETER_COLUMNS[:-1]:
        table.add_column(
            h,
            justify="right" if h in ("central", "p05", "p95") else "left",
            no_wrap=h == "parameter",
        )
    for r in rows:
        table.add_row(
            r["parameter"], r["grade"], r["distribution"],
            *(f"{r[k]:.4g}" if r[k] is not None else "" for k in ("central", "p05", "p95")),
        )  # fmt: skip
    return table


def parameters_csv(rows: list[dict[str, Any]]) -> str:
    """Every parameter as CSV (the JSON fields)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(PARAMETER_COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


CALIBRATION_COLUMNS = (
    "parameter", "fitted", "data", "method", "n", "estimate", "p05", "p95", "goodness_of_fit",
    "held_out", "why_not",
)  # fmt: skip


def _held_out(r: dict[str, Any], short: bool = False) -> str:
    """The held-out check in words (short: the checked period only, for the table)."""
    h = r.get("held_out")
    if not h:
        return ""
    verdict = "inside" if h["passed"] else "OUTSIDE"
    where = (
        h["checked_on"]
        if short
        else (f"fit {h['fitted_on']}, check {h['checked_on']}: {h['measure']}")
    )
    return (
        f"{where} {h['observed']:.4g} {verdict} "
        f"[{h['predicted_p05']:.4g}, {h['predicted_p95']:.4g}]"
    )


def calibration_table(records: list[CalibrationRecord]) -> Table:
    """What each calibrated value was fitted on, how, how well, and its held-out check; the
    data and method of each fit are listed under the table."""
    sources: dict[str, str] = {}
    for rec in records:
        if rec.calibration is not None:
            c = rec.calibration
            data = (
                c.data.split(":", 1)[0] + " (per donor)"
                if c.kind.value == "kiel_phasing"
                else c.data
            )
            sources.setdefault(c.kind.value, f"{c.kind.value}: {data}; {c.method}")
    table = Table(
        title="Calibration: estimate, n, fit and held-out check",
        title_justify="left",
        caption="\n".join(sources.values()),
        caption_justify="left",
    )
    for h in ("parameter", "fit", "estimate [90%]", "n", "goodness of fit", "held-out check"):
        table.add_column(h, justify="right" if h == "n" else "left", no_wrap=h == "parameter")
    for rec in records:
        r = rec.to_json()
        if not r["fitted"]:
            table.add_row(r["parameter"], "-", "prior", "", r["why_not"], "")
            continue
        table.add_row(
            r["parameter"],
            r["fit"],
            f"{r['estimate']:.4g} [{r['p05']:.4g}, {r['p95']:.4g}]",
            str(r["n"]),
            r["goodness_of_fit"],
            _held_out(r, short=True),
        )
    return table


def calibration_csv(records: list[CalibrationRecord]) -> str:
    """Every calibration record as CSV."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CALIBRATION_COLUMNS), lineterminator="\n")
    w.writeheader()
    for rec in records:
        r = rec.to_json()
        w.writerow(
            {
                **{k: r.get(k, "") for k in CALIBRATION_COLUMNS if k != "held_out"},
                "held_out": _held_out(r),
            }
        )
    return buf.getvalue()


def design_notes(result: SimulationResult) -> list[str]:
    """What each design's results rest on: assumed clauses, and the rules' notes."""
    out: list[str] = []
    for d in result.prepared.compiled:
        for a in d.assumed:
            out.append(
                f"{d.name}: rests on an assumed clause {a.clause} ({a.part or 'clause'}): {a.reason}"
            )
        out.extend(f"{d.name}: {note}" for note in d.notes)
    grades = [r for r in result.prepared.calibration if r.calibration is None]
    if grades:
        out.append(
            f"{len(grades)} parameter(s) marked for calibration run on their prior (no data): "
            + ", ".join(r.parameter for r in grades[:6])
            + (" ..." if len(grades) > 6 else "")
        )
    return out
