"""What every `eakte` sub-command shares: consoles, common options, settings and the archive."""

from __future__ import annotations

import getpass
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from classifiers.fileplan import FilePlan, load_file_plan
from eakte.config import ConfigError, load_settings
from pipelines.settings import Settings, catalog_url
from pipelines.settings import open_archive as open_archive_of

console = Console(stderr=True)
out = Console()
# The running command's data directory once its settings are read: where the command line's
# boundary (eakte.cli.boundary) logs an internal error.
data_dir_of_command: ContextVar[Path | None] = ContextVar("data_dir_of_command", default=None)
# The running command's settings, for the trusted time the boundary adds after it
# (eakte.cli.stamping), and whether the command already reported its trusted time itself.
settings_of_command: ContextVar[Settings | None] = ContextVar("settings_of_command", default=None)
trusted_time_reported: ContextVar[bool] = ContextVar("trusted_time_reported", default=False)
# The audit chain's newest event id when the command first read its settings, before it wrote.
head_at_start: ContextVar[int | None] = ContextVar("head_at_start", default=None)

DataOption = Annotated[
    Path | None, typer.Option("--data", help="Data directory (default ./eakte-data or EAKTE_DATA).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def settings_for(data: Path | None, **overrides: Any) -> Settings:
    """Settings with command-line overrides; a configuration error ends the command (exit 2)."""
    try:
        settings = load_settings(data_dir=data, **overrides)
    except ConfigError as exc:
        console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc
    data_dir_of_command.set(settings.data_dir)
    settings_of_command.set(settings)
    if head_at_start.get() is None:
        from archive.evidence.audit_stamps import read_chain_head

        head_at_start.set(read_chain_head(catalog_url(settings))[0])
    return settings


def require_archive(settings: Settings) -> None:
    """End the command (exit 2) unless there is an archive's catalog where the settings say:
    the file in the data directory, or the schema in the configured database."""
    from archive.catalog import catalog_exists, masked

    if settings.database_url is None:
        if not catalog_exists(catalog_url(settings)):
            console.print(
                f"[red]{settings.data_dir}: no archive here (run `eakte ingest` first)[/red]"
            )
            raise typer.Exit(2)
    elif not catalog_exists(settings.database_url):
        console.print(
            f"{masked(settings.database_url)}: no archive in this database (run `eakte ingest` "
            "first)",
            style="red", markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        raise typer.Exit(2)


def open_archive(settings: Settings):  # type: ignore[no-untyped-def]
    """The archive the settings select (data directory, catalog, blobs, index)."""
    require_archive(settings)
    return open_archive_of(settings)


def file_plan_for(settings: Settings) -> FilePlan:
    """The configured file plan; a broken one raises FilePlanError, which names the problem."""
    return load_file_plan(settings.file_plan)


def acting_user(by: str | None, settings: Settings) -> str:
    """Who acts, for the catalog and the audit trail: --by, EAKTE_USER, the login name."""
    if by and by.strip():
        return by.strip()
    if settings.user and settings.user.strip():
        return settings.user.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:  # no login name, e.g. a container without a passwd entry
        console.print("[red]cannot tell who is acting: give --by or set EAKTE_USER[/red]")
        raise typer.Exit(2) from exc
