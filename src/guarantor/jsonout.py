"""Deterministic JSON for scriptable output and reports."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Any

import orjson


class Format(StrEnum):
    """Output of a command that prints a table, JSON or CSV (`--format`)."""

    table = "table"
    json = "json"
    csv = "csv"


class TableOrJson(StrEnum):
    """Output of a command whose result has no flat CSV form (`--format`): a table or JSON."""

    table = "table"
    json = "json"


def dumps(obj: Any) -> str:
    """Serialise to deterministic, indented JSON text (sorted keys, trailing newline)."""
    return (
        orjson.dumps(
            obj,
            option=orjson.OPT_SORT_KEYS
            | orjson.OPT_INDENT_2
            | orjson.OPT_NON_STR_KEYS
            | orjson.OPT_SERIALIZE_NUMPY,
            default=_default,
        ).decode()
        + "\n"
    )


def _default(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    if hasattr(obj, "__fspath__"):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def emit(obj: Any) -> None:
    """Print one JSON document on stdout and nothing else."""
    sys.stdout.write(dumps(obj))
    sys.stdout.flush()
