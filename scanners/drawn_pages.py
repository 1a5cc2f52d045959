"""Scanned pages that are more than one plain image, read from a drawing of the page.

A compact scanner PDF lays a page out in layers (a JPEG background under a masked foreground,
often JBIG2). That is not one image tesseract could read as stored (`scanners.image_pages`),
yet it is a scan: nothing on it is text. Such a page is drawn once by PDFium, in grey at its
finest image's resolution, as it is seen (its /Rotate applied), and that drawing is what
tesseract reads; the page itself is kept as it is, its layers untouched. A page with text on
it is not a scan and is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.version
from pikepdf import Name
from PIL import Image

from scanners.errors import ScanError

# The resolution a page without images is drawn at, and the range a scan's images set it in:
# a drawing finer than the scan shows nothing more, one coarser than 150 dpi loses small print.
DEFAULT_DPI = 300.0
_MIN_DPI, _MAX_DPI = 150.0, 600.0
PDFIUM_VERSION = (
    f"{pypdfium2.version.PDFIUM_INFO.build} (pypdfium2 {pypdfium2.version.PYPDFIUM_INFO})"
)
# Keys PDF defines for an image XObject (ISO 32000-2, tables 5 and 87). Scanner software
# leaves others behind (a CCITT decode parameter on a JBIG2 mask): no reader uses them, and
# pikepdf's PDF/A check refuses what it cannot check.
_IMAGE_KEYS = {
    "/Type", "/Subtype", "/Width", "/Height", "/ColorSpace", "/BitsPerComponent", "/Intent",
    "/ImageMask", "/Mask", "/Decode", "/Interpolate", "/Alternates", "/SMask", "/SMaskInData",
    "/Name", "/StructParent", "/ID", "/OPI", "/Metadata", "/OC", "/AF", "/Measure", "/PtData",
    "/Length", "/Filter", "/DecodeParms", "/F", "/FFilter", "/FDecodeParms", "/DL",
}  # fmt: skip
_TEXT_OPERATORS = {"BT", "ET", "Tj", "TJ", "'", '"', "Tf", "Td", "TD", "Tm", "T*"}


@dataclass(frozen=True)
class DrawnPage:
    """Page `number` (from 1), read from a drawing at `dpi`.

    `box` is its crop box (x, y, width, height, pt, unturned) and `rotate` its /Rotate
    (0, 90, 180, 270: turned clockwise as shown)."""

    number: int
    box: tuple[float, float, float, float]
    rotate: int
    dpi: float


class NotDrawnPage(ScanError):
    """A page that is not a scan (it has text); the reason names the page."""


def drawn_page(number: int, page: pikepdf.Page) -> DrawnPage:
    """The page as a scan to be drawn for OCR; NotDrawnPage if it has text."""
    if _has_text(page, set()):
        raise NotDrawnPage(f"page {number} has text on it")
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    box = (min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
    rotate = int(page.obj.get(Name.Rotate, 0)) % 360
    if rotate % 90:
        raise NotDrawnPage(f"page {number} is turned by /Rotate {rotate}")
    return DrawnPage(number, box, rotate, _dpi(page, box))


def draw(document: Path, page: DrawnPage) -> Image.Image:
    """The page as it is seen, in grey, at its resolution."""
    pdf = pypdfium2.PdfDocument(document)
    try:
        bitmap = pdf[page.number - 1].render(scale=page.dpi / 72, grayscale=True)
        return bitmap.to_pil().convert("L")
    finally:
        pdf.close()


def drop_undefined_keys(pdf: pikepdf.Pdf, page: DrawnPage) -> list[str]:
    """Remove keys PDF does not define from the page's images and their masks; what was
    removed, for the record. What the page shows does not change."""
    removed = []
    resources = pdf.pages[page.number - 1].obj.get(Name.Resources, pikepdf.Dictionary())
    images: list[pikepdf.Object | None] = list(
        resources.get(Name.XObject, pikepdf.Dictionary()).values()
    )
    images += [x.get(key) for x in list(images) if x is not None for key in (Name.Mask, Name.SMask)]
    for image in images:
        if not isinstance(image, pikepdf.Stream) or image.get(Name.Subtype) != Name.Image:
            continue
        for key in sorted(set(image.keys()) - _IMAGE_KEYS):
            del image[key]
            what = "image mask" if image.get(Name.ImageMask) else "image"
            removed.append(
                f"removed {key}, which PDF does not define, from an {what} on page {page.number}"
            )
    return removed


def _has_text(content: pikepdf.Page | pikepdf.Stream, seen: set[tuple[int, int]]) -> bool:
    """Whether a page or form uses a font or a text operator, in itself or a form it draws."""
    obj = content.obj if isinstance(content, pikepdf.Page) else content
    resources = obj.get(Name.Resources, pikepdf.Dictionary())
    if Name.Font in resources:
        return True
    for instruction in pikepdf.parse_content_stream(content):
        if (
            isinstance(instruction, pikepdf.ContentStreamInstruction)
            and str(instruction.operator) in _TEXT_OPERATORS
        ):
            return True
    for xobject in resources.get(Name.XObject, pikepdf.Dictionary()).values():
        if xobject.get(Name.Subtype) == Name.Form and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            if isinstance(xobject, pikepdf.Stream) and _has_text(xobject, seen):
                return True
    return False


def _dpi(page: pikepdf.Page, box: tuple[float, float, float, float]) -> float:
    """The resolution of the page's finest image, as if it covered the page (which way round it
    is drawn does not matter), within the usual range; `DEFAULT_DPI` for a page without one."""
    _, _, width, height = box
    inches = (width / 72) * (height / 72)
    finest = 0.0
    resources = page.obj.get(Name.Resources, pikepdf.Dictionary())
    for image in resources.get(Name.XObject, pikepdf.Dictionary()).values():
        if image.get(Name.Subtype) == Name.Image:
            finest = max(finest, math.sqrt(float(image.Width) * float(image.Height) / inches))
    if not finest:
        return DEFAULT_DPI
    return round(min(max(finest, _MIN_DPI), _MAX_DPI))
