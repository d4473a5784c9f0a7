"""Start-up: `guarantor --help` lists the rooms' commands from a table; a room loads when it runs.

The speed itself is measured by benchmarks/bench_startup.py; these tests check what makes it
fast, so that it cannot quietly regress: which modules a command imports, and that the table
the top-level help is printed from says what the rooms really register.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main

from guarantor import FLOW, cli

ROOT = Path(__file__).resolve().parents[1]
AGREEMENT = ROOT / "examples" / "agreements" / "budapest_1994.yaml"

# Libraries that take tens to hundreds of milliseconds to import: a room's CLI module imports
# them inside the functions that need them, never at its top level (directly or through the room).
HEAVY = (
    "alembic",
    "cryptography",
    "dask",
    "distributed",
    "fastapi",
    "highspy",
    "httpx",
    "jinja2",
    "markdown_it",
    "matplotlib",
    "numpy",
    "pandas",
    "psycopg",
    "pyproj",
    "scipy",
    "shapely",
    "sqlalchemy",
    "starlette",
    "uvicorn",
)

# Run in a fresh interpreter: import a module or run the CLI, then list what got imported.
PROBE = """
import json, sys
heavy, rooms, module, argv = json.loads(sys.argv[1])
if module:
    __import__(module)
else:
    sys.argv = ["guarantor", *argv]
    from guarantor.cli import main
    try:
        main()
    except SystemExit:
        pass
loaded = set(sys.modules)
print(json.dumps({
    "heavy": sorted(h for h in heavy if h in loaded),
    "rooms": sorted(r for r in rooms if f"guarantor.{r}" in loaded),
}))
"""


def _probe(module: str | None = None, argv: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Heavy libraries and rooms imported by `module`, or by running `guarantor ARGV`."""
    arg = json.dumps([HEAVY, FLOW, module, list(argv)])
    done = subprocess.run(
        [sys.executable, "-c", PROBE, arg],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
    return result


def _help_line(command: object) -> str:
    """The line that a group's help shows for `command`: the first paragraph of its help."""
    text = getattr(command, "short_help", None) or getattr(command, "help", None) or ""
    return inspect.cleandoc(text).split("\n\n")[0]


@pytest.mark.parametrize("room", cli.ROOMS)
def test_the_table_lists_what_the_room_registers(room: str) -> None:
    room_app = typer.Typer()
    __import__(f"guarantor.{room}.cli", fromlist=["register"]).register(room_app)
    registered = [
        (name, _help_line(command), getattr(command, "rich_help_panel", None) == "Aliases")
        for name, command in typer.main.get_group(room_app).commands.items()
    ]
    listed = [(c.name, c.help, c.alias) for c in cli.COMMANDS if c.room == room]
    assert registered == listed, f"make guarantor.cli.COMMANDS say what {room}'s register() adds"


def test_the_table_names_only_rooms_with_a_cli() -> None:
    assert {c.room for c in cli.COMMANDS} == set(cli.ROOMS)
    names = [c.name for c in cli.COMMANDS]
    assert len(names) == len(set(names)) and not {"demo", "version"} & set(names)


def test_top_level_help_is_the_same_with_every_room_loaded(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    group = typer.main.get_group(cli.app)
    assert isinstance(group, cli.RoomsGroup)

    def top_help() -> str:
        with group.make_context("guarantor", [], resilient_parsing=True) as ctx:
            printed = ctx.get_help()
        return printed + capsys.readouterr().out

    before = top_help()
    for entry in cli.COMMANDS:
        group.load(entry.name)
    assert not any(isinstance(c, cli.RoomCommandPlaceholder) for c in group.commands.values())
    after = top_help()
    assert "simulate" in before and "negotiate" in before
    assert before == after


@pytest.mark.parametrize("argv", [("version",), ("--help",), ()])
def test_help_and_version_import_no_room_and_no_heavy_library(argv: tuple[str, ...]) -> None:
    # typer's help renderer would import rich.markdown (markdown_it): guarantor.helpfast spares it
    assert _probe(argv=argv) == {"heavy": [], "rooms": []}


def test_check_imports_only_its_room_the_model_and_the_rules() -> None:
    # lint reads the compiled plan (the rules room, pure Python) in both views
    found = _probe(argv=("check", str(AGREEMENT)))
    assert found == {"heavy": [], "rooms": ["model", "rules", "spec"]}


@pytest.mark.parametrize("room", cli.ROOMS)
def test_a_room_cli_imports_no_heavy_library_at_top_level(room: str) -> None:
    assert _probe(module=f"guarantor.{room}.cli")["heavy"] == []


def test_a_command_runs_after_its_room_is_loaded(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["guarantor", "capabilities", "--format", "json"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code in (0, None)
    doc = json.loads(capsys.readouterr().out)
    assert doc["capabilities"] and all("id" in c for c in doc["capabilities"])


def test_the_help_renderers_stand_ins_become_the_real_rich_classes() -> None:
    code = (
        "import sys\n"
        "from guarantor.helpfast import import_rich_utils\n"
        "import_rich_utils()\n"
        "assert 'markdown_it' not in sys.modules and 'rich.markdown' not in sys.modules\n"
        "import typer.rich_utils as r\n"
        "from rich.markdown import Markdown\n"
        "from rich.traceback import Traceback\n"
        "assert type(r.Markdown('*x*')) is Markdown\n"
        "assert r.Traceback.from_exception == Traceback.from_exception\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr
