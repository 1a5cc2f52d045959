"""Real OCR by route: a scan of plain page images is read by tesseract straight from them, a
scan in layers or turned by /Rotate from a drawing of its pages, its content kept; a page
found turned goes to ocrmypdf, and the record says why."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import img2pdf
import pikepdf
import pypdfium2.version
import pytest
from PIL import Image

from scanmaker import render_page, write_scan
from scanners import OcrSettings, ScanResult, prepare_input, scan_to_pdfa, verify_pdfa
from scanners.ocr_routes import DIRECT_ROUTE

pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[3] / "shared"

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
    assert result.software["route"] == DIRECT_ROUTE == "tesseract on the page images"
    assert "route_reason" not in result.software and "ocrmypdf" not in result.software
    assert "pdfium" not in result.software  # nothing was drawn
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


def test_a_page_of_two_images_is_read_from_a_drawing_and_keeps_both(tmp_path: Path) -> None:
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
    assert result.software["route"] == DIRECT_ROUTE
    assert "ocrmypdf" not in result.software
    assert result.pages[0].drawn_dpi == pytest.approx(300, abs=1)
    assert "Hundesteuerbescheid" in result.pages[0].text
    assert result.pages[0].confidence is not None
    assert verify_pdfa(result.pdfa, expected_pages=1) == []
    assert _image_bytes(source) == _image_bytes(result.pdfa)  # both layers kept
    assert _read_where_the_layer_says(result.pdfa, "Hundesteuerbescheid")


@pytest.mark.parametrize("rotate", [90, 270])
def test_a_skewed_scan_turned_by_rotate_is_read_and_its_text_lies_over_the_words(
    tmp_path: Path, rotate: int
) -> None:
    """A scanner fed landscape stores the page on its side and shows it upright by /Rotate;
    its one image is read turned as it is shown."""
    lines = [*PAGE_1, *PAGE_2]
    page = render_page(lines, seed=6, skew_deg=1.2).rotate(rotate, expand=True)
    page.save(tmp_path / "side.png", dpi=(300, 300))
    source = tmp_path / "side.pdf"
    source.write_bytes(img2pdf.convert(str(tmp_path / "side.png")))
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        pdf.pages[0].Rotate = rotate
        pdf.save(source)
    result = _ocr(source, tmp_path)
    assert result.software["route"] == DIRECT_ROUTE
    assert result.pages[0].drawn_dpi is None  # read from its own image, turned as shown
    assert abs(abs(result.pages[0].deskew_degrees or 0.0) - 1.2) < 0.2
    assert "Hundesteuerbescheid" in result.pages[0].text
    assert verify_pdfa(result.pdfa, expected_pages=1) == []
    assert _image_bytes(source) == _image_bytes(result.pdfa)
    with pikepdf.open(result.pdfa) as archived:
        assert int(archived.pages[0].Rotate) == rotate
    for word in ("Hundesteuerbescheid", "Rechtsbehelfsbelehrung"):
        assert _read_where_the_layer_says(result.pdfa, word)


@pytest.mark.parametrize("skew", [0.4, 1.2])
def test_a_skewed_page_is_shown_straightened_with_its_text_layer_level_on_it(
    tmp_path: Path, skew: float
) -> None:
    """Below half a degree tesseract reads the scan as it is, above it a straightened copy;
    either way the page is shown straightened and its text layer lies level on the shown
    lines (laid the wrong side of the turn, a line's words would drift by its skew: 10 px
    across this line at 0.4 degrees)."""
    lines = [*PAGE_1, "Rechtsbehelfsbelehrung zum Bescheid vom ersten März beim Ordnungsamt"]
    render_page(lines, seed=8, skew_deg=skew).save(tmp_path / "page.png", dpi=(300, 300))
    result = _ocr(tmp_path / "page.png", tmp_path)
    assert result.software["route"] == DIRECT_ROUTE
    assert abs(abs(result.pages[0].deskew_degrees or 0.0) - skew) < 0.1  # shown straightened
    first, last = _word_boxes(result.pdfa, "Rechtsbehelfsbelehrung", "Ordnungsamt")
    assert last[0] - first[0] > 1500  # the line runs across the page
    assert abs(last[1] - first[1]) < 5  # and lies level, as shown
    assert _read_where_the_layer_says(result.pdfa, "Ordnungsamt")


def _word_boxes(pdf_path: Path, *words: str) -> list[tuple[float, float]]:
    """Where the text layer puts each of `words` (its last occurrence), at 300 dpi: left edge
    and vertical middle."""
    boxes = [_layer_boxes(pdf_path, word)[-1] for word in words]
    return [(x0, (y0 + y1) / 2) for x0, y0, _, y1 in boxes]


def _layer_boxes(pdf_path: Path, word: str) -> list[tuple[float, float, float, float]]:
    """Every box the text layer gives `word`, at 300 dpi: left, top, right, bottom."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf_path), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    found = re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">' + re.escape(word),
        html,
    )
    assert found, f"{word} is not in the text layer"
    dots = 300 / 72  # per PDF point
    boxes = (tuple(float(v) * dots for v in box) for box in found)
    return [(x0, y0, x1, y1) for x0, y0, x1, y1 in boxes]


def _image_bytes(pdf_path: Path) -> list[bytes]:
    """The stored bytes of every image on the first page, in name order."""
    with pikepdf.open(pdf_path) as pdf:
        images = pdf.pages[0].Resources.XObject
        return [
            images[name].read_raw_bytes()
            for name in sorted(images.keys())
            if images[name].get("/Subtype") == pikepdf.Name.Image
        ]


def _read_where_the_layer_says(pdf_path: Path, word: str) -> bool:
    """Whether tesseract reads `word` (but for one character) in the place where the PDF's
    text layer puts it, on the page as a viewer shows it: the layer lies over its words."""
    x0, y0, x1, y1 = _layer_boxes(pdf_path, word)[0]
    shown = pdf_path.parent / "shown"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", str(pdf_path),
                    str(shown)], check=True)  # fmt: skip
    with Image.open(shown.with_suffix(".png")) as image:
        # tesseract's text layer ends a long word a few per cent short of its ink
        margin = 0.08 * (x1 - x0)
        crop = (x0 - margin, y0 - 15, x1 + margin, y1 + 15)
        image.crop(crop).save(tmp := pdf_path.parent / "crop.png")
    read = subprocess.run(["tesseract", str(tmp), "-", "--psm", "7", "-l", "deu"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    seen = [token.strip(".,;:'\"") for token in read.split()]  # specks at the crop's edge
    return any(_one_edit_apart(token, word) for token in seen)


def _one_edit_apart(a: str, b: str) -> bool:
    """At most one character differs, is missing or is extra (the crop's edge may cut the
    last letter off)."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and any(
        long[:i] + long[i + 1 :] == short for i in range(len(long))
    )


@pytest.mark.parametrize(
    ("turn", "fmt", "skew"), [(90, "png", 1.0), (180, "jpg", 0.0), (270, "png", 1.0)]
)
def test_a_page_found_turned_is_read_again_upright_and_shown_so_by_rotate(
    tmp_path: Path, turn: int, fmt: str, skew: float
) -> None:
    """A straight JPEG page too: the file tesseract reads again is the page stood upright, not
    the JPEG as stored."""
    lines = [*PAGE_1, *PAGE_2] * 3
    page = render_page(lines, seed=5, skew_deg=skew).rotate(turn, expand=True)
    page.save(tmp_path / f"in.{fmt}", dpi=(300, 300))
    result = _ocr(tmp_path / f"in.{fmt}", tmp_path)
    assert result.software["route"] == DIRECT_ROUTE
    assert "ocrmypdf" not in result.software
    assert result.pages[0].turned_degrees == turn  # turned left by `turn`: back clockwise
    words = {word for line in lines for word in line.split() if len(word) >= 6}
    read = set(result.pages[0].text.split())
    assert len(words & read) >= 0.9 * len(words), sorted(words - read)
    assert verify_pdfa(result.pdfa, expected_pages=1) == []
    assert _image_bytes(tmp_path / "intake.pdf") == _image_bytes(result.pdfa)  # scan unchanged
    with pikepdf.open(result.pdfa) as archived:
        assert int(archived.pages[0].Rotate) == turn
    # the page as a viewer shows it: text the right way up, the text layer over its words
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(result.pdfa),
                    str(tmp_path / "shown")], check=True)  # fmt: skip
    seen = subprocess.run(["tesseract", str(tmp_path / "shown.png"), "-", "--psm", "0"],
                          capture_output=True, text=True, check=False).stdout  # fmt: skip
    assert "Rotate: 0" in seen, seen
    assert _read_where_the_layer_says(result.pdfa, "Hundesteuerbescheid")


def test_a_compact_scanner_pdf_is_read_from_a_drawing_and_the_key_removed_is_named(
    tmp_path: Path,
) -> None:
    """A real HP scanner PDF: JPEG background, JBIG2 mask carrying a CCITT key, /Rotate 90."""
    source = SHARED / "corpus/ocr-dev/dinglehopper/lorem-ipsum/lorem-ipsum-scan-bad.pdf"
    original = source.read_bytes()
    result = _ocr(source, tmp_path)
    assert source.read_bytes() == original
    assert result.software["route"] == DIRECT_ROUTE
    assert result.software["pdfium"].startswith(str(pypdfium2.version.PDFIUM_INFO.build))
    assert result.pdfa_changes == (
        "removed /BlackIs1, which PDF does not define, from an image mask on page 1",
    )
    assert result.pages[0].drawn_dpi is not None and result.pages[0].deskew_degrees
    truth = (source.parent / "lorem-ipsum-scan-bad.gt.page.gt.txt").read_text("utf-8").split()
    assert len(set(truth) & set(result.pages[0].text.split())) >= 0.9 * len(set(truth))
    assert verify_pdfa(result.pdfa, expected_pages=1) == []
    assert _read_where_the_layer_says(result.pdfa, "consetetur")
