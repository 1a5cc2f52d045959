"""Paper scan in, verified PDF/A with the OCR engine's own page text and confidence out.

A plain library: no Prefect, no environment variables, no knowledge of the archive.
"""

from scanners.errors import RejectedInput
from scanners.intake import PreparedInput, estimate_pages, prepare_input, sniff_kind
from scanners.ocr import OcrSettings, PageText, ScanResult, scan_to_pdfa
from scanners.verify import verify_pdfa

__all__ = [
    "OcrSettings",
    "PageText",
    "PreparedInput",
    "RejectedInput",
    "ScanResult",
    "estimate_pages",
    "prepare_input",
    "scan_to_pdfa",
    "sniff_kind",
    "verify_pdfa",
]
