# ruff: noqa: RUF001  (German typography: en dashes in test text are deliberate)
"""The synthetic scans must be what they claim: right format, pages, dpi and valid identifiers.

Other tests and the demo trust ``scanmaker`` as ground truth, so a silent change here
(a lost dpi tag, an invalid check digit) would make their failures misleading.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from stdnum import iban
from stdnum.de import idnr, stnr

from scanmaker import (
    DOC_TYPES,
    SampleDoc,
    page_from_corpus_text,
    render_page,
    sample_documents,
    write_scan,
)

DPI = 150  # half resolution keeps the format tests fast; layout scales with dpi
PAGES = [
    ["Stadt Musterstadt – Der Bürgermeister – Steueramt", "", "Aktenzeichen: 22-GS-2024-00012"],
    ["Seite 2 – Grundsteuerbescheid", "", "Rechtsbehelfsbelehrung: Widerspruch möglich."],
]
GESETZE = Path("/work/shared/corpus/text-sources/gesetze")


def _a4_pixels(dpi: int) -> tuple[int, int]:
    return round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)


def _pdf_image_dpi(pdf: pikepdf.Pdf) -> list[float]:
    """Effective dpi of the single image on each page, from pixel width and page width."""
    result = []
    for page in pdf.pages:
        images = list(page.get_images().values())
        assert len(images) == 1
        width_pt = float(page.mediabox[2]) - float(page.mediabox[0])
        result.append(int(images[0].Width) / (width_pt / 72))
    return result


def test_render_page_is_a4_grey_with_dpi() -> None:
    img = render_page(PAGES[0], dpi=DPI, seed=3)
    assert img.mode == "L"
    assert img.size == _a4_pixels(DPI)
    assert img.info["dpi"] == (DPI, DPI)
    assert img.getextrema()[0] < 60  # dark ink present
    hist = img.histogram()
    assert sum(hist[200:]) / sum(hist) > 0.9  # mostly paper


def test_render_page_is_deterministic_per_seed() -> None:
    a = render_page(PAGES[0], dpi=DPI, seed=1).tobytes()
    assert a == render_page(PAGES[0], dpi=DPI, seed=1).tobytes()
    assert a != render_page(PAGES[0], dpi=DPI, seed=2).tobytes()


def test_render_page_rejects_text_that_cannot_fit() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        render_page(["Kopf"] + ["Zeile"] * 200, dpi=DPI)


def test_pdf_scan_is_image_only_with_pages_and_dpi(tmp_path: Path) -> None:
    for codec, expected_filter in (("jpeg", "/DCTDecode"), ("ccitt", "/CCITTFaxDecode")):
        path = write_scan(PAGES, tmp_path / f"{codec}.pdf", "pdf", dpi=DPI, pdf_codec=codec)
        with pikepdf.open(path) as pdf:
            assert len(pdf.pages) == 2
            assert all(abs(d - DPI) < 1 for d in _pdf_image_dpi(pdf))
            image = next(iter(pdf.pages[0].get_images().values()))
            filters = image.Filter if isinstance(image.Filter, pikepdf.Array) else [image.Filter]
            assert str(filters[0]) == expected_filter
            assert "/Font" not in pdf.pages[0].Resources  # no text layer: OCR must add it


def test_tiff_is_multipage_group4_with_dpi(tmp_path: Path) -> None:
    path = write_scan(PAGES, tmp_path / "scan.tif", "tiff", dpi=DPI)
    with Image.open(path) as img:
        assert img.n_frames == 2
        for frame in range(2):
            img.seek(frame)
            assert img.mode == "1"
            assert img.info["compression"] == "group4"
            assert tuple(round(v) for v in img.info["dpi"]) == (DPI, DPI)


@pytest.mark.parametrize(("fmt", "pil_format"), [("png", "PNG"), ("jpeg", "JPEG")])
def test_single_page_raster_formats(tmp_path: Path, fmt: str, pil_format: str) -> None:
    path = write_scan(PAGES[:1], tmp_path / f"scan.{fmt}", fmt, dpi=DPI)
    with Image.open(path) as img:
        assert img.format == pil_format
        assert img.mode == "L"
        assert img.size == _a4_pixels(DPI)
        assert tuple(round(v) for v in img.info["dpi"]) == (DPI, DPI)
    with pytest.raises(ValueError, match="single page"):
        write_scan(PAGES, tmp_path / f"two.{fmt}", fmt, dpi=DPI)


def test_unknown_format_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        write_scan(PAGES, tmp_path / "x.bmp", "bmp")


def test_born_digital_pdf_has_text_and_no_images(tmp_path: Path) -> None:
    path = write_scan(PAGES, tmp_path / "digital.pdf", "born_digital_pdf")
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2
        assert all(not page.get_images() for page in pdf.pages)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Bürgermeister" in text
    assert "22-GS-2024-00012" in text
    assert "Widerspruch möglich" in text


def test_sample_documents_cover_types_and_formats() -> None:
    docs = sample_documents()
    assert 6 <= len(docs) <= 8
    assert len({d.name for d in docs}) == len(docs)
    assert {d.doc_type for d in docs} <= set(DOC_TYPES)
    assert {d.fmt for d in docs} == {"pdf", "tiff", "png", "jpeg", "born_digital_pdf"}
    by_type = {d.doc_type: d for d in docs}
    assert len(by_type["grundsteuerbescheid"].pages) == 2
    assert len(by_type["bauantrag"].pages) == 2
    assert len(by_type["widerspruch"].pages) == 1
    for doc in docs:
        if doc.fmt in ("png", "jpeg"):
            assert len(doc.pages) == 1


@pytest.mark.parametrize("doc", sample_documents(), ids=lambda d: d.name)
def test_sample_identifiers_are_valid_and_printed(doc: SampleDoc) -> None:
    text = "\n".join(line for page in doc.pages for line in page)
    digits_only = re.sub(r"\s", "", text)
    ids = doc.identifiers
    assert doc.aktenzeichen == ids.get("aktenzeichen")
    if doc.aktenzeichen:
        assert re.fullmatch(r"\d{2}-[A-Z]{2}-\d{4}-\d{4,5}", doc.aktenzeichen)
        assert f"Aktenzeichen: {doc.aktenzeichen}" in text
    if "steuernummer" in ids:
        assert stnr.is_valid(ids["steuernummer"])
        assert ids["steuernummer"] in text
    if "steuer_idnr" in ids:
        assert re.fullmatch(r"\d{11}", ids["steuer_idnr"]) and idnr.is_valid(ids["steuer_idnr"])
        assert idnr.format(ids["steuer_idnr"]) in text
    if "iban" in ids:
        assert ids["iban"] == iban.compact(ids["iban"]) and ids["iban"].startswith("DE")
        assert iban.is_valid(ids["iban"])
        assert ids["iban"] in digits_only
    if "flurstueck" in ids:
        gemarkung, flur, zaehler, nenner = ids["flurstueck"].split("/")
        assert f"Gemarkung {gemarkung}, Flur {flur}, Flurstück {zaehler}/{nenner}" in text
    tax = doc.doc_type.endswith("steuerbescheid")
    assert not tax or {"steuernummer", "steuer_idnr", "iban"} <= ids.keys()
    assert tax or doc.doc_type == "widerspruch" or "flurstueck" in ids


def test_page_from_corpus_text_strips_markdown_and_limits_lines() -> None:
    text = (
        "---\nTitle: Grundsteuergesetz\n---\n\n# Grundsteuergesetz (GrStG)\n\n"
        "### § 1 Heberecht\n\n(1) Die Gemeinde bestimmt, ob von dem in ihrem Gebiet liegenden\n"
        "Grundbesitz **Grundsteuer** zu erheben ist.\n\n" + "Wort " * 2000
    )
    lines = page_from_corpus_text(text, max_lines=30, width_chars=60)
    assert lines[0] == "Grundsteuergesetz (GrStG)"
    assert "Title" not in " ".join(lines)
    assert not any(c in " ".join(lines) for c in "#*")
    assert len(lines) == 30 and all(len(line) <= 60 for line in lines)
    assert "Grundbesitz Grundsteuer zu erheben ist." in " ".join(lines)
    render_page(lines, dpi=DPI)  # must fit one page


@pytest.mark.skipif(not GESETZE.is_dir(), reason="shared corpus not present")
def test_corpus_page_with_defaults_fits_a_page() -> None:
    text = (GESETZE / "grstg_1973.md").read_text(encoding="utf-8")
    lines = page_from_corpus_text(text)
    assert 30 <= len(lines) <= 45
    render_page(lines, dpi=DPI)


@pytest.mark.slow
def test_rendered_page_survives_tesseract() -> None:
    pytesseract = pytest.importorskip("pytesseract")
    doc = next(d for d in sample_documents() if d.doc_type == "grundsteuerbescheid")
    page = doc.pages[0]
    text = pytesseract.image_to_string(render_page(page, seed=7), lang="deu")
    assert "Grundsteuerbescheid für das Kalenderjahr 2024" in text
    assert "22-GS-2024-00012" in text
    expected = [w for line in page for w in line.split()]
    found = set(text.split())
    share = sum(w in found for w in expected) / len(expected)
    assert share >= 0.9, f"only {share:.0%} of words recognised"
