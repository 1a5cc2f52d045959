"""The batch report (`eakte ingest --json`): one line per input, counts, and the batch's facts."""

from __future__ import annotations

from typing import Any

from classifiers.model import TextModel
from pipelines.item import Item
from pipelines.profile import document_profile
from pipelines.steps import LOW_OCR_CONFIDENCE

# Every line of the batch report has these keys (null where they do not apply).
# `ocr_applied`: the archived text comes from OCR (false: a born-digital PDF's own text layer);
# `text_layer_dropped`: why a born-digital PDF's text layer could not be kept as PDF/A, so that
# its pages were rasterised and OCR'd instead. `profile`: the document's seconds in total and
# per step (`pipelines.profile`), for every document a step was run on.
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
    "ocr_applied",
    "text_layer_dropped",
    "reason",
    "quarantine_copy",
    "profile",
)
# Statuses of inputs that were not archived: each line says why, and nothing else about them.
# `interrupted`: a full disk stopped the batch in this document; `not_reached`: the batch
# stopped before it (`pipelines.faults`); neither is quarantined, a rerun ingests them.
NOT_ARCHIVED = ("quarantined", "interrupted", "not_reached")


def document_line(item: Item, seconds: float | None = None) -> dict[str, Any]:
    """The report line of a document the steps are done with (in `seconds`, if timed)."""
    line: dict[str, Any] = dict.fromkeys(REPORT_FIELDS)
    line.update(source=str(item.source), sha256=item.sha256, status=item.status)
    if seconds is not None:
        line["profile"] = document_profile(item, seconds)
    if item.status in NOT_ARCHIVED:
        copy = item.quarantine_copy
        line.update(reason=item.reason, quarantine_copy=str(copy) if copy else None)
        return line
    line["document_id"] = item.document_id
    scan, classification = item.scan, item.classification
    if scan is not None and classification is not None:  # not finished as a known original
        line.update(
            doc_type=classification.doc_type,
            confidence=round(classification.confidence, 3),
            classified_by=classification.source,
            pages=len(scan.pages),
            ocr_confidence=scan.mean_confidence,
            low_confidence_pages=scan.pages_to_check(LOW_OCR_CONFIDENCE),
            unrecognised_pages=scan.unrecognised_pages,
            ocr_applied=scan.ocr_applied,
            text_layer_dropped=scan.text_layer_dropped,
        )
    line["reason"] = item.reason
    return line


def skipped_line(source: str, reason: str) -> dict[str, Any]:
    """The report line of something in the scan folder that is not an input, and why."""
    line: dict[str, Any] = dict.fromkeys(REPORT_FIELDS)
    line.update(source=source, status="skipped", reason=reason)
    return line


def batch_report(
    batch_id: str,
    batch_name: str,
    model: TextModel | None,
    warnings: list[str],
    search_index: dict[str, Any],
    lines: list[dict[str, Any]],
) -> dict[str, Any]:
    """The whole report: the batch, its classifier, counts per status, and every line."""
    counts = {"archived": 0, "needs_review": 0, "duplicate": 0, "quarantined": 0}
    for line in lines:  # and "skipped", "interrupted", "not_reached" where there are any
        counts[line["status"]] = counts.get(line["status"], 0) + 1
    return {
        "batch_id": batch_id,
        "batch": batch_name,
        "classifier": model.info.training_set_sha256[:8] if model else "rules",
        "warnings": warnings,
        "search_index": search_index,
        "counts": counts,
        "documents": lines,
    }
