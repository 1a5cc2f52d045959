"""`eakte serve` (the HTTP API and the clerks' pages) and `eakte server` (the local Prefect
server eakte starts on first use)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from eakte.cli.common import (
    DataOption,
    file_plan_for,
    open_archive,
    out,
    settings_for,
)


def serve(
    data: DataOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="Processes answering requests (default: one per core, at most 4)."
        ),
    ] = min(4, os.cpu_count() or 1),
) -> None:
    """Serve the query API for case systems (OpenAPI description at /docs)."""
    import uvicorn

    settings = settings_for(data)
    file_plan_for(settings)  # a broken plan stops here, not in every worker
    open_archive(settings).close()  # migrate and upgrade the index once, before the workers
    os.environ["EAKTE_DATA"] = str(settings.data_dir.resolve())
    uvicorn.run(
        "eakte.web.app:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # Every search, view and download is in eakte's own access log; a line per request
        # on stderr as well cost 3 % of a worker's time.
        access_log=False,
    )


server_app = typer.Typer(help="The local Prefect server eakte starts on first use.")


@server_app.command("status")
def server_status() -> None:
    """Show whether the local Prefect server runs, and where."""
    from pipelines.orchestrator import running_server

    info = running_server()
    if info is None:
        out.print("no local Prefect server is running (the next `eakte ingest` starts one)")
        raise typer.Exit(1)
    out.print(f"local Prefect server: {info['api_url']} (pid {info['pid']})")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local Prefect server; the next batch starts it again."""
    from pipelines.orchestrator import stop_local_server

    out.print("stopped" if stop_local_server() else "no local Prefect server was running")
