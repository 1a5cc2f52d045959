"""Deskew only where the measured angle moves a pixel: a skewed page is still archived
straight, a straight one is not rotated by a rounding error's angle."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest

from scanmaker import write_scan
from scanners import OcrSettings, deskew_gate, prepare_input, scan_to_pdfa

A4_300_DPI = (2480, 3508)
LINES = [f"Zeile {i}: Die Grundsteuer wird auf {i * 13},50 Euro festgesetzt." for i in range(25)]


def test_an_angle_that_moves_no_corner_by_a_pixel_is_left_alone() -> None:
    # tesseract's angle of a straight rendered A4 page: 0.0004 rad
    assert deskew_gate.corner_shift(0.023, A4_300_DPI) < deskew_gate.MIN_SHIFT_PX
    assert deskew_gate.corner_shift(0.0, A4_300_DPI) == 0.0


def test_a_skew_of_a_tenth_of_a_degree_is_still_corrected_on_a_page() -> None:
    assert deskew_gate.corner_shift(0.1, A4_300_DPI) > 3 * deskew_gate.MIN_SHIFT_PX
    assert deskew_gate.corner_shift(-0.1, A4_300_DPI) == deskew_gate.corner_shift(0.1, A4_300_DPI)


def test_the_installed_ocrmypdf_has_the_deskew_step_where_the_gate_expects_it() -> None:
    """Another ocrmypdf version would leave its own step in place: this says so."""
    from ocrmypdf._pipelines import _common

    original = _common.preprocess_deskew
    try:
        assert deskew_gate.install()
        assert _common.preprocess_deskew.__wrapped__ is original  # type: ignore[attr-defined]
    finally:
        _common.preprocess_deskew = original


def _angle_radians(image: Path) -> float:
    """tesseract's skew of a page image (what ocrmypdf's deskew measures), in radians."""
    done = subprocess.run(
        ["tesseract", str(image), "stdout", "-l", "deu", "--psm", "2"],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in (done.stdout + done.stderr).splitlines() if "Deskew angle" in x)
    return float(line.split(":")[1])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_a_page_skewed_by_one_and_a_half_degrees_is_shown_straight_with_its_pixels_kept(
    tmp_path: Path, fmt: str
) -> None:
    source = write_scan([LINES], tmp_path / f"schief.{fmt}", fmt, skew_deg=1.5, seed=3)
    assert abs(_angle_radians(source)) > 0.02  # 1.5 degrees = 0.026 rad
    prepared = prepare_input(source, tmp_path, max_pixels=250_000_000, default_dpi=300)
    result = scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings())
    assert result.software["route"] == "tesseract on the page images"
    assert abs(abs(result.pages[0].deskew_degrees or 0.0) - 1.5) < 0.2
    # the page as a viewer shows it is straight ...
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(result.pdfa),
                    str(tmp_path / "shown")], check=True)  # fmt: skip
    assert abs(_angle_radians(tmp_path / "shown.png")) < 0.002  # 0.1 degrees
    # ... and the scan's own pixels are archived, not a resampled copy of them
    with pikepdf.open(prepared.pdf) as before, pikepdf.open(result.pdfa) as after:
        (scanned,) = before.pages[0].get_images().values()
        (archived,) = after.pages[0].get_images().values()
        assert archived.read_raw_bytes() == scanned.read_raw_bytes()
    assert "Zeile 12" in result.text
    # the text layer is turned with the image: a line's first and last word lie level
    assert _line_tilt_pt(result.pdfa, "12:") < 2.0


def _line_tilt_pt(pdf: Path, marker: str) -> float:
    """How much higher or lower (pt) the text layer puts the last word of the line whose
    second word is `marker` than that word."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)<', html)
    at = next(n for n, (_, word) in enumerate(words) if word == marker)
    end = next(n for n in range(at, len(words)) if words[n][1] == "festgesetzt.")
    return abs(float(words[end][0]) - float(words[at][0]))
