"""The side rooms: negotiation equilibria and the design comparison."""

from __future__ import annotations

from pathlib import Path

import orjson

from guarantor.errors import UserError
from guarantor.report.document import Section, esc, table

MAX_LISTED = 12


def negotiation_section(model: Path | None) -> Section:
    """Stable outcomes of the negotiation model, per stability concept."""
    s = Section("negotiation", "Negotiation: stable outcomes")
    if model is None:
        return s.missing("no negotiation model was given (--negotiation)")
    try:
        from guarantor.negotiate.analysis import analyse
        from guarantor.negotiate.loading import load_conflict
        from guarantor.negotiate.render import CONCEPT_MEANING

        g = load_conflict(model).compile()
        result = analyse(g)
    except (UserError, OSError) as err:
        return s.missing(f"negotiation model {model.name} unusable: {err}")
    parts = [
        f"<p>Model {esc(model.name)}: {len(g.dms)} decision makers ({esc(', '.join(g.dms))}), "
        f"{g.n} feasible states. Method: graph model for conflict resolution (negotiate room).</p>"
    ]
    rows = []
    listed: list[int] = []
    for concept in result.tables:
        eq = result.equilibria(concept)
        if eq is None:
            rows.append([str(concept), "n/a", CONCEPT_MEANING[concept.kind]])
            continue
        rows.append([str(concept), str(len(eq)), CONCEPT_MEANING[concept.kind]])
        listed.extend(i for i in eq if i not in listed)
    parts.append(table(["concept", "equilibria", "what it assumes"], rows))
    if listed:
        strong = sorted(
            listed,
            key=lambda i: (
                -sum(1 for c in result.tables if (e := result.equilibria(c)) and i in e),
                i,
            ),
        )
        state_rows = []
        for i in strong[:MAX_LISTED]:
            stable_in = [
                str(c) for c in result.tables if (e := result.equilibria(c)) is not None and i in e
            ]
            label = g.labels[i] if g.labels else str(int(g.codes[i]))
            state_rows.append([str(int(g.codes[i])), str(label), ", ".join(stable_in)])
        parts.append(
            table(
                ["state", "options taken", "stable under"],
                state_rows,
                caption=f"Equilibria ({min(len(strong), MAX_LISTED)} of {len(strong)}, most robust first)",
            )
        )
    s.body = "\n".join(parts)
    return s


def design_section(simulation: Path | None, trials: int, seed: int, data: Path | None) -> Section:
    """The designs compared under uncertainty (simulate room): from its JSON, or simulated here."""
    s = Section("designs", "Design comparison under uncertainty")
    if simulation is not None:
        try:
            doc = orjson.loads(simulation.read_bytes())
            designs = doc["designs"]
            how = f"{simulation.name}: {doc['trials']:,} trials, seed {doc['seed']}"
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as err:
            return s.missing(f"simulation results {simulation.name} unusable: {err}")
    else:
        try:
            from guarantor.simulate.designs import DEFAULT_DESIGNS
            from guarantor.simulate.run import simulate
        except ImportError as err:
            return s.missing(f"the simulate room is not available: {err}")
        try:
            result = simulate(list(DEFAULT_DESIGNS), trials, seed, data=data)
        except UserError as err:
            return s.missing(f"the design comparison failed: {err}")
        doc = result.to_json()
        designs = doc["designs"]
        calib = (
            "calibrated on the real data"
            if data
            else "parameter file defaults (no real data: SYNTHETIC calibration)"
        )
        how = f"simulated for this report: {trials:,} trials, seed {seed}, {calib}"
    rows = []
    for d in designs:
        t = d.get("response_time_days", {})
        rows.append(
            [
                str(d.get("name")),
                str(d.get("details", {}).get("title", "")),
                _f(d.get("p_detect_24h"), 3),
                _f(d.get("p_decision_in_time"), 3),
                "never" if t.get("p50") is None else f"{t['p50']:.1f}",
                _f(d.get("coverage_mean"), 3),
                _f(d.get("unanswered_share"), 3),
                _f(d.get("deterrence_index"), 4),
            ]
        )
    s.body = "\n".join(
        [
            f"<p>Guarantee designs run against the same simulated violations ({esc(how)}). "
            "Method: Monte Carlo over detection, decision and response (simulate room, docs/simulate.md).</p>",
            table(
                [
                    "design",
                    "title",
                    "detected ≤24 h",
                    "decided in time",
                    "median response (days)",
                    "coverage",
                    "unanswered",
                    "deterrence index",
                ],
                rows,
            ),
        ]
    )
    return s


def _f(value: object, digits: int) -> str:
    return "" if not isinstance(value, int | float) else f"{value:.{digits}f}"
