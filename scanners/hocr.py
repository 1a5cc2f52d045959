"""What a page's hOCR from tesseract says beyond its text: word confidence, whether the page
was read upright, and how far its lines are skewed.

Shared by the two ways a document is OCR'd (`scanners.direct_ocr` on the page images,
`scanners.confidence_plugin` inside ocrmypdf), so that both judge a page alike.
"""

from __future__ import annotations

import math
import re

_WCONF = re.compile(r"x_wconf (\d+)")
_LINE_CLASSES = r"class='ocr_(?:line|caption|header|textfloat)'"
_LINE_BOX = re.compile(_LINE_CLASSES + r"[^>]*?bbox (\d+) (\d+) (\d+) (\d+)")
_BASELINE = re.compile(
    _LINE_CLASSES + r"[^>]*?bbox (\d+) (\d+) (\d+) (\d+); baseline (-?[\d.]+) (-?[\d.]+)"
)
# A page read with at least this mean word confidence, in lines that run across the page,
# was upright: a page on its side or upside down reads as garbage, or (tesseract also reads
# text turned by 90 degrees) in lines that run down the page. Measured on ocr-dev's phototest:
# upright and turned right 94.5 (turned right in tall lines), upside down and turned left 48.
UPRIGHT_CONFIDENCE = 80.0
UPRIGHT_MIN_WORDS = 5
# Lines narrower than this share of the widest line do not count towards the skew: short
# lines (page numbers, stamps) give a poor slope.
_SKEW_MIN_LINE_SHARE = 0.25
# A page whose lines run at a steeper angle is not skewed but turned, or set sideways
# (a table rotated on the page): that is orientation's business, not deskew's. Scanners skew
# a page by a few degrees; leptonica's skew search, behind most deskew tools, looks within 7.
MAX_SKEW_DEGREES = 10.0


def word_confidences(hocr: str) -> list[int]:
    """tesseract's confidence (0..100) for each word of the page."""
    return [int(value) for value in _WCONF.findall(hocr)]


def reads_upright(hocr: str, scores: list[int]) -> bool:
    """Whether the OCR's own result shows the page was upright: enough words, read with high
    confidence, in lines wider than tall."""
    if len(scores) < UPRIGHT_MIN_WORDS or sum(scores) / len(scores) < UPRIGHT_CONFIDENCE:
        return False
    boxes = [tuple(map(int, box)) for box in _LINE_BOX.findall(hocr)]
    across = sum(x1 - x0 for x0, _, x1, _ in boxes)
    down = sum(y1 - y0 for _, y0, _, y1 in boxes)
    return across > down


def skew_degrees(hocr: str) -> float:
    """The page's skew from its text lines' baselines: the rotation, counter-clockwise as
    the page is seen, that makes them level; 0.0 for a page without lines or whose lines are
    steeper than `MAX_SKEW_DEGREES`.

    tesseract fits each line's baseline in image coordinates (y down), so a slope s is a line
    falling to the right by atan(s). The median over the lines, each weighted by its width,
    is robust to a few odd lines (a signature, a stamp set askew).
    """
    lines = [
        (float(slope), int(x1) - int(x0)) for x0, _, x1, _, slope, _ in _BASELINE.findall(hocr)
    ]
    widest = max((width for _, width in lines), default=0)
    lines = sorted((s, w) for s, w in lines if w >= widest * _SKEW_MIN_LINE_SHARE and w > 0)
    if not lines:
        return 0.0
    half, seen = sum(width for _, width in lines) / 2, 0
    for slope, width in lines:
        seen += width
        if seen >= half:
            degrees = math.degrees(math.atan(slope))
            return degrees if abs(degrees) <= MAX_SKEW_DEGREES else 0.0
    return 0.0  # not reached: the widths add up to more than half
