"""tesseract's engine in the OCR process reads a page as the `tesseract` command reads it, finds
the same orientation, keeps to its time per page, and is loaded before the OCR server forks."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from scanmaker import write_scan
from scanners import ocr_server, tesseract_engine

pytestmark = pytest.mark.slow

LINES = [
    "Stadt Musterstadt - Bauordnungsamt",
    "Baugenehmigung für das Grundstück Gemarkung Nord, Flur 3, Flurstück 117/4",
    "Die Gebühr wird auf 1.245,00 Euro festgesetzt.",
    "Rechtsbehelfsbelehrung: Gegen diesen Bescheid ist der Widerspruch zulässig.",
]
LANGUAGES = ("deu", "eng")


def _page(tmp_path: Path, turn: int = 0) -> Path:
    scan = write_scan([LINES], tmp_path / "page.png", "png", skew_deg=0.0)
    if turn:
        with Image.open(scan) as image:
            image.rotate(turn, expand=True).save(scan, dpi=(300, 300))
    return scan


def test_a_page_is_read_as_the_tesseract_command_reads_it(tmp_path: Path) -> None:
    scan = _page(tmp_path)
    command = tmp_path / "command"
    options = ["-l", "deu+eng", "--dpi", "300", "-c", "textonly_pdf=1", "hocr", "txt", "pdf"]
    subprocess.run(
        ["tesseract", str(scan), str(command), *options], check=True, capture_output=True
    )
    engine = tmp_path / "engine"
    assert tesseract_engine.read(scan, engine, LANGUAGES, 300, 60.0)
    for suffix in (".txt", ".hocr"):
        assert engine.with_suffix(suffix).read_bytes() == command.with_suffix(suffix).read_bytes()
    assert "1.245,00 Euro" in engine.with_suffix(".txt").read_text("utf-8")
    layer = engine.with_suffix(".pdf").read_bytes()
    assert layer.startswith(b"%PDF") and b"GlyphLessFont" in layer


@pytest.mark.parametrize("turn", [0, 90, 180])
def test_orientation_is_the_commands(tmp_path: Path, turn: int) -> None:
    scan = _page(tmp_path, turn)
    said = subprocess.run(
        ["tesseract", str(scan), "stdout", "-l", "osd", "--psm", "0", "--dpi", "300"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rotate = re.search(r"Rotate: (\d+)", said)
    confidence = re.search(r"Orientation confidence: ([\d.]+)", said)
    assert rotate and confidence
    found = tesseract_engine.orientation(scan, 300)
    assert found.turn == int(rotate.group(1))
    assert found.turn == turn  # turned counter-clockwise by `turn`: stood up by as much clockwise
    assert round(found.confidence, 2) == float(confidence.group(1))


def test_a_page_not_read_within_its_time_writes_nothing(tmp_path: Path) -> None:
    scan = _page(tmp_path)
    # a thousandth of a second: no page of four lines is read in that
    assert not tesseract_engine.read(scan, tmp_path / "late", LANGUAGES, 300, 0.001)
    assert not list(tmp_path.glob("late.*"))


def test_an_image_tesseract_cannot_read_is_an_error_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(_page(tmp_path).read_bytes()[:200])  # a PNG cut off after its header
    with pytest.raises(tesseract_engine.EngineError, match=r"broken\.png"):
        tesseract_engine.read(broken, tmp_path / "broken", LANGUAGES, 300, 60.0)


def test_a_language_without_a_model_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(tesseract_engine.EngineError, match="xyz"):
        tesseract_engine.read(_page(tmp_path), tmp_path / "page", ("xyz",), 300, 60.0)


def test_the_ocr_server_loads_the_models_before_it_forks() -> None:
    ocr_server.preload()
    assert {"deu+eng", "osd"} <= tesseract_engine.loaded()
