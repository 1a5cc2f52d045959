"""`eakte ingest` and `eakte demo`: a folder of scans becomes one batch, run as a Prefect flow."""

from __future__ import annotations

import json
import logging
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eakte.cli.common import (
    DataOption,
    JsonOption,
    console,
    head_at_start,
    out,
    settings_for,
    settings_of_command,
    trusted_time_reported,
)
from eakte.cli.views import print_batch, print_hits
from pipelines.inputs import discover
from pipelines.manifest import load_batch_manifest
from pipelines.runtime import prepare_prefect
from pipelines.settings import Settings, open_index

SAMPLES = Path(__file__).parents[1] / "samples"


DEMO_MARKER = ".eakte-demo"


def _batch_id(name: str | None) -> str:
    if name:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")
        if slug:
            return slug[:64]
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


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
        manifest = load_batch_manifest(
            paths, settings.file_plan, operator_required_from=settings.operator_required_from
        )
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
            report = run_batch(
                [str(s) for s in sources], batch_id, batch or batch_id, settings, manifest
            )
            trusted_time_reported.set(True)  # the batch report says what was timestamped
            return report
        finally:
            progress.set_listener(None)


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
    # the demo is embedded, whatever servers eakte.toml or EAKTE_* name: nothing shared is touched
    settings = settings_for(data).model_copy(update={"database_url": None, "blob_dir": None})
    settings_of_command.set(settings)
    head_at_start.set(0)  # a fresh archive
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
