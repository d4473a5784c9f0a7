"""`guarantor data`: fetch the public sources into the per-user cache, and say what is where."""

from __future__ import annotations

from pathlib import Path

import typer

from guarantor.errors import UserError
from guarantor.jsonout import TableOrJson, emit

data_app = typer.Typer(
    help="Public data: fetch the sources into the per-user cache, list coverage and licences.",
    no_args_is_help=True,
)

DATA_EXIT = 3


@data_app.command("fetch")
def fetch_command(
    only: list[str] = typer.Option(
        [],
        "--only",
        help="Fetch only this source (repeatable): territory, events, aid, boundaries, population.",
    ),
    mirror: str | None = typer.Option(
        None,
        "--mirror",
        envvar="GUARANTOR_MIRROR",
        help="Base URL of a mirror laid out like the shared data folder (instead of upstream).",
    ),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds per request."),
    retries: int = typer.Option(
        5, "--retries", min=1, help="Attempts per file (backoff 0.5 s, doubling, capped at 30 s)."
    ),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json."),
) -> None:
    """Download the public sources into the cache; re-running fetches only what is new (exit 3 on failures)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn

    from guarantor.sources.catalogue import SourceName
    from guarantor.sources.datafetch import fetch_sources
    from guarantor.sources.download import RetryPolicy
    from guarantor.sources.locate import cache_dir

    names = []
    for text in only:
        try:
            names.append(SourceName(text))
        except ValueError:
            choices = ", ".join(s.value for s in SourceName)
            raise UserError(f"--only {text!r}: not a source (choose from {choices})") from None
    err = Console(stderr=True, highlight=False)
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description:<11}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} files"),
        console=err,
        transient=False,
        disable=fmt is TableOrJson.json,
    ) as progress:

        def step(source: str, done: int, total: int, received: int) -> None:
            if source not in tasks:
                tasks[source] = progress.add_task(source, total=total)
            progress.update(tasks[source], completed=done, total=total)

        summary = fetch_sources(
            names,
            cache_dir(),
            mirror=mirror,
            timeout=timeout,
            retry=RetryPolicy(attempts=retries),
            step=step,
        )
    if fmt is TableOrJson.json:
        emit(summary.to_json())
    else:
        out = Console(highlight=False)
        out.print(f"cache: {summary.cache}")
        for s in summary.sources:
            gaps = f", {len(s.missing)} day(s) not published" if s.missing else ""
            if s.known_gaps:
                gaps += f", {s.known_gaps} known gap(s) not asked again"
            state = "FAILED" if s.failed else "ok"
            out.print(
                f"  {s.source.value:<11} {state:<6} {len(s.downloaded)} downloaded, "
                f"{s.unchanged} unchanged{gaps}"
            )
    for s in summary.failed:
        for line in s.failed:
            err.print(f"[bold red]error:[/] {line}", markup=True, soft_wrap=True)
    if summary.failed:
        raise SystemExit(DATA_EXIT)


@data_app.command("status")
def status_command(
    data: Path | None = typer.Option(
        None, "--data", envvar="GUARANTOR_DATA", help="Data folder to look in first."
    ),
    fmt: TableOrJson = typer.Option(TableOrJson.table, "--format", help="table or json."),
) -> None:
    """Each source: the dates it covers, where it is (argument, shared, cache) and its licence."""
    from rich.console import Console
    from rich.table import Table

    from guarantor.sources.status import data_status

    rows = data_status(data)
    if fmt is TableOrJson.json:
        emit([r.to_json() for r in rows])
        return
    table = Table("source", "first", "last", "where", "licence", "delivery")
    for r in rows:
        table.add_row(
            r.source.value,
            "-" if r.first is None else r.first.isoformat(),
            "-" if r.last is None else r.last.isoformat(),
            "missing (guarantor data fetch)" if r.path is None else f"{r.path} ({r.origin})",
            r.licence,
            r.delivery.value,
        )
    Console(highlight=False).print(table)


def register(app: typer.Typer) -> None:
    """Add the `data` group to the root command."""
    app.add_typer(data_app, name="data")
