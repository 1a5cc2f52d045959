"""Which pages are scans to be read from a drawing, at what resolution, turned how; and the
undefined keys removed from their images before PDF/A."""

from __future__ import annotations

from pathlib import Path

import img2pdf
import pikepdf
import pytest

from scanmaker import render_page
from scanners.drawn_pages import DEFAULT_DPI, NotDrawnPage, draw, drawn_page, drop_undefined_keys

LINES = ["Stadt Musterstadt - Bauordnungsamt", "Baugenehmigung Nr. 2024-0815"]


def _scan_pdf(tmp_path: Path, rotate: int = 0, dpi: int = 200) -> Path:
    page = render_page(LINES, seed=2, dpi=dpi)
    if rotate:
        page = page.rotate(rotate, expand=True)  # stored turned left, /Rotate turns it right
    page.save(tmp_path / "page.png", dpi=(dpi, dpi))
    path = tmp_path / "scan.pdf"
    path.write_bytes(img2pdf.convert(str(tmp_path / "page.png")))
    if rotate:
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            pdf.pages[0].Rotate = rotate
            pdf.save(path)
    return path


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_a_page_turned_by_rotate_is_drawn_as_it_is_seen(tmp_path: Path, rotate: int) -> None:
    path = _scan_pdf(tmp_path, rotate=rotate, dpi=300)
    with pikepdf.open(path) as pdf:
        page = drawn_page(1, pdf.pages[0])
    assert page.rotate == rotate
    assert page.dpi == pytest.approx(300, abs=1)
    seen = draw(path, page)
    assert seen.mode == "L"
    width, height = render_page(LINES, seed=2).size  # upright: portrait again
    assert abs(seen.width - width) <= 1 and abs(seen.height - height) <= 1


def test_a_scan_s_resolution_sets_the_drawing_s(tmp_path: Path) -> None:
    path = _scan_pdf(tmp_path, dpi=200)
    with pikepdf.open(path) as pdf:
        assert drawn_page(1, pdf.pages[0]).dpi == pytest.approx(200, abs=1)


def test_a_page_of_vector_drawing_only_is_drawn_at_the_default_resolution(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].contents_add(pikepdf.Stream(pdf, b"0 0 0 RG 72 72 m 500 700 l S"))
    assert drawn_page(1, pdf.pages[0]).dpi == DEFAULT_DPI


def test_a_page_with_text_is_no_scan(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].contents_add(pikepdf.Stream(pdf, b"BT 72 700 Td (Bescheid) Tj ET"))
    with pytest.raises(NotDrawnPage, match="page 1 has text"):
        drawn_page(1, pdf.pages[0])


def test_text_inside_a_drawn_form_is_found_too(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    form = pikepdf.Stream(pdf, b"BT 72 700 Td (Bescheid) Tj ET")
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox = [0, 0, 595, 842]
    page = pdf.pages[0]
    name = page.add_resource(form, pikepdf.Name.XObject)
    page.contents_add(pikepdf.Stream(pdf, f"{name} Do".encode()))
    with pytest.raises(NotDrawnPage, match="page 1 has text"):
        drawn_page(1, page)


def test_keys_pdf_does_not_define_are_removed_from_images_and_masks_and_named(
    tmp_path: Path,
) -> None:
    path = _scan_pdf(tmp_path)
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        (image,) = page.Resources.XObject.values()
        mask = pikepdf.Stream(pdf, b"\xff" * 4)
        mask.Type, mask.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        mask.Width, mask.Height, mask.ImageMask, mask.BitsPerComponent = 4, 8, True, 1
        mask.BlackIs1 = False
        image.Mask = mask
        drawn = drawn_page(1, page)
        removed = drop_undefined_keys(pdf, drawn)
        assert removed == [
            "removed /BlackIs1, which PDF does not define, from an image mask on page 1"
        ]
        assert "/BlackIs1" not in image.Mask and image.Mask.ImageMask  # the rest kept
        assert drop_undefined_keys(pdf, drawn) == []
