"""Deskew only where the measured angle moves a pixel: a skewed page is still archived
straight, a straight one is not rotated by a rounding error's angle."""

from __future__ import annotations

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
def test_a_page_skewed_by_one_and_a_half_degrees_is_archived_straight(tmp_path: Path) -> None:
    source = write_scan([LINES], tmp_path / "schief.png", "png", skew_deg=1.5, seed=3)
    assert abs(_angle_radians(source)) > 0.02  # 1.5 degrees = 0.026 rad
    prepared = prepare_input(source, tmp_path, max_pixels=250_000_000, default_dpi=300)
    result = scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings())
    with pikepdf.open(result.pdfa) as pdf:
        (image,) = pdf.pages[0].get_images().values()
        pikepdf.PdfImage(image).as_pil_image().save(tmp_path / "archived.png")
    assert abs(_angle_radians(tmp_path / "archived.png")) < 0.002  # 0.1 degrees
    assert "Zeile 12" in result.text
