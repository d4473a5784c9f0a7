"""The side rooms: negotiation equilibria and the design comparison."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from guarantor.errors import UserError
from guarantor.report.document import Section, join, macro, para, table

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
    parts: list[str] = [
        para(
            f"Model {model.name}: {len(g.dms)} decision makers ({', '.join(g.dms)}), "
            f"{g.n:,} feasible states. Method: graph model for conflict resolution (negotiate room)."
        )
    ]
    rows = []
    # Each concept's equilibria once, as a set: with tens of thousands of them, looking each
    # state up in every concept's list made this section quadratic (70 s on the synthetic model).
    stable: dict[Any, set[int]] = {}
    for concept in result.tables:
        eq = result.equilibria(concept)
        if eq is None:
            rows.append([str(concept), "n/a", CONCEPT_MEANING[concept.kind]])
            continue
        rows.append([str(concept), f"{len(eq):,}", CONCEPT_MEANING[concept.kind]])
        stable[concept] = {int(i) for i in eq}
    parts.append(table(["concept", "equilibria", "what it assumes"], rows))
    robust = Counter(i for states in stable.values() for i in states)
    if robust:
        strong = sorted(robust, key=lambda i: (-robust[i], i))
        state_rows = []
        for i in strong[:MAX_LISTED]:
            stable_in = [str(c) for c, states in stable.items() if i in states]
            code = int(g.codes[i])
            taken = g.options.taken(code) if g.options is not None else []
            label = (", ".join(taken) or "none") if g.options is not None else str(g.labels[i])
            state_rows.append([str(code), label, ", ".join(stable_in)])
        parts.append(
            table(
                ["state", "options taken", "stable under"],
                state_rows,
                caption=f"Equilibria ({min(len(strong), MAX_LISTED)} of {len(strong):,}, most robust first)",
            )
        )
        if g.options is not None:
            parts.append(options_key(g.options, g.dms))
    s.body = join(parts)
    return s


def options_key(options: Any, dms: tuple[str, ...]) -> str:
    """The key to the equilibria: each decision maker's options, by id, in the model's order."""
    items = [
        (dm, ", ".join(n for n, o in zip(options.names, options.owners, strict=True) if o == k))
        for k, dm in enumerate(dms)
    ]
    return join(
        [
            para(
                "Key: a state is the set of options taken; an option not listed is not taken. "
                "The options each decision maker controls:"
            ),
            macro("key", "Options by decision maker", items),
        ]
    )


REPORT_DRAWS = 20  # parameter draws when the report simulates the designs itself (a small PSA)


def design_section(simulation: Path | None, trials: int, seed: int, data: Path | None) -> Section:
    """The designs compared under uncertainty (simulate room): from its JSON, or simulated here.

    Every figure is the median and 90% interval over parameter draws; the ranking says whether
    each difference survives them (simulate room, docs/simulate.md).
    """
    s = Section("designs", "Design comparison under uncertainty")
    if simulation is not None:
        try:
            doc = orjson.loads(simulation.read_bytes())
            designs = list(doc["designs"])
            ranking = list(doc["ranking"])
            how = (
                f"{simulation.name}: {doc['draws']:,} parameter draws x {doc['trials']:,} trials, "
                f"seed {doc['seed']}"
            )
            if not all(isinstance(d["metrics"]["deterrence_index"], dict) for d in designs):
                raise TypeError("each design needs metrics with a deterrence_index summary")
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as err:
            return s.missing(f"simulation results {simulation.name} unusable: {err!r}")
    else:
        try:
            from guarantor.simulate.designs import DEFAULT_DESIGNS
            from guarantor.simulate.run import simulate
        except ImportError as err:
            return s.missing(f"the simulate room is not available: {err}")
        try:
            result = simulate(list(DEFAULT_DESIGNS), REPORT_DRAWS, trials, seed, data=data)
        except UserError as err:
            return s.missing(f"the design comparison failed: {err}")
        doc = result.to_json()
        designs = doc["designs"]
        ranking = doc["ranking"]
        calib = (
            "calibrated on the real data"
            if data
            else "the parameter file's priors (no real data: SYNTHETIC calibration)"
        )
        how = (
            f"simulated for this report: {REPORT_DRAWS} parameter draws x {trials:,} trials, "
            f"seed {seed}, {calib}"
        )
    by_name = {d["name"]: d for d in designs}
    rank_rows = []
    for pos, r in enumerate(ranking, 1):
        m = by_name[r["name"]]["metrics"]["deterrence_index"]
        share = r.get("p_beats_next")
        verdict = ""
        if share is not None:
            verdict = f"beats the next in {share:.0%} of draws: " + (
                "robust" if share >= 0.9 else "NOT robust"
            )
        rank_rows.append([str(pos), str(r["name"]), _iv(m, 4), verdict])
    rows = []
    for d in designs:
        m = d["metrics"]
        rows.append(
            [
                str(d.get("name")),
                str(d.get("title", "")),
                _iv(m["p_detect_24h"], 3),
                _iv(m["p_decision_in_time"], 3),
                _iv(m["response_p50_days"], 1),
                _iv(m["coverage_mean"], 3),
                _iv(m["unanswered_share"], 3),
                _iv(m["deterrence_index"], 4),
            ]
        )
    assumed = [
        f"{d['name']}: {a['clause']} ({a['part']})"
        for d in designs
        for a in d.get("rests_on_assumed", [])
    ]
    s.body = join(
        [
            para(
                f"Guarantee designs run against the same simulated violations ({how}). "
                "Each figure is the median and [5th–95th percentile] over draws of the uncertain "
                "parameters; a difference is robust when one design wins in at least 90% of the "
                "draws. Method: probabilistic sensitivity analysis over detection, decision and "
                "response (simulate room, docs/simulate.md)."
            ),
            table(["rank", "design", "deterrence index", "difference to the next"], rank_rows),
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
            para(
                "Results rest on assumed clauses: "
                + (
                    "; ".join(assumed)
                    if assumed
                    else "none of the clauses they read is graded assumed"
                )
                + "."
            ),
        ]
    )
    return s


def _iv(m: dict[str, object], digits: int) -> str:
    """A metric as 'median [p05–p95]' ('never' for a response that never comes)."""
    med, lo, hi = m.get("median"), m.get("p05"), m.get("p95")
    if not isinstance(med, int | float):
        return "never"
    return f"{_f(med, digits)} [{_f(lo, digits) or 'never'}–{_f(hi, digits) or 'never'}]"


def _f(value: object, digits: int) -> str:
    return "" if not isinstance(value, int | float) else f"{value:.{digits}f}"
