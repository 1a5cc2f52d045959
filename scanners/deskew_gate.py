"""Deskew only a page whose measured skew moves a pixel: a straight page is left as it is.

ocrmypdf's deskew measures a page's angle (a `tesseract --psm 2` pass) and then always
rotates the page image by it and writes it again as PNG, also when the angle is a few
thousandths of a degree: the rotation then moves no pixel, and only costs (about 0.5
core-seconds of a 300 dpi page, more than the angle) and resamples the image once more. So
the OCR process (`scanners.ocr_worker`) replaces ocrmypdf's step with this one: the same
angle, the same rotation where the rotation moves the page's corners by at least
`MIN_SHIFT_PX`, and the rasterised page unchanged below that, as if deskew were off for it.

Written against ocrmypdf 17's `preprocess_deskew` (`ocrmypdf._pipeline`); with another
version whose step is not where it was, `install` leaves ocrmypdf's own in place.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

# A rotation that moves no corner of the page by this many pixels leaves it as it is.
MIN_SHIFT_PX = 1.0


def corner_shift(angle_degrees: float, size: tuple[int, int]) -> float:
    """Pixels by which rotating an image of `size` about its centre moves its corners."""
    half_diagonal = math.hypot(size[0], size[1]) / 2
    return 2 * half_diagonal * math.sin(math.radians(abs(angle_degrees)) / 2)


def install() -> bool:
    """Put `deskew` in place of ocrmypdf's deskew step; False if this ocrmypdf has none."""
    try:
        from ocrmypdf._pipelines import _common
    except ImportError:
        return False
    original = getattr(_common, "preprocess_deskew", None)
    if original is None or getattr(original, "__module__", "") != "ocrmypdf._pipeline":
        return False
    _common.preprocess_deskew = functools.wraps(original)(deskew)
    return True


def deskew(input_file: Path, page_context: Any) -> Path:
    """ocrmypdf's `preprocess_deskew`, leaving a page its angle would not visibly turn."""
    from ocrmypdf._pipeline import calculate_image_dpi, get_page_square_dpi
    from PIL import Image, ImageColor

    ocr_engine = page_context.plugin_manager.get_ocr_engine(options=page_context.options)
    angle = ocr_engine.get_deskew(input_file, page_context.options)
    with Image.open(input_file) as image:
        if corner_shift(angle, image.size) < MIN_SHIFT_PX:
            return input_file
        output_file: Path = page_context.get_path("pp_deskew.png")
        dpi = get_page_square_dpi(page_context, calculate_image_dpi(page_context))
        deskewed = image.rotate(
            angle,
            resample=Image.Resampling.BICUBIC,
            fillcolor=ImageColor.getcolor("white", mode=image.mode),
        )
        deskewed.save(output_file, dpi=dpi)
    return output_file
