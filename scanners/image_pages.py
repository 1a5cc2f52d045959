"""Pages that are nothing but one scanned image, and where on the page that image lies.

Nearly every page a scanner makes (TIFF, JPEG and PNG through intake's lossless conversion,
and most scanner PDFs) is one image drawn over the page. Such a page can be read by tesseract
straight from its own pixels and keep them as they are (`scanners.direct_ocr`); anything else
(text, vector drawing, masks, several images, a rotated placement) is refused, and
`image_pages` says why: a scan among those is read from a drawing (`scanners.drawn_pages`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Name, PdfImage
from PIL import Image

from scanners.errors import ScanError

# Content operators a plain image page may use: save/restore state, set the matrix, draw.
_PLAIN_OPERATORS = {"q", "Q", "cm", "Do"}
# Colour spaces whose pixels tesseract reads as they are and PDF/A-2b accepts with an sRGB
# output intent.
_COLOUR_SPACES = {"/DeviceGray", "/DeviceRGB"}
# Compressions pikepdf and Pillow decode themselves (JBIG2 would need jbig2dec, JPEG 2000 is
# left to the renderer too).
_DECODED_HERE = {"/FlateDecode", "/DCTDecode", "/CCITTFaxDecode", "/LZWDecode", "/RunLengthDecode"}


@dataclass(frozen=True)
class ImagePage:
    """Page `number` (from 1) shows `image` in the rectangle `box` (x, y, width, height, pt),
    the page turned clockwise by `rotate` (its /Rotate: 0, 90, 180, 270) as it is seen."""

    number: int
    image: pikepdf.Stream
    box: tuple[float, float, float, float]
    rotate: int = 0

    @property
    def dpi(self) -> float:
        """Pixels per inch of the image as the page shows it (across the page)."""
        return float(self.image.Width) / (self.box[2] / 72)


class NotImagePages(ScanError):
    """A page is not one plain image; the reason names the page."""


def image_pages(pdf: pikepdf.Pdf) -> list[ImagePage]:
    """Every page's one image and its place; NotImagePages where a page is something else."""
    return [image_page(number, page) for number, page in enumerate(pdf.pages, start=1)]


def image_page(number: int, page: pikepdf.Page) -> ImagePage:
    """Page `number`'s one image and its place; NotImagePages if the page is something else."""

    def refuse(why: str) -> NotImagePages:
        return NotImagePages(f"page {number} {why}")

    rotate = int(page.obj.get(Name.Rotate, 0)) % 360
    if rotate % 90:
        raise refuse(f"is turned by /Rotate {rotate}")
    resources = page.obj.get(Name.Resources, pikepdf.Dictionary())
    if set(resources.keys()) - {"/XObject", "/ProcSet", "/ColorSpace"}:
        raise refuse("has fonts, patterns or graphics states")
    xobjects = resources.get(Name.XObject, pikepdf.Dictionary())
    if len(xobjects) != 1:
        raise refuse(f"has {len(xobjects)} images or drawings, not one image")
    ((name, image),) = xobjects.items()
    if not isinstance(image, pikepdf.Stream):
        raise refuse("shows something that is not an image")
    _check_image(image, refuse)
    matrix = pikepdf.Matrix()
    saved: list[pikepdf.Matrix] = []
    box: tuple[float, float, float, float] | None = None
    for instruction in pikepdf.parse_content_stream(page):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            raise refuse("has an inline image")
        operands, op = instruction.operands, str(instruction.operator)
        if op not in _PLAIN_OPERATORS:
            raise refuse(f"draws more than an image ({op})")
        if op == "q":
            saved.append(matrix)
        elif op == "Q":
            matrix = saved.pop() if saved else pikepdf.Matrix()
        elif op == "cm":
            matrix = pikepdf.Matrix(*(float(v) for v in operands)) @ matrix
        elif box is not None or str(operands[0]) != name:
            raise refuse("draws its image more than once")
        else:
            a, b, c, d, e, f = matrix.shorthand
            if b or c or a <= 0 or d <= 0:
                raise refuse("shows its image turned, mirrored or sheared")
            box = (e, f, a, d)
    if box is None:
        raise refuse("draws no image")
    return ImagePage(number, image, box, rotate)


def _check_image(image: pikepdf.Stream, refuse: Callable[[str], NotImagePages]) -> None:
    if image.get(Name.Subtype) != Name.Image:
        raise refuse("shows a drawing, not an image")
    if any(key in image for key in ("/Mask", "/SMask", "/ImageMask", "/Decode", "/Alternates")):
        raise refuse("has a masked or remapped image")
    space = image.get(Name.ColorSpace)
    if not _plain_colour(space):
        raise refuse(f"has an image in colour space {_name_of(space)}")
    filters = image.get(Name.Filter)
    if isinstance(filters, pikepdf.Array):
        if len(filters) > 1:
            raise refuse("has an image with more than one compression filter")
        filters = filters[0] if len(filters) else None
    if filters is not None and str(filters) not in _DECODED_HERE:
        raise refuse(f"has an image compressed as {filters}, which only a renderer decodes")


def _plain_colour(space: pikepdf.Object | None) -> bool:
    """Grey or RGB, directly, through an ICC profile, or as a palette of either."""
    if space is None:
        return False
    if str(space) in _COLOUR_SPACES:
        return True
    if not isinstance(space, pikepdf.Array) or not len(space):
        return False
    family = str(space[0])
    if family == "/ICCBased" and isinstance(space[1], pikepdf.Stream):
        return int(space[1].get(Name.N, 0)) in (1, 3)
    if family == "/Indexed" and len(space) == 4:
        return _plain_colour(space[1])
    return False


def _name_of(space: pikepdf.Object | None) -> str:
    if isinstance(space, pikepdf.Array) and len(space):
        return str(space[0])
    return str(space)


def pixels(page: ImagePage) -> Image.Image:
    """The page's image, decoded."""
    if page.image.get(Name.Filter) == Name.DCTDecode:
        return Image.open(io.BytesIO(page.image.read_raw_bytes()))
    return PdfImage(page.image).as_pil_image()


def write_for_ocr(
    page: ImagePage, image: Image.Image | None, folder: Path, *, as_stored: bool = True
) -> Path:
    """A file tesseract reads: a JPEG page as stored if `as_stored`, else `image` (the page's
    pixels, decoded here if None) as PNM, no time spent on compression."""
    if as_stored and page.image.get(Name.Filter) == Name.DCTDecode:
        path = folder / f"page-{page.number:06d}.jpg"
        path.write_bytes(page.image.read_raw_bytes())
        return path
    return write_pnm(pixels(page) if image is None else image, folder, page.number)


def write_pnm(image: Image.Image, folder: Path, number: int) -> Path:
    """`image`, page `number`, written to `folder` as PNM, which tesseract reads without
    decompressing."""
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("RGB")
    path = folder / f"page-{number:06d}.pnm"
    image.save(path)
    return path
