"""`guarantor serve` and `guarantor dashboard`: the HTTP API (and the web dashboard) on uvicorn."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from guarantor.cliparams import (
    add_alias,
    data_option,
    date_option,
    input_file_option,
    input_path_option,
)
from guarantor.ledger.cli import Database

if TYPE_CHECKING:
    from guarantor.api.dashboard import DashboardConfig

err = Console(stderr=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add `guarantor api` (serve, dashboard) and the documented top-level aliases."""
    room = typer.Typer(help="The HTTP API and the web dashboard.", no_args_is_help=True)
    room.command("serve")(serve)
    room.command("dashboard")(dashboard)
    app.add_typer(room, name="api")
    add_alias(app, "serve", serve)
    add_alias(app, "dashboard", dashboard)


def serve(
    database: Database = None,
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Interface to listen on (loopback by default)."
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    max_body: int = typer.Option(
        1 << 20, "--max-body", min=1024, help="Largest request body in bytes."
    ),
    log_level: str = typer.Option("warning", "--log-level"),
    dashboard: bool = typer.Option(
        True,
        "--dashboard/--no-dashboard",
        help="Serve the web dashboard at / (default) or the API alone.",
    ),
    data: Path | None = data_option(),
) -> None:
    """Serve the API (OpenAPI at /openapi.json, docs at /docs) and the dashboard at /."""
    _use_data(data)
    config = None
    if dashboard:
        from guarantor.api.dashboard import default_config

        config = default_config()
    _run(database, host, port, config, max_body=max_body, log_level=log_level, announce_api=True)


def _use_data(data: Path | None) -> None:
    """Make `--data` the data folder that the dashboard's defaults are found in."""
    if data is None:
        return
    import os

    from guarantor.sources.locate import ENV_VAR, locate_data

    locate_data(data)  # a missing folder is refused here, with its path
    os.environ[ENV_VAR] = str(data)


def _run(
    database: str | None,
    host: str,
    port: int,
    config: DashboardConfig | None,
    *,
    max_body: int | None = None,
    log_level: str = "warning",
    announce_api: bool = False,
) -> None:
    """Open the ledger, build the app (with the dashboard when `config` is given) and run uvicorn."""
    import uvicorn

    from guarantor.api.app import MAX_BODY_BYTES, create_app
    from guarantor.ledger.database import open_engine

    engine = open_engine(database, pool_size=20)
    if announce_api:
        err.print(
            f"guarantor API on http://{host}:{port}, database {engine.url.render_as_string(hide_password=True)}"
        )
    api = create_app(engine=engine, max_body_bytes=max_body or MAX_BODY_BYTES)
    if config is not None:
        from guarantor.api.dashboard import include_dashboard
        from guarantor.sources.locate import locate_data

        include_dashboard(api, config, progress=lambda line: err.print(f"dashboard: {line}"))
        note = (
            "it prepares its data in the background"
            if announce_api
            else f"data: {locate_data().describe()}"
        )
        err.print(f"dashboard on http://{host}:{port}/ ({note})")
    uvicorn.run(api, host=host, port=port, log_level=log_level)


def dashboard(
    database: Database = None,
    territory: Path | None = input_path_option(
        None,
        "--territory",
        help="Territory snapshots (default: the DeepState daily archive in the data folder).",
    ),
    agreement: Path | None = input_file_option(
        None, "--agreement", help="Agreement to replay (default: the August 2025 proposal)."
    ),
    events: list[Path] = input_path_option([], "--events", help="Event files to show and replay."),
    start: date | None = date_option(None, "--from", help="In force from."),
    end: date | None = date_option(None, "--to", help="Until (default: last snapshot)."),
    tiles: str | None = typer.Option(
        None,
        "--tiles",
        help="Optional tile server URL template ({z}/{x}/{y}); none by default (offline).",
    ),
    agreed_line: Path | None = typer.Option(
        None,
        "--agreed-line",
        help="The agreed line: GeoJSON (or `territory swap --out`) or a swap YAML; "
        "default: the snapshot of --from.",
    ),
    quiet_days: int | None = typer.Option(
        None, "--quiet-days", min=0, help="Quiet days before a new advance re-activates (14)."
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    data: Path | None = data_option(),
) -> None:
    """Serve the API with the web dashboard at / (map, evidence, duties per party, what-if, live feed)."""
    from guarantor.api.dashboard import default_config

    _use_data(data)
    config = default_config(
        territory=territory,
        agreement=agreement,
        events=list(events) or None,
        start=start,
        end=end,
        tile_url=tiles,
        agreed_line=agreed_line,
        quiet_days=quiet_days,
    )
    _run(database, host, port, config)
