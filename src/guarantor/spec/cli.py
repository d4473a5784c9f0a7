"""Commands of the spec room: schema, check, render, diff."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from guarantor.cliparams import add_alias, existing_file_argument
from guarantor.fileio import write_atomic
from guarantor.jsonout import TableOrJson, dumps, emit
from guarantor.model import Agreement
from guarantor.spec.check import CheckResult, check_files
from guarantor.spec.diff import diff_agreements, word_diff
from guarantor.spec.findings import Severity, View
from guarantor.spec.load import load_agreement

_err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


class TextFormat(StrEnum):
    """Rendering formats: treaty text (Markdown, HTML) or the clauses as data (JSON)."""

    md = "md"
    html = "html"
    json = "json"


def schema_command() -> None:
    """Print the JSON Schema of agreement files (for editors and validators)."""
    schema = Agreement.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://guarantor.example/schema/agreement-1.json"
    typer.echo(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False))


def check_command(
    files: list[Path] = existing_file_argument(help="Agreement YAML files."),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Lint agreements as written and as encoded: exit 0 clean, 1 error findings, 2 unusable input."""
    result = check_files(files)
    if fmt is TableOrJson.json:
        emit(
            {
                "findings": [f.as_dict() for f in result.findings],
                "provenance": result.provenance,
                "files": [{"file": fc.file, "provenance": fc.provenance} for fc in result.files],
                "unusable": [
                    {
                        "file": err.location.file if err.location else "",
                        "line": err.location.line if err.location else None,
                        "column": err.location.column if err.location else None,
                        "message": err.message,
                    }
                    for err in result.unusable
                ],
            }
        )
    else:
        _print_check(result)
    for err in result.unusable:
        _err.print(f"[bold red]error:[/] {escape(str(err))}")
    raise typer.Exit(result.exit_code)


_COLOURS = {Severity.error: "red", Severity.warning: "yellow", Severity.info: "cyan"}


def _print_check(result: CheckResult) -> None:
    """The findings as a table (a finding of both views once, marked 'both'), then the grades."""
    from guarantor.spec.check import by_views

    console = Console(highlight=False, emoji=False)
    rows = by_views(result.findings)
    if rows:
        table = Table(show_lines=False, pad_edge=False)
        for col in ("code", "severity", "view", "where", "finding"):
            table.add_column(col, overflow="fold")
        for row in rows:
            f = row.finding
            table.add_row(
                f.code,
                f"[{_COLOURS[f.severity]}]{f.severity.value}[/]",
                row.label,
                escape(f"{Path(f.file).name}:{f.line}:{f.column}"),
                escape(f.message),
            )
        console.print(table)
    for fc in result.files:
        grades = ", ".join(f"{n} {grade}" for grade, n in fc.provenance.items())
        console.print(f"{Path(fc.file).name}: provenance of clauses and graded parts: {grades}")
    for view in View:
        counts = {
            sev: sum(1 for f in result.findings if f.severity is sev and f.view is view)
            for sev in Severity
        }
        _err.print(
            f"{len(result.files)} file(s) {view.value.replace('_', ' ')}: "
            f"{counts[Severity.error]} error(s), {counts[Severity.warning]} warning(s), "
            f"{counts[Severity.info]} info"
        )


def render_command(
    file: Path = existing_file_argument(help="Agreement YAML file."),
    fmt: TextFormat = typer.Option(TextFormat.md, "--format", help="md, html or json"),
    side_by_side: bool = typer.Option(
        False, "--side-by-side", help="Text beside the machine rule."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to a file instead of stdout."),
) -> None:
    """Render an agreement as numbered treaty text with each clause's provenance grade."""
    from guarantor.spec.export import agreement_json  # the renderer imports markdown_it
    from guarantor.spec.render import render_html, render_markdown

    agreement = load_agreement(file)
    if fmt is TextFormat.json:
        text = dumps(agreement_json(agreement))
    elif fmt is TextFormat.md:
        text = render_markdown(agreement, side_by_side=side_by_side)
    else:
        text = render_html(agreement, side_by_side=side_by_side)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(out, text)
        _err.print(f"wrote {out}")


def diff_command(
    old: Path = existing_file_argument(help="Earlier version."),
    new: Path = existing_file_argument(help="Later version."),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json"),
) -> None:
    """Clause-level changes between two versions of an agreement."""
    changes = diff_agreements(load_agreement(old), load_agreement(new))
    if fmt is TableOrJson.json:
        emit({"old": str(old), "new": str(new), "changes": [c.as_dict() for c in changes]})
        return
    console = Console(highlight=False, emoji=False)
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


SPEC_COMMANDS = {
    "schema": schema_command,
    "check": check_command,
    "render": render_command,
    "diff": diff_command,
}


def register(app: typer.Typer) -> None:
    """Add `guarantor spec` and its documented top-level aliases schema, check, render, diff."""
    spec_app = typer.Typer(
        help="Agreement files: schema, check, render, diff.", no_args_is_help=True
    )
    for name, function in SPEC_COMMANDS.items():
        spec_app.command(name)(function)
    app.add_typer(spec_app, name="spec")
    for name, function in SPEC_COMMANDS.items():
        add_alias(app, name, function)
