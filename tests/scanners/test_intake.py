"""Intake recognises inputs by content and rejects broken ones with a reason, before OCR."""

from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from scanners import RejectedInput, prepare_input, sniff_kind

LIMIT = 250_000_000


def _png(path: Path, size: tuple[int, int] = (200, 100), mode: str = "L") -> Path:
    Image.new(mode, size, 255).save(path, format="PNG", dpi=(300, 300))
    return path


def test_kind_comes_from_content_not_name(tmp_path: Path) -> None:
    disguised = _png(tmp_path / "scan.pdf")
    assert sniff_kind(disguised) == "png"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"Sehr geehrte Damen und Herren,\n", "not a document"),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "damaged or truncated PDF"),
    ],
)
def test_broken_inputs_are_rejected_with_a_reason(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "input.pdf"
    path.write_bytes(content)
    with pytest.raises(RejectedInput) as caught:
        prepare_input(path, tmp_path, max_pixels=LIMIT, default_dpi=300)
    assert reason in caught.value.reason
    assert caught.value.path == path
    assert path.read_bytes() == content  # the original is untouched


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "secret.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(path, encryption=pikepdf.Encryption(owner="o", user="u"))
    with pytest.raises(RejectedInput, match=r"password|encrypted"):
        prepare_input(path, tmp_path, max_pixels=LIMIT, default_dpi=300)


def test_decompression_bomb_image_is_rejected_before_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("1", (20_000, 20_000), 1).save(bomb)  # tiny file, 400 megapixels
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(RejectedInput, match="decompression bomb"):
        prepare_input(bomb, tmp_path, max_pixels=LIMIT, default_dpi=300)


def test_truncated_image_is_rejected(tmp_path: Path) -> None:
    whole = _png(tmp_path / "whole.png", (600, 600))
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(RejectedInput, match="damaged or truncated image"):
        prepare_input(cut, tmp_path, max_pixels=LIMIT, default_dpi=300)


def test_multipage_tiff_becomes_one_pdf_with_all_pages(tmp_path: Path) -> None:
    tiff = tmp_path / "akte.tif"
    pages = [Image.new("L", (850, 1100), 255) for _ in range(3)]
    pages[0].save(tiff, save_all=True, append_images=pages[1:], dpi=(100, 100))
    prepared = prepare_input(tiff, tmp_path, max_pixels=LIMIT, default_dpi=300)
    assert prepared.kind == "tiff"
    assert prepared.pages == 3
    with pikepdf.open(prepared.pdf) as pdf:
        assert len(pdf.pages) == 3
        # 850 px at 100 dpi = 8.5 in = 612 pt: the scan's resolution sets the page size
        assert round(float(pdf.pages[0].mediabox[2])) == 612


def test_image_with_alpha_channel_is_converted(tmp_path: Path) -> None:
    png = _png(tmp_path / "alpha.png", (300, 300), "RGBA")
    prepared = prepare_input(png, tmp_path, max_pixels=LIMIT, default_dpi=300)
    with pikepdf.open(prepared.pdf) as pdf:
        assert len(pdf.pages) == 1
    assert prepared.converter == "img2pdf"  # with a soft mask for the alpha channel


def test_an_image_img2pdf_cannot_embed_is_converted_by_pillow_and_says_so(
    tmp_path: Path,
) -> None:
    tiff = tmp_path / "messwerte.tif"  # 32-bit integer samples: no PDF image has those
    Image.new("I", (300, 200), 40_000).save(tiff, dpi=(300, 300))
    prepared = prepare_input(tiff, tmp_path, max_pixels=LIMIT, default_dpi=300)
    assert prepared.converter == "pillow"
    with pikepdf.open(prepared.pdf) as pdf:
        assert len(pdf.pages) == 1


def test_a_pdf_is_converted_by_nothing(tmp_path: Path) -> None:
    png = _png(tmp_path / "grey.png")
    prepared = prepare_input(png, tmp_path, max_pixels=LIMIT, default_dpi=300)
    assert prepared.converter == "img2pdf"
    kept = prepare_input(prepared.pdf, tmp_path, max_pixels=LIMIT, default_dpi=300)
    assert kept.converter is None and kept.pdf == prepared.pdf


def test_born_digital_pdf_keeps_its_text_layer(tmp_path: Path) -> None:
    from scanmaker import write_scan

    path = write_scan(
        [["Bescheid über die Hundesteuer für das Jahr 2024"] * 3],
        tmp_path / "d.pdf",
        "born_digital_pdf",
    )
    prepared = prepare_input(path, tmp_path, max_pixels=LIMIT, default_dpi=300)
    assert prepared.text_layer is not None
    assert "Hundesteuer" in prepared.text_layer[0]


def test_scanned_pdf_has_no_text_layer(tmp_path: Path) -> None:
    from scanmaker import write_scan

    path = write_scan([["Bescheid über die Hundesteuer"]], tmp_path / "s.pdf", "pdf")
    prepared = prepare_input(path, tmp_path, max_pixels=LIMIT, default_dpi=300)
    assert prepared.text_layer is None
    assert prepared.pdf == path


def test_page_estimate_for_scheduling_never_fails(tmp_path: Path) -> None:
    from scanners import estimate_pages

    tiff = tmp_path / "akte.tif"
    pages = [Image.new("L", (100, 100), 255) for _ in range(4)]
    pages[0].save(tiff, save_all=True, append_images=pages[1:])
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 broken")
    assert estimate_pages(tiff) == 4
    assert estimate_pages(broken) == 1
    assert estimate_pages(tmp_path / "missing.png") == 1


def test_invisible_ocr_layer_is_not_taken_as_born_digital(tmp_path: Path) -> None:
    """A scan that carries an earlier OCR layer (invisible text) is OCR'd again."""
    import ocrmypdf

    from scanmaker import write_scan

    scan = write_scan(
        [["Bescheid über die Hundesteuer für das Jahr 2024"] * 4], tmp_path / "s.pdf", "pdf"
    )
    ocrd = tmp_path / "ocrd.pdf"
    ocrmypdf.ocr(scan, ocrd, language=["deu"], output_type="pdf", progress_bar=False, jobs=1)
    prepared = prepare_input(ocrd, tmp_path, max_pixels=LIMIT, default_dpi=300)
    assert prepared.text_layer is None
