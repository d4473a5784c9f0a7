"""`guarantor negotiate`: analyse, explain, reach, inverse, sensitivity, export.

Arguments are parsed here; the room computes typed results and `negotiate.render` presents
them. The room's modules (numpy, scipy) are imported inside the commands, so that loading this
module for `guarantor --help` stays cheap.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from guarantor.cliparams import input_file_argument, refuse_existing
from guarantor.errors import UserError
from guarantor.jsonout import Format, TableOrJson, emit

if TYPE_CHECKING:
    from rich.console import Console

    from guarantor.negotiate.analysis import Analysis
    from guarantor.negotiate.concepts import Concept
    from guarantor.negotiate.conflict import Conflict
    from guarantor.negotiate.graph import Graph

PROGRESS_STATES = 20_000  # show a progress bar on stderr from this many states

negotiate_app = typer.Typer(
    help="Strategic conflict analysis with the Graph Model for Conflict Resolution.",
    no_args_is_help=True,
)


def _out() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _load(path: Path, alt: list[str] | None = None) -> tuple[Conflict, Graph]:
    from guarantor.negotiate.loading import alternatives, load_conflict

    conflict = load_conflict(path)
    for note in conflict.notes:
        _err().print(f"note: {note}")
    return conflict, conflict.compile(alternatives(conflict, alt or []))


def _concepts(text: str, g: Graph) -> tuple[Concept, ...]:
    from guarantor.negotiate.concepts import parse_concepts

    return parse_concepts(text, len(g.dms))


def _run(g: Graph, concepts: tuple[Concept, ...], coalitions: bool) -> Analysis:
    """The analysis, with a progress bar on stderr for large models."""
    from guarantor.negotiate.analysis import analyse

    if g.n < PROGRESS_STATES:
        return analyse(g, concepts, coalitions=coalitions)
    from rich.progress import Progress

    with Progress(console=_err(), transient=True) as bar:
        task = bar.add_task("stability", total=len(concepts))

        def tick(c: Concept) -> None:
            bar.update(task, description=f"stability: {c}", advance=0 if c == concepts[0] else 1)

        result = analyse(g, concepts, tick, coalitions=coalitions)
        bar.update(task, completed=len(concepts))
    return result


@negotiate_app.command("analyze")
def analyze_cmd(
    file: Path = input_file_argument(help="Model: guarantor YAML or GMCR+ .gmcr"),
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
    from guarantor.negotiate import render

    _, g = _load(file, alt)
    cs = _concepts(concepts, g)
    if all_states and fmt == Format.table and g.n > render.ROWS_MAX:
        raise UserError(
            f"--all-states prints at most {render.ROWS_MAX} states; use --format csv or json"
        )
    result = _run(g, cs, coalitions)
    if fmt == Format.json:
        emit(result.to_json())
    elif fmt == Format.csv:
        sys.stdout.write(render.analysis_csv(result))
    else:
        _out().print(render.analysis_view(result, all_states))


@negotiate_app.command("explain")
def explain_cmd(
    file: Path = input_file_argument(help="Model file"),
    state: str = typer.Option(
        ..., "--state", help="Decimal state code, Y/N string or a named outcome of the model"
    ),
    dm: list[str] = typer.Option([], "--dm", help="Decision maker (repeatable; default: all)"),
    concept: str = typer.Option(
        "seq", "--concept", help="nash, gmr, smr, seq, sim, seq+sim, l<h>, nm"
    ),
    alt: list[str] = typer.Option([], "--alt", help="DM=ALTERNATIVE preference"),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Why a state is (un)stable: each improvement and the sanction that deters it, or not."""
    from guarantor.negotiate import render
    from guarantor.negotiate.concepts import Concept
    from guarantor.negotiate.explain import explain
    from guarantor.negotiate.loading import resolve_state

    conflict, g = _load(file, alt)
    s = resolve_state(conflict, g, state)
    c = Concept.parse(concept)
    names = dm or list(g.dms)
    for n in names:
        if n not in g.dms:
            raise UserError(f"unknown decision maker {n!r}; known: {', '.join(g.dms)}")
    results = [explain(g, g.dms.index(n), s, c) for n in names]
    if fmt == TableOrJson.json:
        emit(render.explanations_json(g, results))
    else:
        _out().print(render.explanations_view(g, results))


@negotiate_app.command("reach")
def reach_cmd(
    file: Path = input_file_argument(help="Model file"),
    start: str | None = typer.Option(
        None, "--state", help="Start state (default: the model's status quo)"
    ),
    concept: str = typer.Option("seq", "--concept", help="Which equilibria to look for"),
    coalitions: bool = typer.Option(
        True, "--coalitions/--unilateral", help="Allow coalitional improvements too"
    ),
    alt: list[str] = typer.Option([], "--alt", help="DM=ALTERNATIVE preference"),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Status quo analysis: which equilibria can be reached, by which shortest improvement paths."""
    from guarantor.negotiate import render
    from guarantor.negotiate.concepts import Concept
    from guarantor.negotiate.loading import resolve_state
    from guarantor.negotiate.reach import reachability

    conflict, g = _load(file, alt)
    s = None if start is None else resolve_state(conflict, g, start)
    result = reachability(g, s, Concept.parse(concept), coalitions)
    if fmt == TableOrJson.json:
        emit(result.to_json())
    else:
        _out().print(render.reach_view(result))


@negotiate_app.command("inverse")
def inverse_cmd(
    file: Path = input_file_argument(help="Model file"),
    state: str = typer.Option(..., "--state", help="The state wished to be stable"),
    concept: str = typer.Option("seq", "--concept", help="nash, gmr, smr, seq, sim, seq+sim"),
    vary: list[str] = typer.Option(
        ..., "--vary", help="DM or DM:FIRST-LAST ranking positions to permute (repeatable)"
    ),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Which preference orders would make a state stable: counts, necessary orderings, conditions."""
    from guarantor.negotiate import render
    from guarantor.negotiate.concepts import Concept
    from guarantor.negotiate.inverse import inverse, parse_slice
    from guarantor.negotiate.loading import resolve_state

    conflict, g = _load(file)
    s = resolve_state(conflict, g, state)
    result = inverse(g, s, Concept.parse(concept), [parse_slice(v, g) for v in vary])
    if fmt == TableOrJson.json:
        emit(result.to_json())
    else:
        _out().print(render.inverse_view(result))


@negotiate_app.command("sensitivity")
def sensitivity_cmd(
    file: Path = input_file_argument(help="Model file with alternative preferences"),
    flip: list[str] = typer.Option(
        [], "--flip", help="Also try this option with the other reversibility (repeatable)"
    ),
    concepts: str = typer.Option("nash,gmr,smr,seq,sim,seq+sim", "--concepts", help="Comma list"),
    top: int = typer.Option(
        20,
        "--top",
        min=1,
        help="Table rows: states most often in equilibrium (first concept first)",
    ),
    state: list[str] = typer.Option(
        [], "--state", help="Show these states instead of the top ones (repeatable; table only)"
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv"),
) -> None:
    """Equilibria across alternative preferences, reversibility and concepts: which are robust."""
    from guarantor.negotiate import render
    from guarantor.negotiate.loading import resolve_state
    from guarantor.negotiate.sensitivity import sensitivity

    conflict, g = _load(file)
    cs = _concepts(concepts, g)
    rows = [resolve_state(conflict, g, s) for s in state]
    result = sensitivity(conflict, cs, flip)
    if fmt == Format.json:
        emit(result.to_json())
    elif fmt == Format.csv:
        sys.stdout.write(render.sensitivity_csv(result))
    else:
        _out().print(render.sensitivity_view(result, g, top, rows))


@negotiate_app.command("export")
def export_cmd(
    file: Path = input_file_argument(help="Model file (YAML or .gmcr)"),
    out: Path = typer.Option(..., "--out", help="The .gmcr file to write"),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """Write the model as a GMCR+ save file."""
    from guarantor.negotiate.gmcr import write_gmcr
    from guarantor.negotiate.loading import load_conflict

    refuse_existing(out, "--out", force)
    conflict = load_conflict(file)
    write_gmcr(conflict, out)
    _err().print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add `guarantor negotiate` to the root command."""
    app.add_typer(negotiate_app, name="negotiate")
