"""`guarantor negotiate`: analyse, explain, reach, inverse, sensitivity, export."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from guarantor.errors import UserError
from guarantor.jsonout import Format, TableOrJson, emit

if TYPE_CHECKING:
    from guarantor.negotiate.analysis import Analysis
    from guarantor.negotiate.coalition import Improvement, Step
    from guarantor.negotiate.conflict import Conflict
    from guarantor.negotiate.graph import Graph

LIST_MAX = 16
ROWS_MAX = 60

negotiate_app = typer.Typer(
    help="Strategic conflict analysis with the Graph Model for Conflict Resolution.",
    no_args_is_help=True,
)


def _out() -> Console:
    return Console(highlight=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def _print_csv(header: list[str], rows: Iterable[list[Any]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    sys.stdout.write(buf.getvalue())


def _choices(values: list[str]) -> dict[str, str]:
    out = {}
    for v in values:
        dm, sep, alt = v.partition("=")
        if not sep:
            raise UserError(f"--alt {v!r}: write DECISION_MAKER=ALTERNATIVE")
        out[dm] = alt
    return out


def _load(path: Path, alt: list[str] | None = None) -> tuple[Conflict, Graph]:
    from guarantor.negotiate.loading import load_conflict

    conflict = load_conflict(path)
    for note in conflict.notes:
        _err().print(f"note: {note}")
    choice = _choices(alt or [])
    for dm in choice:
        if dm not in conflict.dm_names:
            raise UserError(f"--alt names unknown decision maker {dm!r}")
    return conflict, conflict.compile(choice)


def state_arg(g: Graph, text: str) -> int:
    """State index from a decimal code or a Y/N string."""
    from guarantor.negotiate.graph import yn_code

    t = text.strip()
    if g.options is not None and t and set(t) <= {"Y", "N"}:
        try:
            code = yn_code(t, len(g.options.names))
        except ValueError as exc:
            raise UserError(str(exc)) from None
    else:
        try:
            code = int(t)
        except ValueError:
            raise UserError(f"state {text!r}: give a decimal state code or a Y/N string") from None
    idx = g.index_of(code)
    if idx < 0:
        raise UserError(f"state {text} is not a feasible state of this model")
    return idx


def _concepts(text: str, g: Graph) -> tuple[str, ...]:
    from guarantor.negotiate.stability import CONCEPTS

    if text == "all":
        extra = ("l2", "nm") if len(g.dms) == 2 else ()
        return (*CONCEPTS, *extra)
    items = tuple(c.strip().lower() for c in text.split(",") if c.strip())
    for c in items:
        if c not in CONCEPTS and c != "nm" and not (c.startswith("l") and c[1:].isdigit()):
            raise UserError(
                f"unknown concept {c!r}; use {', '.join(CONCEPTS)}, l<h> (e.g. l2), nm or all"
            )
    return items


def _label(g: Graph, i: int) -> str:
    return g.labels[i] if g.labels else ""


def _describe(g: Graph, i: int) -> str:
    """Options taken in a state (option models) or its name."""
    if g.options is None:
        return _label(g, i)
    return ", ".join(g.options.taken(int(g.codes[i]))) or "none"


def _codes(g: Graph, idx: list[int] | None) -> str:
    if idx is None:
        return "n/a (needs options)"
    return ", ".join(str(int(g.codes[i])) for i in idx) or "none"


def _run(g: Graph, concepts: tuple[str, ...]) -> Analysis:
    from guarantor.negotiate.analysis import analyse

    if g.n < 20_000:
        return analyse(g, concepts)
    with Progress(console=_err(), transient=True) as bar:
        task = bar.add_task("stability", total=len(concepts))

        def tick(c: str) -> None:
            bar.update(task, description=f"stability: {c}", advance=0 if c == concepts[0] else 1)

        result = analyse(g, concepts, tick)
        bar.update(task, completed=len(concepts))
    return result


@negotiate_app.command("analyze")
def analyze_cmd(
    file: Path = typer.Argument(..., help="Model: guarantor YAML or GMCR+ .gmcr"),
    concepts: str = typer.Option(
        "nash,gmr,smr,seq,sim,seq+sim",
        "--concepts",
        help="Comma list, or 'all' (adds l2, nm for 2 DMs).",
    ),
    alt: list[str] = typer.Option(
        [], "--alt", help="Use an alternative preference: DM=NAME (repeatable)."
    ),
    coalitions: bool = typer.Option(
        False, "--coalitions", help="Also check equilibria against coalitional improvements."
    ),
    all_states: bool = typer.Option(
        False, "--all-states", help="List every state, not only equilibria."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv"),
) -> None:
    """Stability of every state for every decision maker, and the equilibria per concept."""
    from guarantor.negotiate.coalition import coalition_unstable, coalitions_to_check

    _, g = _load(file, alt)
    cs = _concepts(concepts, g)
    result = _run(g, cs)
    coal: dict[int, list[Improvement]] = {}
    if coalitions:
        candidates = sorted({i for c in cs if (e := result.equilibria(c)) for i in e})
        coal = coalition_unstable(g, coalitions_to_check(g), candidates)
    if fmt == Format.json:
        doc = result.to_json()
        if coalitions:
            doc["coalition_improvements"] = {
                str(int(g.codes[s])): [_imp_json(g, im) for im in ims]
                for s, ims in sorted(coal.items())
            }
            doc["coalition_stable"] = {
                c: None
                if (e := result.equilibria(c)) is None
                else [int(g.codes[i]) for i in e if not coal[i]]
                for c in cs
            }
        emit(doc)
        return
    if fmt == Format.csv:
        lines: list[list[Any]] = []
        for k in range(g.n):
            eq = [("" if (t := result.tables[c]) is None else int(t[:, k].all())) for c in cs]
            who = [
                (
                    ""
                    if (t := result.tables[c]) is None
                    else ";".join(g.dms[d] for d in range(len(g.dms)) if t[d, k])
                )
                for c in cs
            ]
            lines.append([int(g.codes[k]), k + 1, _label(g, k), *eq, *who])
        header = ["decimal", "ordered", "state", *[f"{c}_equilibrium" for c in cs]]
        _print_csv([*header, *[f"{c}_stable_for" for c in cs]], lines)
        return
    out = _out()
    out.print(
        f"[bold]{g.name}[/]: {len(g.dms)} decision makers, {g.n} feasible states"
        + (f", {len(g.options.names)} options" if g.options else "")
    )
    summary = Table(title="Equilibria (decimal state codes)")
    summary.add_column("concept")
    summary.add_column("count", justify="right")
    summary.add_column("equilibria")
    if coalitions:
        summary.add_column("coalition-stable (no coalition improves)")
    for c in cs:
        e = result.equilibria(c)
        shown_codes = _codes(g, e if e is None else e[:LIST_MAX])
        if e is not None and len(e) > LIST_MAX:
            shown_codes += f", … (+{len(e) - LIST_MAX}; --format json lists all)"
        extra = []
        if coalitions:
            stable = None if e is None else [i for i in e if not coal[i]]
            text = _codes(g, stable if stable is None else stable[:LIST_MAX])
            if stable is not None and len(stable) > LIST_MAX:
                text += f", … (+{len(stable) - LIST_MAX})"
            extra.append(text)
        summary.add_row(c.upper(), "" if e is None else str(len(e)), shown_codes, *extra)
    out.print(summary)
    shown = [c for c in cs if result.tables[c] is not None]
    if all_states:
        if g.n > ROWS_MAX:
            raise UserError(
                f"--all-states prints at most {ROWS_MAX} states; use --format csv or json"
            )
        rows = list(range(g.n))
        title = "All states"
    else:
        key = next((c for c in ("nash", *shown) if c in shown), None)
        rows = (result.equilibria(key) or []) if key else []
        if g.status_quo is not None and g.status_quo not in rows:
            rows = [g.status_quo, *rows]
        title = (
            f"{key.upper() if key else ''} equilibria"
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
        detail.add_column(c.upper())
    if coalitions:
        detail.add_column("coalitional improvements")
    initials = [n[:3] for n in g.dms]
    for k in rows:
        cells = []
        for c in shown:
            t = result.tables[c]
            assert t is not None
            if t[:, k].all():
                cells.append("[green]eq[/]")
            else:
                cells.append(
                    "[dim]" + ",".join(initials[d] for d in range(len(g.dms)) if t[d, k]) + "[/]"
                )
        extra = []
        if coalitions:
            ims = coal.get(k, [])
            first = ims[0] if ims else None
            extra.append(
                "none"
                if first is None
                else f"{len(ims)}, e.g. {'+'.join(g.dms[d] for d in first.coalition)} → {int(g.codes[first.target])}"
            )
        sq = " [bold](status quo)[/]" if k == g.status_quo else ""
        if g.options is not None:
            detail.add_row(
                str(int(g.codes[k])),
                _label(g, k),
                _describe(g, k) + sq,
                *cells,
                *extra,
            )
        else:
            detail.add_row(str(int(g.codes[k])), _label(g, k) + sq, *cells, *extra)
    out.print(detail)
    if g.options is not None:
        out.print(
            "[dim]options (Y/N, option 1 first): "
            + ", ".join(
                f"{k + 1} {n} ({g.dms[o]})"
                for k, (n, o) in enumerate(zip(g.options.names, g.options.owners, strict=True))
            )
            + "[/]"
        )
    out.print(
        "[dim]eq = stable for every decision maker; otherwise the DMs (first letters) for whom it is stable.[/]"
    )


def _imp_json(g: Graph, im: Improvement) -> dict[str, Any]:
    return {
        "coalition": [g.dms[d] for d in im.coalition],
        "from": int(g.codes[im.source]),
        "to": int(g.codes[im.target]),
        "moves": [
            {"dm": g.dms[s.dm], "from": int(g.codes[s.source]), "to": int(g.codes[s.target])}
            for s in im.path
        ],
    }


@negotiate_app.command("explain")
def explain_cmd(
    file: Path = typer.Argument(..., help="Model file"),
    state: str = typer.Option(..., "--state", help="Decimal state code or Y/N string"),
    dm: list[str] = typer.Option([], "--dm", help="Decision maker (repeatable; default: all)"),
    concept: str = typer.Option(
        "seq", "--concept", help="nash, gmr, smr, seq, sim, seq+sim, l<h>, nm"
    ),
    alt: list[str] = typer.Option([], "--alt", help="DM=ALTERNATIVE preference"),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Why a state is (un)stable: each improvement and the sanction that deters it, or not."""
    from guarantor.negotiate.explain import explain

    _, g = _load(file, alt)
    s = state_arg(g, state)
    concept = concept.lower()
    _concepts(concept, g)
    names = dm or list(g.dms)
    for n in names:
        if n not in g.dms:
            raise UserError(f"unknown decision maker {n!r}; known: {', '.join(g.dms)}")
    results = [explain(g, g.dms.index(n), s, concept) for n in names]
    if fmt == TableOrJson.json:
        emit({"state": int(g.codes[s]), "concept": concept, "explanations": results})
        return
    out = _out()
    for r in results:
        colour = "green" if r["stable"] else "red"
        out.print(f"[bold {colour}]{r['lines'][0]}[/]")
        for line in r["lines"][1:]:
            out.print("  " + line)


@negotiate_app.command("reach")
def reach_cmd(
    file: Path = typer.Argument(..., help="Model file"),
    start: str | None = typer.Option(
        None, "--from", help="Start state (default: the model's status quo)"
    ),
    concept: str = typer.Option("seq", "--concept", help="Which equilibria to look for"),
    coalitions: bool = typer.Option(
        True, "--coalitions/--unilateral", help="Allow coalitional improvements too"
    ),
    alt: list[str] = typer.Option([], "--alt", help="DM=ALTERNATIVE preference"),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Status quo analysis: which equilibria can be reached, by which shortest improvement paths."""
    from guarantor.negotiate.analysis import analyse
    from guarantor.negotiate.coalition import Improvement, coalitions_to_check, status_quo_paths

    _, g = _load(file, alt)
    if start is None:
        if g.status_quo is None:
            raise UserError("the model has no status_quo; pass --from STATE")
        s = g.status_quo
    else:
        s = state_arg(g, start)
    cs = _concepts(concept, g)
    result = analyse(g, cs)
    eq = result.equilibria(cs[0])
    if eq is None:
        raise UserError(f"{cs[0]} needs a model written with options")
    paths = status_quo_paths(
        g, s, eq, coalitions_to_check(g) if coalitions and len(g.dms) > 1 else None
    )

    def step_json(x: Step | Improvement) -> dict[str, Any]:
        if isinstance(x, Improvement):
            return {
                "by": [g.dms[d] for d in x.coalition],
                "from": int(g.codes[x.source]),
                "to": int(g.codes[x.target]),
                "coalition": True,
            }
        return {
            "by": [g.dms[x.dm]],
            "from": int(g.codes[x.source]),
            "to": int(g.codes[x.target]),
            "coalition": False,
        }

    doc: dict[str, Any] = {
        "from": int(g.codes[s]),
        "concept": cs[0],
        "coalitions": coalitions,
        "equilibria": [
            {
                "state": int(g.codes[t]),
                "reachable": p is not None,
                "path": None if p is None else [step_json(x) for x in p],
            }
            for t, p in paths.items()
        ],
    }
    if fmt == TableOrJson.json:
        emit(doc)
        return
    out = _out()
    table = Table(
        title=f"From {int(g.codes[s])} ({_describe(g, s)}) to the {cs[0].upper()} equilibria, by "
        + ("unilateral and coalitional" if coalitions else "unilateral")
        + " improvements"
    )
    table.add_column("equilibrium", justify="right")
    table.add_column("state")
    table.add_column("shortest path")
    for item in doc["equilibria"]:
        t = g.index_of(int(item["state"]))
        if item["path"] is None:
            path = "[red]not reachable[/]"
        elif not item["path"]:
            path = "is the start"
        else:
            path = " → ".join(
                [str(int(g.codes[s]))]
                + [f"{st['to']} ({'+'.join(st['by'])})" for st in item["path"]]
            )
        table.add_row(str(item["state"]), _describe(g, t), path)
    out.print(table)


@negotiate_app.command("inverse")
def inverse_cmd(
    file: Path = typer.Argument(..., help="Model file"),
    state: str = typer.Option(..., "--state", help="The state wished to be stable"),
    concept: str = typer.Option("seq", "--concept", help="nash, gmr, smr, seq, sim, seq+sim"),
    vary: list[str] = typer.Option(
        ..., "--vary", help="DM or DM:FIRST-LAST ranking positions to permute (repeatable)"
    ),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Which preference orders would make a state stable: counts, necessary orderings, conditions."""
    from guarantor.negotiate.inverse import inverse, parse_slice

    _, g = _load(file)
    s = state_arg(g, state)
    result = inverse(g, s, concept.lower(), [parse_slice(v, g) for v in vary])
    if fmt == TableOrJson.json:
        emit(result)
        return
    out = _out()
    out.print(
        f"[bold]{result['stable_profiles']:,}[/] of {result['profiles']:,} preference profiles make state {result['target']} {concept.upper()}-stable for every decision maker."
    )
    if result["necessary"]:
        t = Table(title="Orderings that hold in every such profile (necessary)")
        t.add_column("decision maker")
        t.add_column("must prefer")
        t.add_column("to")
        for n in result["necessary"]:
            t.add_row(n["dm"], str(n["prefers"]), str(n["to"]))
        out.print(t)
    if result["example"]:
        out.print(
            "example: "
            + "; ".join(
                f"{e['dm']}: " + " ≻ ".join(map(str, e["ranking"])) for e in result["example"]
            )
        )
    t = Table(
        title=f"Conditions at state {result['target']} ({concept.upper()}), from the definition"
    )
    t.add_column("decision maker")
    t.add_column("could move to", justify="right")
    t.add_column("stable only if")
    for c in result["conditions"]:
        text = c["either"] + (
            f", or {c['or'].split(' does not prefer ', 1)[1]} is not preferred; candidates: {', '.join(map(str, c['candidate_sanctions'])) or 'none'}"
            if "or" in c
            else ""
        )
        t.add_row(c["dm"], str(c["move_to"]), text)
    out.print(t)


@negotiate_app.command("sensitivity")
def sensitivity_cmd(
    file: Path = typer.Argument(..., help="Model file with alternative preferences"),
    flip: list[str] = typer.Option(
        [], "--flip", help="Also try this option with the other reversibility (repeatable)"
    ),
    concepts: str = typer.Option("nash,gmr,smr,seq,sim,seq+sim", "--concepts", help="Comma list"),
    top: int = typer.Option(
        20, "--top", help="Table rows: states most often in equilibrium (first concept first)"
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv"),
) -> None:
    """Equilibria across alternative preferences, reversibility and concepts: which are robust."""
    from guarantor.negotiate.loading import load_conflict
    from guarantor.negotiate.sensitivity import sensitivity

    conflict = load_conflict(file)
    g0 = conflict.compile()
    cs = _concepts(concepts, g0)
    result = sensitivity(conflict, cs, flip)
    if fmt == Format.json:
        emit(result)
        return
    if fmt == Format.csv:
        _print_csv(
            ["state", "label", *cs, "robust"],
            (
                [st["state"], st["label"], *[st["counts"][c] for c in cs], ";".join(st["robust"])]
                for st in result["states"]
            ),
        )
        return
    out = _out()
    n = result["scenarios"]
    # most often in equilibrium under the first concept named, then the next, ...
    ranked = sorted(result["states"], key=lambda st: ([-st["counts"][c] for c in cs], st["state"]))
    shown = ranked[:top]
    t = Table(
        title=f"How often each state is an equilibrium, over {n} scenarios (top {len(shown)} of {len(ranked)})"
    )
    t.add_column("state", justify="right")
    t.add_column("taken" if g0.options else "name")
    for c in cs:
        t.add_column(c.upper(), justify="right")
    t.add_column("robust under")
    for st in shown:
        code = int(st["state"])
        if g0.options is not None:
            label = ", ".join(g0.options.taken(code)) or "none"
        else:
            label = st["label"]
        t.add_row(
            str(code),
            label,
            *[f"{st['counts'][c]}/{n}" for c in cs],
            ", ".join(x.upper() for x in st["robust"]) or "[dim]none[/]",
        )
    out.print(t)
    alts = [
        f"{dm.name} {{base, {', '.join(a for a, _ in dm.alternatives)}}}"
        for dm in conflict.dms
        if dm.alternatives
    ]
    alts += [f"{f} {{as written, reversed}}" for f in flip]
    out.print(
        "[dim]scenarios: "
        + (" × ".join(alts) or "the base model only")
        + "; --format json lists each.[/]"
    )


@negotiate_app.command("export")
def export_cmd(
    file: Path = typer.Argument(..., help="Model file (YAML or .gmcr)"),
    out: Path = typer.Argument(..., help="The .gmcr file to write"),
) -> None:
    """Write the model as a GMCR+ save file."""
    from guarantor.negotiate.gmcr import write_gmcr
    from guarantor.negotiate.loading import load_conflict

    conflict = load_conflict(file)
    write_gmcr(conflict, out)
    _err().print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add `guarantor negotiate` to the root command."""
    app.add_typer(negotiate_app, name="negotiate")
