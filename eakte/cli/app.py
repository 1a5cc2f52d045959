"""The `eakte` command line: ingest, search, show, verify, demo."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archive.documents import DocumentStatus
from eakte.cli.boundary import Commands
from eakte.cli.classifier import app as classifier_app
from eakte.cli.common import (
    DataOption,
    JsonOption,
    console,
    file_plan_for,
    open_archive,
    out,
    require_archive,
    settings_for,
)
from eakte.cli.index import app as index_app
from eakte.cli.records import (
    akte_app,
    audit_app,
    aussonderung_app,
    dispose_app,
    hold_app,
    retention_app,
)
from eakte.cli.review import app as review_app
from eakte.cli.tokens import app as token_app
from eakte.cli.views import print_batch, print_document, print_file_plan, print_hits
from pipelines.inputs import discover
from pipelines.manifest import load_batch_manifest
from pipelines.runtime import prepare_prefect
from pipelines.settings import Settings, open_index

app = typer.Typer(
    cls=Commands,  # user errors exit 2 with their message, bugs exit 1 as internal errors
    help="eakte: scanned municipal records in, searchable tamper-evident PDF/A archive out.",
    no_args_is_help=True,
    add_completion=False,
)
SAMPLES = Path(__file__).parents[1] / "samples"
# the statuses a document in the index can have (a disposed one is not in the index)
DOCUMENT_STATUSES = tuple(s.value for s in DocumentStatus if s is not DocumentStatus.DISPOSED)
DEMO_MARKER = ".eakte-demo"


def _batch_id(name: str | None) -> str:
    if name:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
        if slug:
            return slug[:64]
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    data: DataOption = None,
    batch: Annotated[
        str | None, typer.Option(help="Batch name; the same name resumes a batch.")
    ] = None,
    as_json: JsonOption = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show Prefect's log.")] = False,
) -> None:
    """OCR, classify and archive every scan under PATHS as one batch."""
    settings = settings_for(data)
    report = run_ingest(paths, settings, batch, show_progress=not as_json, verbose=verbose)
    if as_json:
        out.print_json(json.dumps(report, default=str))
    else:
        print_batch(out, report)


def run_ingest(
    paths: list[Path],
    settings: Settings,
    batch: str | None,
    *,
    show_progress: bool,
    verbose: bool = False,
) -> dict[str, Any]:
    try:
        sources = discover(paths, exclude=settings.data_dir)
        manifest = load_batch_manifest(paths, settings.file_plan)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if not sources:
        console.print("[yellow]no input files found[/yellow]")
    prepare_prefect(verbose)
    from pipelines import progress
    from pipelines.flow import run_batch

    if not verbose:  # rejected inputs are reported in the batch report, not as tracebacks
        logging.getLogger("prefect.task_runs").setLevel(logging.CRITICAL)

    batch_id = _batch_id(batch)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
    ) as bar:
        counts: dict[str, int] = {}
        task_id = bar.add_task(f"Batch {batch_id}", total=len(sources), counts="")

        def advance(_source: str, status: str) -> None:
            counts[status] = counts.get(status, 0) + 1
            bar.update(
                task_id, advance=1, counts=" ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            )

        progress.set_listener(advance)
        try:
            return run_batch(
                [str(s) for s in sources], batch_id, batch or batch_id, settings, manifest
            )
        finally:
            progress.set_listener(None)


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help="Words, phrases in quotes, or an identifier as printed.")
    ],
    data: DataOption = None,
    doc_type: Annotated[str | None, typer.Option("--type", help="Only this document type.")] = None,
    aktenzeichen: Annotated[
        str | None, typer.Option("--aktenzeichen", help="Only this file.")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Document date from (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Document date up to (YYYY-MM-DD).")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only documents with this status (archived, needs_review)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over OCR text and metadata, best hits first."""
    from archive.search import SearchFilters

    settings = settings_for(data)
    if status is not None and status not in DOCUMENT_STATUSES:
        console.print(
            f"[red]--status: {status!r} is not one of {', '.join(DOCUMENT_STATUSES)}[/red]"
        )
        raise typer.Exit(2)
    filters = SearchFilters(
        doc_type=doc_type,
        aktenzeichen=aktenzeichen,
        date_from=_date(date_from, "--from"),
        date_to=_date(date_to, "--to"),
        status=status,
    )
    require_archive(settings)
    hits = open_index(settings).search(query, filters, limit)
    if as_json:
        out.print_json(
            json.dumps({"query": query, "hits": [_hit_json(h) for h in hits]}, default=str)
        )
    else:
        print_hits(out, query, hits)


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id from ingest or search.")],
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every stored fact about one document, including its full OCR text."""
    archive = open_archive(settings_for(data))
    document = archive.get(doc_id)
    if document is None:
        console.print(f"[red]no document {doc_id}[/red]")
        raise typer.Exit(1)
    if as_json:
        out.print_json(json.dumps(document.to_json(), default=str))
    else:
        print_document(out, document)


@app.command()
def verify(data: DataOption = None) -> None:
    """Re-hash every archived file and check that catalog, blob store and index agree."""
    archive = open_archive(settings_for(data))
    with console.status("Verifying the archive…"):
        problems = archive.verify()
    for problem in problems:
        out.print(problem, markup=False)
    if problems:
        console.print(f"[red]{len(problems)} problem(s)[/red]")
        raise typer.Exit(1)
    console.print("[green]archive verified: catalog, blobs, metadata and index agree[/green]")


@app.command()
def fileplan(
    file: Annotated[
        Path | None, typer.Option("--file", help="File plan to check (default: configured).")
    ] = None,
) -> None:
    """Check a file plan and show its units, retention rules and document types."""
    from classifiers.fileplan import FilePlanError, load_file_plan

    settings = settings_for(None)
    try:
        plan = load_file_plan(file or settings.file_plan)
    except FilePlanError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    print_file_plan(out, plan)


@app.command()
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
app.add_typer(server_app, name="server")
app.add_typer(classifier_app, name="classifier")
app.add_typer(review_app, name="review")
app.add_typer(token_app, name="token")
app.add_typer(akte_app, name="akte")
app.add_typer(hold_app, name="hold")
app.add_typer(retention_app, name="retention")
app.add_typer(aussonderung_app, name="aussonderung")
app.add_typer(dispose_app, name="dispose")
app.add_typer(audit_app, name="audit")
app.add_typer(index_app, name="index")


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


@app.command()
def demo(
    data: Annotated[Path, typer.Option("--data", help="Fresh data directory for the demo.")] = Path(
        "eakte-demo"
    ),
) -> None:
    """Ingest the bundled sample scans into a fresh data directory and run a few searches."""
    if data.exists():
        if not (data / DEMO_MARKER).exists():
            console.print(
                f"[red]{data} exists and is not a demo directory; choose another --data[/red]"
            )
            raise typer.Exit(2)
        shutil.rmtree(data)
    data.mkdir(parents=True)
    (data / DEMO_MARKER).write_text("created by `eakte demo`; removed by the next demo run\n")
    settings = settings_for(data)
    out.rule("[bold]eakte demo: ingesting the bundled sample scans")
    report = run_ingest([SAMPLES], settings, "demo", show_progress=True)
    print_batch(out, report)
    from archive.search import SearchFilters

    index = open_index(settings)
    for query in _demo_queries(data, report):
        print_hits(out, query, index.search(query, SearchFilters(), 3))
    out.print(
        f"\nData directory: [bold]{data.resolve()}[/bold]  —  try: eakte search Hund --data {data}"
    )


def _demo_queries(data: Path, report: dict[str, Any]) -> list[str]:
    """Queries that show stemming and identifier search on what the demo just archived."""
    from archive.store import Archive

    queries = ["Baugenehmigungen", "Hundesteuer"]
    archive = Archive(data)
    try:
        documents = [
            archive.get(line["document_id"]) for line in report["documents"] if line["document_id"]
        ]
    finally:
        archive.close()
    aktenzeichen = next((d.aktenzeichen for d in documents if d and d.aktenzeichen), None)
    idnr = next(
        (i.raw for d in documents if d for i in d.identifiers if i.kind == "steuer_idnr"),
        None,
    )
    return queries + [q for q in (aktenzeichen, idnr) if q]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        console.print(f"[red]{option}: {value!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from exc


def _hit_json(hit: Any) -> dict[str, Any]:
    return {
        "document_id": hit.document_id,
        "score": round(hit.score, 4),
        "doc_type": hit.doc_type,
        "doc_label": hit.doc_label,
        "aktenzeichen": list(hit.aktenzeichen),
        "document_date": hit.document_date.isoformat() if hit.document_date else None,
        "title": hit.title,
        "snippet": hit.snippet,
    }
