"""The ingest flow: one Prefect flow run per batch; per document, a task run per declared step.

Documents run side by side in threads (one per core); each OCR runs in its own process with
one thread, so never more OCR processes than cores. Anything that fails for one document sends
that document to quarantine with its reason; the batch goes on. A full disk, or a catalog
database that cannot be reached, is no document's fault: it stops the batch, and the report
says what was done (`pipelines.faults`).
"""

from __future__ import annotations

import stat
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from archive.audit import head as audit_head
from archive.catalog import CatalogUnreachableError
from archive.store import Archive
from classifiers.fileplan import FilePlan, load_file_plan
from classifiers.model import TextModel
from pipelines import index_upkeep, progress, steps, stopping
from pipelines.faults import disk_full
from pipelines.flow_parameters import IngestFlow
from pipelines.item import Context, Item
from pipelines.manifest import BatchManifest, load_batch_manifest
from pipelines.model_store import pipeline_model
from pipelines.profile import TimedIndex, batch_profile
from pipelines.records_plan import filing_plan
from pipelines.report import batch_report, document_line, skipped_line
from pipelines.settings import Settings, open_archive
from pipelines.steps import Step
from pipelines.trusted_time import timestamp_archive
from pipelines.workspace import work_dir
from scanners import OcrSettings, OcrStopped, RejectedInput, estimate_pages

# One document's way into the archive, step by step. The audit events each step writes are
# what `eakte show` lists, in this order. The first step that finishes the document ends its
# way: a known original at `deduplicate`, every other one at `archive_document`.
INGEST_STEPS: tuple[Step, ...] = (
    Step("hash", steps.hash_original),
    # a known original: resumed (archived) or duplicate; no event
    Step("deduplicate", steps.deduplicate),
    # a new document, or a rescan's next version
    Step("receive", steps.receive, writes=("received",)),
    Step("intake", steps.intake),
    Step("ocr", steps.ocr, writes=("ocr",)),
    Step("classify", steps.classify, writes=("classified",)),
    Step("transfer-note", steps.write_transfer_note),
    Step("archive", steps.archive_document, writes=("archived",)),  # "version_added" for a rescan
)

T = TypeVar("T")
# Why a batch stopped, for its report, each line it left and the message on stderr.
DISK_FULL = "a disk it writes to is full ({why})"


def ingest_batch(
    sources: list[str],
    batch_id: str,
    batch_name: str,
    settings: Settings,
    manifest: BatchManifest | None = None,
    skipped: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Ingest one batch of scans into the archive under `settings.data_dir`: the Prefect
    flow `run_batch` runs.

    `manifest` is the batch's checked `batch.toml` (see `run_batch`), or None without one;
    `skipped`: what the scan folder held besides inputs, with the reason (`pipelines.inputs`).
    A full disk or an unreachable catalog database stops the batch (`pipelines.faults`): the
    report then says so in `stopped`, and the batch is left unfinished, for a rerun to finish.
    """
    started = time.perf_counter()
    plan = load_file_plan(settings.file_plan)
    model, model_warning = pipeline_model(settings.data_dir, plan)
    try:
        archive = open_archive(settings, filing_plan(plan))
    except Exception as exc:  # a disk too full to open the catalog, a catalog server down
        if (why := stops_batch(exc, settings.data_dir)) is None:
            raise
        stopped = f"{why} as the batch started"
        lines = [document_line(_not_reached(Item(Path(s)), stopped)) for s in sources]
        lines += [skipped_line(source, reason) for source, reason in (skipped or {}).items()]
        report = batch_report(batch_id, batch_name, model, [], {}, lines)
        return {**report, "trusted_time": None, "stopped": stopped}
    archive.index = TimedIndex(archive.index)
    try:
        ctx = _context(archive, plan, model, settings, batch_id, batch_name, manifest)
        batch_steps = {"start": -time.perf_counter()}
        begun = _unless_disk_full(ctx, "as the batch started", lambda: _start(ctx))
        batch_steps["start"] += time.perf_counter()
        head_before, at_start = begun or (0, {})
        lines = _ingest_documents(sources, ctx)
        finished = None
        if ctx.stop.reason is None:
            batch_steps["finish"] = -time.perf_counter()
            finished = _unless_disk_full(
                ctx, "as the batch ended", lambda: _finish(ctx, settings, head_before, at_start)
            )
            batch_steps["finish"] += time.perf_counter()
        search_index, trusted_time, index_warnings = finished or ({}, None, [])
        lines += [skipped_line(source, reason) for source, reason in (skipped or {}).items()]
        warnings = [model_warning] if model_warning else []
        warnings += index_warnings
        report = batch_report(batch_id, batch_name, model, warnings, search_index, lines)
        report["trusted_time"] = trusted_time
        report["profile"] = batch_profile(lines, time.perf_counter() - started, batch_steps)
        if ctx.stop.reason is not None:
            report["stopped"] = ctx.stop.reason
        return report
    finally:
        archive.close()


def _start(ctx: Context) -> tuple[int, dict[str, Any]]:
    """Open the batch and bring the index up to the catalog: the audit chain's head before it
    (what the batch's timestamp must cover) and what `index_upkeep.catch_up` did (or that the
    search server is away)."""
    with ctx.archive.transaction() as session:
        head_before, _ = audit_head(session)
    ctx.archive.start_batch(ctx.batch_id, ctx.batch_name)
    at_start = index_upkeep.catch_up(ctx.archive)
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    return head_before, at_start


def _finish(
    ctx: Context, settings: Settings, head_before: int, at_start: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Close the batch, index what waited for the index, tidy it, timestamp: (the index's
    report, the trusted time's, warnings)."""
    ctx.archive.finish_batch(ctx.batch_id)
    search_index, index_warnings = compact_index_task(quote(ctx.archive), at_start)
    with ctx.archive.transaction() as session:
        chain_head = audit_head(session)
    trusted_time = timestamp_archive(
        settings.data_dir, chain_head, settings, seal_blobs=True, head_before=head_before
    )
    return search_index, trusted_time, index_warnings


def _unless_disk_full(ctx: Context, when: str, work: Callable[[], T]) -> T | None:
    """`work()`; a full disk (or an unreachable catalog) stops the batch (and gives None)
    instead of failing the flow."""
    try:
        return work()
    except Exception as exc:
        if (why := stops_batch(exc, ctx.archive.data_dir)) is None:
            raise
        ctx.stop.stop(f"{why} {when}")
        return None


def stops_batch(exc: BaseException, data_dir: Path) -> str | None:
    """Why `exc` stops the whole batch instead of failing one document (every document after
    it would meet it too): a full disk, or a catalog database that cannot be reached."""
    if (why := disk_full(exc, data_dir)) is not None:
        return DISK_FULL.format(why=why)
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, CatalogUnreachableError):
            return str(current)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _ingest_documents(sources: list[str], ctx: Context) -> list[dict[str, Any]]:
    """Every document's report line, in the order of `sources`."""
    # Longest documents first, so that no core idles at the end on one long file.
    order = sorted(sources, key=lambda s: _pages(Path(s), ctx.max_input_bytes), reverse=True)
    futures = {s: document_task.submit(Path(s), quote(ctx)) for s in order}
    try:
        return [futures[source].result() for source in sources]
    except BaseException:  # a stop signal (or a fault) ends the batch: end its OCR at once
        stopping.request_stop()
        raise


def _pages(source: Path, max_bytes: int) -> int:
    """Pages for the order of work; 1 for an input the first step rejects unread."""
    try:
        info = source.lstat()
    except OSError:
        return 1
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        return 1
    return estimate_pages(source)


@task(name="document", cache_policy=NO_CACHE)
def document_task(source: Path, ctx: Context) -> dict[str, Any]:
    """All steps of one document; returns its line of the batch report."""
    started = time.perf_counter()
    item = run_steps(Item(source), ctx)
    line = document_line(item, time.perf_counter() - started)
    progress.document_done(str(source), line["status"])
    return line


def run_steps(item: Item, ctx: Context) -> Item:
    """Run the declared steps on one document until one finishes it, or send it to quarantine.

    Whatever happens, the document ends with a status and a reason for its report line, also
    when quarantine itself fails. A full disk or an unreachable catalog stops the batch
    instead: this document is `interrupted`, those not yet begun are `not_reached`, and none
    of them is quarantined.
    """
    if ctx.stop.reason is not None:
        return _not_reached(item, ctx.stop.reason)
    try:
        return _steps_or_quarantine(item, ctx)
    except Exception as exc:
        why = stops_batch(exc, ctx.archive.data_dir)
        if why is None:  # a fault beyond quarantine's own handling: still a line, and a reason
            reason = f"internal error: {type(exc).__name__}: {exc}; no copy and no record kept"
            return replace(item, status="quarantined", reason=reason, finished=True)
        ctx.stop.stop(why)
        return steps.interrupted(item, f"not archived, nothing of it kept: {ctx.stop.reason}")


def _not_reached(item: Item, stopped: str) -> Item:
    return steps.not_reached(item, f"not reached: the batch stopped, {stopped}")


def _steps_or_quarantine(item: Item, ctx: Context) -> Item:
    try:
        with tempfile.TemporaryDirectory(prefix="doc-", dir=ctx.workdir) as tmp:
            item = replace(item, workdir=Path(tmp))
            for step in INGEST_STEPS:
                if ctx.stop.reason is not None:  # another document found the disk full
                    return steps.interrupted(item, f"the batch stopped, {ctx.stop.reason}")
                stopping.check()
                item = step.run(item, ctx)
                if item.finished:
                    break
        return item
    except (stopping.BatchStopped, OcrStopped):
        raise  # not the document's fault: the next run takes it up again
    except RejectedInput as exc:
        if stops_batch(exc, ctx.archive.data_dir) is not None:
            raise
        return steps.quarantine(item, ctx, exc.reason, keep_copy=exc.keep_copy)
    except Exception as exc:  # a bug or an environment fault must not stop the batch
        if stops_batch(exc, ctx.archive.data_dir) is not None:
            raise
        reason = f"internal error: {type(exc).__name__}: {exc}"
        return steps.quarantine(item, ctx, reason, traceback.format_exc())


@task(name="compact-index", cache_policy=NO_CACHE)
def compact_index_task(
    archive: Archive, at_start: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
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
    return Context(
        archive=archive,
        plan=plan,
        model=model,
        ocr=OcrSettings(
            languages=settings.languages,
            deskew=settings.deskew,
            max_pixels=int(settings.max_megapixels * 1e6),
            page_timeout_s=settings.ocr_page_timeout,
            max_pages=settings.max_pages,
            memory_limit_mb=settings.ocr_memory_mb,
        ),
        threshold=settings.review_threshold
        if settings.review_threshold is not None
        else plan.review_threshold,
        batch_id=batch_id,
        workdir=work_dir(settings.data_dir),
        batch_name=batch_name,
        manifest=manifest,
        tsa_url=settings.tsa_url,
        max_input_bytes=settings.max_input_bytes,
    )


def run_batch(
    sources: list[str],
    batch_id: str,
    batch_name: str,
    settings: Settings,
    manifest: BatchManifest | None = None,
    skipped: dict[str, str] | None = None,
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
    # One flow object per batch, made here with the batch's task runner (a flow made at
    # import and copied by `with_options` was built twice).
    runner = ThreadPoolTaskRunner(max_workers=settings.workers)
    ingest = IngestFlow(ingest_batch, name="eakte-ingest", task_runner=runner)
    return ingest(sources, batch_id, batch_name, settings, manifest, skipped)
