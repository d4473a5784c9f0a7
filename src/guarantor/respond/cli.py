"""Commands of the respond room: `guarantor respond` (plan, what-ifs, comparison) and `capabilities`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from guarantor.cliparams import (
    add_alias,
    default_command_group,
    input_file_argument,
    input_file_option,
)
from guarantor.jsonout import Format, emit
from guarantor.respond.catalogue import load_catalogue
from guarantor.respond.scenario import load_scenario
from guarantor.sources.locate import locate_data
from guarantor.spec.load import load_spec

if TYPE_CHECKING:
    from guarantor.model import Agreement
    from guarantor.respond.compare import Variant

_err = Console(stderr=True, highlight=False, soft_wrap=True)
ALL_STEPS = "all"


class Method(StrEnum):
    """Allocation methods."""

    milp = "milp"
    greedy = "greedy"


def respond_command(
    agreement: Path = input_file_argument(help="Agreement YAML file."),
    step: str = typer.Option(
        ...,
        "--step",
        help="Ladder step id or order number; 'all' plans every step with needs together, with "
        "contributions per year and fair shares over the whole guarantee.",
    ),
    without: list[str] = typer.Option(
        [],
        "--without",
        help="Leave this party out (repeatable; groups expand to members): out of pledges, "
        "bodies, procedures and monitoring alike.",
    ),
    compare_without: list[str] = typer.Option(
        [],
        "--compare-without",
        help="Add a variant without these parties ('US' or 'US,UK'; repeatable), show the "
        "variants side by side with the plan of all parties, and what each removal costs.",
    ),
    scenario: Path | None = input_file_option(
        None, "--scenario", help="Scenario YAML: situation values, needs, votes, GDP, caps, years."
    ),
    catalogue: Path | None = input_file_option(
        None, "--catalogue", help="Extra capability kinds (YAML, same shape as the shipped one)."
    ),
    years: float | None = typer.Option(
        None,
        "--years",
        min=0.01,
        max=100,
        help="How long each step's response lasts, in years (default: the scenario's years, else "
        "the agreement's term, else one year). Money and fair shares count over it.",
    ),
    method: Method = typer.Option(Method.milp, "--method", help="milp (HiGHS) or greedy."),
    time_limit: float = typer.Option(60.0, "--time-limit", min=1, help="Solver seconds in all."),
    data: Path | None = typer.Option(
        None, "--data", envvar="GUARANTOR_DATA", help="Data folder (Kiel tracker GDP if present)."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv"),
) -> None:
    """Plan a ladder step: who sends what, where, by when; the gaps and why; fair shares."""
    # the planner (numpy, scipy, highspy) loads only when the command runs
    from guarantor.respond.compare import Variant, compare, parse_variant, removal_costs
    from guarantor.respond.render import (
        comparison_json,
        comparison_table,
        plan_csv,
        plan_json,
        plan_tables,
        removal_tables,
    )

    loaded = load_spec(agreement)
    cat = load_catalogue(catalogue)
    sc = load_scenario(scenario)
    location = locate_data(data)
    options: dict[str, Any] = {
        "catalogue": cat,
        "scenario": sc,
        "data_dir": location.path,
        "locate": lambda path: loaded.source.locate(path),
        "method": method.value,
        "time_limit": time_limit,
        "years": years,
    }
    base = Variant("all parties" if not without else "without " + ", ".join(sorted(without)))
    variants = [base, *(parse_variant(v) for v in compare_without)]
    if step == ALL_STEPS:
        _whole_guarantee(loaded.agreement, variants, without, options, fmt)
        return
    plans = compare(loaded.agreement, step, variants, base_without=without, **options)
    costs = removal_costs(plans)
    if fmt is not Format.json:  # said once the plan stands, not before an error
        _err.print(f"[dim]data: {location.describe()}[/]")
    if fmt is Format.json:
        emit(plan_json(plans[0]) if len(plans) == 1 else comparison_json(plans, costs))
        return
    if fmt is Format.csv:
        for plan in plans:
            if len(plans) > 1:
                typer.echo(f"# variant: {plan.label}")
            typer.echo(plan_csv(plan), nl=False)
        return
    console = Console(highlight=False)
    for plan in plans:
        console.print(plan_tables(plan))
        console.print()
    if len(plans) > 1:
        console.print(comparison_table(plans, cat))
        for cost in costs:
            console.print(removal_tables(cost, plans[0].activation))


def _whole_guarantee(
    agreement: Agreement,
    variants: list[Variant],
    without: list[str],
    options: dict[str, Any],
    fmt: Format,
) -> None:
    """Every step with needs, planned together per variant; contributions over the years."""
    from guarantor.respond.compare import compare_guarantee, removal_costs
    from guarantor.respond.render import (
        comparison_table,
        contributions_csv,
        guarantee_comparison_json,
        guarantee_json,
        guarantee_tables,
        plan_csv,
        removal_tables,
    )

    plans = compare_guarantee(agreement, variants, base_without=without, **options)
    if fmt is Format.json:
        emit(guarantee_json(plans[0]) if len(plans) == 1 else guarantee_comparison_json(plans))
        return
    if fmt is Format.csv:
        for g in plans:
            for plan in g.plans:
                typer.echo(f"# variant: {g.label} · step: {plan.step}")
                typer.echo(plan_csv(plan), nl=False)
            typer.echo(f"# variant: {g.label} · contributions per year")
            typer.echo(contributions_csv(g.contributions), nl=False)
        return
    console = Console(highlight=False)
    for g in plans:
        console.print(guarantee_tables(g))
        console.print()
    for g in plans[1:]:
        base = {p.step: p for p in plans[0].plans}
        for plan in g.plans:
            if plan.step in base:
                pair = [base[plan.step], plan]
                console.print(comparison_table(pair, options["catalogue"]))
                console.print(removal_tables(removal_costs(pair)[0], plan.activation))


def capabilities_command(
    catalogue: Path | None = typer.Option(None, "--catalogue", help="Extra capability kinds."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv"),
) -> None:
    """List the capability catalogue: kinds, units, sizes, costs, readiness, rotation, grades."""
    from guarantor.respond.render import capabilities_csv, capabilities_table, capability_rows

    cat = load_catalogue(catalogue)
    if fmt is Format.json:
        documents = {k: d.model_dump(mode="json") for k, d in cat.documents.items()}
        emit({"capabilities": capability_rows(cat), "documents": documents})
        return
    if fmt is Format.csv:
        typer.echo(capabilities_csv(cat), nl=False)
        return
    Console(highlight=False).print(capabilities_table(cat))


def register(app: typer.Typer) -> None:
    """Add `guarantor respond` (`plan`, the default, and `capabilities`) and the alias `capabilities`."""
    room = typer.Typer(
        cls=default_command_group("plan"),
        help="Plan a ladder step: who sends what, where, by when; the gaps and why; fair shares "
        "(AGREEMENT alone means `plan`).",
        no_args_is_help=True,
    )
    room.command("plan")(respond_command)
    room.command("capabilities")(capabilities_command)
    app.add_typer(room, name="respond")
    add_alias(app, "capabilities", capabilities_command)
