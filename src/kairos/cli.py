"""The `kairos` command: run the service (all roles or one), migrate, and drive the API."""

from __future__ import annotations

import logging
import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from kairos.settings import Settings

app = typer.Typer(help="Kairos: scheduled jobs with a durable record of every fire.",
                  no_args_is_help=True)
console = Console(stderr=True)


def _settings(host: str | None = None, port: int | None = None) -> Settings:
    # Imported here: client commands (`kairos jobs …`) never need pydantic-settings.
    from kairos.settings import Settings

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    return Settings(**overrides)  # type: ignore[arg-type]


def _logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _serve(roles: frozenset[str], host: str | None, port: int | None) -> None:
    import uvicorn

    from kairos.api.app import create_app
    from kairos.api.auth import bootstrap
    from kairos.runtime import Runtime, open_store
    from kairos.timeutil import utcnow

    settings = _settings(host, port)
    _logging(settings)
    store = open_store(settings)
    secret = bootstrap(store, utcnow(), settings.bootstrap_api_key)
    runtime = Runtime.build(settings, store, roles)
    url = f"http://{settings.host}:{settings.port}"
    console.print(f"[bold]Kairos[/] on {url}  (API docs: {url}/docs, dashboard: {url}/dashboard)")
    console.print(f"Database: {settings.resolved_database_url().split('@')[-1]}")
    if secret:
        console.print("[bold yellow]Admin API key for workspace 'default' (shown once, keep it):[/]")
        console.print(f"  {secret}", soft_wrap=True, highlight=False)
    uvicorn.run(create_app(runtime), host=settings.host, port=settings.port,
                log_level=settings.log_level.lower(), access_log=False)


@app.command()
def serve(host: Annotated[str | None, typer.Option(help="KAIROS_HOST")] = None,
          port: Annotated[int | None, typer.Option(help="KAIROS_PORT")] = None) -> None:
    """Run the API, the scheduler and the workers in one process."""
    _serve(frozenset({"api", "scheduler", "worker"}), host, port)


@app.command()
def api(host: Annotated[str | None, typer.Option(help="KAIROS_HOST")] = None,
        port: Annotated[int | None, typer.Option(help="KAIROS_PORT")] = None) -> None:
    """Run only the HTTP API (scale-out: share one PostgreSQL database)."""
    _serve(frozenset({"api"}), host, port)


def _run_loops(roles: frozenset[str]) -> None:
    from kairos.runtime import Runtime, open_store

    settings = _settings()
    _logging(settings)
    store = open_store(settings)
    runtime = Runtime.build(settings, store, roles)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runtime.start()
    stop_metrics = None
    if settings.metrics_port:
        from kairos import metrics

        stop_metrics = metrics.serve(store, runtime.loops, host=settings.metrics_host,
                                     port=settings.metrics_port, token=settings.metrics_token)
    console.print(f"Kairos {', '.join(sorted(roles))} running; Ctrl-C to stop")
    stop.wait()
    if stop_metrics is not None:
        stop_metrics()
    runtime.stop()
    store.close()


@app.command()
def scheduler() -> None:
    """Run only the scheduler loop (any number of them may share one PostgreSQL database)."""
    _run_loops(frozenset({"scheduler"}))


@app.command()
def worker() -> None:
    """Run only the worker loop (KAIROS_WORKERS jobs at a time)."""
    _run_loops(frozenset({"worker"}))


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    from kairos.store.sqlalchemy.migrate import upgrade

    settings = _settings()
    upgrade(settings.resolved_database_url())
    console.print("database is up to date")


def main() -> None:
    from kairos.cli_users import app as users_app
    from kairos.client_cli import register

    register(app)
    app.add_typer(users_app, name="users")
    app()
