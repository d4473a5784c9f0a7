"""The root `guarantor` Typer app, for in-process runs with typer's CliRunner (rooms load lazily
when a command names them)."""

from __future__ import annotations

import typer


def cli_app() -> typer.Typer:
    """The app the console script runs."""
    from guarantor.cli import app

    return app
