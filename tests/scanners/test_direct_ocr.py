"""Real OCR by route: a scan of plain page images is read by tesseract straight from them;
a page of several images, or a page found turned, goes to ocrmypdf, and the record says why."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import img2pdf
import pikepdf
import pytest
from PIL import Image

from scanmaker import render_page, write_scan
from scanners import OcrSettings, ScanResult, prepare_input, scan_to_pdfa, verify_pdfa
from scanners.direct_ocr import ROUTE

pytestmark = pytest.mark.slow

PAGE_1 = [
    "Stadt Musterstadt - Ordnungsamt - Hundesteuerstelle",
    "Hundesteuerbescheid für das Kalenderjahr 2024",
    "Die Hundesteuer für Ihren Hund wird auf 120,00 Euro festgesetzt.",
    "Der Betrag ist zum Fälligkeitstag an die Stadtkasse zu zahlen.",
]
PAGE_2 = [
    "Rechtsbehelfsbelehrung",
    "Gegen diesen Bescheid ist binnen eines Monats der Widerspruch zulässig.",
]


def _ocr(source: Path, tmp_path: Path) -> ScanResult:
    prepared = prepare_input(source, tmp_path, max_pixels=250_000_000, default_dpi=300)
    return scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings())


def test_a_two_page_tiff_scan_is_read_straight_from_its_page_images(tmp_path: Path) -> None:
    source = write_scan([PAGE_1, PAGE_2], tmp_path / "in.tiff", "tiff", skew_deg=1.0, seed=3)
    result = _ocr(source, tmp_path)
    assert result.software["route"] == ROUTE == "tesseract on the page images"
    assert "route_reason" not in result.software and "ocrmypdf" not in result.software
    assert [page.number for page in result.pages] == [1, 2]
    assert "Hundesteuerbescheid" in result.pages[0].text
    assert "Rechtsbehelfsbelehrung" in result.pages[1].text
    assert "Rechtsbehelfsbelehrung" not in result.pages[0].text
    assert all(page.confidence is not None for page in result.pages)
    assert verify_pdfa(result.pdfa, expected_pages=2) == []
    assert result.steps["ocr"] > 0
    # the scanned image is archived as the intake stored it, not drawn again
    with pikepdf.open(tmp_path / "intake.pdf") as intake:
        stored = intake.pages[0].Resources.XObject["/Im0"].read_raw_bytes()
    with pikepdf.open(result.pdfa) as archived:
        kept = [
            image.read_raw_bytes()
            for image in archived.pages[0].Resources.XObject.values()
            if image.get("/Subtype") == pikepdf.Name.Image
        ]
    assert kept == [stored]


def test_a_page_of_two_images_goes_to_ocrmypdf_which_says_why(tmp_path: Path) -> None:
    """A mixed-raster scan: the page's text image and, over it, a small stamp image."""
    render_page(PAGE_1, seed=4).save(tmp_path / "text.png", dpi=(300, 300))
    Image.new("L", (300, 150), 90).save(tmp_path / "stamp.png", dpi=(300, 300))
    source = tmp_path / "mrc.pdf"
    source.write_bytes(img2pdf.convert(str(tmp_path / "text.png")))
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        with pikepdf.open(io.BytesIO(img2pdf.convert(str(tmp_path / "stamp.png")))) as other:
            stamp = pdf.copy_foreign(other.pages[0].Resources.XObject["/Im0"])
        page.Resources.XObject["/Im1"] = stamp
        page.contents_add(pikepdf.Stream(pdf, b"q 72 0 0 36 400 760 cm /Im1 Do Q"))
        pdf.save(source)
    result = _ocr(source, tmp_path)
    assert result.software["route"] == "ocrmypdf"
    assert "page 1" in result.software["route_reason"]
    assert "2 images" in result.software["route_reason"]
    assert "ocrmypdf" in result.software
    assert "Hundesteuerbescheid" in result.pages[0].text
    assert result.pages[0].confidence is not None
    assert verify_pdfa(result.pdfa, expected_pages=1) == []


def test_a_page_found_upside_down_goes_to_ocrmypdf_and_is_archived_upright(
    tmp_path: Path,
) -> None:
    lines = [*PAGE_1, *PAGE_2] * 3
    render_page(lines, seed=5).rotate(180, expand=True).save(tmp_path / "in.png", dpi=(300, 300))
    result = _ocr(tmp_path / "in.png", tmp_path)
    assert result.software["route"] == "ocrmypdf"
    assert "page 1" in result.software["route_reason"]
    assert "turned" in result.software["route_reason"]
    assert "ocrmypdf" in result.software
    words = {word for line in lines for word in line.split() if len(word) >= 6}
    read = set(result.pages[0].text.split())
    assert len(words & read) >= 0.9 * len(words), sorted(words - read)
    assert verify_pdfa(result.pdfa, expected_pages=1) == []
    # the page as a viewer shows it: text the right way up
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(result.pdfa),
                    str(tmp_path / "shown")], check=True)  # fmt: skip
    seen = subprocess.run(["tesseract", str(tmp_path / "shown.png"), "-", "--psm", "0"],
                          capture_output=True, text=True, check=False).stdout  # fmt: skip
    assert "Rotate: 0" in seen, seen
