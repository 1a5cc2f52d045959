"""The transfer note (Transfervermerk, BSI TR-03138 TR-RESISCAN) of one archived scan.

Replacement scanning may only destroy paper if it can be shown who scanned it, when, with
what device and settings, what happened to the pages, how the result was checked, and that
the archived files are the ones checked. The note states exactly that, from what the
pipeline knows; what nobody told it stays None rather than being guessed. It is stored with
the document (`facts["transfer_note"]`: catalog and JSON sidecar) and holds both SHA-256s,
so it is bound to the original and to the PDF/A.

`build_transfer_note` is a pure function of its inputs; `toolchain_versions` asks the
installed tools once per process.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from pipelines.manifest import BatchManifest
from scanners import ScanResult
from scanners.ocr_routes import DIRECT_ROUTE

__all__ = [
    "STANDARD",
    "PageAnomaly",
    "QualityCheck",
    "TransferNote",
    "build_transfer_note",
    "toolchain_versions",
]

STANDARD = "BSI TR-03138 (TR-RESISCAN)"
# What `captured_at` is when the scan file records no capture time of its own.
FILE_TIME_BASIS = (
    "modification time of the delivered scan file (fallback: the file records no capture time)"
)
# TR-RESISCAN's statement of agreement with the original, limited to what eakte checks.
CONFORMITY = (
    "Agreement with the original in image and content: the PDF/A holds the {pages} page(s) of "
    "the delivered scan ({expected} input page(s), count checked), changed only by the steps "
    "listed under processing. eakte does not compare the scan with the paper; that is the "
    "human visual check, recorded with 'eakte qa record' and shown with this note."
)
# How the note is protected: it is not signed itself; its hash is in the audit trail, whose
# head a configured Time-Stamp Authority timestamps at the end of the batch.
SEAL = (
    "Not signed. The note's SHA-256 is recorded in the hash-chained audit trail (the "
    "document's 'archived' event, transfer_note_sha256), so a later change of the note is "
    "detected by 'eakte verify'."
)


def seal_statement(tsa_url: str | None) -> str:
    """What protects the note: the audit trail, and the TSA timestamping it if one is set."""
    if tsa_url is None:
        return SEAL + " No Time-Stamp Authority is configured: the trail is not timestamped."
    return SEAL + (
        f" The trail's head is to be timestamped (RFC 3161) by the Time-Stamp Authority "
        f"{tsa_url} at the end of the batch; 'eakte audit verify' shows whether it was."
    )


_IMAGE_KINDS = ("tiff", "png", "jpeg")
# how an image became a PDF (`PreparedInput.converter`)
_CONVERTED_BY = {
    "img2pdf": " by img2pdf, the image data as scanned",
    "pillow": " by Pillow, decoded and encoded again (img2pdf cannot embed such an image as it is)",
}


class _Note(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PageAnomaly(_Note):
    """Something about one page that a person checking the scan should look at."""

    page: int
    kind: Literal["blank", "not_recognised", "low_ocr_confidence", "no_ocr_confidence"]
    detail: str


class QualityCheck(_Note):
    """The checks every archived scan passed, and remarks on what passed only just.

    A scan that fails a check is quarantined, never archived, so an archived document's
    result is always "passed" or "passed with remarks".
    """

    result: Literal["passed", "passed with remarks"]
    checks: list[str]
    remarks: list[str]
    human_check: str = (
        "not part of ingest: visual checks by a person are recorded per batch with "
        "'eakte qa record' and shown beside this note"
    )


class TransferNote(_Note):
    """Everything the transfer note of TR-RESISCAN asks for that eakte can know."""

    standard: str = STANDARD
    document_id: str
    batch_id: str
    batch_name: str
    manifest_file: str | None  # None: the batch had no manifest
    operator: str | None
    organisation_unit: str | None
    scanner: str | None
    dpi: int | None
    colour: str | None
    duplex: bool | None
    box: str | None
    shelf: str | None
    scan_place: str | None
    workstation: str | None
    procedure_documentation: str | None  # the Verfahrensdokumentation the scanning followed
    protection_need: str | None
    conformity: str  # what the agreement with the original rests on
    seal: str  # how the note itself is protected against change
    source_name: str
    source_kind: str
    captured_at: str  # ISO 8601 with zone offset
    captured_at_basis: str
    ingested_at: str  # ISO 8601 with zone offset
    pages: int
    processing: list[str]
    anomalies: list[PageAnomaly]
    quality_check: QualityCheck
    software: dict[str, str]
    sha256_original: str
    sha256_pdfa: str


def build_transfer_note(
    *,
    document_id: str,
    batch_id: str,
    batch_name: str,
    manifest: BatchManifest | None,
    source_name: str,
    source_kind: str,
    captured_at: datetime,
    ingested_at: datetime,
    scan: ScanResult,
    expected_pages: int,
    languages: tuple[str, ...],
    deskew: bool,
    rotate_pages: bool,
    low_confidence: float,
    software: Mapping[str, str],
    sha256_original: str,
    sha256_pdfa: str,
    captured_at_basis: str = FILE_TIME_BASIS,
    tsa_url: str | None = None,
    converter: str | None = None,
) -> TransferNote:
    """The note of one scan; times must be zone-aware, so that the note is unambiguous."""
    for name, moment in (("captured_at", captured_at), ("ingested_at", ingested_at)):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must carry a time zone")
    anomalies = page_anomalies(scan, low_confidence)
    return TransferNote(
        document_id=document_id,
        batch_id=batch_id,
        batch_name=batch_name,
        **_stated(manifest or BatchManifest()),
        source_name=source_name,
        source_kind=source_kind,
        captured_at=captured_at.isoformat(timespec="seconds"),
        captured_at_basis=captured_at_basis,
        ingested_at=ingested_at.isoformat(timespec="seconds"),
        pages=len(scan.pages),
        processing=processing_steps(scan, source_kind, languages, deskew, rotate_pages, converter),
        anomalies=anomalies,
        quality_check=quality_check(scan, expected_pages, anomalies),
        conformity=CONFORMITY.format(pages=len(scan.pages), expected=expected_pages),
        seal=seal_statement(tsa_url),
        software={**dict(software), **scan.software},
        sha256_original=sha256_original,
        sha256_pdfa=sha256_pdfa,
    )


def _stated(m: BatchManifest) -> dict[str, Any]:
    """What the scanning team stated about the batch (None where they did not)."""
    return {
        "manifest_file": m.source,
        "operator": m.operator,
        "organisation_unit": m.organisation_unit,
        "scanner": m.scanner,
        "dpi": m.profile.dpi,
        "colour": m.profile.colour,
        "duplex": m.profile.duplex,
        "box": m.box,
        "shelf": m.shelf,
        "scan_place": m.scan_place,
        "workstation": m.workstation,
        "procedure_documentation": m.procedure_documentation,
        "protection_need": m.protection_need,
    }


def processing_steps(
    scan: ScanResult,
    source_kind: str,
    languages: tuple[str, ...],
    deskew: bool,
    rotate_pages: bool,
    converter: str | None = None,
) -> list[str]:
    """What the pipeline did to the pages, as settings applied: ocrmypdf does not report which
    pages it actually rotated or by how much it deskewed, so the note does not claim that.

    A born-digital PDF either keeps its pages (and says what making it PDF/A changed) or, if
    that failed, says why and that its pages were rasterised and OCR'd instead."""
    steps: list[str] = []
    if source_kind in _IMAGE_KINDS:
        by = _CONVERTED_BY.get(converter or "", "")
        steps.append(f"{source_kind.upper()} image(s) converted to PDF{by}")
    if scan.text_layer_dropped is not None:
        # scanners.ocr neither deskews nor rotates a born-digital page it rasterises
        deskew = rotate_pages = False
        steps.append(
            f"born-digital PDF: its text layer could not be kept as PDF/A "
            f"({scan.text_layer_dropped}); its pages were rasterised and OCR'd, so the archived "
            "text is the OCR engine's, not the original's"
        )
    if scan.ocr_applied and scan.software.get("route") == DIRECT_ROUTE:
        steps.extend(_direct_steps(scan, languages, deskew, rotate_pages))
    elif scan.ocr_applied:
        reason = scan.software.get("route_reason")
        steps.append(
            f"OCR by tesseract ({'+'.join(languages)}) on every page; deskew "
            f"{'on' if deskew else 'off'}; automatic page rotation {'on' if rotate_pages else 'off'}"
            + (f"; pages drawn again for OCR by ocrmypdf, because {reason}" if reason else "")
        )
        steps.append("converted to PDF/A-2b")
    else:
        steps.append(
            "born-digital PDF: its text layer, fonts and vector graphics were kept; no OCR, "
            "no rasterisation"
        )
        steps.append(
            "converted to PDF/A-2b by pikepdf, structure and metadata only"
            + (f": {'; '.join(scan.pdfa_changes)}" if scan.pdfa_changes else "")
        )
    return steps


def _direct_steps(
    scan: ScanResult, languages: tuple[str, ...], deskew: bool, rotate_pages: bool
) -> list[str]:
    """What reading the page images straight did (`scanners.direct_ocr`), page by page: it
    knows each page's turn, so the note states it."""
    turned = [f"page {p.number}: {p.deskew_degrees:+.2f}°" for p in scan.pages if p.deskew_degrees]
    if not deskew:
        straightened = "deskew off"
    elif turned:
        straightened = (
            "deskew on: shown straightened by a rotation in the PDF, the scanned content itself "
            f"unchanged ({', '.join(turned)})"
        )
    else:
        straightened = "deskew on: no page was skewed by a visible amount"
    turned_upright = [
        f"page {p.number}: {p.turned_degrees}°" for p in scan.pages if p.turned_degrees
    ]
    if turned_upright:
        rotation = (
            "automatic page rotation on: found on its side or upside down, read again upright "
            f"and shown so by /Rotate, clockwise, its content unchanged ({', '.join(turned_upright)})"
        )
    elif rotate_pages:
        rotation = "automatic page rotation on: no page was found turned"
    else:
        rotation = "automatic page rotation off"
    drawn = [f"page {p.number} at {p.drawn_dpi:.0f} dpi" for p in scan.pages if p.drawn_dpi]
    read_from = (
        "every page's own image"
        if not drawn
        else "a drawing of each page made of more than one image, its content kept as it is "
        f"({', '.join(drawn)}), and every other page's own image"
    )
    changes = f": {'; '.join(scan.pdfa_changes)}" if scan.pdfa_changes else ""
    return [
        f"OCR by tesseract ({'+'.join(languages)}) on {read_from}; {straightened}; {rotation}",
        f"text layer laid over the pages, converted to PDF/A-2b by pikepdf{changes}",
    ]


def page_anomalies(scan: ScanResult, low_confidence: float) -> list[PageAnomaly]:
    """Pages not recognised, blank pages, pages read with low confidence, and OCR pages
    without a confidence."""
    found: list[PageAnomaly] = []
    for page in scan.pages:
        if not page.recognised:
            found.append(
                PageAnomaly(
                    page=page.number,
                    kind="not_recognised",
                    detail="not recognised: the OCR engine ran out of time on it; the page is "
                    "archived as an image without text and should be rescanned",
                )
            )
        elif not page.text.strip():
            found.append(PageAnomaly(page=page.number, kind="blank", detail="no text on the page"))
        elif page.source == "ocr" and page.confidence is None:
            found.append(
                PageAnomaly(
                    page=page.number,
                    kind="no_ocr_confidence",
                    detail="the OCR engine reported no word confidence",
                )
            )
        elif page.confidence is not None and page.confidence < low_confidence:
            found.append(
                PageAnomaly(
                    page=page.number,
                    kind="low_ocr_confidence",
                    detail=f"mean word confidence {page.confidence:.1f} below {low_confidence:g}",
                )
            )
    return found


def quality_check(
    scan: ScanResult, expected_pages: int, anomalies: list[PageAnomaly]
) -> QualityCheck:
    """The checks `scanners.scan_to_pdfa` made (it rejects any scan failing one) and remarks."""
    checks = [
        "PDF/A-2b declared in the XMP metadata and validated (pikepdf)",
        f"page count: {len(scan.pages)} of {expected_pages} input page(s)",
        "text recognised on at least one page"
        if scan.ocr_applied
        else "text layer present on at least one page",
    ]
    remarks = [f"page {a.page}: {a.detail}" for a in anomalies]
    return QualityCheck(
        result="passed with remarks" if remarks else "passed", checks=checks, remarks=remarks
    )


@functools.cache
def toolchain_versions(converter: str | None) -> dict[str, str]:
    """Versions of eakte and the tools under it that the OCR worker does not report itself:
    pikepdf (PDF/A, verification) and what converted an image to PDF (`converter`, from
    `PreparedInput.converter`). Ghostscript is named by the OCR worker where it ran."""
    versions: dict[str, str] = {}
    for name in ("eakte", "pikepdf", *([converter] if converter else [])):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions
