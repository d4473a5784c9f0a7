"""One vocabulary on the command line (docs/cli.md): every command's parameters are walked here.

A new option that says `--until`, `--period`, `--source` or `--map`, a date option that parses
its own dates, `--by` used as a time step or a positional territory source fails this test.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main

from guarantor import cli, cliparams

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "cli.md"

# Names that meant the same as a word of the vocabulary somewhere; never again.
FORBIDDEN = {
    "--until": "--to",
    "--since": "--from",
    "--start": "--from",
    "--end": "--to",
    "--period": "--per",
    "--step-size": "--per",
    "--source": "--territory",
    "--snapshots": "--territory",
    "--map": "--plot",
    "--plots": "--plot",
    "--image": "--plot",
    "--png": "--plot",
    "--output": "--out",
    "--date": "--on",
    "--day": "--on",
    "--data-dir": "--data",
    "--db": "--database",
    "--fmt": "--format",
}
TIME_STEPS = {"day", "week", "month", "quarter", "year"}
DATE_PARSERS = {cliparams.parse_date, cliparams.parse_date_text, cliparams.parse_month}
# `--format` of commands whose output is a document, not a table (documented in docs/cli.md).
DOCUMENT_FORMATS = {("spec", "render"): {"md", "html", "json"}, ("render",): {"md", "html", "json"}}


@dataclass(frozen=True)
class Param:
    """One parameter of one command, as the walk finds it."""

    command: tuple[str, ...]
    name: str
    opts: tuple[str, ...]
    positional: bool
    choices: frozenset[str]
    parser: Any
    help: str
    envvar: Any

    @property
    def where(self) -> str:
        """The command and the option, for a failure message."""
        return f"guarantor {' '.join(self.command)} {'/'.join(self.opts) or self.name}"


def _root() -> Any:
    group = typer.main.get_group(cli.app)
    for entry in cli.COMMANDS:
        group.load(entry.name)
    return group


def _commands(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _choices(annotation: Any) -> frozenset[str]:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, Enum):
            return frozenset(str(m.value) for m in arg)
    return frozenset()


def _params() -> list[Param]:
    found = []
    for path, command in _commands(_root(), ()):
        for p in getattr(command, "params", []):
            if p.name == "help":
                continue
            descriptor = getattr(p, "type_descriptor", None)
            info = getattr(descriptor, "parameter_info", None)
            found.append(
                Param(
                    command=path,
                    name=p.name,
                    opts=tuple(p.opts) if p.param_type_name == "option" else (),
                    positional=p.param_type_name == "argument",
                    choices=_choices(getattr(descriptor, "annotation", None)),
                    parser=getattr(info, "parser", None),
                    help=getattr(p, "help", None) or "",
                    envvar=getattr(p, "envvar", None),
                )
            )
    return found


PARAMS = _params()
LEAVES = [
    (path, c) for path, c in _commands(_root(), ()) if path and not getattr(c, "commands", None)
]


def test_the_walk_sees_every_room() -> None:
    rooms = {p.command[0] for p in PARAMS}
    assert {"territory", "ledger", "monitor", "spec", "obligations", "report", "api"} <= rooms


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.where)
def test_no_retired_option_names(param: Param) -> None:
    for opt in param.opts:
        assert opt not in FORBIDDEN, f"{param.where}: say {FORBIDDEN[opt]} (docs/cli.md)"


def test_by_is_a_grouping_and_per_is_a_time_step() -> None:
    for p in PARAMS:
        if "--by" in p.opts:
            assert not (p.choices & TIME_STEPS), f"{p.where}: a time step is --per, not --by"
        if "--per" in p.opts:
            assert p.choices and p.choices <= TIME_STEPS, f"{p.where}: --per takes {TIME_STEPS}"


def test_dates_use_the_shared_date_type() -> None:
    for p in PARAMS:
        if {"--on", "--from", "--to", "--agreed-at"} & set(p.opts):
            assert p.parser in DATE_PARSERS, (
                f"{p.where}: take dates through guarantor.cliparams (one type, one message)"
            )
        if "--at" in p.opts:
            assert p.parser not in DATE_PARSERS, f"{p.where}: --at is a time, a date is --on"


def test_the_territory_source_is_the_territory_option() -> None:
    for p in PARAMS:
        if p.name in {"territory", "source", "sources", "snapshots"}:
            assert not p.positional and p.opts == ("--territory",), (
                f"{p.where}: snapshot sources are given with --territory"
            )


def test_images_are_written_with_plot() -> None:
    for p in PARAMS:
        if any(w in p.help for w in ("PNG", "image")) and p.opts:
            assert p.opts == ("--plot",), f"{p.where}: an image is written with --plot FILE"


def test_format_is_table_json_or_csv() -> None:
    for p in PARAMS:
        if "--format" in p.opts:
            allowed = DOCUMENT_FORMATS.get(p.command, {"table", "json", "csv"})
            assert p.choices and p.choices <= allowed, f"{p.where}: --format {sorted(p.choices)}"


def test_data_is_the_shared_folder_everywhere() -> None:
    for p in PARAMS:
        if "--data" in p.opts:
            assert p.envvar == "GUARANTOR_DATA", f"{p.where}: --data falls back on $GUARANTOR_DATA"
    with_data = {p.command for p in PARAMS if "--data" in p.opts}
    needs = {
        ("demo",),
        ("obligations", "replay"),
        ("monitor", "evaluate"),
        ("monitor", "events", "summary"),
        ("report",),
        ("api", "serve"),
        ("api", "dashboard"),
        ("respond", "plan"),
        ("territory", "area"),
        ("territory", "changes"),
        ("territory", "map"),
        ("simulate", "run"),
    }
    assert needs <= with_data, f"without --data: {sorted(needs - with_data)}"


def test_top_level_names_are_rooms_or_documented_aliases() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for entry in cli.COMMANDS:
        if entry.alias:
            assert f"`guarantor {entry.name}`" in doc, f"docs/cli.md: document alias {entry.name}"
        else:
            # a room's group is named after the room; the sources room's is `data`
            assert entry.name in cli.ROOMS or (entry.name, entry.room) == ("data", "sources"), (
                entry.name
            )


ALIASES = {entry.name for entry in cli.COMMANDS if entry.alias}


@pytest.mark.parametrize("path", [p for p, _ in LEAVES if p[0] not in ALIASES], ids=" ".join)
def test_docs_name_every_command(path: tuple[str, ...]) -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert f"guarantor {' '.join(path)}" in doc, f"docs/cli.md: list guarantor {' '.join(path)}"


def test_every_command_has_a_one_line_help() -> None:
    for path, command in LEAVES:
        assert (command.help or "").strip(), f"guarantor {' '.join(path)} has no help"
