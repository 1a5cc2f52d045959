"""Intake: recognise an input by its content and turn it into a PDF that OCR can take.

Everything that can be told without OCR is checked here, so that a broken file is
rejected in milliseconds with a reason a scanning team understands.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import img2pdf
import pikepdf
import pypdfium2
import pypdfium2.raw
from PIL import Image, UnidentifiedImageError

from scanners.errors import RejectedInput

Kind = Literal["pdf", "tiff", "jpeg", "png"]

_MAGIC: tuple[tuple[bytes, Kind], ...] = (
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
# A PDF may carry junk before its header; readers accept the header within the first 1 KiB.
_PDF_HEADER_WINDOW = 1024
# Largest page side we accept: 5 m, far beyond any archival paper format (A0 is 1.19 m).
_MAX_PAGE_SIDE_PT = 5 * 72 / 0.0254
# Pages per document unless the caller says otherwise (`max_pages`): every page costs OCR time.
DEFAULT_MAX_PAGES = 2000
# Below this many characters per page a PDF's text layer is not a real one (e.g. a page number).
_MIN_TEXT_CHARS_PER_PAGE = 40
# PDF text render modes that draw nothing: 3 = invisible, 7 = clip only (OCR layers use 3).
_INVISIBLE_RENDER_MODES = frozenset({3, 7})


@dataclass(frozen=True)
class PreparedInput:
    """An input ready for OCR: `pdf` is the original itself or a conversion of it."""

    source: Path
    kind: Kind
    pdf: Path
    pages: int
    text_layer: tuple[str, ...] | None  # per-page text when the PDF is born digital
    # what made `pdf` of an image: "img2pdf" (the image data kept as it is) or "pillow" (decoded
    # and encoded again, for what img2pdf cannot embed); None for a PDF, which is kept
    converter: str | None = None


def sniff_kind(path: Path) -> Kind:
    """Tell the format from the first bytes, never from the file name."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_PDF_HEADER_WINDOW)
    except OSError as exc:
        raise RejectedInput(path, f"cannot be read: {exc.strerror or exc}") from exc
    if size == 0:
        raise RejectedInput(path, "empty file (0 bytes)")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head:
        return "pdf"
    raise RejectedInput(path, "not a document: content is neither PDF, TIFF, JPEG nor PNG")


def estimate_pages(path: Path) -> int:
    """Page count without decoding anything, for scheduling; 1 when it cannot be told."""
    try:
        kind = sniff_kind(path)
        if kind == "pdf":
            with pikepdf.open(path) as pdf:
                return max(1, len(pdf.pages))
        with Image.open(path) as image:
            return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:  # broken inputs are intake's to report, not the scheduler's
        return 1


def prepare_input(
    path: Path,
    workdir: Path,
    *,
    max_pixels: int,
    default_dpi: int,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> PreparedInput:
    """Check `path` and return a PDF of it in `workdir`; raise RejectedInput if it cannot be.

    A document of more than `max_pages` pages is rejected here, before any page is looked
    at: the OCR's time grows with the pages, and a small file can declare thousands.
    """
    kind = sniff_kind(path)
    if kind == "pdf":
        pages, text_layer = _check_pdf(path, max_pixels, max_pages)
        return PreparedInput(path, kind, path, pages, text_layer)
    pdf = workdir / "intake.pdf"
    pages, converter = _image_to_pdf(
        path, pdf, max_pixels=max_pixels, default_dpi=default_dpi, max_pages=max_pages
    )
    return PreparedInput(path, kind, pdf, pages, None, converter)


def _check_page_count(path: Path, pages: int, max_pages: int) -> None:
    if pages > max_pages:
        raise RejectedInput(
            path,
            f"{pages} pages, more than the limit of {max_pages} pages per document "
            "(max_pages); split it into smaller documents",
        )


def _check_pdf(path: Path, max_pixels: int, max_pages: int) -> tuple[int, tuple[str, ...] | None]:
    try:
        with pikepdf.open(path) as pdf:
            if pdf.is_encrypted:
                raise RejectedInput(
                    path, "PDF is encrypted; ask the sender for an unprotected copy"
                )
            pages = len(pdf.pages)
            if pages == 0:
                raise RejectedInput(path, "PDF has no pages")
            _check_page_count(path, pages, max_pages)
            for number, page in enumerate(pdf.pages, start=1):
                _check_page(path, number, page, max_pixels)
    except pikepdf.PasswordError as exc:
        raise RejectedInput(path, "PDF is password-protected") from exc
    except pikepdf.PdfError as exc:
        detail = _first_line(exc).replace(f"{path}: ", "")
        raise RejectedInput(path, f"damaged or truncated PDF ({detail})") from exc
    return pages, _born_digital_text(path, pages)


def _check_page(path: Path, number: int, page: pikepdf.Page, max_pixels: int) -> None:
    try:
        box = [float(v) for v in page.mediabox]
    except (TypeError, ValueError, pikepdf.PdfError) as exc:
        raise RejectedInput(path, f"page {number} has no valid page size") from exc
    width, height = abs(box[2] - box[0]), abs(box[3] - box[1])
    if width < 1 or height < 1:
        raise RejectedInput(path, f"page {number} has an empty page size")
    unit = _user_unit(path, number, page)
    if max(width, height) * unit > _MAX_PAGE_SIDE_PT:
        scaled = f" (UserUnit {unit:g})" if unit != 1 else ""
        raise RejectedInput(
            path,
            f"page {number} is {width * unit / 72 * 0.0254:.2f} x "
            f"{height * unit / 72 * 0.0254:.2f} m{scaled}, larger than 5 m",
        )
    for name, image in page.get_images().items():
        pixels = int(image.get("/Width", 0)) * int(image.get("/Height", 0))
        if pixels > max_pixels:
            raise RejectedInput(
                path,
                f"page {number} image {name} has {pixels / 1e6:.0f} megapixels, over the "
                f"limit of {max_pixels / 1e6:.0f} (possible decompression bomb)",
            )


def _user_unit(path: Path, number: int, page: pikepdf.Page) -> float:
    """The page's /UserUnit (PDF 1.6): how many 1/72 inch one unit of its MediaBox is."""
    try:
        unit = float(page.obj.get("/UserUnit", 1))
    except (TypeError, ValueError, pikepdf.PdfError) as exc:
        raise RejectedInput(path, f"page {number} has an invalid UserUnit") from exc
    if not unit > 0:
        raise RejectedInput(path, f"page {number} has an invalid UserUnit {unit:g}")
    return unit


def _born_digital_text(path: Path, pages: int) -> tuple[str, ...] | None:
    """Per-page text when every page carries real, visible text, else None (it needs OCR).

    Invisible text over a page image is an earlier OCR layer (many scanners add one); it is
    not trusted but done again, so that every scan's text comes from our own engine.
    """
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise RejectedInput(path, f"damaged PDF ({exc})") from exc
    try:
        texts = []
        for index in range(pages):
            textpage = document[index].get_textpage()
            text = _page_text(textpage)
            if len(text) < _MIN_TEXT_CHARS_PER_PAGE or not _mostly_visible(textpage):
                return None
            texts.append(text)
    finally:
        document.close()
    return tuple(texts)


def pdf_page_texts(path: Path) -> tuple[str, ...]:
    """Each page's text as intake reads a born-digital PDF's text layer, to compare with it."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        return tuple(_page_text(page.get_textpage()) for page in document)
    finally:
        document.close()


def _page_text(textpage: pypdfium2.PdfTextPage) -> str:
    return str(textpage.get_text_range()).replace("\r\n", "\n").strip()


def _mostly_visible(textpage: pypdfium2.PdfTextPage, samples: int = 200) -> bool:
    count = textpage.count_chars()
    step = max(1, count // samples)
    visible = total = 0
    for index in range(0, count, step):
        text_object = pypdfium2.raw.FPDFText_GetTextObject(textpage, index)
        if not text_object:
            continue
        total += 1
        mode = pypdfium2.raw.FPDFTextObj_GetTextRenderMode(text_object)
        visible += mode not in _INVISIBLE_RENDER_MODES
    return total == 0 or visible / total >= 0.5


def _image_to_pdf(
    path: Path, pdf: Path, *, max_pixels: int, default_dpi: int, max_pages: int
) -> tuple[int, str]:
    """The image's pages as a PDF at `pdf`; its page count and what converted it."""
    frames = _image_frames(path, max_pixels, max_pages)
    options: dict[str, object] = {"rotation": img2pdf.Rotation.ifvalid}
    if not all(frames):  # a scan without a resolution: assume the scanner's usual one
        options["layout_fun"] = img2pdf.get_fixed_dpi_layout_fun((default_dpi, default_dpi))
    try:
        pdf.write_bytes(img2pdf.convert(str(path), **options))
    except (img2pdf.ImageOpenError, img2pdf.AlphaChannelError, ValueError, OSError):
        _image_to_pdf_via_pillow(path, pdf, default_dpi)
        return len(frames), "pillow"
    return len(frames), "img2pdf"


def _image_frames(path: Path, max_pixels: int, max_pages: int) -> list[int]:
    """Check the frame count and every frame's size before any pixel is decoded; return each
    frame's dpi (0 if unknown)."""
    dpis: list[int] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                frames = getattr(image, "n_frames", 1)
                _check_page_count(path, frames, max_pages)
                for index in range(frames):
                    image.seek(index)
                    width, height = image.size
                    if width * height > max_pixels:
                        raise RejectedInput(
                            path,
                            f"image page {index + 1} has {width * height / 1e6:.0f} megapixels, "
                            f"over the limit of {max_pixels / 1e6:.0f} (possible decompression bomb)",
                        )
                    dpis.append(round(float(image.info.get("dpi", (0, 0))[0])))
                image.seek(0)
                image.load()
    except RejectedInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RejectedInput(path, f"image too large (possible decompression bomb): {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise RejectedInput(path, f"damaged or truncated image ({_first_line(exc)})") from exc
    return [dpi if dpi >= 50 else 0 for dpi in dpis]


def _image_to_pdf_via_pillow(path: Path, pdf: Path, default_dpi: int) -> None:
    """Fallback for images img2pdf cannot embed as they are (alpha channel, 16 bit, CMYK...)."""
    frames: list[Image.Image] = []
    with Image.open(path) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            mode = "L" if image.mode in ("1", "L", "LA", "I;16", "I") else "RGB"
            frames.append(image.convert(mode))
        dpi = image.info.get("dpi", (default_dpi, default_dpi))[0] or default_dpi
    frames[0].save(pdf, save_all=True, append_images=frames[1:], resolution=float(dpi))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
