"""Commands of the spec room: schema, check, render, diff."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from guarantor.fileio import write_atomic
from guarantor.jsonout import TableOrJson, emit
from guarantor.model import Agreement
from guarantor.spec.check import check_files
from guarantor.spec.diff import diff_agreements, word_diff
from guarantor.spec.findings import Severity
from guarantor.spec.load import load_agreement

_err = Console(stderr=True, highlight=False, soft_wrap=True)


class TextFormat(StrEnum):
    """Rendering formats."""

    md = "md"
    html = "html"


def schema_command() -> None:
    """Print the JSON Schema of agreement files (for editors and validators)."""
    schema = Agreement.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://guarantor.example/schema/agreement-1.json"
    typer.echo(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False))


def check_command(
    files: list[Path] = typer.Argument(..., help="Agreement YAML files."),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Lint agreements: exit 0 clean, 1 error findings, 2 unusable input."""
    result = check_files(files)
    if fmt is TableOrJson.json:
        emit([f.as_dict() for f in result.findings])
    else:
        console = Console(highlight=False)
        if result.findings:
            table = Table(show_lines=False, pad_edge=False)
            for col in ("code", "severity", "where", "finding"):
                table.add_column(col, overflow="fold")
            colours = {Severity.error: "red", Severity.warning: "yellow", Severity.info: "cyan"}
            for f in result.findings:
                table.add_row(
                    f.code,
                    f"[{colours[f.severity]}]{f.severity.value}[/]",
                    f"{Path(f.file).name}:{f.line}:{f.column}",
                    f.message,
                )
            console.print(table)
        counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
        _err.print(
            f"{len(files)} file(s): {counts[Severity.error]} error(s), "
            f"{counts[Severity.warning]} warning(s), {counts[Severity.info]} info"
        )
    for err in result.unusable:
        _err.print(f"[bold red]error:[/] {escape(str(err))}")
    raise typer.Exit(result.exit_code)


def render_command(
    file: Path = typer.Argument(..., help="Agreement YAML file."),
    fmt: TextFormat = typer.Option(TextFormat.md, "--format", help="md or html"),
    side_by_side: bool = typer.Option(
        False, "--side-by-side", help="Text beside the machine rule."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to a file instead of stdout."),
) -> None:
    """Render an agreement as numbered treaty text with source references."""
    from guarantor.spec.render import render_html, render_markdown

    agreement = load_agreement(file)
    text = (
        render_markdown(agreement, side_by_side=side_by_side)
        if fmt is TextFormat.md
        else render_html(agreement, side_by_side=side_by_side)
    )
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(out, text)
        _err.print(f"wrote {out}")


def diff_command(
    old: Path = typer.Argument(..., help="Earlier version."),
    new: Path = typer.Argument(..., help="Later version."),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Clause-level changes between two versions of an agreement."""
    changes = diff_agreements(load_agreement(old), load_agreement(new))
    if fmt is TableOrJson.json:
        emit({"old": str(old), "new": str(new), "changes": [c.as_dict() for c in changes]})
        return
    console = Console(highlight=False)
    if not changes:
        console.print("no differences")
        return
    table = Table(show_lines=True)
    for col in ("change", "clause", "field", "difference"):
        table.add_column(col, overflow="fold")
    for c in changes:
        if isinstance(c.old, str) and isinstance(c.new, str):
            shown = word_diff(c.old, c.new)
        else:
            shown = f"{c.old!r} → {c.new!r}" if c.kind == "changed" else "(whole clause)"
        table.add_row(c.kind, f"{c.section}/{c.clause}", c.field, shown)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the spec commands to the root CLI."""
    app.command("schema")(schema_command)
    app.command("check")(check_command)
    app.command("render")(render_command)
    app.command("diff")(diff_command)
