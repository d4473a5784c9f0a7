"""The rooms are real boundaries: each imports only rooms upstream of it in the flow (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from guarantor import FLOW

SRC = Path(__file__).resolve().parents[1] / "src" / "guarantor"

# Shared top-level modules every room may use; `model` uses none of them.
SHARED = {"cleantext", "cliparams", "errors", "fileio", "jsonout", "output"}
# The demo runner and the root CLI sit downstream of every room: rooms name them only for type hints.
ORCHESTRATORS = {"demo", "cli"}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, top-level guarantor module, only under TYPE_CHECKING) for every import in a file."""
    found: list[tuple[int, str, bool]] = []

    def walk(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.body:
                    walk_stmt(stmt, True)
                for stmt in child.orelse:
                    walk_stmt(stmt, typing_only)
                continue
            walk_stmt(child, typing_only)

    def walk_stmt(stmt: ast.AST, typing_only: bool) -> None:
        names: list[str] = []
        if isinstance(stmt, ast.Import):
            names = [a.name for a in stmt.names]
        elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
            names = [stmt.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "guarantor" and len(parts) > 1:
                found.append((stmt.lineno, parts[1], typing_only))
        walk(stmt, typing_only)

    walk(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _room_files(room: str) -> list[Path]:
    return sorted((SRC / room).rglob("*.py"))


def test_every_room_in_the_package_is_in_the_flow() -> None:
    rooms = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms == set(FLOW)


@pytest.mark.parametrize("room", FLOW)
def test_room_imports_only_upstream_rooms(room: str) -> None:
    allowed = set(FLOW[: FLOW.index(room) + 1]) | (SHARED if room != "model" else set())
    bad = []
    for path in _room_files(room):
        for line, target, typing_only in _imports(path):
            if target in allowed or (typing_only and target in ORCHESTRATORS and room != "model"):
                continue
            bad.append(f"{path.relative_to(SRC.parent)}:{line} imports guarantor.{target}")
    assert not bad, f"{room} may import only {sorted(allowed)}:\n" + "\n".join(bad)


def test_shared_modules_import_no_room() -> None:
    bad = [
        f"{name}.py:{line} imports guarantor.{target}"
        for name in sorted(SHARED)
        for line, target, _ in _imports(SRC / f"{name}.py")
        if target not in SHARED
    ]
    assert not bad, "\n".join(bad)


def test_the_checker_sees_lazy_and_type_only_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\n"
        "import guarantor.model\n"
        "if TYPE_CHECKING:\n"
        "    from guarantor.demo import DemoContext\n"
        "def f():\n"
        "    from guarantor.api.app import create_app\n"
    )
    assert _imports(probe) == [(2, "model", False), (4, "demo", True), (6, "api", False)]


def test_no_two_classes_share_a_name() -> None:
    """A class name says what a value is: one name, one class, across the whole package."""
    seen: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                seen.setdefault(node.name, []).append(str(path.relative_to(SRC)))
    shared = {name: where for name, where in seen.items() if len(where) > 1}
    assert shared == {}


def test_watch_stands_right_after_the_ledger() -> None:
    """The watch writes to the ledger and reads every room before it (docs/watch.md)."""
    assert FLOW.index("watch") == FLOW.index("ledger") + 1
