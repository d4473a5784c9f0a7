"""The `guarantor` command: one CLI with a subcommand group per room."""

from __future__ import annotations

import importlib
import sys
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from guarantor import FLOW
from guarantor.errors import UserError

app = typer.Typer(
    name="guarantor",
    help="Multilateral security guarantees as code: write, check, monitor, respond, account, explore.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each room listed here provides `guarantor.<room>.cli` with `register(app)`.
# In the order of the flow so that `guarantor --help` reads like the design.
ROOMS: tuple[str, ...] = tuple(room for room in FLOW if room not in ("model", "rules", "sources"))


def _register_rooms() -> None:
    for room in ROOMS:
        importlib.import_module(f"guarantor.{room}.cli").register(app)


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
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(str(err))}", markup=True
    )
    raise SystemExit(err.exit_code)


def main() -> None:
    """Entry point of the `guarantor` console script."""
    _register_rooms()
    try:
        app()
    except UserError as err:
        fail(err)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
