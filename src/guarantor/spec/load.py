"""Loading agreements: YAML with positions → validated model → resolved references."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from guarantor.errors import Position, UserError
from guarantor.model import Agreement
from guarantor.spec.findings import Finding, Severity
from guarantor.spec.references import check_references, unmonitored_standing
from guarantor.spec.yamlpos import Positioned, parse_text, read_text

MAX_REPORTED_ERRORS = 8

M = TypeVar("M", bound=BaseModel)


@dataclass
class LoadedSpec:
    """An agreement with the positions of its source and its reference findings."""

    agreement: Agreement
    source: Positioned
    findings: list[Finding] = field(default_factory=list)

    def locate(self, finding: Finding) -> Finding:
        """The finding with file, line and column filled in from the YAML positions."""
        loc = self.source.locate(finding.path)
        return replace(finding, file=loc.file, line=loc.line, column=loc.column)


def load_spec(path: Path | str, strict: bool = True) -> LoadedSpec:
    """Load and validate an agreement file; with `strict`, reference errors raise UserError."""
    p = Path(path)
    text = read_text(p)
    return load_spec_text(text, str(p), strict=strict)


def load_spec_text(text: str, file: str, strict: bool = True) -> LoadedSpec:
    """Load and validate agreement YAML text (see `load_spec`)."""
    source = parse_text(text, file)
    agreement = validate_positioned(source, Agreement)
    loaded = LoadedSpec(agreement, source)
    loaded.findings = sorted(
        (
            loaded.locate(f)
            for f in [*check_references(agreement), *unmonitored_standing(agreement)]
        ),
        key=lambda f: f.sort_key(),
    )
    if strict:
        errors = [f for f in loaded.findings if f.severity is Severity.error]
        if errors:
            first = errors[0]
            raise UserError(
                f"{first.message} [{first.code}]",
                Position(first.file, first.line, first.column),
                details=[
                    f"{e.file}:{e.line}:{e.column}: {e.message} [{e.code}]" for e in errors[1:]
                ]
                + ([first.explanation] if first.explanation else []),
            )
    return loaded


def load_agreement(path: Path | str) -> Agreement:
    """Load an agreement file, raising UserError (with file:line:column) on any problem."""
    return load_spec(path, strict=True).agreement


def load_yaml_model(path: Path | str, model: type[M]) -> tuple[M, Positioned]:
    """Load any YAML file of the project into a pydantic model; errors name file:line:column."""
    p = Path(path)
    source = parse_text(read_text(p), str(p))
    return validate_positioned(source, model), source


def validate_positioned(source: Positioned, model: type[M]) -> M:
    """Validate parsed YAML as `model`; every error becomes one UserError with file:line:column."""
    if not isinstance(source.data, dict):
        kind = _kind_name(type(source.data).__name__)
        raise UserError(f"the top level is a {kind}; {_expected_mapping(model)}", source.locate(()))
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        raise _translate(exc, source, model) from None


def _kind_name(pyname: str) -> str:
    return {
        "list": "list",
        "str": "plain text",
        "int": "number",
        "float": "number",
        "bool": "true/false value",
        "NoneType": "null value",
        "date": "date",
        "datetime": "date and time",
    }.get(pyname, pyname)


def _expected_mapping(model: type[BaseModel]) -> str:
    """What the top level of a `model` file should be: its required keys, or the keys it takes."""
    keys = [f.alias or name for name, f in model.model_fields.items()]
    required = [f.alias or name for name, f in model.model_fields.items() if f.is_required()]
    if required:
        more = ", ..." if len(required) < len(keys) else ""
        return "expected a mapping with " + ", ".join(repr(k) for k in required) + more
    return "expected a mapping with any of: " + ", ".join(sorted(keys))


def _translate(
    exc: ValidationError, source: Positioned, root: type[BaseModel] = Agreement
) -> UserError:
    messages: list[tuple[Position, str]] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        etype = err["type"]
        where = source.locate(loc, prefer_key=etype == "extra_forbidden")
        dotted = _dotted(loc, source)
        parent = _dotted(loc, source, parent=True)
        if etype == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(loc[:-1], root)
            text = f"unknown key {key!r} in {parent}"
            if allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                text += f"; did you mean {close[0]!r}?" if close else "."
                text += " Expected one of: " + ", ".join(sorted(allowed))
        elif etype == "missing":
            text = f"missing required key {str(loc[-1])!r} in {parent}"
        else:
            got = err.get("input")
            shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
            msg = str(err["msg"]).removeprefix("Value error, ")
            text = f"{dotted}: {msg} (got {shown})"
            if isinstance(got, bool):
                text += (
                    "; YAML reads unquoted yes/no/on/off/true/false as booleans: "
                    "quote the value, e.g. 'NO'"
                )
        messages.append((where, text))
    messages.sort(key=lambda m: (m[0].line or 0, m[0].column or 0))
    first_loc, first_text = messages[0]
    details = [f"{loc}: {text}" for loc, text in messages[1:MAX_REPORTED_ERRORS]]
    if len(messages) > MAX_REPORTED_ERRORS:
        details.append(f"... and {len(messages) - MAX_REPORTED_ERRORS} more")
    return UserError(first_text, first_loc, details=details)


def _dotted(loc: tuple[Any, ...], source: Positioned, parent: bool = False) -> str:
    """The YAML path of a pydantic error location (dropping union tags), or of its parent."""
    parts: list[str] = []
    current: tuple[Any, ...] = ()
    for i, step in enumerate(loc):
        candidate = (*current, step)
        if candidate in source.values or i == len(loc) - 1:
            current = candidate
            parts.append(f"[{step}]" if isinstance(step, int) else str(step))
    if parent:
        parts = parts[:-1]
    text = ".".join(parts).replace(".[", "[")
    return text or "the top level"


def _allowed_keys(loc: tuple[Any, ...], root: type[BaseModel] = Agreement) -> list[str]:
    """The keys the model accepts at a pydantic error location (best effort)."""
    current: Any = root
    for step in loc:
        current = _step(current, step)
        if current is None:
            return []
    model = _as_model(current)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _as_model(tp: Any) -> type[BaseModel] | None:
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    return None


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _step(tp: Any, step: Any) -> Any:
    tp = _strip(tp)
    origin = typing.get_origin(tp)
    if isinstance(step, int):
        if origin in (list, tuple):
            return typing.get_args(tp)[0]
        return None
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin in (typing.Union, types.UnionType):
        members = [_strip(m) for m in typing.get_args(tp)]
        for m in members:  # a union tag names the member
            if isinstance(m, type) and issubclass(m, BaseModel):
                fields = m.model_fields
                kind = fields.get("kind")
                tag = None
                if kind is not None:
                    args = typing.get_args(kind.annotation)
                    tag = args[0] if args else None
                if tag == step or (len(fields) == 1 and step in fields):
                    return m
        for m in members:
            if isinstance(m, type) and issubclass(m, BaseModel):
                for name, f in m.model_fields.items():
                    if step in (name, f.alias):
                        return f.annotation
        return None
    model = _as_model(tp)
    if model is None:
        return None
    for name, f in model.model_fields.items():
        if step in (name, f.alias):
            return f.annotation
    return None
