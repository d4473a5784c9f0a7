"""Reading the room's YAML files (catalogue, GDP table, scenarios) with file:line:column errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from guarantor.errors import UserError
from guarantor.spec.yamlpos import Positioned, parse_text, read_text

M = TypeVar("M", bound=BaseModel)


def read_positioned(path: Path) -> Positioned:
    """Parse a YAML file keeping the position of every value."""
    return parse_text(read_text(path), str(path))


def validate(model: type[M], source: Positioned, what: str) -> M:
    """Validate parsed YAML as `model`, turning the first error into a UserError with its place."""
    if not isinstance(source.data, dict):
        raise UserError(f"expected a mapping at the top of the {what}", source.locate(()))
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        loc: tuple[Any, ...] = tuple(first["loc"])
        dotted = ".".join(str(p) for p in loc) or "top level"
        msg = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            msg = f"unknown key {str(loc[-1])!r}"
        details = [
            f"{source.locate(tuple(e['loc']))}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in errors[1:6]
        ]
        raise UserError(
            f"{what}: {dotted}: {msg}",
            source.locate(loc, prefer_key=first["type"] == "extra_forbidden"),
            details=details,
        ) from None
