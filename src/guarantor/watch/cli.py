"""`guarantor watch CONFIG`: the guarantee in operation (a service, or `--once` for cron)."""

from __future__ import annotations

from pathlib import Path

import typer

from guarantor.errors import UserError

DATA_EXIT = 3


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise UserError(f"--listen {text!r}: give HOST:PORT (e.g. 127.0.0.1:9464)")
    return host or "127.0.0.1", int(port)


def watch_command(
    config: Path = typer.Argument(..., help="The watch configuration (YAML, see docs/watch.md)."),
    once: bool = typer.Option(
        False, "--once", help="One tick, then exit (for cron): exit 3 on failures."
    ),
    listen: str | None = typer.Option(
        None, "--listen", help="Serve /health and /metrics on HOST:PORT while running."
    ),
) -> None:
    """Watch agreements: fetch, evaluate new days, record signed ledger entries, notify webhooks."""
    from rich.console import Console
    from rich.markup import escape

    from guarantor.watch.config import load_config
    from guarantor.watch.service import Watcher, run_forever, serve_http

    address = _listen(listen) if listen else None
    loaded = load_config(config)
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def say(message: str) -> None:
        err.print(escape(message))

    watcher = Watcher(loaded, say=say)
    server = None
    try:
        if address is not None:
            server = serve_http(watcher, *address)
            say(f"serving /health and /metrics on http://{address[0]}:{server.server_address[1]}")
        if once:
            report = watcher.tick()
            total = sum(report.recorded.values())
            say(f"tick done: {total} record(s) added, {len(report.failures)} failure(s)")
            for line in report.failures:
                err.print(f"[bold red]error:[/] {escape(line)}")
            if report.failures:
                raise SystemExit(DATA_EXIT)
            return
        say(
            f"watching {len(loaded.config.agreements)} agreement(s) every {loaded.config.schedule.every_seconds:g} s"
        )
        run_forever(watcher)
    finally:
        if server is not None:
            server.shutdown()
        watcher.close()


def register(app: typer.Typer) -> None:
    """Add the `watch` command to the root command."""
    app.command("watch")(watch_command)
