"""The spec room's part of `guarantor demo`: load, lint and render the encoded instruments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from guarantor.fileio import write_atomic
from guarantor.spec.check import check_loaded
from guarantor.spec.diff import diff_agreements, word_diff
from guarantor.spec.findings import Severity, View
from guarantor.spec.load import load_agreement, load_spec
from guarantor.spec.render import render_html, render_markdown

if TYPE_CHECKING:
    from guarantor.demo import DemoContext

FOCUS = "aug2025_article5_like.yaml"


def run(ctx: DemoContext) -> None:
    """Load every example, lint them (Budapest's findings in full), render the Aug 2025 proposal."""
    console = ctx.console
    folder = ctx.examples / "agreements"
    files = sorted(folder.glob("*.yaml"))
    console.rule("[bold]1. Guarantees as code: the encoded instruments")
    table = Table(show_edge=False)
    cols = (
        "agreement",
        "nature",
        "trig.",
        "pledges",
        "err written",
        "err encoded",
        "warn",
        "graded",
    )
    for col in cols:
        table.add_column(col)
    per_file = {}
    for path in files:
        agreement = load_agreement(path)
        checked = check_loaded(load_spec(path, strict=False))
        per_file[path.name] = checked.findings
        errors = {
            v: sum(1 for f in checked.findings if f.severity is Severity.error and f.view is v)
            for v in View
        }
        warnings = sum(
            1
            for f in checked.findings
            if f.severity is Severity.warning and f.view is View.as_written
        )
        parts = sum(checked.provenance.values())
        graded = parts - checked.provenance.get("ungraded", 0)
        table.add_row(
            agreement.id,
            agreement.nature.value.replace("_", " "),
            str(len(agreement.triggers)),
            str(len(agreement.pledges)),
            f"[red]{errors[View.as_written]}[/]" if errors[View.as_written] else "0",
            str(errors[View.as_encoded]),
            str(warnings),
            f"{graded}/{parts}",
        )
    console.print(table)
    budapest = per_file.get("budapest_1994.yaml", [])
    if budapest:
        console.print(
            "\n[bold]Why the Budapest Memorandum failed[/] (guarantor check, as written):"
        )
        for f in budapest:
            if f.view is View.as_written:
                colour = {"error": "red", "warning": "yellow", "info": "cyan"}[f.severity.value]
                console.print(f"  [{colour}]{f.code}[/] line {f.line}: {escape(f.message)}")
    old, new = folder / "paris_declaration_2026_draft.yaml", folder / "paris_declaration_2026.yaml"
    if old.exists() and new.exists():
        console.print("\n[bold]Paris Declaration, draft → final[/] (guarantor diff):")
        for c in diff_agreements(load_agreement(old), load_agreement(new)):
            if c.field == "text" and isinstance(c.old, str) and isinstance(c.new, str):
                console.print(f"  {c.section}/{c.clause}: {word_diff(c.old, c.new)}")
            elif c.field == "status":
                console.print(f"  {c.section}/{c.clause} status: {c.old} → {c.new}")
    focus = folder / FOCUS
    agreement = load_agreement(focus)
    md_path: Path = ctx.out / "aug2025_article5_like.md"
    html_path: Path = ctx.out / "aug2025_article5_like.sbs.html"
    write_atomic(md_path, render_markdown(agreement))
    write_atomic(html_path, render_html(agreement, side_by_side=True))
    console.print(
        f"\nRendered the August 2025 proposal as treaty text: {md_path} "
        f"(side by side with its rules: {html_path})"
    )
    ctx.results["agreements"] = {p.name: load_agreement(p) for p in files}
