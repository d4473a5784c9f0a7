"""`guarantor check`: load, resolve references and lint one or more agreement files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from guarantor.errors import UserError
from guarantor.spec.findings import Finding, Severity
from guarantor.spec.lint import lint
from guarantor.spec.load import load_spec


@dataclass
class CheckResult:
    """Findings per file, and the files that could not be used at all."""

    findings: list[Finding] = field(default_factory=list)
    unusable: list[UserError] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 clean (warnings and information allowed), 1 error findings, 2 unusable input."""
        if self.unusable:
            return 2
        return 1 if any(f.severity is Severity.error for f in self.findings) else 0


def check_file(path: Path) -> list[Finding]:
    """Reference and lint findings for one file, located; raises UserError if unusable."""
    spec = load_spec(path, strict=False)
    found = spec.findings + [spec.locate(f) for f in lint(spec.agreement)]
    return sorted(found, key=lambda f: f.sort_key())


def check_files(paths: list[Path]) -> CheckResult:
    """Check every file; an unusable file does not stop the others."""
    result = CheckResult()
    for path in paths:
        try:
            result.findings += check_file(path)
        except UserError as err:
            result.unusable.append(err)
    return result
