"""Findings: what lint and reference checks report, with a stable code and a location."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How serious a finding is."""

    error = "error"
    warning = "warning"
    info = "info"


@dataclass(frozen=True)
class Finding:
    """One finding: a stable code, a severity, where, what, and why it matters."""

    code: str
    severity: Severity
    path: tuple[str | int, ...]
    message: str
    explanation: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The scriptable form (`guarantor check --format json`)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": "/".join(str(p) for p in self.path),
            "message": self.message,
            "explanation": self.explanation,
        }

    def sort_key(self) -> tuple[Any, ...]:
        """Stable order: file, line, column, code."""
        return (self.file, self.line or 0, self.column or 0, self.code, self.message)
