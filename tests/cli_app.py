"""The root `guarantor` Typer app with every room registered, once per process (registering again
would add every group a second time)."""

from __future__ import annotations

import functools

import typer


@functools.cache
def cli_app() -> typer.Typer:
    """The app the console script runs, for in-process runs with typer's CliRunner."""
    from guarantor.cli import _register_rooms, app

    _register_rooms()
    return app
