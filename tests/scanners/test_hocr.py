"""The OCR's own result shows an upright page: confident words in lines that run across it;
its lines' baselines give the page's skew; its words carry tesseract's confidence."""

from __future__ import annotations

import math

import pytest

from scanners.hocr import MAX_SKEW_DEGREES, reads_upright, skew_degrees, word_confidences


def _hocr(boxes: list[tuple[int, int, int, int]]) -> str:
    return "".join(
        f"<span class='ocr_line' id='line_1_{n}' title=\"bbox {x0} {y0} {x1} {y1}; baseline 0 0\">"
        for n, (x0, y0, x1, y1) in enumerate(boxes, 1)
    )


WIDE = [(40, 100 + 40 * n, 600, 130 + 40 * n) for n in range(8)]
TALL = [(100 + 40 * n, 36, 130 + 40 * n, 600) for n in range(8)]


def test_confident_words_in_lines_across_the_page_show_it_upright() -> None:
    assert reads_upright(_hocr(WIDE), [95] * 60)


def test_confident_words_in_lines_down_the_page_show_it_on_its_side() -> None:
    # tesseract reads a page turned by 90 degrees with high confidence, in tall lines
    assert not reads_upright(_hocr(TALL), [96] * 59)


def test_garbage_or_too_few_words_show_nothing() -> None:
    assert not reads_upright(_hocr(WIDE), [48] * 61)  # an upside-down page reads as garbage
    assert not reads_upright(_hocr(WIDE[:1]), [95] * 4)
    assert not reads_upright("", [])


def _lines(lines: list[tuple[int, float]]) -> str:
    """hOCR lines as tesseract writes them: (width in pixels, baseline slope) each."""
    return "".join(
        f"<span class='ocr_line' id='line_1_{n}' title=\"bbox 40 {100 + 40 * n} {40 + width} "
        f'{130 + 40 * n}; baseline {slope} -7; x_size 30; x_descenders 6; x_ascenders 8">'
        f"<span class='ocrx_word' id='word_1_{n}' title='bbox 40 {100 + 40 * n} 90 "
        f"{130 + 40 * n}; x_wconf 91'>Wort</span></span>"
        for n, (width, slope) in enumerate(lines, 1)
    )


def test_lines_falling_to_the_right_give_their_angle_in_degrees() -> None:
    assert skew_degrees(_lines([(1200, 0.02)] * 12)) == pytest.approx(math.degrees(math.atan(0.02)))
    assert skew_degrees(_lines([(1200, -0.035)] * 12)) == pytest.approx(
        math.degrees(math.atan(-0.035))
    )


def test_the_median_is_weighted_by_each_line_s_width() -> None:
    # three narrower lines outnumber the two wide ones, but the wide ones hold more text
    hocr = _lines([(1000, 0.02), (300, -0.03), (1000, 0.02), (300, -0.03), (300, -0.03)])
    assert skew_degrees(hocr) == pytest.approx(math.degrees(math.atan(0.02)))


def test_short_lines_such_as_a_stamp_set_askew_do_not_count() -> None:
    # fifteen short lines (a fifth of the widest each) would carry the weighted median alone
    hocr = _lines([(1000, 0.01)] + [(200, 0.1)] * 15)
    assert skew_degrees(hocr) == pytest.approx(math.degrees(math.atan(0.01)))


def test_lines_steeper_than_the_largest_skew_are_not_a_skew() -> None:
    assert skew_degrees(_lines([(1200, math.tan(math.radians(45)))] * 8)) == 0.0
    steep = math.tan(math.radians(MAX_SKEW_DEGREES + 0.5))
    assert skew_degrees(_lines([(1200, steep)] * 8)) == 0.0
    within = math.tan(math.radians(MAX_SKEW_DEGREES - 0.5))
    assert skew_degrees(_lines([(1200, within)] * 8)) == pytest.approx(MAX_SKEW_DEGREES - 0.5)


def test_a_page_without_lines_has_no_skew() -> None:
    assert skew_degrees("") == 0.0
    assert skew_degrees("<div class='ocr_page' title='bbox 0 0 2480 3508'></div>") == 0.0


def test_word_confidences_are_read_word_by_word() -> None:
    words = "".join(
        f"<span class='ocrx_word' id='word_1_{n}' title='bbox 1 2 3 4; x_wconf {c}'>w</span>"
        for n, c in enumerate([96, 7, 100, 0], 1)
    )
    assert word_confidences(words) == [96, 7, 100, 0]
    assert word_confidences(_lines([(1000, 0.0)] * 3)) == [91, 91, 91]
    assert word_confidences("") == []
