"""Words, Rich tables and CSV for the room's results (for people; JSON comes from `to_json`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from guarantor.negotiate.analysis import Analysis
from guarantor.negotiate.coalition import Improvement
from guarantor.negotiate.concepts import NASH, Concept, ConceptKind
from guarantor.negotiate.explain import Deterrent, Explanation, Temptation
from guarantor.negotiate.graph import Graph
from guarantor.negotiate.inverse import Condition, InverseResult
from guarantor.negotiate.reach import Reachability
from guarantor.negotiate.sensitivity import Sensitivity

LIST_MAX = 16
ROWS_MAX = 60

CONCEPT_MEANING = {
    ConceptKind.nash: "no one gains by moving alone",
    ConceptKind.gmr: "any move can be punished by the others, even at their own cost",
    ConceptKind.smr: "GMR, and the mover cannot escape the punishment",
    ConceptKind.seq: "punishment only by moves the punishers themselves prefer (credible)",
    ConceptKind.sim: "others respond at the same time with their own improvements",
    ConceptKind.seq_sim: "credible punishment in turn or at the same time",
    ConceptKind.limited_move: "each foresees a fixed number of alternating optimal moves",
    ConceptKind.non_myopic: "each foresees alternating optimal moves until they settle",
}
"""What each concept assumes about the others' replies, in one line."""

SANCTION_MEANING = {
    ConceptKind.gmr: "some state the others can reach from it",
    ConceptKind.smr: "some state the others can reach from it, from which it cannot escape to a "
    "better one",
    ConceptKind.seq: "some state the others reach from it by moves each of them prefers",
    ConceptKind.sim: "a state the others' simultaneous improvements lead to",
    ConceptKind.seq_sim: "a state the others reach by improvements, in turn or at once",
}


def csv_text(header: list[str], rows: Iterable[list[Any]]) -> str:
    """CSV text with a header row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def taken(g: Graph, i: int) -> str:
    """The options taken in a state (option models) or its name (explicit graphs)."""
    if g.options is None:
        return g.labels[i] if g.labels else str(int(g.codes[i]))
    return ", ".join(g.options.taken(int(g.codes[i]))) or "none"


def state_name(g: Graph, i: int) -> str:
    """A state's decimal code, with its label when the label says more than the code."""
    label = g.labels[i] if g.labels else ""
    code = str(int(g.codes[i]))
    return code + (f" ({label})" if label and label != code else "")


def codes_text(g: Graph, idx: list[int] | None, limit: int | None = None) -> str:
    """Decimal codes as a comma list, cut after `limit`; `n/a` where a concept does not apply."""
    if idx is None:
        return "n/a (needs options)"
    shown = idx if limit is None else idx[:limit]
    text = ", ".join(str(int(g.codes[i])) for i in shown) or "none"
    if limit is not None and len(idx) > limit:
        text += f", … (+{len(idx) - limit}; --format json lists all)"
    return text


def move_text(g: Graph, a: int, b: int) -> str:
    """A move described by the options it changes (option models) and where it ends."""
    if g.options is None:
        return f"to {state_name(g, b)}"
    ca, cb = int(g.codes[a]), int(g.codes[b])
    names = g.options.names
    on = [n for k, n in enumerate(names) if (cb >> k) & 1 and not (ca >> k) & 1]
    off = [n for k, n in enumerate(names) if (ca >> k) & 1 and not (cb >> k) & 1]
    parts = ([f"takes {', '.join(on)}"] if on else []) + (
        [f"drops {', '.join(off)}"] if off else []
    )
    return f"{' and '.join(parts)} (→ {cb})"


# -- analyze ----------------------------------------------------------------------------------


def analysis_csv(result: Analysis) -> str:
    """One row per state: codes, label, equilibrium flags and the DMs it is stable for."""
    g = result.graph
    cs = result.concepts
    rows: list[list[Any]] = []
    for k in range(g.n):
        flags = [("" if (t := result.tables[c]) is None else int(t[:, k].all())) for c in cs]
        who = [
            "" if (d := result.stable_for(c, k)) is None else ";".join(g.dms[x] for x in d)
            for c in cs
        ]
        rows.append([int(g.codes[k]), k + 1, g.labels[k] if g.labels else "", *flags, *who])
    header = ["decimal", "ordered", "state", *[f"{c}_equilibrium" for c in cs]]
    return csv_text([*header, *[f"{c}_stable_for" for c in cs]], rows)


def _coalition_cell(g: Graph, moves: tuple[Improvement, ...]) -> str:
    if not moves:
        return "none"
    first = moves[0]
    who = "+".join(g.dms[d] for d in first.coalition)
    return f"{len(moves)}, e.g. {who} → {int(g.codes[first.target])}"


def analysis_view(result: Analysis, all_states: bool = False) -> Group:
    """The summary per concept, then the equilibria (or every state) and for whom each is stable."""
    g = result.graph
    cs = result.concepts
    coal = result.coalition_moves
    head = Text.assemble(
        (g.name, "bold"),
        f": {len(g.dms)} decision makers, {g.n} feasible states"
        + (f", {len(g.options.names)} options" if g.options else ""),
    )
    summary = Table(title="Equilibria (decimal state codes)")
    summary.add_column("concept")
    summary.add_column("count", justify="right")
    summary.add_column("equilibria")
    if coal is not None:
        summary.add_column("coalition-stable (no coalition improves)")
    for c in cs:
        e = result.equilibria(c)
        extra = [codes_text(g, result.coalition_stable(c), LIST_MAX)] if coal is not None else []
        summary.add_row(
            str(c).upper(), "" if e is None else str(len(e)), codes_text(g, e, LIST_MAX), *extra
        )
    shown = [c for c in cs if result.tables[c] is not None]
    if all_states:
        rows = list(range(g.n))
        title = "All states"
    else:
        key = NASH if NASH in shown else (shown[0] if shown else None)
        rows = (result.equilibria(key) or []) if key else []
        if g.status_quo is not None and g.status_quo not in rows:
            rows = [g.status_quo, *rows]
        title = (
            f"{str(key).upper() if key else ''} equilibria"
            + (" and the status quo" if g.status_quo is not None else "")
            + ": for whom each state is stable"
        )
        if len(rows) > ROWS_MAX:
            rows = rows[:ROWS_MAX]
            title += f" (first {ROWS_MAX})"
    detail = Table(title=title)
    detail.add_column("state", justify="right")
    if g.options is not None:
        detail.add_column("options", no_wrap=True)
        detail.add_column("taken")
    else:
        detail.add_column("name")
    for c in shown:
        detail.add_column(str(c).upper())
    if coal is not None:
        detail.add_column("coalitional improvements")
    initials = [n[:3] for n in g.dms]
    for k in rows:
        cells: list[RenderableType] = []
        for c in shown:
            who = result.stable_for(c, k) or []
            if len(who) == len(g.dms):
                cells.append(Text("eq", style="green"))
            else:
                cells.append(Text(",".join(initials[d] for d in who), style="dim"))
        extra = [_coalition_cell(g, coal.get(k, ()))] if coal is not None else []
        sq = Text(" (status quo)", style="bold") if k == g.status_quo else Text("")
        label = g.labels[k] if g.labels else ""
        if g.options is not None:
            detail.add_row(str(int(g.codes[k])), label, Text(taken(g, k)) + sq, *cells, *extra)
        else:
            detail.add_row(str(int(g.codes[k])), Text(label) + sq, *cells, *extra)
    parts: list[RenderableType] = [head, summary, detail]
    if g.options is not None:
        legend = ", ".join(
            f"{k + 1} {n} ({g.dms[o]})"
            for k, (n, o) in enumerate(zip(g.options.names, g.options.owners, strict=True))
        )
        parts.append(Text(f"options (Y/N, option 1 first): {legend}", style="dim"))
    parts.append(
        Text(
            "eq = stable for every decision maker; otherwise the DMs (first letters) for whom "
            "it is stable.",
            style="dim",
        )
    )
    return Group(*parts)


# -- explain ----------------------------------------------------------------------------------


def temptation_line(g: Graph, ex: Explanation, t: Temptation) -> str:
    """One improvement of the focal DM and what deters it (or not), in words."""
    name = g.dms[ex.dm]
    here = int(g.codes[ex.state])
    tempted = move_text(g, ex.state, t.target)
    if t.deterrent is Deterrent.simultaneous:
        who = " and ".join(f"{g.dms[r.dm]} ({move_text(g, ex.state, r.target)})" for r in t.replies)
        assert t.outcome is not None
        return (
            f"- {name} could improve: it {tempted}; but if {who} act at the same time the "
            f"result is {state_name(g, t.outcome)}, no better for {name}."
        )
    if t.deterrent is not None:
        seq = ", then ".join(f"{g.dms[r.dm]} {move_text(g, r.source, r.target)}" for r in t.replies)
        return (
            f"- {name} could improve: it {tempted}; but {seq}: {name} ends no better off than "
            f"at {here}."
        )
    if ex.concept.kind is ConceptKind.nash:
        return f"- {name} can improve: it {tempted}."
    return f"- {name} can improve: it {tempted}, and nothing the others can do deters it."


def explanation_lines(g: Graph, ex: Explanation) -> list[str]:
    """The verdict, then one line per improvement (the sanction that deters it, or none)."""
    name = g.dms[ex.dm]
    verdict = "stable" if ex.stable else "unstable"
    lines = [
        f"State {state_name(g, ex.state)} is {verdict} for {name} under {str(ex.concept).upper()}."
    ]
    if ex.concept.two_dms_only:
        lines.append(
            "Limited-move and non-myopic stability anticipate alternating optimal replies; "
            "see the anticipated outcome in `reach`."
        )
        return lines
    if not ex.temptations:
        lines.append(
            f"{name} has no unilateral improvement from here: nothing it can do alone is better."
        )
    lines.extend(temptation_line(g, ex, t) for t in ex.temptations)
    return lines


def explanations_view(g: Graph, explanations: list[Explanation]) -> Group:
    """Each explanation: the verdict in colour, then its lines indented."""
    parts: list[RenderableType] = []
    for ex in explanations:
        lines = explanation_lines(g, ex)
        parts.append(Text(lines[0], style="bold green" if ex.stable else "bold red"))
        parts.extend(Text("  " + line) for line in lines[1:])
    return Group(*parts)


def explanations_json(g: Graph, explanations: list[Explanation]) -> dict[str, Any]:
    """State, concept and each explanation with its lines in words."""
    first = explanations[0]
    return {
        "state": int(g.codes[first.state]),
        "concept": str(first.concept),
        "explanations": [
            {**ex.to_json(g), "lines": explanation_lines(g, ex)} for ex in explanations
        ],
    }


# -- reach ------------------------------------------------------------------------------------


def reach_view(r: Reachability) -> Table:
    """Each equilibrium, its options and the shortest path to it (or that there is none)."""
    g = r.graph
    table = Table(
        title=f"From {int(g.codes[r.start])} ({taken(g, r.start)}) to the "
        f"{str(r.concept).upper()} equilibria, by "
        + ("unilateral and coalitional" if r.coalitions else "unilateral")
        + " improvements"
    )
    table.add_column("equilibrium", justify="right")
    table.add_column("state")
    table.add_column("shortest path")
    for p in r.paths:
        if p.path is None:
            path: Text | str = Text("not reachable", style="red")
        elif not p.path:
            path = "is the start"
        else:
            steps = [str(int(g.codes[r.start]))]
            for x in p.path:
                by = x.coalition if isinstance(x, Improvement) else (x.dm,)
                steps.append(f"{int(g.codes[x.target])} ({'+'.join(g.dms[d] for d in by)})")
            path = " → ".join(steps)
        table.add_row(str(int(g.codes[p.target])), taken(g, p.target), path)
    return table


# -- inverse ----------------------------------------------------------------------------------


def condition_text(g: Graph, target: int, concept: Concept, c: Condition) -> str:
    """What must hold at the target for one possible move, in words."""
    dm, to, here = g.dms[c.dm], int(g.codes[c.move_to]), int(g.codes[target])
    text = f"{dm} does not prefer {to} to {here}"
    if c.candidate_sanctions is None:
        return text
    candidates = ", ".join(str(int(g.codes[x])) for x in c.candidate_sanctions) or "none"
    return (
        f"{text}, or {to}'s sanction — {SANCTION_MEANING[concept.kind]} — to {here} is not "
        f"preferred; candidates: {candidates}"
    )


def inverse_view(r: InverseResult) -> Group:
    """The count, the necessary orderings, an example profile and the conditions at the state."""
    g = r.graph
    name = str(r.concept).upper()
    target = int(g.codes[r.target])
    parts: list[RenderableType] = [
        Text.assemble(
            (f"{r.stable_profiles:,}", "bold"),
            f" of {r.profiles:,} preference profiles make state {target} {name}-stable "
            "for every decision maker.",
        )
    ]
    if r.necessary:
        t = Table(title="Orderings that hold in every such profile (necessary)")
        t.add_column("decision maker")
        t.add_column("must prefer")
        t.add_column("to")
        for n in r.necessary:
            t.add_row(g.dms[n.dm], str(int(g.codes[n.prefers])), str(int(g.codes[n.to])))
        parts.append(t)
    if r.example:
        parts.append(
            Text(
                "example: "
                + "; ".join(
                    f"{g.dms[e.dm]}: " + " ≻ ".join(str(int(g.codes[x])) for x in e.states)
                    for e in r.example
                )
            )
        )
    t = Table(title=f"Conditions at state {target} ({name}), from the definition")
    t.add_column("decision maker")
    t.add_column("could move to", justify="right")
    t.add_column("stable only if")
    for c in r.conditions:
        t.add_row(
            g.dms[c.dm], str(int(g.codes[c.move_to])), condition_text(g, r.target, r.concept, c)
        )
    parts.append(t)
    return Group(*parts)


# -- sensitivity ------------------------------------------------------------------------------


def sensitivity_csv(result: Sensitivity) -> str:
    """One row per state that is an equilibrium anywhere: counts per concept, robust concepts."""
    cs = result.concepts
    return csv_text(
        ["state", "label", *[str(c) for c in cs], "robust"],
        (
            [st.state, st.label, *[st.counts[c] for c in cs], ";".join(str(c) for c in st.robust)]
            for st in result.states
        ),
    )


def sensitivity_view(
    result: Sensitivity, g: Graph, top: int, states: list[int] | None = None
) -> Group:
    """The states most often in equilibrium (or the states asked for), with counts per concept."""
    cs = result.concepts
    n = len(result.runs)
    ranked = result.ranked()
    if states:
        shown = [result.row(int(g.codes[i]), g.labels[i] if g.labels else "") for i in states]
        title = f"How often each state is an equilibrium, over {n} scenarios"
    else:
        shown = ranked[:top]
        title = (
            f"How often each state is an equilibrium, over {n} scenarios "
            f"(top {len(shown)} of {len(ranked)})"
        )
    t = Table(title=title)
    t.add_column("state", justify="right")
    t.add_column("taken" if g.options else "name")
    for c in cs:
        t.add_column(str(c).upper(), justify="right")
    t.add_column("robust under")
    for st in shown:
        if g.options is not None:
            label = ", ".join(g.options.taken(st.state)) or "none"
        else:
            label = st.label
        t.add_row(
            str(st.state),
            label,
            *[f"{st.counts[c]}/{n}" for c in cs],
            ", ".join(str(x).upper() for x in st.robust) or Text("none", style="dim"),
        )
    axes = [
        f"{a.name} {{as written, reversed}}" if a.option else f"{a.name} {{{', '.join(a.values)}}}"
        for a in result.axes
    ]
    footer = Text(
        "scenarios: " + (" × ".join(axes) or "the base model only") + "; --format json lists each.",
        style="dim",
    )
    return Group(t, footer)
