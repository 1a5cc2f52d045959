"""The ingest flow: one Prefect flow run per batch; per document, a task run per declared step.

Documents run side by side in threads (one per core); each OCR runs in its own process with
one thread, so never more OCR processes than cores. Anything that fails for one document sends
that document to quarantine with its reason; the batch goes on.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from archive.audit import head as audit_head
from archive.store import Archive
from classifiers.fileplan import FilePlan, load_file_plan
from classifiers.model import TextModel
from pipelines import index_upkeep, progress, steps
from pipelines.item import Context, Item
from pipelines.manifest import BatchManifest, load_batch_manifest
from pipelines.model_store import pipeline_model
from pipelines.records_plan import filing_plan
from pipelines.report import batch_report, document_line
from pipelines.settings import Settings, open_index
from pipelines.steps import Step
from pipelines.trusted_time import timestamp_archive
from scanners import OcrSettings, RejectedInput, estimate_pages

# One document's way into the archive, step by step. The audit events each step writes are
# what `eakte show` lists, in this order. The first step that finishes the document ends its
# way: a known original at `deduplicate`, every other one at `archive_document`.
INGEST_STEPS: tuple[Step, ...] = (
    Step(steps.hash_original),
    Step(steps.deduplicate),  # a known original: resumed (archived) or duplicate; no event
    Step(steps.receive, writes=("received",)),  # a new document, or a rescan's next version
    Step(steps.intake),
    Step(steps.ocr, writes=("ocr",)),
    Step(steps.classify, writes=("classified",)),
    Step(steps.write_transfer_note),
    Step(steps.archive_document, writes=("archived",)),  # "version_added" for a rescan
)


@flow(name="eakte-ingest", task_runner=ThreadPoolTaskRunner(max_workers=os.cpu_count() or 1))
def ingest_batch(
    sources: list[str],
    batch_id: str,
    batch_name: str,
    settings: Settings,
    manifest: BatchManifest | None = None,
) -> dict[str, Any]:
    """Ingest one batch of scans into the archive under `settings.data_dir`.

    `manifest` is the batch's checked `batch.toml` (see `run_batch`), or None without one.
    """
    plan = load_file_plan(settings.file_plan)
    model, model_warning = pipeline_model(settings.data_dir, plan)
    archive = Archive(settings.data_dir, index=open_index(settings), filing=filing_plan(plan))
    try:
        with archive.transaction() as session:
            head_before, _ = audit_head(session)
        archive.start_batch(batch_id, batch_name)
        index_at_start = index_upkeep.catch_up(archive)
        ctx = _context(archive, plan, model, settings, batch_id, batch_name, manifest)
        lines = _ingest_documents(sources, ctx)
        archive.finish_batch(batch_id)
        search_index = compact_index_task(quote(archive), index_at_start)
        warnings = [model_warning] if model_warning else []
        with archive.transaction() as session:
            chain_head = audit_head(session)
        report = batch_report(batch_id, batch_name, model, warnings, search_index, lines)
        report["trusted_time"] = timestamp_archive(
            settings.data_dir, chain_head, settings, seal_blobs=True, head_before=head_before
        )
        return report
    finally:
        archive.close()


def _ingest_documents(sources: list[str], ctx: Context) -> list[dict[str, Any]]:
    """Every document's report line, in the order of `sources`."""
    # Longest documents first, so that no core idles at the end on one long file.
    order = sorted(sources, key=lambda s: estimate_pages(Path(s)), reverse=True)
    futures = {s: document_task.submit(Path(s), quote(ctx)) for s in order}
    return [futures[source].result() for source in sources]


@task(name="document", cache_policy=NO_CACHE)
def document_task(source: Path, ctx: Context) -> dict[str, Any]:
    """All steps of one document; returns its line of the batch report."""
    item = run_steps(Item(source), ctx)
    line = document_line(item)
    progress.document_done(str(source), line["status"])
    return line


def run_steps(item: Item, ctx: Context) -> Item:
    """Run the declared steps on one document until one finishes it, or send it to quarantine."""
    try:
        with tempfile.TemporaryDirectory(prefix="doc-", dir=ctx.workdir) as tmp:
            item = replace(item, workdir=Path(tmp))
            for step in INGEST_STEPS:
                item = step.task(quote(item), quote(ctx))
                if item.finished:
                    break
        return item
    except RejectedInput as exc:
        return steps.quarantine(item, ctx, exc.reason)
    except Exception as exc:  # a bug or an environment fault must not stop the batch
        reason = f"internal error: {type(exc).__name__}: {exc}"
        return steps.quarantine(item, ctx, reason, traceback.format_exc())


@task(name="compact-index", cache_policy=NO_CACHE)
def compact_index_task(archive: Archive, at_start: dict[str, Any]) -> dict[str, Any]:
    return index_upkeep.after_batch(archive, at_start)


def _context(
    archive: Archive,
    plan: FilePlan,
    model: TextModel | None,
    settings: Settings,
    batch_id: str,
    batch_name: str,
    manifest: BatchManifest | None,
) -> Context:
    """What every document of the batch shares, from the settings and the file plan."""
    workdir = settings.data_dir / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    return Context(
        archive=archive,
        plan=plan,
        model=model,
        ocr=OcrSettings(
            languages=settings.languages,
            deskew=settings.deskew,
            max_pixels=int(settings.max_megapixels * 1e6),
            page_timeout_s=settings.ocr_page_timeout,
        ),
        threshold=settings.review_threshold
        if settings.review_threshold is not None
        else plan.review_threshold,
        batch_id=batch_id,
        workdir=workdir,
        batch_name=batch_name,
        manifest=manifest,
        tsa_url=settings.tsa_url,
    )


def run_batch(
    sources: list[str],
    batch_id: str,
    batch_name: str,
    settings: Settings,
    manifest: BatchManifest | None = None,
) -> dict[str, Any]:
    """Run the flow with as many document threads as the settings allow.

    Without `manifest`, the one in the folder all sources share is read and checked here,
    before the flow starts: a broken manifest (ManifestError) refuses the batch before any
    document is touched.
    """
    if manifest is None:
        manifest = load_batch_manifest(
            sources, settings.file_plan, operator_required_from=settings.operator_required_from
        )
    runner = ThreadPoolTaskRunner(max_workers=settings.workers)
    return ingest_batch.with_options(task_runner=runner)(
        sources, batch_id, batch_name, settings, manifest
    )
