"""The command line's shared vocabulary: one date type, one month type, input files, `--data`.

Every room's `cli.py` takes its dates, months, input files and the shared-data folder from here,
so that `--from 2024-13-01` or a missing file gets the same one-line error everywhere
(docs/cli.md lists the vocabulary). Light to import: `guarantor --help` may touch it.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import typer

DATE_FORMAT = "YYYY-MM-DD"
MONTH_FORMAT = "YYYY-MM"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")


def parse_date(text: str | date) -> date:
    """A calendar date written YYYY-MM-DD, or ValueError with the one message every command uses."""
    if isinstance(text, date):
        return text
    if _DATE.fullmatch(text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise ValueError(f"{text!r} is not a date ({DATE_FORMAT})")


def parse_month(text: str) -> str:
    """A month written YYYY-MM (returned as written), or ValueError with the shared message."""
    cleaned = text.strip()
    if _MONTH.fullmatch(cleaned) and 1 <= int(cleaned[5:]) <= 12:
        return cleaned
    raise ValueError(f"{text!r} is not a month ({MONTH_FORMAT})")


def parse_existing_file(text: str | Path) -> Path:
    """A file the command will read: it exists, is a file and is readable (it may be empty)."""
    path = Path(text)
    if str(text) == "-":
        return path
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    if path.is_dir():
        raise ValueError(f"{path}: is a directory, not a file")
    if not os.access(path, os.R_OK):
        raise ValueError(f"{path}: cannot be read (permission denied)")
    return path


def parse_input_file(text: str | Path) -> Path:
    """A file the command will read: it exists, is a file, is readable and is not empty."""
    path = parse_existing_file(text)
    if str(text) != "-" and path.stat().st_size == 0:
        raise ValueError(f"{path}: the file is empty")
    return path


def parse_input_path(text: str | Path) -> Path:
    """A file or folder the command will read: it exists and is readable (a file not empty)."""
    path = Path(text)
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            raise ValueError(f"{path}: cannot be read (permission denied)")
        return path
    return parse_input_file(path)


def date_option(default: Any, *names: str, help: str) -> Any:
    """A `--on`/`--from`/`--to` option that takes YYYY-MM-DD and gives a `datetime.date`."""
    return typer.Option(default, *names, parser=parse_date, metavar=DATE_FORMAT, help=help)


def month_option(default: Any, *names: str, help: str) -> Any:
    """A `--from`/`--to` option over months: YYYY-MM, given back as written."""
    return typer.Option(default, *names, parser=parse_month, metavar=MONTH_FORMAT, help=help)


def input_file_argument(default: Any = ..., *, help: str, metavar: str | None = None) -> Any:
    """A positional file the command reads (missing, directory, unreadable, empty: exit 2)."""
    return typer.Argument(default, parser=parse_input_file, help=help, metavar=metavar)


def existing_file_argument(default: Any = ..., *, help: str) -> Any:
    """A positional file whose reader reports emptiness itself, at its line (agreements)."""
    return typer.Argument(default, parser=parse_existing_file, help=help)


def input_file_option(default: Any, *names: str, help: str) -> Any:
    """An option naming a file the command reads (checked like `input_file_argument`)."""
    return typer.Option(default, *names, parser=parse_input_file, help=help)


def input_path_option(default: Any, *names: str, help: str) -> Any:
    """An option naming a file or a folder the command reads."""
    return typer.Option(default, *names, parser=parse_input_path, help=help)


DATA_HELP = (
    "Shared data folder (default: $GUARANTOR_DATA, else ../shared/data beside the checkout)."
)


def data_option() -> Any:
    """`--data DIR`: the shared-data folder that defaults are taken from."""
    return typer.Option(None, "--data", envvar="GUARANTOR_DATA", help=DATA_HELP)


ALIASES_PANEL = "Aliases"


def add_alias(app: typer.Typer, name: str, function: Any) -> None:
    """Register `function` again at the top level as `name`: a documented alias (docs/cli.md)."""
    app.command(name, rich_help_panel=ALIASES_PANEL)(function)


def default_command_group(default: str) -> type[Any]:
    """A group class whose first argument, when it names no command, runs `default` with it."""
    from typer.core import TyperGroup

    class DefaultCommandGroup(TyperGroup):
        """A room group that runs its main command when given arguments instead of a name."""

        def parse_args(self, ctx: Any, args: list[str]) -> Any:
            """Arguments that name no command (options first too) go to the default command."""
            if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
                args = [default, *args]
            return super().parse_args(ctx, args)

    return DefaultCommandGroup


def refuse_existing(path: Path | None, option: str, force: bool) -> None:
    """Refuse to overwrite an existing output file unless `--force` was given (exit 2)."""
    if path is None:
        return
    from guarantor.errors import UserError

    if path.is_dir():
        raise UserError(f"{option} {path} is a directory; name a file")
    if path.exists() and not force:
        raise UserError(f"{option} {path} exists; add --force to overwrite it")


def parse_date_text(text: str) -> str:
    """A YYYY-MM-DD date checked like `parse_date`, given back as ISO text."""
    return parse_date(text).isoformat()


def date_text_option(default: Any, *names: str, help: str) -> Any:
    """A date option (YYYY-MM-DD, the shared check and message) whose value stays ISO text."""
    return typer.Option(default, *names, parser=parse_date_text, metavar=DATE_FORMAT, help=help)
