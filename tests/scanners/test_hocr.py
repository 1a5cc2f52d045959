"""The OCR's own result shows an upright page: confident words in lines that run across it;
its lines' baselines give the page's skew; its words carry tesseract's confidence."""

from __future__ import annotations

from scanners.hocr import reads_upright, word_confidences


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


def test_word_confidences_are_read_word_by_word() -> None:
    words = "".join(
        f"<span class='ocrx_word' id='word_1_{n}' title='bbox 1 2 3 4; x_wconf {c}'>w</span>"
        for n, c in enumerate([96, 7, 100, 0], 1)
    )
    assert word_confidences(words) == [96, 7, 100, 0]
    assert word_confidences("") == []
