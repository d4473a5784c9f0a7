"""The agreement section: readable treaty text and its lint findings."""

from __future__ import annotations

import re
from pathlib import Path

from guarantor.errors import UserError
from guarantor.model import Agreement
from guarantor.report.document import Section, heading, join, markup, para, table


def agreement_section(path: Path) -> tuple[Section, Agreement | None]:
    """The agreement rendered as text with its lint findings; None when it cannot be loaded."""
    from guarantor.spec.check import by_views, check_file
    from guarantor.spec.load import load_agreement
    from guarantor.spec.render import render_html

    section = Section("agreement", "The agreement")
    try:
        agreement = load_agreement(path)
    except UserError as err:
        return section.missing(f"the agreement {path.name} could not be loaded: {err}"), None
    try:
        findings = check_file(path)
    except UserError as err:
        findings = []
        section.partial(f"lint could not run: {err}")
    page = render_html(agreement)
    body = re.search(r"<body>(.*)</body>", page, re.S)
    text = body.group(1) if body else ""
    # Demote the treaty's own headings so that they sit under this section's heading.
    text = re.sub(r"<(/?)h([1-4])>", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 2}>", text)
    counts: dict[str, int] = {}
    for row in by_views(findings):
        counts[row.finding.severity.value] = counts.get(row.finding.severity.value, 0) + 1
    summary = ", ".join(f"{n} {sev}" for sev, n in sorted(counts.items())) or "no findings"
    rows = [
        [f.code, f.severity.value, row.label, str(f.line or ""), f.message, f.explanation]
        for row in by_views(findings)
        for f in [row.finding]
    ]
    parts = [
        para(
            markup("<strong>{}</strong> (id <code>{}</code>, version {}). Source file: {}.").format(
                agreement.title, agreement.id, agreement.version, path.name
            )
        ),
        heading(f"Lint findings: {summary}"),
        table(["code", "severity", "view", "line", "finding", "why it matters"], rows)
        if rows
        else para("The linter found nothing to report."),
        heading("Readable text"),
        markup('<div class="treaty" tabindex="0">{}</div>').format(
            markup(text)
        ),  # the spec room's HTML
    ]
    section.body = join(parts)
    return section, agreement
