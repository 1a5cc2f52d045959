"""How large each page's image will be when the OCR engine rasterises it, before it does.

A page's drawing has no size in pixels until it is rendered: ocrmypdf renders a page at the
resolution of its images, and a page with text or vector graphics (or none of either) at 400
dpi. So a text page of 14,000 points a side (just under 5 m) becomes an image of about six
gigapixels, several gigabytes in memory, from a file of a few hundred bytes. This module
computes what ocrmypdf will render, from ocrmypdf's own analysis of the page, taking the
highest resolution it may choose (it lowers it for a small high-resolution patch on a page,
never raises it), so that the check errs on the side of refusing.

The renderer draws the MediaBox in PDF units; a /UserUnit above 1 makes the page physically
larger still, which intake bounds (5 m a side) before this check runs.
"""

from __future__ import annotations

from pathlib import Path

from ocrmypdf.pdfinfo import PdfInfo

VECTOR_PAGE_DPI = 400.0  # ocrmypdf's resolution for text and vector pages (_pipeline.py)


def oversized_page(pdf: Path, max_pixels: int) -> str | None:
    """The reason the first page that would rasterise to more than `max_pixels` is refused,
    or None when every page fits."""
    info = PdfInfo(pdf, max_workers=1)
    for page in info.pages:
        if page is None:  # a page ocrmypdf was not asked to look at
            continue
        dpi = page.dpi
        resolution = max(float(dpi.x) or VECTOR_PAGE_DPI, float(dpi.y) or VECTOR_PAGE_DPI)
        if page.has_vector or page.has_text:
            resolution = max(resolution, VECTOR_PAGE_DPI)
        box = page.mediabox
        width = abs(box[2] - box[0]) / 72 * resolution
        height = abs(box[3] - box[1]) / 72 * resolution
        if width * height > max_pixels:
            return (
                f"page {page.pageno + 1} would be rasterised at {resolution:.0f} dpi to "
                f"{width:.0f} x {height:.0f} pixels ({width * height / 1e6:.0f} megapixels), "
                f"over the limit of {max_pixels / 1e6:.0f} megapixels (max_megapixels)"
            )
    return None
