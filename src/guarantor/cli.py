"""The `guarantor` command: one CLI with a subcommand group per room, each loaded when it runs."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from guarantor import FLOW
from guarantor.errors import UserError

if TYPE_CHECKING:
    from typer import _click  # the click that typer's classes are built on


@dataclass(frozen=True)
class RoomCommand:
    """A command that a room adds to the root: its name, its room and its line in `--help`."""

    name: str
    room: str
    help: str
    alias: bool = False  # a documented top-level alias of a command in the room's group


# Each room listed here provides `guarantor.<room>.cli` with `register(app)`.
ROOMS: tuple[str, ...] = tuple(room for room in FLOW if room not in ("model", "rules"))

# What the rooms register, in the order `guarantor --help` lists it (the flow's commands, then its
# groups), so that the top-level help is printed without importing any room.
# tests/test_cli_startup.py checks this table against what each room's `register` adds.
COMMANDS: tuple[RoomCommand, ...] = (
    RoomCommand(
        "schema",
        "spec",
        "Print the JSON Schema of agreement files (for editors and validators).",
        alias=True,
    ),
    RoomCommand(
        "check",
        "spec",
        "Lint agreements as written and as encoded: exit 0 clean, 1 error findings, 2 unusable "
        "input.",
        alias=True,
    ),
    RoomCommand(
        "render",
        "spec",
        "Render an agreement as numbered treaty text with each clause's provenance grade.",
        alias=True,
    ),
    RoomCommand(
        "diff", "spec", "Clause-level changes between two versions of an agreement.", alias=True
    ),
    RoomCommand("spec", "spec", "Agreement files: schema, check, render, diff."),
    RoomCommand(
        "replay",
        "obligations",
        "Replay history against an agreement: activations, what was owed, by when, and status.",
        alias=True,
    ),
    RoomCommand(
        "obligations",
        "obligations",
        "History against an agreement: activations, obligations, deadlines.",
    ),
    RoomCommand(
        "capabilities",
        "respond",
        "List the capability catalogue: kinds, units, sizes, costs, readiness, rotation, grades.",
        alias=True,
    ),
    RoomCommand(
        "respond",
        "respond",
        "Plan a ladder step: who sends what, where, by when; the gaps and why; fair shares "
        "(AGREEMENT alone means `plan`).",
    ),
    RoomCommand(
        "simulate",
        "simulate",
        "Compare guarantee designs under uncertainty (DESIGNS... alone means `run`).",
    ),
    RoomCommand(
        "report",
        "report",
        "Write one self-contained HTML report: agreement, territory, activations, obligations, "
        "plan, ledger, negotiation.",
    ),
    RoomCommand(
        "serve",
        "api",
        "Serve the API (OpenAPI at /openapi.json, docs at /docs) and the dashboard at /.",
        alias=True,
    ),
    RoomCommand(
        "dashboard",
        "api",
        "Serve the API with the web dashboard at / (map, evidence, duties per party, what-if, "
        "live feed).",
        alias=True,
    ),
    RoomCommand("api", "api", "The HTTP API and the web dashboard."),
    RoomCommand(
        "data",
        "sources",
        "Public data: fetch the sources into the per-user cache, list coverage and licences.",
    ),
    RoomCommand(
        "places",
        "territory",
        "Gazetteer: a place name to coordinates, population and oblast; or a point to its "
        "nearest places.",
        alias=True,
    ),
    RoomCommand(
        "territory",
        "territory",
        "Territorial control over time: areas, gross changes, agreed-line violations, land swaps.",
    ),
    RoomCommand(
        "monitor", "monitor", "Evaluate an agreement's triggers on events; read event files."
    ),
    RoomCommand("events", "monitor", "Conflict event files: read, summarise, ingest.", alias=True),
    RoomCommand(
        "ledger", "ledger", "The ledger: pledges → allocations → deliveries, hash-chained."
    ),
    RoomCommand(
        "watch",
        "watch",
        "Watch agreements: fetch, evaluate new days, record signed ledger entries, notify webhooks.",
    ),
    RoomCommand(
        "negotiate",
        "negotiate",
        "Strategic conflict analysis with the Graph Model for Conflict Resolution.",
    ),
)


class RoomCommandPlaceholder(TyperCommand):
    """A room's command as `--help` lists it, before the room is imported."""

    def __init__(self, entry: RoomCommand) -> None:
        from guarantor.cliparams import ALIASES_PANEL

        super().__init__(
            entry.name, help=entry.help, rich_help_panel=ALIASES_PANEL if entry.alias else None
        )
        self.room = entry.room


class RoomsGroup(TyperGroup):
    """The root group: lists the rooms' commands from COMMANDS, imports a room when it runs."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for entry in COMMANDS:
            self.commands.setdefault(entry.name, RoomCommandPlaceholder(entry))

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; a usage error (bad option, bad value, missing file) is one line, exit 2."""
        from typer._click.exceptions import ClickException
        from typer.exceptions import Abort

        name = prog_name or "guarantor"  # the name in messages, whatever started the process
        if not standalone_mode:
            return super().main(args, name, complete_var, False, windows_expand_args, **extra)
        try:
            done = super().main(args, name, complete_var, False, windows_expand_args, **extra)
        except ClickException as exc:
            usage_error(exc)
        except Abort:
            sys.stderr.write("aborted\n")
            raise SystemExit(1) from None
        raise SystemExit(done if isinstance(done, int) else 0)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """The root help, rendered without the rich modules guarantor does not use."""
        from guarantor.helpfast import import_rich_utils

        import_rich_utils()
        super().format_help(ctx, formatter)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        """The command that `args` names, its room loaded first."""
        if args:
            self.load(args[0])
        return super().resolve_command(ctx, args)

    def load(self, name: str) -> None:
        """Put the real commands of the room that provides `name` in place of their placeholders."""
        placeholder = self.commands.get(name)
        if not isinstance(placeholder, RoomCommandPlaceholder):
            return
        room_app = typer.Typer()
        importlib.import_module(f"guarantor.{placeholder.room}.cli").register(room_app)
        self.commands.update(typer.main.get_group(room_app).commands)


app = typer.Typer(
    name="guarantor",
    cls=RoomsGroup,
    help="Multilateral security guarantees as code: write, check, monitor, respond, account, explore.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command("demo")
def demo_command(
    data: str | None = typer.Option(
        None, "--data", envvar="GUARANTOR_DATA", help="Folder with the real data (see PROVENANCE)."
    ),
    out: str = typer.Option("out/demo", "--out", help="Folder for the files the demo writes."),
) -> None:
    """Run the main job: every room on its embedded default, with real data when present."""
    from guarantor.demo import run_demo

    run_demo(data=data, out=out)


@app.command("version")
def version_command() -> None:
    """Print the version."""
    from guarantor import __version__

    typer.echo(__version__)


def fail(err: UserError) -> NoReturn:
    """Print a user error on stderr without a traceback and exit with its code."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(str(err))}", markup=True
    )
    raise SystemExit(err.exit_code)


def usage_error(exc: Exception) -> NoReturn:
    """Print a click usage error as one `error:` line naming the command, and exit with its code."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # a group called bare: its help, as before
        exc.show()  # type: ignore[attr-defined]
        raise SystemExit(getattr(exc, "exit_code", 2))
    ctx = getattr(exc, "ctx", None)
    where = f"{ctx.command_path}: " if ctx is not None else ""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    message = message.replace("Value error, ", "")  # pydantic's prefix on a parser's ValueError
    sys.stderr.write(f"error: {where}{' '.join(message.split())}\n")
    raise SystemExit(getattr(exc, "exit_code", 2))


def main() -> None:
    """Entry point of the `guarantor` console script."""
    try:
        app()
    except UserError as err:
        fail(err)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
