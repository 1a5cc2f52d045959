"""The skew of a scanned page, measured on its pixels before OCR.

tesseract reads a skewed page less well at the ends of its lines (an IBAN's last digit lost
at 0.7 degrees), so the page is straightened before it is read. The angle is the one whose
rows of dark pixels line up best: the classic projection profile, whose sharpness (the sum
of squared row counts) peaks when text lines lie along the rows. Measured on a page at half
its resolution, coarse then fine, it takes a few hundredths of a core-second, where
tesseract's own angle pass (ocrmypdf's deskew) takes about 0.4. `levelled` turns the page by
it for tesseract.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

# Scanners skew a page by a few degrees; a page turned further is orientation's business.
MAX_SKEW_DEGREES = 5.0
_COARSE_STEP = 0.25
_FINE_STEP = 0.02
# Pixels of the measured copy across the page: enough for a hundredth of a degree on an A4
# page, few enough to stay cheap.
_WIDTH = 1200
# The dark pixels measured, at most: an A4 letter has 50,000-70,000 at this width; a dark old
# book page several hundred thousand, of which every third or fourth shows its lines as well.
_MAX_POINTS = 100_000
# Fewer dark pixels than this share of the page: too little to measure; the page is left.
_MIN_INK = 0.002
# What the measurement tells apart (generated pages of known skew come out within 0.05
# degrees): a smaller angle is taken as a straight page.
PRECISION_DEGREES = 0.1
# tesseract reads a page skewed by less than this as well as its straightened copy, and more
# cheaply: it levels small skews in its own layout analysis. On 36 generated pages (grey,
# black-and-white and JPEG): skewed 0.15-0.45 degrees, 158 characters wrong as scanned and 176
# straightened, at 8% more tesseract time; skewed 0.6 degrees, 40 and 27. A page skewed less is
# still shown straightened; only tesseract reads it as scanned.
READ_STRAIGHTENED_DEGREES = 0.5
# Text lines at the right angle make the row profile about twice as sharp as at most other
# angles (measured: 1.95-2.2 on skewed and straight pages); a page whose best angle is barely
# sharper than the others (1.0-1.1 for a page turned 8-20 degrees) shows no skew to correct.
_MIN_PEAK = 1.3


def skew_degrees(image: Image.Image) -> float:
    """The rotation, counter-clockwise as the page is seen, that levels its text lines;
    0.0 for a straight page (within `PRECISION_DEGREES`) or one with too little on it to tell."""
    small = image.convert("L")
    if small.width > _WIDTH:  # averaging boxes of pixels: a third of a bicubic resampling's cost
        height = max(1, round(small.height * _WIDTH / small.width))
        small = small.resize((_WIDTH, height), Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.uint8)
    threshold = min(128, int(pixels.mean()) - 40)  # ink clearly darker than the paper
    ys, xs = np.nonzero(pixels < threshold)
    if len(ys) < _MIN_INK * pixels.size:
        return 0.0
    step = len(ys) // _MAX_POINTS + 1  # every step-th dark pixel, row by row
    x = xs[::step].astype(np.float64) - pixels.shape[1] / 2
    y = ys[::step].astype(np.float64)
    coarse = np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + _COARSE_STEP / 2, _COARSE_STEP)
    best, peak = _sharpest(x, y, coarse)
    if abs(best) >= MAX_SKEW_DEGREES or peak < _MIN_PEAK:
        return 0.0  # sharpest at the edge (the lines run steeper still) or nowhere
    fine = np.arange(best - _COARSE_STEP, best + _COARSE_STEP + _FINE_STEP / 2, _FINE_STEP)
    tilt, _ = _sharpest(x, y, fine)
    # `tilt` raises the line's right end (y runs down); levelling it turns the page back
    if abs(tilt) < PRECISION_DEGREES or abs(tilt) > MAX_SKEW_DEGREES:
        return 0.0
    return round(-float(tilt), 3)


def levelled(image: Image.Image, degrees: float) -> Image.Image:
    """The page turned by `degrees` (counter-clockwise) about its centre, same size, the
    corners it uncovers white: the copy tesseract reads.

    Bicubic, as ocrmypdf turns a page (bilinear read 65 characters wrong where bicubic read 58
    on 8 generated pages skewed 0.3-1.6 degrees; ocrmypdf's angle and turn: 59). OpenCV's
    vectorised warp takes 0.06 core-s for an A4 page at 300 dpi where Pillow's takes 0.28, and
    reads as well (40 generated pages: 310 characters wrong, Pillow's turn 313). Made black and
    white by Otsu's threshold it read those better (283) but two ocr-dev pages worse, so the
    copy stays grey. So does a black-and-white scan's: cut at the middle grey again, 15
    generated 1-bit pages skewed 0.5-3 degrees read as well (77 characters wrong, grey 87) at
    12% less tesseract time, but ocr-dev's eurotext.tif lost a character.
    """
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB" if image.mode in ("P", "CMYK") else "L")
    pixels = np.asarray(image)
    height, width = pixels.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    white = (255, 255, 255) if image.mode == "RGB" else 255
    cv2.setNumThreads(1)  # one OCR process per core, as tesseract runs with OMP_THREAD_LIMIT=1
    turned = cv2.warpAffine(pixels, turn, (width, height), flags=cv2.INTER_CUBIC, borderValue=white)
    return Image.fromarray(turned, image.mode)


def _sharpest(x: np.ndarray, y: np.ndarray, angles: np.ndarray) -> tuple[float, float]:
    """The angle among `angles` (degrees) whose row profile is sharpest, and how much sharper
    it is than the median angle's."""
    scores = []
    offset = np.abs(x).max() * np.tan(np.radians(np.abs(angles).max())) + 1
    for angle in angles:
        rows = (y + x * np.tan(np.radians(angle)) + offset).astype(np.int64)
        counts = np.bincount(rows)
        scores.append(float(np.dot(counts, counts)))
    best = int(np.argmax(scores))
    return float(angles[best]), scores[best] / max(float(np.median(scores)), 1.0)
