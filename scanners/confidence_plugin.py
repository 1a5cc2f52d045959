"""ocrmypdf plugin that keeps tesseract's mean word confidence per page, and which pages it
gave up on.

ocrmypdf reads tesseract's hOCR but does not report its word confidences (`x_wconf`); this
engine wraps the built-in one and writes `<page>.json` into the directory given by the
plugin's own option `eakte_confidence_dir` (declared through `register_options`). A page on
which tesseract ran into ocrmypdf's `--tesseract-timeout` is kept by ocrmypdf as an image
without text; the record says so (`recognised: false`), so that the page can be named for
rescanning instead of being mistaken for a blank one.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine
from pydantic import BaseModel

from scanners.hocr import page_record, reads_upright, word_confidences

_PAGE_NUMBER = re.compile(r"^(\d+)")


class EakteOptions(BaseModel):
    """The plugin's options; ocrmypdf passes `eakte_<field>` keywords into this namespace."""

    confidence_dir: str | None = None
    # Decide each page's orientation from the OCR's own result where it is clear (see
    # `reads_upright`), asking tesseract's orientation detection only where it is not.
    orientation_check: bool = False


class ConfidenceTesseract(TesseractOcrEngine):
    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options: Any) -> None:
        started = time.monotonic()
        TesseractOcrEngine.generate_hocr(input_file, output_hocr, output_text, options)
        elapsed = time.monotonic() - started
        target = options.eakte.confidence_dir
        match = _PAGE_NUMBER.match(Path(input_file).name)
        if not target or not match:
            return
        hocr = Path(output_hocr).read_text("utf-8") if Path(output_hocr).exists() else ""
        timeout = float(options.tesseract.timeout)
        # ocrmypdf writes an empty hOCR both for a page tesseract calls empty and for one it
        # gave up on; only the second takes the whole time-out.
        recognised = bool(hocr) or timeout == 0 or elapsed < timeout
        scores = word_confidences(hocr)
        page = int(match.group(1))
        record = page_record(page, scores, recognised, elapsed)
        if options.eakte.orientation_check:
            record.update(_orientation(input_file, hocr, scores, options))
        (Path(target) / f"{page:06d}.json").write_text(json.dumps(record))


def _orientation(image: Path, hocr: str, scores: list[int], options: Any) -> dict[str, Any]:
    """How the page's orientation was found; tesseract's orientation detection only where
    the OCR's result does not show it upright."""
    if reads_upright(hocr, scores):
        return {"orientation_by": "ocr", "rotate": 0}
    found = TesseractOcrEngine.get_orientation(image, options)
    return {
        "orientation_by": "osd",
        "rotate": int(found.angle) % 360,
        "rotate_confidence": round(float(found.confidence), 2),
    }


def tesseract_version() -> str:
    return str(TesseractOcrEngine.version())


@hookimpl
def register_options() -> dict[str, type[BaseModel]]:
    return {"eakte": EakteOptions}


@hookimpl
def get_ocr_engine(options: Any) -> TesseractOcrEngine:
    return ConfidenceTesseract()
