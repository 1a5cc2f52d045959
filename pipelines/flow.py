"""The ingest flow: one Prefect flow run per batch, a task run per document step.

Documents run side by side in threads (one per core); each OCR runs in its own process with
one thread, so never more OCR processes than cores. Anything that fails for one document sends
that document to quarantine with its reason; the batch goes on.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from archive.blobs import sha256_file
from archive.documents import BatchItemRecord, DocumentRecord, IdentifierRecord, PageRecord
from archive.store import TAX_IDENTIFIER_KINDS, Archive, document_id_for
from classifiers.decide import decide
from classifiers.extract import Extraction, extract
from classifiers.fileplan import FilePlan, load_file_plan
from classifiers.model import TextModel
from classifiers.rules import Classification
from pipelines import index_upkeep, progress
from pipelines.manifest import BatchManifest, load_batch_manifest
from pipelines.model_store import pipeline_model
from pipelines.settings import Settings, open_index
from pipelines.transfer_note import build_transfer_note, toolchain_versions
from scanners import (
    OcrSettings,
    PreparedInput,
    RejectedInput,
    ScanResult,
    estimate_pages,
    prepare_input,
    scan_to_pdfa,
)

# Every line of the batch report has these keys (null where they do not apply).
REPORT_FIELDS = (
    "source",
    "sha256",
    "status",
    "document_id",
    "doc_type",
    "confidence",
    "classified_by",
    "pages",
    "ocr_confidence",
    "low_confidence_pages",
    "unrecognised_pages",
    "reason",
    "quarantine_copy",
)
# Pages read with less mean word confidence than this are listed for the scanning team to check
# (`low_confidence_pages`), together with pages the OCR engine gave up on (`unrecognised_pages`).
LOW_OCR_CONFIDENCE = 70.0


@dataclass(frozen=True)
class Context:
    """What every document of a batch shares."""

    archive: Archive
    plan: FilePlan
    model: TextModel | None  # None: the file plan's rules alone
    ocr: OcrSettings
    threshold: float
    batch_id: str
    workdir: Path
    batch_name: str = ""
    manifest: BatchManifest | None = None  # what the scanning team stated about the batch


@task(name="intake", cache_policy=NO_CACHE)
def intake_step(source: Path, workdir: Path, ocr: OcrSettings) -> PreparedInput:
    return prepare_input(source, workdir, max_pixels=ocr.max_pixels, default_dpi=ocr.default_dpi)


@task(name="ocr", cache_policy=NO_CACHE)
def ocr_step(prepared: PreparedInput, workdir: Path, ocr: OcrSettings) -> ScanResult:
    return scan_to_pdfa(prepared, workdir / "pdfa.pdf", ocr)


@task(name="classify", cache_policy=NO_CACHE)
def classify_step(
    text: str, plan: FilePlan, model: TextModel | None
) -> tuple[Classification, Extraction]:
    return decide(text, plan, model), extract(text, plan.aktenzeichen_pattern, plan.iban_countries)


@task(name="archive", cache_policy=NO_CACHE)
def archive_step(record: DocumentRecord, source: Path, pdfa: Path, archive: Archive) -> str:
    return archive.store(record, source, pdfa)


@task(name="compact-index", cache_policy=NO_CACHE)
def compact_index_task(archive: Archive) -> dict[str, Any]:
    return index_upkeep.tidy(archive.index)


@task(name="document", cache_policy=NO_CACHE)
def document_task(source: Path, ctx: Context) -> dict[str, Any]:
    """All steps of one document; returns its line of the batch report."""
    line: dict[str, Any] = dict.fromkeys(REPORT_FIELDS)
    line["source"] = str(source)
    try:
        line.update(_process(source, ctx, line))
    except RejectedInput as exc:
        line.update(_quarantine(source, ctx, line.get("sha256"), exc.reason))
    except Exception as exc:  # a bug or an environment fault must not stop the batch
        reason = f"internal error: {type(exc).__name__}: {exc}"
        line.update(_quarantine(source, ctx, line.get("sha256"), reason, traceback.format_exc()))
    progress.document_done(str(source), line["status"])
    return line


def _process(source: Path, ctx: Context, line: dict[str, Any]) -> dict[str, Any]:
    # For the transfer note: when the scan arrived here, and when it was scanned (the file's
    # modification time: the one trace of that moment every delivered file has).
    ingested_at = datetime.now().astimezone()
    try:
        sha = sha256_file(source)
        captured_at = datetime.fromtimestamp(source.stat().st_mtime).astimezone()
    except OSError as exc:
        raise RejectedInput(source, f"cannot be read: {exc.strerror or exc}") from exc
    line["sha256"] = sha
    document_id = document_id_for(sha)
    existing = ctx.archive.find(sha)
    if existing is not None:
        status = "archived" if existing[1] == ctx.batch_id else "duplicate"
        ctx.archive.record_item(
            ctx.batch_id, BatchItemRecord(str(source), sha, status, existing[0], None)
        )
        return {
            "status": status,
            "document_id": existing[0],
            "reason": _duplicate_reason(status, existing),
        }
    replaces = ctx.manifest.replaces.get(source.name) if ctx.manifest else None
    if replaces is not None:
        target = ctx.archive.get(replaces)
        if target is None or target.disposed:
            raise RejectedInput(
                source, f"the batch manifest names it a rescan of {replaces}, which is not archived"
            )
        document_id = replaces
    ctx.archive.audit("received", document_id, ctx.batch_id, {"source": str(source), "sha256": sha})
    with tempfile.TemporaryDirectory(prefix="doc-", dir=ctx.workdir) as tmp:
        workdir = Path(tmp)
        prepared = intake_step(source, workdir, ctx.ocr)
        scan = ocr_step(prepared, workdir, ctx.ocr)
        ctx.archive.audit(
            "ocr",
            document_id,
            ctx.batch_id,
            {
                "pages": len(scan.pages),
                "ocr_applied": scan.ocr_applied,
                "mean_confidence": scan.mean_confidence,
                "page_confidence": [p.confidence for p in scan.pages],
                "unrecognised_pages": scan.unrecognised_pages,
                "seconds": round(scan.seconds, 2),
                "software": scan.software,
            },
        )
        classification, extraction = classify_step(scan.text, ctx.plan, quote(ctx.model))
        status = "archived" if classification.confidence >= ctx.threshold else "needs_review"
        ctx.archive.audit(
            "classified",
            document_id,
            ctx.batch_id,
            {
                "doc_type": classification.doc_type,
                "confidence": classification.confidence,
                "classified_by": classification.source,
                "model": ctx.model.info.training_set_sha256 if ctx.model else None,
                "evidence": list(classification.evidence),
                "threshold": ctx.threshold,
                "status": status,
            },
        )
        # Hashed here, not by the archive, so the note can hold it; the blob store hashes the
        # same bytes again when it stores them, and `eakte verify` re-checks both.
        note = build_transfer_note(
            document_id=document_id,
            batch_id=ctx.batch_id,
            batch_name=ctx.batch_name or ctx.batch_id,
            manifest=ctx.manifest,
            source_name=str(source),
            source_kind=prepared.kind,
            captured_at=captured_at,
            ingested_at=ingested_at,
            scan=scan,
            expected_pages=prepared.pages,
            languages=ctx.ocr.languages,
            deskew=ctx.ocr.deskew,
            rotate_pages=ctx.ocr.rotate_pages,
            low_confidence=LOW_OCR_CONFIDENCE,
            software=toolchain_versions(),
            sha256_original=sha,
            sha256_pdfa=sha256_file(scan.pdfa),
        )
        record = _record(
            source, sha, document_id, prepared, scan, classification, extraction, status, ctx
        )
        # In the facts, so catalog and JSON sidecar both hold it beside the document.
        record = replace(
            record, facts={**record.facts, "transfer_note": note.model_dump(mode="json")}
        )
        status = archive_step(record, source, scan.pdfa, ctx.archive)
    return {
        "status": status,
        "document_id": document_id,
        "doc_type": classification.doc_type,
        "confidence": round(classification.confidence, 3),
        "classified_by": classification.source,
        "pages": len(scan.pages),
        "ocr_confidence": scan.mean_confidence,
        "low_confidence_pages": [
            p.number
            for p in scan.pages
            if not p.recognised or (p.confidence is not None and p.confidence < LOW_OCR_CONFIDENCE)
        ],
        "unrecognised_pages": scan.unrecognised_pages,
        "reason": f"classification confidence {classification.confidence:.2f} below "
        f"{ctx.threshold:.2f}"
        if status == "needs_review"
        else (f"new version of {replaces}" if replaces else None),
    }


def _duplicate_reason(status: str, existing: tuple[str, str]) -> str | None:
    return f"already archived in batch {existing[1]}" if status == "duplicate" else None


def _quarantine(
    source: Path, ctx: Context, sha: str | None, reason: str, details: str | None = None
) -> dict[str, Any]:
    copy = ctx.archive.quarantine(
        ctx.batch_id, source, sha, reason if details is None else f"{reason}\n{details}"
    )
    return {"status": "quarantined", "reason": reason, "quarantine_copy": str(copy)}


def _record(
    source: Path,
    sha: str,
    document_id: str,
    prepared: PreparedInput,
    scan: ScanResult,
    classification: Classification,
    extraction: Extraction,
    status: str,
    ctx: Context,
) -> DocumentRecord:
    unit = ctx.plan.unit(classification.unit)
    doc_type = ctx.plan.doc_type(classification.doc_type)
    aktenzeichen = tuple(i.value for i in extraction.identifiers if i.kind == "aktenzeichen")
    facts: dict[str, Any] = {}
    default = ctx.manifest.default_aktenzeichen if ctx.manifest else None
    if not aktenzeichen and default:
        # The box's Akte, stated by the scanning team; marked so nobody takes it as read.
        aktenzeichen = (default,)
        facts["aktenzeichen_source"] = "batch manifest (default_aktenzeichen)"
    return DocumentRecord(
        document_id=document_id,
        sha256_original=sha,
        source_name=str(source),
        source_kind=prepared.kind,
        batch_id=ctx.batch_id,
        status=status,
        doc_type=classification.doc_type,
        doc_label=classification.label,
        aktenplan_unit=classification.unit,
        # Tax secrecy follows the content too: an objection quoting a Steuernummer is tax data.
        tax_secret=doc_type.tax
        or any(i.kind in TAX_IDENTIFIER_KINDS for i in extraction.identifiers),
        confidence=classification.confidence,
        label_source=classification.source,
        title=extraction.title or classification.label,
        aktenzeichen=aktenzeichen,
        identifiers=tuple(
            IdentifierRecord(i.kind, i.value, i.raw)
            for i in extraction.identifiers
            if i.kind != "aktenzeichen"
        ),
        document_date=extraction.document_date,
        pages=tuple(PageRecord(p.number, p.text, p.confidence, p.source) for p in scan.pages),
        ocr_applied=scan.ocr_applied,
        ocr_confidence=scan.mean_confidence,
        file_plan_version=f"{ctx.plan.name} {ctx.plan.version}",
        facts={
            "dates": [d.isoformat() for d in extraction.dates],
            "evidence": list(classification.evidence),
            "aktenplan_title": unit.title,
            "retention": unit.retention.model_dump(),
            "software": scan.software,
            "ocr_seconds": round(scan.seconds, 2),
            **facts,
        },
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
    archive = Archive(settings.data_dir, index=open_index(settings))
    try:
        archive.start_batch(batch_id, batch_name)
        archive.reindex_missing()
        workdir = settings.data_dir / "work"
        workdir.mkdir(parents=True, exist_ok=True)
        ctx = Context(
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
        )
        # Longest documents first, so that no core idles at the end on one long file.
        order = sorted(sources, key=lambda s: estimate_pages(Path(s)), reverse=True)
        futures = {s: document_task.submit(Path(s), quote(ctx)) for s in order}
        lines = [futures[source].result() for source in sources]
        archive.finish_batch(batch_id)
        search_index = compact_index_task(quote(archive))
        counts = {"archived": 0, "needs_review": 0, "duplicate": 0, "quarantined": 0}
        for line in lines:
            counts[line["status"]] += 1
        return {
            "batch_id": batch_id,
            "batch": batch_name,
            "classifier": model.info.training_set_sha256[:8] if model else "rules",
            "warnings": [model_warning] if model_warning else [],
            "search_index": search_index,
            "counts": counts,
            "documents": lines,
        }
    finally:
        archive.close()


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
        manifest = load_batch_manifest(sources, settings.file_plan)
    runner = ThreadPoolTaskRunner(max_workers=settings.workers)
    return ingest_batch.with_options(task_runner=runner)(
        sources, batch_id, batch_name, settings, manifest
    )
