"""`eakte index compact | repair | template`: keep the search index fast, and complete.

`template` prints the settings and mapping eakte creates its index on a search server with,
for an operator who makes the index beforehand (more shards; deploy/README.md).

`repair` adds what the catalog holds and the index lacks: after a search server was down
during an ingest (the batch report said "search index behind"), or a crash between the
catalog's commit and the index's. The next batch does the same when it starts.

`compact`:

Every ingested document is one commit, and every commit leaves a small segment. The index
merges them as it goes, but an archive that grows a document at a time keeps a dozen or
more, and each search and facet count pays for every one. Compacting rewrites the index into
one segment; run it at night, or after a large batch (see the README).
"""

from __future__ import annotations

import time

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eakte.cli.common import DataOption, console, open_archive, out, settings_for

app = typer.Typer(help="Maintain the search index.", no_args_is_help=True)


@app.command("compact")
def compact(data: DataOption = None) -> None:
    """Rewrite the search index into one segment. Searches go on meanwhile.

    Refused while an ingest is writing the index (exit 1): run it when no batch is running.
    """
    from archive.search import IndexBusyError

    settings = settings_for(data)
    archive = open_archive(settings)
    started = time.monotonic()
    try:
        with Progress(
            TextColumn("[bold]Compacting the search index"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("compact", total=None)
            before, after = archive.compact_index(
                lambda done, total: bar.update(task, completed=done, total=total)
            )
        documents = archive.index_health().documents
    except IndexBusyError as exc:
        console.print(f"nothing changed: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    finally:
        archive.close()
    out.print(
        f"{documents:,} documents; segments: {before} before, {after} after "
        f"({time.monotonic() - started:.1f} s)"
    )


@app.command("repair")
def repair(data: DataOption = None) -> None:
    """Add to the search index every catalogued document it lacks (and take out disposed
    ones it still holds). Refused while the search server cannot be reached (exit 2)."""
    settings = settings_for(data)
    archive = open_archive(settings)
    try:
        added = archive.reindex_missing()
        documents = archive.index_health().documents
    finally:
        archive.close()
    out.print(f"{added:,} documents added to the search index; it holds {documents:,}")


@app.command("template")
def template(
    shards: int = typer.Option(1, min=1, help="Primary shards of the index."),
) -> None:
    """Print the body eakte creates its search-server index with (PUT /eakte-documents)."""
    import json

    from archive.search.elastic import index_body

    print(json.dumps(index_body(shards), indent=2))
