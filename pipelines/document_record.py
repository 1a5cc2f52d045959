"""The catalog record of one processed document: what the archive stores about it."""

from __future__ import annotations

from typing import Any

from archive.documents import DocumentRecord, IdentifierRecord, PageRecord
from archive.store import TAX_IDENTIFIER_KINDS
from classifiers.fileplan import AktenplanUnit
from pipelines.item import Context, Item


def document_record(item: Item, ctx: Context) -> DocumentRecord:
    """The record of an OCR'd and classified document with its transfer note."""
    scan, classification, extraction = item.scan, item.classification, item.extraction
    assert scan is not None and classification is not None and extraction is not None
    assert item.prepared is not None and item.sha256 and item.document_id and item.status
    unit = ctx.plan.unit(classification.unit)
    aktenzeichen, facts = _aktenzeichen(item, ctx)
    return DocumentRecord(
        document_id=item.document_id,
        sha256_original=item.sha256,
        source_name=str(item.source),
        source_kind=item.prepared.kind,
        batch_id=ctx.batch_id,
        status=item.status,
        doc_type=classification.doc_type,
        doc_label=classification.label,
        aktenplan_unit=classification.unit,
        # Tax secrecy follows the content too: an objection quoting a Steuernummer is tax data.
        tax_secret=ctx.plan.doc_type(classification.doc_type).tax
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
        facts=_facts(item, unit, facts),
    )


def _aktenzeichen(item: Item, ctx: Context) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The Aktenzeichen read on the document, else the box's; and a fact saying which."""
    assert item.extraction is not None
    found = tuple(i.value for i in item.extraction.identifiers if i.kind == "aktenzeichen")
    default = ctx.manifest.default_aktenzeichen if ctx.manifest else None
    if not found and default:
        # The box's Akte, stated by the scanning team; marked so nobody takes it as read.
        return (default,), {"aktenzeichen_source": "batch manifest (default_aktenzeichen)"}
    return found, {}


def _facts(item: Item, unit: AktenplanUnit, extra: dict[str, Any]) -> dict[str, Any]:
    """Everything else worth keeping, in the facts, so catalog and JSON sidecar both hold it."""
    scan, classification, extraction = item.scan, item.classification, item.extraction
    assert scan is not None and classification is not None and extraction is not None
    assert item.note is not None
    return {
        "dates": [d.isoformat() for d in extraction.dates],
        "evidence": list(classification.evidence),
        "aktenplan_title": unit.title,
        "retention": unit.retention.model_dump(),
        "software": scan.software,
        "ocr_seconds": round(scan.seconds, 2),
        **extra,
        "transfer_note": item.note.model_dump(mode="json"),
    }
