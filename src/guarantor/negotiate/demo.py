"""Demo section: the 2025 negotiation as a graph model — equilibria, the proposals explained, robustness."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.rule import Rule
from rich.table import Table

from guarantor.fileio import write_atomic
from guarantor.jsonout import dumps
from guarantor.negotiate.analysis import analyse
from guarantor.negotiate.coalition import Step
from guarantor.negotiate.concepts import NASH, SEQ
from guarantor.negotiate.explain import explain
from guarantor.negotiate.gmcr import write_gmcr
from guarantor.negotiate.loading import load_conflict
from guarantor.negotiate.reach import status_quo_paths
from guarantor.negotiate.render import CONCEPT_MEANING, explanation_lines, taken
from guarantor.negotiate.sensitivity import sensitivity
from guarantor.negotiate.stability import Engine

if TYPE_CHECKING:
    from guarantor.demo import DemoContext

MODEL = "negotiation/ukraine-2025.yaml"


def run(ctx: DemoContext) -> None:
    """Analyse the encoded 2025 negotiation and write its results."""
    console = ctx.console
    console.print(Rule("[bold]negotiate[/]: the 2025 negotiation as a graph model"))
    path = ctx.examples / MODEL
    conflict = load_conflict(path)
    g = conflict.compile()
    assert g.options is not None
    console.print(
        f"model {path.name}: {len(g.dms)} decision makers, {len(g.options.names)} options, "
        f"{g.n} feasible states; preferences from public statements (Aug–Dec 2025), sources "
        "in the file. Not data-driven: the same with or without the real data."
    )
    result = analyse(g)
    engine = Engine(g)
    table = Table(title="Equilibria per stability concept")
    table.add_column("concept")
    table.add_column("equilibria", justify="right")
    table.add_column("what it assumes")
    for c in result.tables:
        e = result.equilibria(c)
        table.add_row(str(c).upper(), str(len(e or [])), CONCEPT_MEANING[c.kind])
    console.print(table)
    nash = result.equilibria(NASH) or []
    nt = Table(title="Nash equilibria (stable even without threats)")
    nt.add_column("state", justify="right")
    nt.add_column("options taken")
    for i in nash:
        nt.add_row(str(int(g.codes[i])), taken(g, i))
    console.print(nt)

    for outcome in conflict.outcomes:
        i = g.index_of(outcome.code)
        verdicts = [
            f"{'' if i in (result.equilibria(c) or []) else 'not '}{str(c).upper()}-stable"
            for c in (NASH, SEQ)
        ]
        console.print(
            f"\n[bold]{outcome.title}[/] (state {outcome.code}: {taken(g, i)}) is "
            + ", ".join(verdicts)
            + ". Per decision maker (SEQ: only sanctions the sanctioner itself prefers):"
        )
        for d in range(len(g.dms)):
            ex = explain(g, d, i, SEQ, engine)
            verdict = "[green]stable[/]" if ex.stable else "[red]unstable[/]"
            console.print(f"  [bold]{g.dms[d]}[/]: {verdict}")
            for line in explanation_lines(g, ex)[1:2]:
                console.print("    " + line)

    sq = g.status_quo
    assert sq is not None
    paths = status_quo_paths(g, sq, nash)
    console.print(f"\n[bold]From the status quo[/] ({taken(g, sq)}), by unilateral improvements:")
    for i, p in paths.items():
        steps = [s for s in p or () if isinstance(s, Step)]  # unilateral: no coalitions asked
        how = (
            "not reachable"
            if p is None
            else " → ".join(
                [str(int(g.codes[sq]))]
                + [f"{int(g.codes[s.target])} ({g.dms[s.dm]})" for s in steps]
            )
        )
        console.print(f"  Nash {int(g.codes[i])}: {how}")

    sens = sensitivity(conflict, (NASH, SEQ))
    n = len(sens.runs)
    rows = sens.ranked()[:4] + [sens.row(o.code, o.id) for o in conflict.outcomes]
    st = Table(
        title=f"Robustness over {n} scenarios (every combination of the alternative preferences)"
    )
    st.add_column("state", justify="right")
    st.add_column("options taken")
    st.add_column("Nash in", justify="right")
    st.add_column("SEQ in", justify="right")
    for r in rows:
        name = next((f"{o.id}: " for o in conflict.outcomes if o.code == r.state), "")
        st.add_row(
            str(r.state),
            name + taken(g, g.index_of(r.state)),
            f"{r.counts[NASH]}/{n}",
            f"{r.counts[SEQ]}/{n}",
        )
    console.print(st)

    out = ctx.out / "negotiate"
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "ukraine-2025-analysis.json", dumps(result.to_json()))
    write_atomic(out / "ukraine-2025-sensitivity.json", dumps(sens.to_json()))
    write_gmcr(conflict, out / "ukraine-2025.gmcr")
    console.print(
        f"wrote {out}/ukraine-2025-analysis.json, -sensitivity.json and .gmcr (opens in GMCR+)"
    )
    ctx.results["negotiate"] = {"nash": [int(g.codes[i]) for i in nash], "scenarios": n}
