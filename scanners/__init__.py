"""Paper scan in, verified PDF/A with the OCR engine's own page text and confidence out.

A plain library: no Prefect, no environment variables, no knowledge of the archive.
"""

from scanners.errors import RejectedInput
from scanners.intake import PreparedInput, estimate_pages, prepare_input, sniff_kind
from scanners.ocr import (
    OcrSettings,
    OcrStopped,
    PageText,
    ScanResult,
    scan_to_pdfa,
    stop_workers,
)
from scanners.verify import verify_pdfa

__all__ = [
    "OcrSettings",
    "OcrStopped",
    "PageText",
    "PreparedInput",
    "RejectedInput",
    "ScanResult",
    "estimate_pages",
    "prepare_input",
    "scan_to_pdfa",
    "sniff_kind",
    "stop_workers",
    "verify_pdfa",
]
