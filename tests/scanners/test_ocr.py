"""Real OCR: a rendered, skewed German scan becomes verified PDF/A with tesseract's text."""

from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from scanmaker import write_scan
from scanners import OcrSettings, RejectedInput, prepare_input, scan_to_pdfa, verify_pdfa
from scanners.ocr import OCR_STEPS

pytestmark = pytest.mark.slow

PAGE_1 = [
    "Stadt Musterstadt - Der Bürgermeister - Steueramt",
    "Musterstadt, den 12.03.2024",
    "Grundsteuerbescheid für das Kalenderjahr 2024",
    "Die Grundsteuer wird auf 412,50 Euro festgesetzt.",
    "Bitte überweisen Sie den Betrag fristgerecht an die Stadtkasse.",
]
PAGE_2 = [
    "Rechtsbehelfsbelehrung",
    "Gegen diesen Bescheid kann innerhalb eines Monats Widerspruch erhoben werden.",
]


def _scan(tmp_path: Path, pages: list[list[str]], fmt: str, skew: float = 1.5):
    source = write_scan(pages, tmp_path / f"in.{fmt}", fmt, skew_deg=skew, seed=3)
    prepared = prepare_input(source, tmp_path, max_pixels=250_000_000, default_dpi=300)
    return scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings())


def test_skewed_two_page_tiff_becomes_pdfa_with_page_text(tmp_path: Path) -> None:
    result = _scan(tmp_path, [PAGE_1, PAGE_2], "tiff")
    assert result.ocr_applied
    assert [p.number for p in result.pages] == [1, 2]
    assert "Grundsteuerbescheid" in result.pages[0].text
    assert "Rechtsbehelfsbelehrung" in result.pages[1].text
    assert "Rechtsbehelfsbelehrung" not in result.pages[0].text
    assert all(p.confidence is not None and p.confidence > 70 for p in result.pages)
    assert verify_pdfa(result.pdfa, expected_pages=2) == []
    with pikepdf.open(result.pdfa) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"
    assert result.software["tesseract"].startswith("5")


def test_born_digital_pdf_is_not_ocrd_again(tmp_path: Path) -> None:
    result = _scan(tmp_path, [PAGE_1 * 2], "born_digital_pdf")
    assert not result.ocr_applied
    assert result.pages[0].source == "text_layer"
    assert result.pages[0].confidence is None
    assert "Grundsteuerbescheid für das Kalenderjahr 2024" in result.pages[0].text
    assert verify_pdfa(result.pdfa, expected_pages=1) == []


def test_blank_scan_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(RejectedInput, match="no text recognised"):
        _scan(tmp_path, [[]], "png", skew=0)


def test_plain_pdf_fails_verification(tmp_path: Path) -> None:
    plain = write_scan([PAGE_1], tmp_path / "plain.pdf", "born_digital_pdf")
    problems = verify_pdfa(plain, expected_pages=2)
    assert any("PDF/A" in p for p in problems)
    assert any("pages" in p for p in problems)


GESETZE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "text-sources" / "gesetze"


@pytest.mark.skipif(not GESETZE.is_dir(), reason="shared corpus not present")
def test_character_accuracy_on_a_skewed_page_of_the_abgabenordnung(tmp_path: Path) -> None:
    """Tesseract's own text, not a re-extraction, keeps lines apart on skewed scans."""
    import difflib

    from scanmaker import page_from_corpus_text

    text = (GESETZE / "ao_1977.md").read_text("utf-8")
    start = text.index("§ 147")
    lines = page_from_corpus_text(text[start : start + 4000], max_lines=30)
    result = _scan(tmp_path, [lines], "tiff", skew=2.0)
    expected = " ".join(" ".join(lines).split())
    got = " ".join(result.pages[0].text.split())
    accuracy = difflib.SequenceMatcher(None, expected, got, autojunk=False).ratio()
    assert accuracy >= 0.97, accuracy


def test_ocr_that_overruns_its_time_is_stopped_and_rejected(tmp_path: Path) -> None:
    source = write_scan([PAGE_1], tmp_path / "in.png", "png")
    prepared = prepare_input(source, tmp_path, max_pixels=250_000_000, default_dpi=300)
    settings = OcrSettings(timeout_base_s=0.5, timeout_per_page_s=0)
    with pytest.raises(RejectedInput, match="did not finish within"):
        scan_to_pdfa(prepared, tmp_path / "out.pdf", settings)
    import subprocess

    # this document's OCR process only: the machine may run other OCR at the same time
    leftover = subprocess.run(
        ["pgrep", "-f", f"scanners.ocr_worker {tmp_path}"], capture_output=True, text=True
    )
    assert leftover.stdout.strip() == ""


def test_a_page_tesseract_gives_up_on_is_kept_as_an_image_and_named(tmp_path: Path) -> None:
    """The smudged page takes tesseract minutes; with a per-page bound it is skipped, the
    document is still made (the clean page read) and the page is named for rescanning."""
    from scanmaker import render_page

    page = ["Hundesteuerbescheid 2024", "Die Hundesteuer wird auf 120,00 Euro festgesetzt."] * 3
    clean, smudged = render_page(page, seed=1), render_page(page, noise=0.42, seed=1)
    source = tmp_path / "verschmiert.tif"
    clean.save(source, save_all=True, append_images=[smudged], dpi=(300, 300))
    prepared = prepare_input(source, tmp_path, max_pixels=250_000_000, default_dpi=300)
    result = scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings(page_timeout_s=20))
    assert result.unrecognised_pages == [2]
    assert result.pages[1].text == "" and result.pages[1].confidence is None
    assert "Hundesteuer" in result.pages[0].text and result.pages[0].recognised
    assert verify_pdfa(result.pdfa, expected_pages=2) == []


# Text a born-digital letter carries: umlauts, ß, the euro sign, typographic quotes and dash.
UNICODE_LETTER = [
    "Stadt Musterstadt – Straßenverkehrsamt",  # noqa: RUF001 (a real en dash)
    "Gebührenbescheid über 412,50 € für die Sondernutzung der Außenfläche",
    "Größe der Fläche: 12 m², Zeitraum „Juni bis August“ 2024",
    "Ärger über Öffnungszeiten? Übermäßige Gebühren werden erstattet.",
]


@pytest.mark.parametrize("font", ["DejaVuSerif", "DejaVuSans"])
def test_born_digital_pdf_keeps_its_fonts_and_text_in_the_pdfa(tmp_path: Path, font: str) -> None:
    from tests.support.pdf_contents import pdf_contents

    source = write_scan([UNICODE_LETTER], tmp_path / "brief.pdf", "born_digital_pdf", font=font)
    prepared = prepare_input(source, tmp_path, max_pixels=250_000_000, default_dpi=300)
    result = scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings())
    original, archived = pdf_contents(source), pdf_contents(result.pdfa)
    assert archived.images == 0, archived  # not rasterised
    assert archived.fonts == original.fonts and all(archived.fonts.values())
    assert archived.texts == original.texts
    assert not result.ocr_applied and result.text_layer_dropped is None
    assert "412,50 €" in archived.text and "Straßenverkehrsamt" in archived.text
    assert archived.size < 2 * original.size
    assert verify_pdfa(result.pdfa, expected_pages=1) == []


def test_born_digital_pdf_with_a_font_not_embedded_is_rasterised_and_says_so(
    tmp_path: Path,
) -> None:
    """PDF/A requires every font embedded; a base-14 font is not, so the page is OCR'd."""
    from tests.support.pdf_contents import pdf_contents

    source = write_scan(
        [UNICODE_LETTER], tmp_path / "brief.pdf", "born_digital_pdf", font="Helvetica"
    )
    prepared = prepare_input(source, tmp_path, max_pixels=250_000_000, default_dpi=300)
    assert prepared.text_layer is not None  # born digital
    result = scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings())
    archived = pdf_contents(result.pdfa)
    assert archived.images >= 1  # the page is an image now
    assert result.ocr_applied, "the note would claim the text layer was kept"
    assert result.text_layer_dropped is not None and "Helvetica" in result.text_layer_dropped
    assert "not embedded" in result.text_layer_dropped
    assert result.pages[0].source == "ocr" and result.pages[0].confidence is not None
    assert "Straßenverkehrsamt" in result.pages[0].text
    assert verify_pdfa(result.pdfa, expected_pages=1) == []


def test_the_result_says_where_the_time_went_stage_by_stage(tmp_path: Path) -> None:
    result = _scan(tmp_path, [PAGE_1], "png")
    assert tuple(result.steps) == OCR_STEPS
    # the upright page's orientation and its skew came from the OCR's own reading
    assert result.steps["orientation"] == 0.0
    assert result.pages[0].deskew_degrees is not None
    for stage in ("rasterise", "ocr", "assemble", "pdfa", "verification"):
        assert result.steps[stage] > 0, (stage, result.steps)
    assert sum(result.steps.values()) <= result.seconds + 0.01
    assert result.step_cpu["ocr"] > 0


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_page_scanned_on_its_side_or_upside_down_is_archived_upright(
    tmp_path: Path, turn: int
) -> None:
    import subprocess

    from scanmaker import render_page

    lines = [*PAGE_1, *PAGE_2] * 3
    render_page(lines, seed=5).rotate(turn, expand=True).save(tmp_path / "in.png", dpi=(300, 300))
    prepared = prepare_input(tmp_path / "in.png", tmp_path, max_pixels=250_000_000, default_dpi=300)
    result = scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings())
    words = {word for line in lines for word in line.split() if len(word) >= 6}
    read = set(result.pages[0].text.split())
    assert len(words & read) >= 0.9 * len(words), sorted(words - read)
    # the page as a viewer shows it: portrait like the upright page, text the right way up
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(result.pdfa),
                    str(tmp_path / "shown")], check=True)  # fmt: skip
    with Image.open(tmp_path / "shown.png") as shown:
        assert shown.height > shown.width, shown.size
    seen = subprocess.run(["tesseract", str(tmp_path / "shown.png"), "-", "--psm", "0"],
                          capture_output=True, text=True, check=False).stdout  # fmt: skip
    assert "Rotate: 0" in seen, seen
