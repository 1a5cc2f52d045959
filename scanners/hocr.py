"""What a page's hOCR from tesseract says beyond its text: word confidence, and whether the
page was read upright.

Shared by the two ways a document is OCR'd (`scanners.direct_ocr` on the page images,
`scanners.confidence_plugin` inside ocrmypdf), so that both judge a page alike.
"""

from __future__ import annotations

import re
from typing import Any

_WCONF = re.compile(r"x_wconf (\d+)")
_LINE_CLASSES = r"class='ocr_(?:line|caption|header|textfloat)'"
_LINE_BOX = re.compile(_LINE_CLASSES + r"[^>]*?bbox (\d+) (\d+) (\d+) (\d+)")
# A page read with at least this mean word confidence, in lines that run across the page,
# was upright: a page on its side or upside down reads as garbage, or (tesseract also reads
# text turned by 90 degrees) in lines that run down the page. Measured on ocr-dev's phototest:
# upright and turned right 94.5 (turned right in tall lines), upside down and turned left 48.
UPRIGHT_CONFIDENCE = 80.0
UPRIGHT_MIN_WORDS = 5


def word_confidences(hocr: str) -> list[int]:
    """tesseract's confidence (0..100) for each word of the page."""
    return [int(value) for value in _WCONF.findall(hocr)]


def page_record(page: int, scores: list[int], recognised: bool, seconds: float) -> dict[str, Any]:
    """What `scanners.ocr` reads of a page's OCR, whichever way it was made."""
    return {
        "page": page,
        "confidence": round(sum(scores) / len(scores), 1) if scores else 0.0,
        "words": len(scores),
        "recognised": recognised,
        "seconds": round(seconds, 2),
    }


def reads_upright(hocr: str, scores: list[int]) -> bool:
    """Whether the OCR's own result shows the page was upright: enough words, read with high
    confidence, in lines wider than tall."""
    if len(scores) < UPRIGHT_MIN_WORDS or sum(scores) / len(scores) < UPRIGHT_CONFIDENCE:
        return False
    boxes = [tuple(map(int, box)) for box in _LINE_BOX.findall(hocr)]
    across = sum(x1 - x0 for x0, _, x1, _ in boxes)
    down = sum(y1 - y0 for _, y0, _, y1 in boxes)
    return across > down
