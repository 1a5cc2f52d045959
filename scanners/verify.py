"""Verification of an OCR result: never trust ocrmypdf's output type, check the file."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pikepdf.pdfa


def verify_pdfa(path: Path, expected_pages: int) -> list[str]:
    """Problems that make `path` unfit for the archive; an empty list means it passed."""
    problems: list[str] = []
    try:
        with pikepdf.open(path) as pdf:
            status = pdf.open_metadata().pdfa_status
            if status != "2B":
                problems.append(f"XMP declares PDF/A '{status or 'none'}', expected 2B")
            if len(pdf.pages) != expected_pages:
                problems.append(f"{len(pdf.pages)} pages, the input had {expected_pages}")
    except (pikepdf.PdfError, OSError) as exc:
        return [f"output PDF unreadable: {exc}"]
    report = pikepdf.pdfa.validate_written(path, "2b")
    violations = [f for f in report.findings if f.kind == "violation"]
    if violations:
        problems.append(f"{len(violations)} PDF/A-2b violation(s), first: {violations[0]}")
    return problems
