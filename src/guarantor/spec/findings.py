"""Findings: what lint and reference checks report, with a stable code, a view and a location."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How serious a finding is."""

    error = "error"
    warning = "warning"
    info = "info"


class View(StrEnum):
    """Which reading of the agreement a finding is about.

    `as_written` is what the parties bound themselves to (every value the encoding assumed taken
    out); `as_encoded` is the file as it stands, assumptions included.
    """

    as_written = "as_written"
    as_encoded = "as_encoded"


@dataclass(frozen=True)
class Finding:
    """One finding: a stable code, a severity, where, what, why it matters, and in which view."""

    code: str
    severity: Severity
    path: tuple[str | int, ...]
    message: str
    explanation: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None
    view: View = View.as_encoded

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
            "view": self.view.value,
        }

    def in_view(self, view: View) -> Finding:
        """The same finding, said of another view."""
        return replace(self, view=view)

    def sort_key(self) -> tuple[Any, ...]:
        """Stable order: file, line, column, code, message, view."""
        return (
            self.file,
            self.line or 0,
            self.column or 0,
            self.code,
            self.message,
            self.view.value,
        )
