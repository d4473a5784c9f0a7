"""Commands of the respond room: `guarantor respond` (plan, what-ifs, comparison) and `capabilities`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from guarantor.jsonout import Format, emit
from guarantor.respond.catalogue import load_catalogue
from guarantor.respond.scenario import load_scenario
from guarantor.sources.locate import locate_data
from guarantor.spec.load import load_spec

_err = Console(stderr=True, highlight=False, soft_wrap=True)


class Method(StrEnum):
    """Allocation methods."""

    milp = "milp"
    greedy = "greedy"


def respond_command(
    agreement: Path = typer.Argument(..., help="Agreement YAML file."),
    step: str = typer.Option(..., "--step", help="Ladder step id or order number."),
    without: list[str] = typer.Option(
        [], "--without", help="Leave this party out (repeatable); groups expand to members."
    ),
    compare_without: list[str] = typer.Option(
        [],
        "--compare-without",
        help="Add a variant without these parties ('US' or 'US,UK'; repeatable) and show the "
        "variants side by side with the plan of all parties.",
    ),
    scenario: Path | None = typer.Option(
        None, "--scenario", help="Scenario YAML: situation values, needs, votes, GDP, caps."
    ),
    catalogue: Path | None = typer.Option(
        None, "--catalogue", help="Extra capability kinds (YAML, same shape as the shipped one)."
    ),
    method: Method = typer.Option(Method.milp, "--method", help="milp (HiGHS) or greedy."),
    time_limit: float = typer.Option(60.0, "--time-limit", min=1, help="Solver seconds in all."),
    data: Path | None = typer.Option(
        None, "--data", envvar="GUARANTOR_DATA", help="Data folder (Kiel tracker GDP if present)."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv"),
) -> None:
    """Plan a ladder step: who sends what, where, by when; the gaps and why; fair shares."""
    from guarantor.respond.compare import Variant, compare, comparison_json, parse_variant
    from guarantor.respond.render import comparison_table, plan_csv, plan_tables

    loaded = load_spec(agreement)
    cat = load_catalogue(catalogue)
    sc = load_scenario(scenario)
    location = locate_data(data)
    options = {
        "catalogue": cat,
        "scenario": sc,
        "data_dir": location.path,
        "locate": lambda path: loaded.source.locate(path),
        "method": method.value,
        "time_limit": time_limit,
    }
    if fmt is not Format.json:
        _err.print(f"[dim]data: {location.describe()}[/]")
    base = Variant("all parties" if not without else "without " + ", ".join(sorted(without)))
    variants = [base, *(parse_variant(v) for v in compare_without)]
    plans = compare(loaded.agreement, step, variants, base_without=without, **options)
    if fmt is Format.json:
        emit(plans[0].to_json() if len(plans) == 1 else comparison_json(plans))
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


def capabilities_command(
    catalogue: Path | None = typer.Option(None, "--catalogue", help="Extra capability kinds."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv"),
) -> None:
    """List the capability catalogue: kinds, units and attributes."""
    cat = load_catalogue(catalogue)
    rows = [c.model_dump(mode="json") for c in cat.capabilities.values()]
    if fmt is Format.json:
        emit({"capabilities": rows})
        return
    if fmt is Format.csv:
        typer.echo("id,unit,domain,integer,lethal,value_eur,max_per_pledge,anywhere")
        for c in cat.capabilities.values():
            typer.echo(
                f"{c.id},{c.unit},{c.domain},{str(c.integer).lower()},{str(c.lethal).lower()},"
                f"{c.value_eur:g},{c.max_per_pledge:g},{str(c.anywhere).lower()}"
            )
        return
    table = Table(title="Capability catalogue", title_justify="left")
    for col in ("id", "unit", "domain", "whole units", "lethal", "value EUR/unit/yr", "serves"):
        table.add_column(col)
    for c in cat.capabilities.values():
        serves = (
            "anywhere"
            if c.anywhere
            else "; ".join(f"{k}←{'/'.join(v)}" for k, v in sorted(c.serves.items()))
        )
        table.add_row(
            c.id,
            c.unit,
            c.domain,
            "yes" if c.integer else "no",
            "yes" if c.lethal else "no",
            f"{c.value_eur:,.0f}" if c.value_eur else "not monetised",
            serves,
        )
    Console(highlight=False).print(table)


def register(app: typer.Typer) -> None:
    """Add `respond` and `capabilities` to the root command."""
    app.command("respond")(respond_command)
    app.command("capabilities")(capabilities_command)
