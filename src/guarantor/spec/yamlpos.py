"""YAML to plain Python data plus the line and column of every key and value.

PyYAML's composer gives node positions but its constructor forgets them; this module walks the
composed node tree itself so that later validation errors can name file:line:column. It also
refuses what PyYAML silently accepts: duplicate keys, and alias bombs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from guarantor.errors import Position, UserError

MAX_BYTES = 4 * 1024 * 1024  # agreements are a few hundred KB at most
MAX_NODES = 500_000

Path_ = tuple[str | int, ...]

try:  # libyaml when present: same results, faster
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


@dataclass
class Positioned:
    """Parsed YAML data and the (line, column) of each value and key, 1-based."""

    data: Any
    file: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_, prefer_key: bool = False) -> Position:
        """The location of the deepest known prefix of `path` (skipping unknown steps)."""
        best: Path_ = ()
        current: Path_ = ()
        for step in path:
            candidate = (*current, step)
            if candidate in self.values:
                current = candidate
                best = current
        table = self.keys if prefer_key and best in self.keys else self.values
        line, column = table.get(best, self.values.get((), (1, 1)))
        return Position(self.file, line=line, column=column)


class _Walker:
    def __init__(self, out: Positioned) -> None:
        self.out = out
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def walk(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise UserError(
                f"the document has more than {MAX_NODES} nodes (alias expansion?); "
                "an agreement is far smaller",
                self._loc(node),
            )
        self.out.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise UserError("YAML merge keys (<<) are not supported", self._loc(key_node))
                key = self._scalar(key_node)
                if isinstance(key, bool):
                    raise UserError(
                        f"the key {key_node.value!r} is read by YAML as {str(key).lower()}; "
                        f"quote it ('{key_node.value}') or use another word",
                        self._loc(key_node),
                    )
                if not isinstance(key, str | int):
                    raise UserError(
                        f"keys must be text, got {type(key).__name__}", self._loc(key_node)
                    )
                key_s = str(key)
                if key_s in result:
                    raise UserError(f"duplicate key {key_s!r}", self._loc(key_node))
                self.out.keys[(*path, key_s)] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
                result[key_s] = self.walk(value_node, (*path, key_s))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise UserError("a key must be a plain value, not a list or mapping", self._loc(node))
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise UserError(f"cannot read this value: {exc}", self._loc(node)) from None
        except ValueError as exc:  # e.g. an impossible date such as 2025-02-30
            raise UserError(f"invalid value {node.value!r}: {exc}", self._loc(node)) from None

    def _loc(self, node: yaml.Node) -> Position:
        return Position(self.out.file, node.start_mark.line + 1, node.start_mark.column + 1)


def parse_text(text: str, file: str) -> Positioned:
    """Parse YAML text into data with positions; raise UserError with file:line:column."""
    out = Positioned(data=None, file=file)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise UserError(f"YAML syntax error: {problem}{context}", where) from None
    except yaml.YAMLError as exc:
        raise UserError(f"YAML error: {exc}", Position(file)) from None
    except RecursionError:
        raise UserError("the document is nested too deeply", Position(file)) from None
    if node is None:
        raise UserError(
            "the file has no content (only comments or an empty document); expected a YAML mapping",
            Position(file, 1, 1),
        )
    try:
        out.data = _Walker(out).walk(node, ())
    except RecursionError:
        raise UserError("the document is nested too deeply", Position(file)) from None
    return out


def read_text(path: Path) -> str:
    """Read a spec file as UTF-8 text, refusing binary, oversized and empty files clearly."""
    name = str(path)
    if not path.exists():
        raise UserError("no such file", Position(name))
    if path.is_dir():
        raise UserError("is a folder, expected a YAML file", Position(name))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UserError(
            f"file is {size / 1e6:.1f} MB; YAML files read by guarantor are limited to "
            f"{MAX_BYTES // (1024 * 1024)} MB (is this the right file?)",
            Position(name),
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise UserError(
            "the file is empty; expected a YAML mapping",
            Position(name, 1, 1),
        )
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        raise UserError("binary data (a NUL byte): not a YAML text file", Position(name, line))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UserError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            Position(name, line, column),
        ) from None
    return text
