"""`eakte ingest` and `eakte demo`: a folder of scans becomes one batch, run as a Prefect flow."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import signal
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
    out,
    settings_for,
    trusted_time_reported,
)
from eakte.cli.views import print_batch, print_hits
from pipelines import stopping
from pipelines.ingest_lock import Holder, ingest_lock
from pipelines.inputs import discover
from pipelines.manifest import BatchManifest, load_batch_manifest
from pipelines.runtime import prepare_prefect
from pipelines.settings import Settings, open_index
from pipelines.workspace import clear_stale

SAMPLES = Path(__file__).parents[1] / "samples"


DEMO_MARKER = ".eakte-demo"


def batch_id_for(name: str | None) -> str:
    """The id of the batch called `name`, which is also its folder's name in DATA/quarantine.

    Always one safe folder name (letters, digits, "._-", never "." or ".."), and the same for
    the same name, so that a rerun resumes the batch; a name with nothing usable in it ("..",
    "Коробка") gets an id made from its hash. Without a name: the time and a random part.
    """
    if name:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:64].rstrip("-.")
        if slug:
            return slug
        return "batch-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    data: DataOption = None,
    batch: Annotated[
        str | None, typer.Option(help="Batch name; the same name resumes a batch.")
    ] = None,
    as_json: JsonOption = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show Prefect's log.")] = False,
    no_wait: Annotated[
        bool,
        typer.Option(
            "--no-wait",
            help="While another ingest writes into the data directory, refuse (exit 2) "
            "instead of waiting for it.",
        ),
    ] = False,
) -> None:
    """OCR, classify and archive every scan under PATHS as one batch.

    One ingest at a time writes into a data directory: another one waits for it, saying so.
    """
    settings = settings_for(data)
    report = run_ingest(
        paths, settings, batch, show_progress=not as_json, verbose=verbose, wait=not no_wait
    )
    if as_json:
        out.print_json(json.dumps(report, default=str))
    else:
        print_batch(out, report)
    if report.get("stopped"):
        _stopped(report["stopped"], settings, report["batch_id"], report["counts"])


def _stopped(
    reason: str, settings: Settings, batch_id: str, counts: dict[str, int] | None = None
) -> None:
    """One line on stderr, exit status 2: the batch stopped on a full disk (see the README)."""
    done = ", ".join(f"{n} {status}" for status, n in (counts or {}).items() if n)
    console.print(
        f"batch {batch_id} stopped: {reason}" + (f" ({done})" if done else "") + "; free space "
        f"for {settings.data_dir} and run the same command again with --batch {batch_id}",
        style="red",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(2)


def run_ingest(
    paths: list[Path],
    settings: Settings,
    batch: str | None,
    *,
    show_progress: bool,
    verbose: bool = False,
    wait: bool = True,
) -> dict[str, Any]:
    """Run one batch; `wait`: wait for another ingest into the data directory to finish
    (else IngestBusy, exit 2). A stop signal ends it with one line and status 128+signal."""
    try:
        inputs = discover(paths, exclude=settings.data_dir)
        sources = inputs.files
        manifest = load_batch_manifest(
            paths, settings.file_plan, operator_required_from=settings.operator_required_from
        )
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if not sources:
        console.print("[yellow]no input files found[/yellow]")
    batch_id = batch_id_for(batch)
    counts: dict[str, int] = {}
    try:
        with (
            stopping.on_signals(),
            ingest_lock(settings.data_dir, f"batch {batch_id}", wait=wait, on_wait=_waiting),
        ):
            clear_stale(settings.data_dir)  # left by an ingest that was killed
            prepare_prefect(verbose)
            return _run(
                sources, inputs.skipped, settings, batch_id, batch, manifest, counts,
                show_progress, verbose,
            )  # fmt: skip
    except (stopping.Stopped, KeyboardInterrupt) as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        console.print(
            f"stopped by {signal.Signals(signum).name}: batch {batch_id} is unfinished "
            f"({sum(counts.values())} of {len(sources)} documents done); run the same command "
            "again to finish it",
            style="yellow",
            markup=False,
            highlight=False,
            soft_wrap=True,  # one line, also for scripts reading stderr
        )
        raise typer.Exit(128 + signum) from None


def _waiting(holder: Holder) -> None:
    console.print(
        f"waiting for {holder.describe()} to finish writing into this data directory "
        "(--no-wait refuses instead; Ctrl-C gives up)",
        style="yellow",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _run(
    sources: list[Path],
    skipped: dict[str, str],
    settings: Settings,
    batch_id: str,
    batch: str | None,
    manifest: BatchManifest | None,
    counts: dict[str, int],
    show_progress: bool,
    verbose: bool,
) -> dict[str, Any]:
    """The batch as a Prefect flow, with a progress bar; `counts` follows the statuses;
    `skipped`: what the scan folder held besides inputs, with the reason."""
    from pipelines import progress
    from pipelines.faults import disk_full
    from pipelines.flow import DISK_FULL, run_batch

    if not verbose:  # rejected inputs are reported in the batch report, not as tracebacks
        logging.getLogger("prefect.task_runs").setLevel(logging.CRITICAL)
        # a stop is said in one line (run_ingest), a fault by the command line's boundary
        logging.getLogger("prefect.flow_runs").setLevel(logging.CRITICAL)

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
    ) as bar:
        task_id = bar.add_task(f"Batch {batch_id}", total=len(sources), counts="")

        def advance(_source: str, status: str) -> None:
            counts[status] = counts.get(status, 0) + 1
            bar.update(
                task_id, advance=1, counts=" ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            )

        progress.set_listener(advance)
        try:
            report = run_batch(
                [str(s) for s in sources], batch_id, batch or batch_id, settings, manifest,
                skipped,
            )  # fmt: skip
        except Exception as exc:  # a full disk before the first document or after the last
            if (why := disk_full(exc, settings.data_dir)) is None:
                raise
            trusted_time_reported.set(True)  # nothing can be written, not even a timestamp
            _stopped(DISK_FULL.format(why=why), settings, batch_id)
        finally:
            progress.set_listener(None)
        trusted_time_reported.set(True)  # the batch report says what was timestamped
        return report


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
