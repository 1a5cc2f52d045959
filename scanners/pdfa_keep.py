"""PDF/A-2b from a born-digital PDF without touching its pages: text, fonts and vector graphics
stay as they are, only structure and metadata are added.

Neither of ocrmypdf's PDF/A paths does this here: Debian 12's Ghostscript 10.0 corrupts
existing text, and ocrmypdf's pikepdf path (`--pdfa-backend internal`) refuses any PDF with an
/OpenAction, which nearly every office program writes to set the initial view. So eakte calls
`pikepdf.pdfa` itself: it removes an open action that only sets the view, lets
`pikepdf.pdfa.save` add the sRGB output intent (pikepdf's bundled ICC profile) and the PDF/A
XMP declaration, and keeps the file only if pikepdf's validator approves the bytes written.
What cannot be kept this way raises `RejectedInput` with the reason; the caller then rasterises
the pages for OCR and says so.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pikepdf.pdfa

from scanners.errors import RejectedInput

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
# Findings named in a reason: enough to act on, short enough for a report line.
_MAX_FINDINGS = 3


def keep_as_pdfa(source: Path, out_pdf: Path) -> list[str]:
    """Write `source` as PDF/A-2b to `out_pdf` with its pages unchanged; return what was changed."""
    changes: list[str] = []
    try:
        with pikepdf.open(source) as pdf:
            missing = _fonts_not_embedded(pdf)
            if missing:
                raise RejectedInput(
                    source,
                    f"font(s) {', '.join(missing)} not embedded, which PDF/A forbids",
                )
            changes += _remove_view_only_open_action(pdf)
            report = pikepdf.pdfa.save(pdf, out_pdf, "2b", output_intent="sRGB")
    except pikepdf.pdfa.PdfaError as exc:
        findings = "; ".join(
            f"{f.message} ({f.where})" for f in exc.report.findings[:_MAX_FINDINGS]
        )
        raise RejectedInput(source, f"not approved as PDF/A-2b by pikepdf: {findings}") from exc
    except pikepdf.PdfError as exc:
        raise RejectedInput(source, f"PDF could not be rewritten: {exc}") from exc
    if report.prepared is not None:
        changes += report.prepared.describe()
    return changes


def _fonts_not_embedded(pdf: pikepdf.Pdf) -> list[str]:
    """Base names of the fonts the pages use without carrying them (type 3 fonts are glyphs)."""
    missing: set[str] = set()
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        _collect_missing(page.obj.get("/Resources"), missing, seen)
    return sorted(missing)


def _collect_missing(resources: object, missing: set[str], seen: set[tuple[int, int]]) -> None:
    if not isinstance(resources, pikepdf.Dictionary):
        return
    if resources.is_indirect:
        if resources.objgen in seen:
            return
        seen.add(resources.objgen)
    fonts = resources.get("/Font")
    for font in fonts.values() if isinstance(fonts, pikepdf.Dictionary) else ():
        if font.get("/Subtype") == "/Type3":
            _collect_missing(font.get("/Resources"), missing, seen)
            continue
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font.DescendantFonts[0].get("/FontDescriptor")
        if descriptor is None or not any(key in descriptor for key in _FONT_FILES):
            missing.add(str(font.get("/BaseFont", "(unnamed)")).lstrip("/"))
    xobjects = resources.get("/XObject")
    for xobject in xobjects.values() if isinstance(xobjects, pikepdf.Dictionary) else ():
        if xobject.get("/Subtype") == "/Form":
            _collect_missing(xobject.get("/Resources"), missing, seen)


def _remove_view_only_open_action(pdf: pikepdf.Pdf) -> list[str]:
    """Remove an /OpenAction that only says which page and zoom a viewer opens with.

    PDF/A allows such a destination, but pikepdf's validator cannot confirm it and would refuse
    the file; it carries nothing of the record. Any other open action (a script, a launch) is
    left for the validator to refuse.
    """
    action = pdf.Root.get("/OpenAction")
    if action is None:
        return []
    is_destination = isinstance(action, pikepdf.Array) or (
        isinstance(action, pikepdf.Dictionary)
        and action.get("/S") == "/GoTo"
        and "/Next" not in action
    )
    if not is_destination:
        return []
    del pdf.Root["/OpenAction"]
    return ["Removed the open action, which only set the page and zoom a viewer opens with"]
