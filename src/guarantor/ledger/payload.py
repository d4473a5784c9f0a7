"""The rules every record obeys before it is hashed: JSON values within bounds, clean text, clean names.

What passes here can always be read back, rendered as JSON, CSV or a table, verified and exported:

- a payload is a JSON object nested at most MAX_DEPTH levels, at most MAX_PAYLOAD_BYTES of
  canonical UTF-8 text;
- integers lie within 64 bits (what every JSON consumer, orjson and PostgreSQL's bigint hold);
- other numbers are finite IEEE-754 doubles (no NaN, no Infinity, nothing that overflows to it);
  amounts are not floats: flows carry them as decimal text with at most 24 integer digits and
  6 decimals (`guarantor.ledger.records.Flow`);
- text is valid Unicode (no lone surrogates) without control characters: no NUL, no ANSI escape
  (ESC), no C1 controls; payload text may hold tab, line feed and carriage return;
- object keys are 1..MAX_KEY_CHARS characters of the same clean text, without line breaks;
- names (kind, party, idempotency key) hold no control, line-break or bidirectional-override
  characters; a kind is lower-case snake_case.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from guarantor.cleantext import find_bad_name, find_bad_text, text_problem
from guarantor.errors import UserError
from guarantor.ledger.canonical import canonical_json

MAX_DEPTH = 32
MAX_PAYLOAD_BYTES = 1 << 20
MAX_KEY_CHARS = 256
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_KIND = 64
MAX_PARTY = 128
MAX_KEY = 300
MAX_SIGNATURE = 200

KIND_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class PayloadError(UserError):
    """A record that breaks the ledger's rules (the message says where: payload.a.b[2])."""


def check_name(text: str, what: str, limit: int) -> None:
    """A kind, party or key: 1..limit characters of clean text (raises PayloadError)."""
    if not isinstance(text, str) or not 1 <= len(text) <= limit:
        raise PayloadError(f"record {what} must be 1..{limit} characters")
    problem = text_problem(text, name=True)
    if problem is not None:
        raise PayloadError(f"record {what} {problem}")


def check_kind(kind: str) -> None:
    """A record kind: lower-case snake_case, 1..MAX_KIND characters."""
    check_name(kind, "kind", MAX_KIND)
    if not KIND_RE.match(kind):
        raise PayloadError(
            f"record kind {kind!r} must be lower-case letters, digits and '_' (e.g. 'commitment')"
        )


class _Bad(Exception):
    """A rule broken somewhere inside a payload; the path is filled in on the way out."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []


def _label(key: str) -> str:
    return f".{key}" if key.isidentifier() else f"[{json.dumps(key, ensure_ascii=True)}]"


def _check(value: Any, depth: int) -> Any:
    """The value as it will be stored (Decimals and dates as text), or _Bad.

    The path to a bad value is built only when one is found, so that checking costs little more
    than the walk itself (every read of a record runs it).
    """
    kind = type(value)
    if kind is str:
        if find_bad_text(value) is not None:
            raise _Bad(f"text {text_problem(value)}")
        return value
    if kind is dict or isinstance(value, Mapping):
        if depth >= MAX_DEPTH:
            raise _Bad(f"nested deeper than {MAX_DEPTH} levels")
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _Bad(f"object key {key!r} is not text")
            if not 0 < len(key) <= MAX_KEY_CHARS:
                raise _Bad(f"object keys must be 1..{MAX_KEY_CHARS} characters")
            if find_bad_name(key) is not None:
                raise _Bad(f"object key {text_problem(key, name=True)}")
            try:
                out[key] = _check(item, depth + 1)
            except _Bad as bad:
                bad.path.append(_label(key))
                raise
        return out
    if kind is int:
        if not INT64_MIN <= value <= INT64_MAX:
            raise _Bad("integer beyond 64 bits; write large amounts as decimal text")
        return value
    if kind is bool or value is None:
        return value
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise _Bad(f"{value} is not a finite number (no NaN or Infinity)")
        return value
    if kind is list or isinstance(value, list | tuple):
        if depth >= MAX_DEPTH:
            raise _Bad(f"nested deeper than {MAX_DEPTH} levels")
        items = []
        for i, item in enumerate(value):
            try:
                items.append(_check(item, depth + 1))
            except _Bad as bad:
                bad.path.append(f"[{i}]")
                raise
        return items
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _Bad(f"{value} is not a finite number")
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):  # subclasses (enums): their plain value
        return _check(_plain(value), depth)
    raise _Bad(f"a {kind.__name__} is not a JSON value")


def checked(value: Any) -> Any:
    """The payload value as it will be stored, or PayloadError saying what is wrong and where."""
    try:
        return _check(value, 0)
    except _Bad as bad:
        where = "payload" + "".join(reversed(bad.path))
        raise PayloadError(f"{where}: {bad.message}") from None


def _plain(value: bool | int | float | str) -> bool | int | float | str:
    for base in (bool, int, float, str):
        if isinstance(value, base):
            return base(value)
    raise AssertionError(value)


def canonical_payload(payload: Any) -> str:
    """The payload's canonical JSON text after checking every rule above (raises PayloadError)."""
    if not isinstance(payload, Mapping):
        raise PayloadError("a record's payload must be a JSON object")
    text = canonical_json(checked(payload))
    if len(text) > MAX_PAYLOAD_BYTES // 4 and len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"payload is larger than {MAX_PAYLOAD_BYTES} bytes of canonical JSON")
    return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _cut(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:40]}… ({len(text)} characters)"


def _checked_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {_cut(text)} overflows to infinity")
    return value


def _checked_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not INT64_MIN <= int(text) <= INT64_MAX:
        raise ValueError(f"integer {_cut(text)} is beyond 64 bits")
    return int(text)


def parse_strict(text: str | bytes) -> Any:
    """JSON text as a value, refusing NaN, Infinity, numbers that overflow and integers beyond
    64 bits (raises ValueError, RecursionError for absurd nesting)."""
    return json.loads(
        text,
        parse_constant=_reject_constant,
        parse_float=_checked_float,
        parse_int=_checked_int,
    )


def stored_payload_problem(text: str) -> str | None:
    """Why a stored payload text breaks the rules (None when it is canonical and within bounds)."""
    try:
        json.loads(text)
    except RecursionError:
        return "nested too deeply to read"
    except ValueError as exc:
        return f"not readable JSON: {exc}"
    try:
        value = parse_strict(text)
    except RecursionError:
        return "nested too deeply to read"
    except ValueError as exc:
        return str(exc)
    try:
        canonical = canonical_payload(value)
    except PayloadError as exc:
        return exc.message
    except RecursionError:
        return "nested too deeply"
    if canonical != text:
        return "not in canonical form (sorted keys, compact, UTF-8)"
    return None


MEMO_MAX_CHARS = 4096  # payloads up to this size have their verdict remembered (by text)


@functools.lru_cache(maxsize=1 << 16)
def _remembered_problem(text: str) -> str | None:
    return _value_problem(json.loads(text))


def _value_problem(value: Any) -> str | None:
    try:
        checked(value)
    except PayloadError as exc:
        return exc.message
    except RecursionError:
        return "nested too deeply"
    return None


def read_payload(text: str) -> tuple[Any, str | None]:
    """A stored payload for reading: (value, None), or (None, the reason it breaks the rules).

    Never raises: records written before these rules, or edited in the database, stay readable.
    Every read runs this; the verdict on a small payload is remembered by its text (a stored
    payload never changes), so that reading the same records again costs only the parse.
    """
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None, stored_payload_problem(text) or "not readable JSON"
    problem = _remembered_problem(text) if len(text) <= MEMO_MAX_CHARS else _value_problem(value)
    return (value, None) if problem is None else (None, problem)
