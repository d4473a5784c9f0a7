"""The side rooms: negotiation equilibria and the design comparison."""

from __future__ import annotations

import importlib
from pathlib import Path

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.report.document import Section, esc, table

CONCEPT_MEANING = {
    "nash": "no one gains by moving alone",
    "gmr": "any move can be punished by the others, even at their own cost",
    "smr": "GMR, and the mover cannot escape the punishment",
    "seq": "punishment only by moves the punishers prefer (credible)",
    "sim": "others respond at the same time",
    "seq+sim": "SEQ and SIM together",
}
MAX_LISTED = 12


def negotiation_section(model: Path | None) -> Section:
    """Stable outcomes of the negotiation model, per stability concept."""
    s = Section("negotiation", "Negotiation: stable outcomes")
    if model is None:
        return s.missing("no negotiation model was given (--negotiation)")
    try:
        from guarantor.negotiate.analysis import analyse
        from guarantor.negotiate.loading import load_conflict

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
            rows.append([concept, "n/a", CONCEPT_MEANING.get(concept, "")])
            continue
        rows.append([concept, str(len(eq)), CONCEPT_MEANING.get(concept, "")])
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
                c for c in result.tables if (e := result.equilibria(c)) is not None and i in e
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


def design_section(agreement: Agreement) -> Section:
    """The design comparison from the simulate room, or a clear mark that it is missing."""
    s = Section("designs", "Design comparison")
    try:
        module = importlib.import_module("guarantor.simulate.report")
    except ModuleNotFoundError:
        return s.missing(
            "the simulate room provides no design comparison yet (guarantor.simulate.report is absent); "
            "this section will fill in when it does"
        )
    build = getattr(module, "report_section", None)
    if build is None:
        return s.missing("guarantor.simulate.report has no report_section(agreement) function")
    try:
        s.body = str(build(agreement))
    except UserError as err:
        return s.missing(f"the design comparison failed: {err}")
    return s
