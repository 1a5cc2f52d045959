"""`eakte archive migrate`: a pilot's embedded archive moved onto PostgreSQL and a search server.

The copying is `archive.migration`'s; here it is wired up: the ingest lock of the data
directory held throughout (no batch writes into the pilot meanwhile; its catalog is only
read), a progress bar per table and for the index, and at the end the same checks as
`eakte verify` and `eakte audit verify`, run as those very commands against the target, and
what to configure from now on. Blobs, sidecars, timestamps and evidence records stay in the
data directory (or `blob_dir`): the target archive is the same directory with its catalog
and index on the servers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eakte.cli.common import (
    DataOption,
    JsonOption,
    console,
    out,
    settings_for,
    trusted_time_reported,
)

archive_app = typer.Typer(help="The archive as a whole: moving a pilot into production.",
                          no_args_is_help=True)  # fmt: skip

# the commands whose checks end a migration, run against the target
CHECKS = {"verify": ("verify",), "audit verify": ("audit", "verify")}


@archive_app.command("migrate")
def migrate(
    to_database: Annotated[
        str,
        typer.Option(
            "--to-database",
            metavar="URL",
            help="The PostgreSQL catalog to move into "
            "(postgresql+psycopg://user:password@host/eakte): empty, or this archive's "
            "own copy from an interrupted run.",
        ),
    ],
    to_search: Annotated[
        str,
        typer.Option(
            "--to-search",
            metavar="URL",
            help="The search server to index on (opensearch+https://user:password@host:9200).",
        ),
    ],
    to_search_index: Annotated[
        str | None,
        typer.Option(
            "--to-search-index",
            metavar="NAME",
            help="The index's name (default: search_index, else eakte-documents).",
        ),
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, hidden=True)] = 1000,
) -> None:
    """Copy the embedded archive in DATA (SQLite catalog, Tantivy index) onto PostgreSQL and
    OpenSearch/Elasticsearch: every catalog row as it is (audit chain, tokens, access log),
    the index rebuilt from the catalog. Run it again after an interruption: it goes on where
    it stopped. Refuses a target that holds another archive (exit 2); exits 1 unless the
    target then verifies clean."""
    from archive.catalog import catalog_exists, embedded_url, masked
    from archive.migration import copy_catalog, rebuild_index, refuse_foreign_index
    from archive.search.elastic import SearchServerIndex
    from pipelines.ingest_lock import ingest_lock
    from pipelines.settings import INDEX_NAME

    settings = settings_for(data)
    trusted_time_reported.set(True)  # the pilot is only read: nothing of it to timestamp
    source = embedded_url(settings.data_dir)
    if not catalog_exists(source):
        console.print(f"{settings.data_dir}: no embedded archive here to migrate",
                      style="red", markup=False, highlight=False, soft_wrap=True)  # fmt: skip
        raise typer.Exit(2)
    index_name = to_search_index or settings.search_index or settings.es_index or INDEX_NAME
    index = SearchServerIndex(to_search, index_name)
    where = f"{index_name} on {index.url}"
    with ingest_lock(settings.data_dir, "archive migration", wait=False), _bars() as bars:
        try:
            refuse_foreign_index(source, index, where)
            copied = copy_catalog(source, to_database, chunk_rows=chunk_size, progress=bars)
            added = rebuild_index(to_database, index, progress=bars)
            indexed = index.count()
        finally:
            index.close()
    checks = {name: _check(args, settings.data_dir, to_database, to_search, index_name)
              for name, args in CHECKS.items()}  # fmt: skip
    clean = all(code == 0 for code, _ in checks.values())
    target = {"database": masked(to_database), "search": index.url, "search_index": index_name}
    if as_json:
        print(json.dumps({
            "source": str(settings.data_dir), "target": target, "resumed": copied.resumed,
            "tables": [asdict(t) for t in copied.tables], "rows_copied": copied.copied,
            "index": {"added": added, "documents": indexed},
            "checks": {n: {"exit": c, "output": o} for n, (c, o) in checks.items()},
            "clean": clean, "configure": _configuration(target, settings.blob_dir),
        }, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        _report(copied, added, indexed, checks, target, settings.blob_dir, settings.data_dir)
    if not clean:
        raise typer.Exit(1)


class _bars:
    """A rich progress bar per table and one for the index, made as each stage begins."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console,
        )  # fmt: skip
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _bars:
        self.progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def _check(
    args: tuple[str, ...], data_dir: Path, database: str, search: str, index_name: str
) -> tuple[int, str]:
    """`eakte <args> --data DATA` run against the target; its exit status and output
    (the passwords masked, whatever the command printed)."""
    env = dict(os.environ, EAKTE_DATABASE_URL=database, EAKTE_SEARCH_URL=search,
               EAKTE_SEARCH_INDEX=index_name, COLUMNS="200")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-P", "-m", "eakte", *args, "--data", str(data_dir)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    said = (done.stdout + done.stderr).strip()
    for secret in _passwords(database, search):
        said = said.replace(secret, "***")
    return done.returncode, said


def _passwords(*urls: str) -> list[str]:
    """The passwords in `urls`, as written and decoded, longest first."""
    found = set()
    for url in urls:
        try:
            password = urlsplit(url).password
        except ValueError:  # a URL that does not parse names no password
            password = None
        if password:
            found |= {password, unquote(password)}
    return sorted(found, key=len, reverse=True)


def _configuration(target: dict[str, str], blob_dir: Path | None) -> dict[str, str]:
    """What every machine of the production archive is given (the password where *** is)."""
    settings = {"database_url": target["database"], "search_url": target["search"],
                "search_index": target["search_index"]}  # fmt: skip
    if blob_dir is not None:
        settings["blob_dir"] = str(blob_dir)
    return settings


def _report(
    copied: Any,
    added: int,
    indexed: int,
    checks: dict[str, tuple[int, str]],
    target: dict[str, str],
    blob_dir: Path | None,
    data_dir: Path,
) -> None:
    state = "resumed a copy begun before" if copied.resumed else "into an empty target"
    out.print(f"catalog copied ({state}): {copied.copied:,} rows now, "
              f"{sum(t.rows for t in copied.tables):,} in {len(copied.tables)} tables",
              markup=False, highlight=False)  # fmt: skip
    out.print(f"search index {target['search_index']} on {target['search']}: {added:,} "
              f"documents added, it holds {indexed:,}", markup=False, highlight=False)  # fmt: skip
    for name, (code, said) in checks.items():
        verdict = "clean" if code == 0 else f"NOT clean (exit {code})"
        out.print(f"eakte {name} on the target: {verdict}", markup=False, highlight=False)
        if code != 0:
            out.print(said, markup=False, highlight=False)
    blobs = blob_dir or data_dir / "blobs"
    out.print(
        "\nFrom now on give every eakte machine, in eakte.toml ([eakte], the password in place "
        "of ***) or as EAKTE_DATABASE_URL, EAKTE_SEARCH_URL and EAKTE_SEARCH_INDEX:",
        markup=False, highlight=False, soft_wrap=True,
    )  # fmt: skip
    for key, value in _configuration(target, blob_dir).items():
        out.print(f'{key} = "{value}"', markup=False, highlight=False, soft_wrap=True)
    out.print(
        f"The blobs stay in {blobs} and the sidecars, timestamps and evidence in {data_dir}: "
        "the production archive uses them there (or copy them and set blob_dir / "
        "EAKTE_BLOB_DIR). Ingest no more into the pilot's own catalog.",
        markup=False, highlight=False, soft_wrap=True,
    )  # fmt: skip
