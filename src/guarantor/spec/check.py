"""`guarantor check`: load, resolve references and lint agreement files in both views.

Each file is linted as encoded (the file as it stands) and as written (every assumed value taken
out, `rules.provenance.as_written`); each finding says its view and is located in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guarantor.errors import UserError
from guarantor.rules.provenance import grade_counts
from guarantor.spec.findings import Finding, Severity, View
from guarantor.spec.grades import grade_findings
from guarantor.spec.lint import lint_view
from guarantor.spec.load import LoadedSpec, load_spec
from guarantor.spec.references import check_references
from guarantor.spec.views import encoded_path, subject


@dataclass(frozen=True)
class FileCheck:
    """One file's findings (both views, located) and its clauses counted per provenance grade."""

    file: str
    findings: list[Finding]
    provenance: dict[str, int]


@dataclass
class CheckResult:
    """Every checked file, and the files that could not be used at all."""

    files: list[FileCheck] = field(default_factory=list)
    unusable: list[UserError] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """The findings of every file, in file order."""
        return [f for fc in self.files for f in fc.findings]

    @property
    def provenance(self) -> dict[str, int]:
        """Clauses and graded parts per grade, over every file."""
        total: dict[str, int] = {}
        for fc in self.files:
            for grade, n in fc.provenance.items():
                total[grade] = total.get(grade, 0) + n
        return total

    @property
    def exit_code(self) -> int:
        """0 clean (warnings and information allowed), 1 error findings, 2 unusable input."""
        if self.unusable:
            return 2
        return 1 if any(f.severity is Severity.error for f in self.findings) else 0


def check_loaded(spec: LoadedSpec) -> FileCheck:
    """Reference, lint and provenance findings of a loaded file in both views, located."""
    encoded = spec.agreement
    found = list(spec.findings)  # the references, as encoded
    found += [spec.locate(f) for f in lint_view(subject(encoded, View.as_encoded))]
    found += [spec.locate(f) for f in grade_findings(encoded, Path(spec.source.file).parent)]
    written = subject(encoded, View.as_written)
    for f in [*check_references(written.agreement), *lint_view(written)]:
        moved = Finding(
            f.code,
            f.severity,
            encoded_path(encoded, written.agreement, f.path),
            f.message,
            f.explanation,
            view=View.as_written,
        )
        found.append(spec.locate(moved))
    findings = sorted(set(found), key=lambda f: f.sort_key())
    return FileCheck(spec.source.file, findings, grade_counts(encoded))


def check_file(path: Path) -> list[Finding]:
    """Every finding of one file, both views, located; raises UserError if unusable."""
    return check_loaded(load_spec(path, strict=False)).findings


def check_files(paths: list[Path]) -> CheckResult:
    """Check every file; an unusable file does not stop the others."""
    result = CheckResult()
    for path in paths:
        try:
            result.files.append(check_loaded(load_spec(path, strict=False)))
        except UserError as err:
            result.unusable.append(err)
    return result


@dataclass(frozen=True)
class ViewedFinding:
    """A finding and the views it appears in (the same finding in both views is shown once)."""

    finding: Finding
    views: frozenset[View]

    @property
    def label(self) -> str:
        """'both', 'as written' or 'as encoded'."""
        if len(self.views) == len(View):
            return "both"
        return next(iter(self.views)).value.replace("_", " ")


def by_views(findings: list[Finding]) -> list[ViewedFinding]:
    """Findings with the views each appears in, in the order first seen."""
    rows: dict[tuple[object, ...], tuple[Finding, set[View]]] = {}
    for f in findings:
        key = (f.file, f.line, f.column, f.code, f.message)
        rows.setdefault(key, (f, set()))[1].add(f.view)
    return [ViewedFinding(f, frozenset(views)) for f, views in rows.values()]
