"""`guarantor serve` and `guarantor dashboard`: the HTTP API (and the web dashboard) on uvicorn."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from guarantor.ledger.cli import Database

err = Console(stderr=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add `guarantor serve` and `guarantor dashboard` to the root CLI."""
    app.command("serve")(serve)
    app.command("dashboard")(dashboard)


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
) -> None:
    """Serve the API (OpenAPI at /openapi.json, docs at /docs) and the dashboard at /."""
    import uvicorn

    from guarantor.api.app import create_app
    from guarantor.ledger.database import open_engine

    engine = open_engine(database, pool_size=20)
    err.print(
        f"guarantor API on http://{host}:{port}, database {engine.url.render_as_string(hide_password=True)}"
    )
    api = create_app(engine=engine, max_body_bytes=max_body)
    if dashboard:
        from guarantor.api.dashboard import default_config, include_dashboard

        include_dashboard(api, default_config())
        err.print(f"dashboard on http://{host}:{port}/ (it prepares its data in the background)")
    uvicorn.run(
        api,
        host=host,
        port=port,
        log_level=log_level,
    )


def dashboard(
    database: Database = None,
    territory: Path | None = typer.Option(
        None,
        "--territory",
        help="Territory snapshots (default: the DeepState daily archive in the data folder).",
    ),
    agreement: Path | None = typer.Option(
        None, "--agreement", help="Agreement to replay (default: the August 2025 proposal)."
    ),
    events: list[Path] = typer.Option([], "--events", help="Event files to show and replay."),
    start: datetime | None = typer.Option(
        None, "--from", formats=["%Y-%m-%d"], help="In force from (YYYY-MM-DD)."
    ),
    end: datetime | None = typer.Option(
        None, "--to", formats=["%Y-%m-%d"], help="Until (YYYY-MM-DD; default: last snapshot)."
    ),
    tiles: str | None = typer.Option(
        None,
        "--tiles",
        help="Optional tile server URL template ({z}/{x}/{y}); none by default (offline).",
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
) -> None:
    """Serve the API with the web dashboard at / (map, evidence, duties per party, what-if, live feed)."""
    import uvicorn

    from guarantor.api.app import create_app
    from guarantor.api.dashboard import default_config, include_dashboard
    from guarantor.ledger.database import open_engine
    from guarantor.sources.locate import locate_data

    config = default_config(
        territory=territory,
        agreement=agreement,
        events=list(events) or None,
        start=start.date() if start else None,
        end=end.date() if end else None,
        tile_url=tiles,
    )
    engine = open_engine(database, pool_size=20)
    app = create_app(engine=engine)
    include_dashboard(app, config)
    err.print(f"dashboard on http://{host}:{port}/ (data: {locate_data().describe()})")
    uvicorn.run(app, host=host, port=port, log_level="warning")
