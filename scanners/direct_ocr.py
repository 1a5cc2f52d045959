"""OCR of a scanned document by tesseract straight from its pages.

Run inside the OCR process (`scanners.ocr_worker`) before ocrmypdf is considered. ocrmypdf
draws every page again at the OCR's resolution, asks tesseract a second time for the skew,
turns and re-encodes the image, and rebuilds the page around it. For a scanned page none of
that is needed, and about two thirds of the work goes:

- tesseract reads the page's one image as stored (`scanners.image_pages`), or one drawing
  of a page made of several images (`scanners.drawn_pages`), as /Rotate shows it;
- the skew is measured on those pixels (`scanners.skew`, a few hundredths of a core-second);
  a skewed page is shown turned in the PDF by the rotation that levels it, the scanned content
  kept as it was; one skewed by half a degree or more is turned for tesseract too, which
  reads such a line less well at its end (a smaller skew it levels itself);
- tesseract reads the page once, writing its text, its hOCR (word confidence, orientation)
  and an invisible text layer; a page that does not read upright is asked about by
  tesseract's orientation detection, and one found on its side or upside down is read again
  stood upright and shown so by /Rotate;
- the text layer is laid over the page, and pikepdf writes PDF/A-2b and validates it.

Where this cannot give the same result, `UseOcrmypdf` says why and the caller hands the
document to ocrmypdf: a page with text on it, an image that does not decode, or a file
pikepdf cannot make PDF/A.
"""

from __future__ import annotations

import errno
import io
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pikepdf.pdfa
from pikepdf import Name
from PIL import Image

from scanners import tesseract_engine
from scanners.deskew_gate import MIN_SHIFT_PX, corner_shift
from scanners.drawn_pages import (
    PDFIUM_VERSION,
    DrawnPage,
    NotDrawnPage,
    draw,
    drawn_page,
    drop_undefined_keys,
)
from scanners.errors import ScanError
from scanners.hocr import page_record, reads_upright, word_confidences
from scanners.image_pages import (
    ImagePage,
    NotImagePages,
    image_page,
    pixels,
    write_for_ocr,
    write_pnm,
)
from scanners.ocr_profile import StageClock
from scanners.ocr_routes import ROTATE_CONFIDENCE
from scanners.skew import READ_STRAIGHTENED_DEGREES, levelled, skew_degrees


class UseOcrmypdf(ScanError):
    """The document is for ocrmypdf; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Reading:
    """What tesseract made of one page."""

    text: str
    hocr: str
    layer: Path | None  # the invisible text layer; None if tesseract gave up on the page
    seconds: float


def ocr_document(job: dict[str, Any], clock: StageClock) -> dict[str, str]:
    """Make the job's PDF/A, sidecar text and per-page records from the page images; the
    software it used beside tesseract and pikepdf, by name and version.

    UseOcrmypdf when the document is for ocrmypdf; nothing of the job's output is written then.
    """
    work = Path(job["sidecar"]).parent
    scratch = work / "pages"
    scratch.mkdir(exist_ok=True)
    output = Path(job["output"])
    with pikepdf.open(job["input"]) as pdf:
        pages = [_source(number, page) for number, page in enumerate(pdf.pages, start=1)]
        changes = [
            change
            for page in pages
            if isinstance(page, DrawnPage)
            for change in drop_undefined_keys(pdf, page)
        ]
        drawn = any(isinstance(page, DrawnPage) for page in pages)
        if drawn:
            with clock.stage("pdfa"):
                _check_pdfa(pdf)
        texts: list[str] = []
        records: list[dict[str, Any]] = []
        for page in pages:
            reading, record = _read_page(page, scratch, job, clock)
            with clock.stage("assemble"):
                shown = pdf.pages[page.number - 1]
                if record.get("turned_degrees"):  # shown upright, as tesseract read it
                    shown.Rotate = (
                        int(shown.obj.get(Name.Rotate, 0)) + record["turned_degrees"]
                    ) % 360
                straightened = _reads_straightened(record["deskew_degrees"])
                if reading.layer is not None and not straightened:
                    _lay_text(pdf, shown, page.box, reading.layer)  # turned with the scan
                _show_turned(pdf, shown, page.box, record["deskew_degrees"])
                if reading.layer is not None and straightened:
                    _lay_text(pdf, shown, page.box, reading.layer)  # read as it is shown
            texts.append(reading.text)
            records.append(record)
        with clock.stage("pdfa"):
            try:
                pikepdf.pdfa.save(pdf, output, "2b", output_intent="sRGB")
            except pikepdf.pdfa.PdfaError as exc:
                raise UseOcrmypdf(f"pikepdf could not make it PDF/A-2b: {exc}") from exc
    Path(job["sidecar"]).write_text("\f".join(texts), encoding="utf-8")
    (work / "pdfa_changes.json").write_text(json.dumps(changes))
    for record in records:
        target = Path(job["confidence_dir"]) / f"{record['page']:06d}.json"
        target.write_text(json.dumps(record))
    return {"pdfium": PDFIUM_VERSION} if drawn else {}


def _check_pdfa(pdf: pikepdf.Pdf) -> None:
    """UseOcrmypdf, before any OCR is spent, if pikepdf cannot make the document PDF/A-2b as it
    is: a drawn page keeps its content, layers and all, and only ocrmypdf replaces it. (The
    repairs pikepdf makes here in memory it would make when the result is saved.)"""
    try:
        pikepdf.pdfa.save(pdf, io.BytesIO(), "2b", output_intent="sRGB")
    except pikepdf.pdfa.PdfaError as exc:
        raise UseOcrmypdf(f"pikepdf could not make it PDF/A-2b: {exc}") from exc


def _source(number: int, page: pikepdf.Page) -> ImagePage | DrawnPage:
    """Where tesseract reads the page from: its one image, or a drawing of a scan in layers;
    UseOcrmypdf for a page with text."""
    try:
        return image_page(number, page)
    except NotImagePages:
        try:
            return drawn_page(number, page)
        except NotDrawnPage as exc:
            raise UseOcrmypdf(str(exc)) from exc


def _read_page(
    page: ImagePage | DrawnPage, scratch: Path, job: dict[str, Any], clock: StageClock
) -> tuple[_Reading, dict[str, Any]]:
    """OCR one page, measure its skew, check it was upright and read it again turned upright
    where it was not; its record for `scanners.ocr`."""
    with clock.stage("rasterise"):
        as_stored = isinstance(page, ImagePage) and not page.rotate and not job.get("deskew")
        scanned = None if as_stored else _pixels(page, job)
    reading, record, image = _read(page, scanned, scratch, job, clock, as_seen=True)
    # orientation_check: trust a reading that shows the page upright; rotate_pages: ask
    # tesseract's orientation detection about every page
    if (job.get("orientation_check") or job.get("rotate_pages")) and reading.layer is not None:
        with clock.stage("orientation"):
            found = _orientation(image, page, reading, job)
        if found.get("turned_degrees"):
            image.unlink()
            if scanned is None:
                with clock.stage("rasterise"):
                    scanned = _pixels(page, job)
            upright = scanned.rotate(-found["turned_degrees"], expand=True)  # clockwise
            first = reading.seconds
            reading, record, image = _read(page, upright, scratch, job, clock, as_seen=False)
            record["seconds"] = round(first + reading.seconds, 2)  # both readings
        record.update(found)
    image.unlink()
    return reading, record


def _pixels(page: ImagePage | DrawnPage, job: dict[str, Any]) -> Image.Image:
    """The page's pixels as it is seen: its image decoded and turned by /Rotate, or the page
    drawn."""
    try:
        if isinstance(page, DrawnPage):
            return draw(Path(job["input"]), page)
        decoded = pixels(page)
        return decoded.rotate(-page.rotate, expand=True) if page.rotate else decoded  # clockwise
    except Exception as exc:  # an image pikepdf or Pillow cannot decode: a renderer may
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise  # a full disk is not the page's fault
        raise UseOcrmypdf(f"page {page.number}'s image could not be decoded ({exc})") from exc


def _read(
    page: ImagePage | DrawnPage,
    scanned: Image.Image | None,
    scratch: Path,
    job: dict[str, Any],
    clock: StageClock,
    *,
    as_seen: bool,
) -> tuple[_Reading, dict[str, Any], Path]:
    """tesseract's reading of the page (`scanned`, its skew measured where deskew is on, and
    straightened first where the skew is `READ_STRAIGHTENED_DEGREES` or more; None: an image
    page as stored), its record, and the file it read. `as_seen`: `scanned` shows the page as
    /Rotate does (not turned upright since), so an image stored upright as a JPEG needs no new
    file."""
    angle = 0.0
    if scanned is not None and job.get("deskew"):
        with clock.stage("deskew"):
            angle = _visible_skew(scanned)
            if _reads_straightened(angle):
                scanned = levelled(scanned, angle)
    with clock.stage("rasterise"):
        if isinstance(page, ImagePage):
            stored = as_seen and not _reads_straightened(angle) and not page.rotate
            image = write_for_ocr(page, scanned, scratch, as_stored=stored)
        else:
            assert scanned is not None
            image = write_pnm(scanned, scratch, page.number)
    with clock.stage("ocr"):
        reading = _tesseract(image, page, job)
    scores = word_confidences(reading.hocr)
    record = page_record(page.number, scores, reading.layer is not None, reading.seconds)
    record["deskew_degrees"] = angle
    if isinstance(page, DrawnPage):
        record["drawn_dpi"] = page.dpi
    return reading, record, image


def _reads_straightened(angle: float) -> bool:
    """Whether tesseract reads a page skewed by `angle` from its straightened copy; a smaller
    skew it levels itself."""
    return abs(angle) >= READ_STRAIGHTENED_DEGREES


def _visible_skew(image: Image.Image) -> float:
    """The page's skew; 0.0 where turning would move no corner by a pixel."""
    angle = skew_degrees(image)
    return 0.0 if corner_shift(angle, image.size) < MIN_SHIFT_PX else angle


def _tesseract(image: Path, page: ImagePage | DrawnPage, job: dict[str, Any]) -> _Reading:
    """tesseract's text, hOCR and text-only PDF of the page; a page it does not finish within
    the job's time per page is kept as an image without text, as ocrmypdf keeps it."""
    base = image.with_suffix("")
    started = time.monotonic()
    try:
        finished = tesseract_engine.read(
            image, base, job["languages"], round(page.dpi), float(job["page_timeout"])
        )
    except tesseract_engine.EngineError as exc:
        raise UseOcrmypdf(f"page {page.number}: {exc}") from exc
    if not finished:
        return _Reading("", "", None, time.monotonic() - started)
    text = base.with_suffix(".txt").read_text("utf-8").removesuffix("\f")
    hocr = base.with_suffix(".hocr").read_text("utf-8")
    return _Reading(text, hocr, base.with_suffix(".pdf"), time.monotonic() - started)


def _orientation(
    image: Path,
    page: ImagePage | DrawnPage,
    reading: _Reading,
    job: dict[str, Any],
) -> dict[str, Any]:
    """How the page's orientation was found, and `turned_degrees`: the clockwise turn that
    stands it upright, where tesseract's orientation detection is sure of one (as ocrmypdf
    turns a page: its confidence at least `ROTATE_CONFIDENCE`)."""
    if not job.get("rotate_pages") and reads_upright(reading.hocr, word_confidences(reading.hocr)):
        return {"orientation_by": "ocr", "rotate": 0}
    found = tesseract_engine.orientation(image, round(page.dpi))
    record: dict[str, Any] = {
        "orientation_by": "osd",
        "rotate": 0,
        "rotate_confidence": round(found.confidence, 2),
    }
    if found.turn and found.confidence >= ROTATE_CONFIDENCE:
        record["turned_degrees"] = found.turn
    return record


def _show_turned(
    pdf: pikepdf.Pdf, page: pikepdf.Page, box: tuple[float, float, float, float], degrees: float
) -> None:
    """Show the page's content turned by `degrees` (counter-clockwise, as seen: /Rotate turns
    the page but not the sense of a turn) about the centre of `box`, as tesseract read it; the
    content itself stays as scanned."""
    if not degrees:
        return
    x, y, w, h = box
    a = math.radians(degrees)
    cos, sin = math.cos(a), math.sin(a)
    cx, cy = x + w / 2, y + h / 2
    e, f = cx - cos * cx + sin * cy, cy - sin * cx - cos * cy
    turn = f"{cos:.6f} {sin:.6f} {-sin:.6f} {cos:.6f} {e:.4f} {f:.4f} cm\n"
    page.contents_add(pikepdf.Stream(pdf, f"q\n{turn}".encode()), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, b"\nQ\n"))


def _lay_text(
    pdf: pikepdf.Pdf, page: pikepdf.Page, box: tuple[float, float, float, float], layer: Path
) -> None:
    """Lay tesseract's text layer over what it read, `box`: an image's place or the whole page,
    as it is seen, upright as tesseract read it; it is stood on the page the way /Rotate shows
    it. A layer read from the straightened copy is laid after the turn that shows the scan
    straightened; one read from the scan as it is, before it, so that the turn takes both."""
    with pikepdf.open(layer) as text_pdf:
        text_page = text_pdf.pages[0]
        width, height = (float(v) for v in text_page.mediabox[2:])
        form = pdf.copy_foreign(text_page.as_form_xobject())
    name = page.add_resource(form, Name.XObject, prefix="OCR")
    rotate = int(page.obj.get(Name.Rotate, 0)) % 360
    seen_w, seen_h = (box[3], box[2]) if rotate in (90, 270) else (box[2], box[3])
    fit = f"{seen_w / width:.6f} 0 0 {seen_h / height:.6f} 0 0 cm\n"
    stand = " ".join(f"{v:.4f}" for v in _seen_to_page(box, rotate)) + " cm\n"
    page.contents_add(pikepdf.Stream(pdf, f"\nq\n{stand}{fit}{name} Do\nQ\n".encode()))


def _seen_to_page(
    box: tuple[float, float, float, float], rotate: int
) -> tuple[float, float, float, float, float, float]:
    """The matrix from `box` as it is seen (origin at its lower left corner as shown) to the
    page's own coordinates, undoing /Rotate `rotate` (which turns the page clockwise)."""
    x, y, w, h = box
    return {
        0: (1.0, 0.0, 0.0, 1.0, x, y),
        90: (0.0, 1.0, -1.0, 0.0, x + w, y),
        180: (-1.0, 0.0, 0.0, -1.0, x + w, y + h),
        270: (0.0, -1.0, 1.0, 0.0, x, y + h),
    }[rotate]
