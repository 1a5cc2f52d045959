"""The skew of a page, measured on its pixels: what tesseract is given to read is straight."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from scanmaker import render_page
from scanners.skew import MAX_SKEW_DEGREES, PRECISION_DEGREES, levelled, skew_degrees

LINES = [f"Zeile {i}: Die Gewerbesteuer wird auf {i * 17},40 Euro festgesetzt." for i in range(30)]


@pytest.mark.parametrize("skew", [0.6, -1.1, 1.6, -0.3, 3.0])
def test_a_page_skewed_by_an_angle_is_turned_back_by_it(skew: float) -> None:
    page = render_page(LINES, seed=7, skew_deg=skew)
    assert skew_degrees(page) == pytest.approx(-skew, abs=0.06)


def test_a_page_dark_with_ink_is_measured_as_precisely() -> None:
    # a dark old book page has several times the dark pixels of a letter; the measurement
    # takes a sample of them, which must still show the lines' angle
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    for top in range(200, 3300, 50):
        draw.rectangle((150, top, 2330, top + 24), fill=30)  # 62 thick lines of ink
    skewed = page.rotate(0.7, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert skew_degrees(skewed) == pytest.approx(-0.7, abs=0.06)


def test_a_straight_page_is_left_straight() -> None:
    assert skew_degrees(render_page(LINES, seed=7, skew_deg=0.0)) == 0.0


def test_a_page_with_too_little_on_it_is_left_as_it_is() -> None:
    assert skew_degrees(Image.new("L", (2480, 3508), 255)) == 0.0


def test_a_page_turned_further_than_a_scanner_skews_is_not_deskewed() -> None:
    page = render_page(LINES, seed=7, skew_deg=MAX_SKEW_DEGREES + 3)
    assert skew_degrees(page) == 0.0
    assert PRECISION_DEGREES < 0.5  # a skew that loses characters is still corrected


@pytest.mark.parametrize(("skew", "mode"), [(1.2, "L"), (-0.8, "RGB"), (0.5, "1")])
def test_a_levelled_page_is_straight_and_keeps_its_size(skew: float, mode: str) -> None:
    page = render_page(LINES, seed=7, skew_deg=skew).convert(mode)
    straight = levelled(page, skew_degrees(page))
    assert straight.size == page.size
    assert straight.mode == ("RGB" if mode == "RGB" else "L")
    assert skew_degrees(straight) == 0.0  # within the measurement's precision
    corner = straight.getpixel((0, 0))
    assert corner == ((255, 255, 255) if mode == "RGB" else 255)  # uncovered corners are paper


def test_levelling_turns_counter_clockwise_as_the_measurement_means() -> None:
    page = render_page(LINES, seed=7, skew_deg=0.0)
    turned = levelled(page, 1.0)
    assert skew_degrees(turned) == pytest.approx(-1.0, abs=0.06)
