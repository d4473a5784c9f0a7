"""Errors a user can cause, with the place in their input where it happened."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Position:
    """A place in a user's input: file, and optionally line/column, row or feature index."""

    file: str
    line: int | None = None
    column: int | None = None
    row: int | None = None
    feature: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.row is not None:
            text += f": row {self.row}"
        if self.feature is not None:
            text += f": feature {self.feature}"
        return text


@dataclass
class UserError(Exception):
    """An error caused by the user's input or arguments; the CLI prints it and exits 2."""

    message: str
    location: Position | None = None
    details: list[str] = field(default_factory=list)
    exit_code: int = 2

    def __str__(self) -> str:
        head = f"{self.location}: {self.message}" if self.location else self.message
        if self.details:
            head += "\n" + "\n".join(f"  {d}" for d in self.details)
        return head
