"""A page that is one plain scanned image is found with its place and resolution; any other
page is refused with a reason naming it, and the image is written for tesseract unchanged."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path

import img2pdf
import pikepdf
import pytest
from PIL import Image

from scanmaker import write_scan
from scanners import prepare_input
from scanners.image_pages import NotImagePages, image_pages, write_for_ocr

SIZE = (200, 300)  # pixels; at 200 dpi one inch by one and a half


def _noise(seed: int = 1) -> Image.Image:
    """A grey image whose every pixel differs from its neighbours, so a changed pixel shows."""
    return Image.frombytes("L", SIZE, random.Random(seed).randbytes(SIZE[0] * SIZE[1]))


def _images() -> dict[str, tuple[Image.Image, str, dict[str, object]]]:
    grey = _noise()
    return {
        "grey.png": (grey, "PNG", {}),
        "rgb.png": (Image.merge("RGB", [grey, _noise(2), _noise(3)]), "PNG", {}),
        "palette.png": (grey.convert("RGB").quantize(16), "PNG", {}),
        "scan.jpg": (grey, "JPEG", {"quality": 80}),
        "bits.tif": (grey.convert("1"), "TIFF", {"compression": "group4"}),
    }


def _source(tmp_path: Path, name: str) -> tuple[Path, Image.Image]:
    image, fmt, options = _images()[name]
    path = tmp_path / name
    image.save(path, format=fmt, dpi=(200, 200), **options)
    return path, image


def _intake_pdf(tmp_path: Path, name: str) -> Path:
    path, _ = _source(tmp_path, name)
    return prepare_input(path, tmp_path, max_pixels=10_000_000, default_dpi=300).pdf


def _two_pages(tmp_path: Path) -> pikepdf.Pdf:
    """An img2pdf PDF of two grey PNG pages, open for changing."""
    first, _ = _source(tmp_path, "grey.png")
    second = tmp_path / "second.png"
    _noise(7).save(second, dpi=(200, 200))
    path = tmp_path / "two.pdf"
    path.write_bytes(img2pdf.convert([str(first), str(second)]))
    return pikepdf.open(path)


def _refusal(pdf: pikepdf.Pdf) -> str:
    with pytest.raises(NotImagePages) as refused:
        image_pages(pdf)
    return str(refused.value)


@pytest.mark.parametrize("name", list(_images()))
def test_an_intake_pdf_of_a_scanned_image_is_one_image_over_the_whole_page(
    tmp_path: Path, name: str
) -> None:
    with pikepdf.open(_intake_pdf(tmp_path, name)) as pdf:
        (page,) = image_pages(pdf)
        width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    assert page.number == 1
    assert page.box == pytest.approx((0.0, 0.0, width, height))
    assert (int(page.image.Width), int(page.image.Height)) == SIZE
    assert page.dpi == pytest.approx(200, abs=0.5)


@pytest.mark.parametrize("rotate", [90, 180, 270, -90])
def test_a_page_turned_by_rotate_is_still_one_image_and_says_how_it_is_turned(
    tmp_path: Path, rotate: int
) -> None:
    with _two_pages(tmp_path) as pdf:
        pdf.pages[1].obj.Rotate = rotate
        first, second = image_pages(pdf)
        assert (first.rotate, second.rotate) == (0, rotate % 360)


def test_both_pages_of_a_two_page_scan_are_found_in_order(tmp_path: Path) -> None:
    with _two_pages(tmp_path) as pdf:
        pages = image_pages(pdf)
        assert [page.number for page in pages] == [1, 2]
        assert pages[1].image.objgen == pdf.pages[1].Resources.XObject["/Im0"].objgen


def _turn_by_an_odd_rotate(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    page.obj.Rotate = 45  # not a quarter turn: PDF readers differ on what it shows


def _draw_twice(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    page.contents_add(pikepdf.Stream(pdf, b"q 36 0 0 54 0 0 cm /Im0 Do Q"))


def _second_image(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """Two images, as an MRC scanner draws a background and a text mask."""
    other = pikepdf.Stream(pdf, bytes(20 * 30))
    other.Type, other.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    other.Width, other.Height, other.BitsPerComponent = 20, 30, 8
    other.ColorSpace = pikepdf.Name.DeviceGray
    page.Resources.XObject.Im1 = other
    page.contents_add(pikepdf.Stream(pdf, b"q 36 0 0 54 0 0 cm /Im1 Do Q"))


def _text_without_font(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    page.contents_add(pikepdf.Stream(pdf, b"BT ET"))


def _text_with_font(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    page.Resources.Font = pikepdf.Dictionary(F1=font)
    page.contents_add(pikepdf.Stream(pdf, b"BT /F1 12 Tf 10 10 Td (Bescheid) Tj ET"))


def _soft_mask(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    mask = pikepdf.Stream(pdf, bytes([255]) * (SIZE[0] * SIZE[1]))
    mask.Type, mask.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    mask.Width, mask.Height, mask.BitsPerComponent = SIZE[0], SIZE[1], 8
    mask.ColorSpace = pikepdf.Name.DeviceGray
    page.Resources.XObject.Im0.SMask = mask


def _cmyk(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    image = page.Resources.XObject.Im0
    image.write(bytes(SIZE[0] * SIZE[1] * 4))  # plain, uncompressed CMYK samples
    image.ColorSpace = pikepdf.Name.DeviceCMYK


def _jbig2(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """A JBIG2 image (as jbig2.pdf of OCRmyPDF's test files): only a renderer decodes it."""
    image = page.Resources.XObject.Im0
    image.write(b"\x00" * 16, filter=pikepdf.Name.JBIG2Decode)
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 1


def _drawn_turned(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    page.Contents = pikepdf.Stream(pdf, b"q 0 108 -72 0 72 0 cm /Im0 Do Q")


REFUSALS: dict[str, tuple[Callable[[pikepdf.Pdf, pikepdf.Page], None], str]] = {
    "odd rotate": (_turn_by_an_odd_rotate, "is turned by /Rotate 45"),
    "drawn twice": (_draw_twice, "draws its image more than once"),
    "two images": (_second_image, "has 2 images or drawings, not one image"),
    "text": (_text_without_font, "draws more than an image (BT)"),
    "font": (_text_with_font, "has fonts, patterns or graphics states"),
    "soft mask": (_soft_mask, "has a masked or remapped image"),
    "cmyk": (_cmyk, "has an image in colour space /DeviceCMYK"),
    "drawn turned": (_drawn_turned, "shows its image turned, mirrored or sheared"),
    "jbig2": (_jbig2, "has an image compressed as /JBIG2Decode, which only a renderer decodes"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
@pytest.mark.parametrize("bad", [1, 2])
def test_a_page_that_is_not_one_plain_image_is_refused_by_its_number(
    tmp_path: Path, case: str, bad: int
) -> None:
    change, why = REFUSALS[case]
    with _two_pages(tmp_path) as pdf:
        image_pages(pdf)  # both pages are plain images before the change
        change(pdf, pdf.pages[bad - 1])
        assert _refusal(pdf) == f"page {bad} {why}"


def test_a_cmyk_jpeg_as_img2pdf_embeds_it_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    Image.merge("CMYK", [_noise(n) for n in range(4)]).save(path, dpi=(200, 200))
    with pikepdf.open(io.BytesIO(img2pdf.convert(str(path)))) as pdf:
        assert pdf.pages[0].Resources.XObject.Im0.ColorSpace == pikepdf.Name.DeviceCMYK
        # img2pdf inverts an Adobe CMYK JPEG by a /Decode array, which is refused first
        assert _refusal(pdf) in (
            "page 1 has an image in colour space /DeviceCMYK",
            "page 1 has a masked or remapped image",
        )


def test_a_born_digital_pdf_is_refused_for_its_text(tmp_path: Path) -> None:
    path = write_scan([["Grundsteuerbescheid 2024"]], tmp_path / "brief.pdf", "born_digital_pdf")
    with pikepdf.open(path) as pdf:
        assert _refusal(pdf).startswith("page 1 has fonts")


def test_a_jpeg_page_is_written_for_ocr_as_the_bytes_the_pdf_stores(tmp_path: Path) -> None:
    source, _ = _source(tmp_path, "scan.jpg")
    with pikepdf.open(_intake_pdf(tmp_path, "scan.jpg")) as pdf:
        (page,) = image_pages(pdf)
        written = write_for_ocr(page, None, tmp_path)
        stored = page.image.read_raw_bytes()
    assert written.suffix == ".jpg"
    assert written.read_bytes() == stored == source.read_bytes()


@pytest.mark.parametrize("name", ["grey.png", "rgb.png", "palette.png", "bits.tif"])
def test_a_lossless_page_is_written_for_ocr_as_pnm_with_the_scan_s_own_pixels(
    tmp_path: Path, name: str
) -> None:
    _, original = _source(tmp_path, name)
    folder = tmp_path / "pages"
    folder.mkdir()
    with pikepdf.open(_intake_pdf(tmp_path, name)) as pdf:
        (page,) = image_pages(pdf)
        written = write_for_ocr(page, None, folder)
    assert written.suffix == ".pnm"
    expected = original.convert("RGB") if original.mode == "P" else original
    with Image.open(written) as pnm:
        assert pnm.size == SIZE
        assert pnm.mode == expected.mode
        assert pnm.tobytes() == expected.tobytes()
