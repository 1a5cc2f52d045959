"""ocrmypdf plugin that keeps tesseract's mean word confidence per page.

ocrmypdf reads tesseract's hOCR but does not report its word confidences (`x_wconf`); this
engine wraps the built-in one and writes `<page>.json` into the directory given by the
`eakte_confidence_dir` option.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine

_WCONF = re.compile(r"x_wconf (\d+)")
_PAGE_NUMBER = re.compile(r"^(\d+)")


class ConfidenceTesseract(TesseractOcrEngine):
    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options: Any) -> None:
        TesseractOcrEngine.generate_hocr(input_file, output_hocr, output_text, options)
        target = getattr(options, "eakte_confidence_dir", None)
        match = _PAGE_NUMBER.match(Path(input_file).name)
        if not target or not match:
            return
        scores = [int(value) for value in _WCONF.findall(Path(output_hocr).read_text("utf-8"))]
        page = int(match.group(1))
        mean = sum(scores) / len(scores) if scores else 0.0
        record = {"page": page, "confidence": round(mean, 1), "words": len(scores)}
        (Path(target) / f"{page:06d}.json").write_text(json.dumps(record))


def tesseract_version() -> str:
    return str(TesseractOcrEngine.version())


@hookimpl
def get_ocr_engine(options: Any) -> TesseractOcrEngine:
    return ConfidenceTesseract()
