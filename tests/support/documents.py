"""Documents put into an archive directly, as if a batch had filed them: no OCR, no Prefect."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from archive.blobs import sha256_file
from archive.documents import DocumentRecord, IdentifierRecord, PageRecord
from archive.store import Archive, document_id_for


def store_document(
    archive: Archive,
    folder: Path,
    name: str,
    doc_type: str,
    status: str,
    text: str | None = None,
    label_source: str = "rule",
    *,
    unit: str = "0.2.1",
    tax_secret: bool = False,
    aktenzeichen: str | None = None,
    files: tuple[Path, Path] | None = None,
    document_date: date = date(2024, 6, 1),
    source_name: str | None = None,
    source_kind: str = "png",
    facts: dict[str, Any] | None = None,
    mentions: tuple[str, ...] = (),
) -> str:
    """Archive a small made-up document directly, as if a batch had filed it.

    `files`: a real (original, PDF/A) pair; by default, stand-ins of a few bytes.
    `source_name`: where the scan came from (default: the original's path); `source_kind`:
    the type intake detected in it; `facts`: e.g. a transfer note.
    `mentions`: further Aktenzeichen found in its text (it is filed under `aktenzeichen`).
    """
    found = (aktenzeichen, *mentions) if aktenzeichen else mentions
    if files:
        original, pdfa = files
    else:
        original = folder / f"{name}.png"
        original.write_bytes(b"\x89PNG\r\n\x1a\n" + name.encode())
        pdfa = folder / f"{name}.pdf"
        pdfa.write_bytes(b"%PDF-1.7 " + name.encode())
    sha = sha256_file(original)
    record = DocumentRecord(
        document_id=document_id_for(sha),
        sha256_original=sha,
        source_name=source_name or str(original),
        source_kind=source_kind,
        batch_id="karton-1",
        status=status,
        doc_type=doc_type,
        doc_label=doc_type.capitalize(),
        aktenplan_unit=unit,
        tax_secret=tax_secret,
        confidence=0.38 if status == "needs_review" else 0.95,
        title=f"Schreiben {name}",
        aktenzeichen=found,
        identifiers=tuple(IdentifierRecord("aktenzeichen", az, az) for az in found),
        document_date=document_date,
        pages=(PageRecord(1, text or f"Text des Schreibens {name}", 88.0, "ocr"),),
        ocr_applied=True,
        ocr_confidence=88.0,
        file_plan_version="Musterstadt 1",
        label_source=label_source,
        facts=dict(facts or {}),
    )
    archive.store(record, original, pdfa)
    return record.document_id
