"""The steps of one document's way into the archive, small functions run in order within the
document's Prefect task (`pipelines.flow.document_task`).

A step takes the document as the steps before it left it (`Item`) and what the whole batch
shares (`Context`), writes its own audit event, if it has one, and returns the document with
what it learnt. `pipelines.flow` declares their order. A step that finds nothing more to do
(a known original, or the archive's answer) marks the document finished; one that cannot go
on raises `RejectedInput`, and the document goes to quarantine (`quarantine`).
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from archive.blobs import sha256_file
from archive.documents import BatchItemRecord
from archive.store import document_id_for
from classifiers.decide import decide
from classifiers.extract import extract
from pipelines.document_record import document_record
from pipelines.faults import disk_full
from pipelines.inputs import LINK
from pipelines.item import Context, Item
from pipelines.profile import timed
from pipelines.transfer_note import FILE_TIME_BASIS, build_transfer_note, toolchain_versions
from scanners import RejectedInput, prepare_input, scan_to_pdfa
from scanners.capture_time import capture_time

# Pages read with less mean word confidence than this are listed for the scanning team to check
# (`low_confidence_pages`), together with pages the OCR engine gave up on (`unrecognised_pages`).
LOW_OCR_CONFIDENCE = 70.0


@dataclass(frozen=True)
class Step:
    """A step of the document's way, and the audit events it writes, in their order."""

    name: str
    run: Callable[[Item, Context], Item]
    writes: tuple[str, ...] = ()


@timed("intake")
def hash_original(item: Item, ctx: Context) -> Item:
    """The SHA-256 that identifies the document, and the two moments its transfer note names."""
    ingested_at = datetime.now().astimezone()
    _check_input(item.source, ctx.max_input_bytes)
    try:
        sha = sha256_file(item.source)
        recorded = capture_time(item.source)  # the scan's own metadata first
        captured_at, basis = (
            (recorded.at, recorded.basis)
            if recorded
            else (datetime.fromtimestamp(item.source.stat().st_mtime).astimezone(), FILE_TIME_BASIS)
        )
    except OSError as exc:
        raise RejectedInput(item.source, f"cannot be read: {exc.strerror or exc}") from exc
    return replace(
        item, sha256=sha, ingested_at=ingested_at, captured_at=captured_at,
        captured_at_basis=basis,
    )  # fmt: skip


def _check_input(source: Path, limit: int) -> None:
    """Before anything reads it: a regular file (a link swapped in after the folder was
    listed is not followed) within the size limit. Neither kind of rejection is copied."""
    try:
        info = source.lstat()
    except OSError as exc:
        raise RejectedInput(
            source, f"cannot be read: {exc.strerror or exc}", keep_copy=False
        ) from exc
    if stat.S_ISLNK(info.st_mode):
        raise RejectedInput(source, LINK, keep_copy=False)
    if not stat.S_ISREG(info.st_mode):
        raise RejectedInput(source, "not a regular file, not read", keep_copy=False)
    if info.st_size > limit:
        raise RejectedInput(
            source,
            f"{info.st_size:,} bytes, more than the {limit:,} an input may have "
            "(max_input_bytes); not read and not copied to quarantine, the original stays "
            "where it is",
            keep_copy=False,
        )


@timed("intake")
def deduplicate(item: Item, ctx: Context) -> Item:
    """An original the archive holds already is finished here: resumed, or a duplicate."""
    assert item.sha256 is not None
    existing = ctx.archive.find(item.sha256)
    if existing is None:
        return item
    document_id, batch_id = existing
    status = "archived" if batch_id == ctx.batch_id else "duplicate"
    ctx.archive.record_item(
        ctx.batch_id, BatchItemRecord(str(item.source), item.sha256, status, document_id, None)
    )
    reason = f"already archived in batch {batch_id}" if status == "duplicate" else None
    return replace(item, document_id=document_id, status=status, reason=reason, finished=True)


@timed("intake")
def receive(item: Item, ctx: Context) -> Item:
    """A new document, or the next version of the one the batch manifest says it rescans."""
    assert item.sha256 is not None
    document_id = document_id_for(item.sha256)
    replaces = ctx.manifest.replaces.get(item.source.name) if ctx.manifest else None
    if replaces is not None:
        target = ctx.archive.get(replaces)
        if target is None or target.disposed:
            raise RejectedInput(
                item.source,
                f"the batch manifest names it a rescan of {replaces}, which is not archived",
            )
        document_id = replaces
    ctx.archive.audit(
        "received", document_id, ctx.batch_id, {"source": str(item.source), "sha256": item.sha256}
    )
    return replace(item, document_id=document_id, replaces=replaces)


@timed("intake")
def intake(item: Item, ctx: Context) -> Item:
    """Type by content; images become a PDF for the OCR."""
    assert item.workdir is not None
    prepared = prepare_input(
        item.source,
        item.workdir,
        max_pixels=ctx.ocr.max_pixels,
        default_dpi=ctx.ocr.default_dpi,
        max_pages=ctx.ocr.max_pages,
    )
    return replace(item, prepared=prepared)


@timed("ocr")
def ocr(item: Item, ctx: Context) -> Item:
    """Verified PDF/A with the OCR engine's page text and confidence."""
    assert item.prepared is not None and item.workdir is not None
    scan = scan_to_pdfa(item.prepared, item.workdir / "pdfa.pdf", ctx.ocr)
    ctx.archive.audit(
        "ocr",
        item.document_id,
        ctx.batch_id,
        {
            "pages": len(scan.pages),
            "ocr_applied": scan.ocr_applied,
            "text_layer_dropped": scan.text_layer_dropped,
            "pdfa_changes": list(scan.pdfa_changes),
            "mean_confidence": scan.mean_confidence,
            "page_confidence": [p.confidence for p in scan.pages],
            "unrecognised_pages": scan.unrecognised_pages,
            "seconds": round(scan.seconds, 2),
            "software": scan.software,
            "reruns": list(scan.reruns),  # an OCR process run again, and why
        },
    )
    return replace(item, scan=scan)


@timed("classification")
def classify(item: Item, ctx: Context) -> Item:
    """Type and file-plan unit (rules, then the model), identifiers and dates from the text."""
    assert item.scan is not None
    text, plan = item.scan.text, ctx.plan
    classification = decide(text, plan, ctx.model)
    extraction = extract(text, plan.aktenzeichen_pattern, plan.iban_countries)
    status = "archived" if classification.confidence >= ctx.threshold else "needs_review"
    ctx.archive.audit(
        "classified",
        item.document_id,
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
    return replace(item, classification=classification, extraction=extraction, status=status)


@timed("archive")
def write_transfer_note(item: Item, ctx: Context) -> Item:
    """The transfer note of the scan (TR-RESISCAN), bound to original and PDF/A by their hashes."""
    assert item.scan is not None and item.prepared is not None
    assert item.document_id and item.sha256 and item.captured_at and item.ingested_at
    note = build_transfer_note(
        document_id=item.document_id,
        batch_id=ctx.batch_id,
        batch_name=ctx.batch_name or ctx.batch_id,
        manifest=ctx.manifest,
        source_name=str(item.source),
        source_kind=item.prepared.kind,
        captured_at=item.captured_at,
        captured_at_basis=item.captured_at_basis or FILE_TIME_BASIS,
        tsa_url=ctx.tsa_url,
        ingested_at=item.ingested_at,
        scan=item.scan,
        expected_pages=item.prepared.pages,
        languages=ctx.ocr.languages,
        deskew=ctx.ocr.deskew,
        rotate_pages=ctx.ocr.rotate_pages,
        low_confidence=LOW_OCR_CONFIDENCE,
        software=toolchain_versions(item.prepared.converter),
        converter=item.prepared.converter,
        sha256_original=item.sha256,
        # Hashed here, not by the archive, so the note can hold it; the blob store hashes the
        # same bytes again when it stores them, and `eakte verify` re-checks both.
        sha256_pdfa=sha256_file(item.scan.pdfa),
    )
    return replace(item, note=note)


@timed("archive")
def archive_document(item: Item, ctx: Context) -> Item:
    """Store original, PDF/A and catalog record once; the archive writes the audit event."""
    assert item.scan is not None and item.classification is not None
    record = document_record(item, ctx)
    status = ctx.archive.store(record, item.source, item.scan.pdfa)
    reasons = []
    if item.classification.confidence < ctx.threshold:
        reasons.append(
            f"classification confidence {item.classification.confidence:.2f} below "
            f"{ctx.threshold:.2f}"
        )
    if status == "needs_review" and (stored := ctx.archive.get(record.document_id)) is not None:
        # the archive keeps a document unfiled whose Akte was destroyed or handed over
        reasons += [stored.facts["not_filed"]] if "not_filed" in stored.facts else []
    if item.replaces:
        reasons.append(f"new version of {item.replaces}")
    return replace(item, status=status, reason="; ".join(reasons) or None, finished=True)


def quarantine(
    item: Item, ctx: Context, reason: str, details: str | None = None, *, keep_copy: bool = True
) -> Item:
    """Keep a copy of the input beside the reason; the original is never changed.

    A fault of quarantine itself ends here too, as the document's reason: the batch goes on.
    Only a full disk is raised, for the flow to stop the batch (`pipelines.faults`).
    """
    note = reason if details is None else f"{reason}\n{details}"
    copy = None
    try:
        kept = ctx.archive.quarantine(
            ctx.batch_id, item.source, item.sha256, note, keep_copy=keep_copy
        )
        # what the archive added to the note: why no copy could be kept, if none was
        copy, reason = kept.copy, reason + kept.reason[len(note) :]
    except Exception as exc:
        if disk_full(exc, ctx.archive.data_dir) is not None:
            raise
        reason = (
            f"{reason}; quarantine failed, no copy and no record kept: {type(exc).__name__}: {exc}"
        )
    return replace(item, status="quarantined", reason=reason, quarantine_copy=copy, finished=True)


def interrupted(item: Item, why: str) -> Item:
    """A document the batch stopped in: nothing of it is kept, a rerun ingests it."""
    return replace(item, status="interrupted", reason=why, quarantine_copy=None, finished=True)


def not_reached(item: Item, why: str) -> Item:
    """A document the batch did not come to before it stopped; nothing of it was read."""
    return replace(item, status="not_reached", reason=why, finished=True)
