"""`guarantor serve`: run the HTTP API on uvicorn (SQLite by default, PostgreSQL via GUARANTOR_DATABASE_URL)."""

from __future__ import annotations

import typer
from rich.console import Console

from guarantor.ledger.cli import Database

err = Console(stderr=True, highlight=False)


def register(app: typer.Typer) -> None:
    """Add `guarantor serve` to the root CLI."""
    app.command("serve")(serve)


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
