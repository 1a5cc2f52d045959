"""Resource limits: an input that would cost more than a stated bound of memory or time is
rejected with a reason before the expensive step, and an OCR process is held to its bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanmaker import write_scan
from scanners import OcrSettings, RejectedInput, prepare_input, scan_to_pdfa
from tests.support.hostile_pdfs import huge_page_pdf, many_pages_pdf, user_unit_pdf

LIMIT = 250_000_000


def _prepare(path: Path, workdir: Path, max_pages: int = 2000):  # type: ignore[no-untyped-def]
    return prepare_input(path, workdir, max_pixels=LIMIT, default_dpi=300, max_pages=max_pages)


def test_a_pdf_of_20000_pages_is_rejected_before_ocr(tmp_path: Path) -> None:
    source = many_pages_pdf(tmp_path / "20000-seiten.pdf")
    assert source.stat().st_size < 250_000  # a small file...
    with pytest.raises(RejectedInput) as caught:
        _prepare(source, tmp_path)
    assert "20000 pages" in caught.value.reason
    assert "2000" in caught.value.reason and "max_pages" in caught.value.reason


def test_a_document_at_the_page_limit_is_accepted(tmp_path: Path) -> None:
    assert _prepare(many_pages_pdf(tmp_path / "in.pdf", 30), tmp_path, max_pages=30).pages == 30


def test_a_multi_page_tiff_over_the_page_limit_is_rejected(tmp_path: Path) -> None:
    source = write_scan([["Seite"]] * 3, tmp_path / "in.tif", "tiff", dpi=50)
    with pytest.raises(RejectedInput, match=r"3 pages.* 2 pages"):
        _prepare(source, tmp_path, max_pages=2)


def test_a_page_made_huge_by_user_unit_is_rejected_before_ocr(tmp_path: Path) -> None:
    source = user_unit_pdf(tmp_path / "userunit.pdf")
    assert source.stat().st_size < 1000
    with pytest.raises(RejectedInput) as caught:
        _prepare(source, tmp_path)
    assert "UserUnit 75000" in caught.value.reason
    assert "larger than 5 m" in caught.value.reason


def test_a_page_that_would_rasterise_to_gigapixels_is_rejected_before_rasterising(
    tmp_path: Path,
) -> None:
    source = huge_page_pdf(tmp_path / "riesig.pdf")
    prepared = _prepare(source, tmp_path)  # under 5 m a side: intake lets it pass
    with pytest.raises(RejectedInput) as caught:
        scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings(max_pixels=LIMIT))
    assert "page 1" in caught.value.reason
    assert "megapixels" in caught.value.reason and "limit of 250" in caught.value.reason
    assert not (tmp_path / "out.pdf").exists()


def test_the_document_time_out_follows_from_the_page_limit() -> None:
    settings = OcrSettings(max_pages=2000, page_timeout_s=60)
    assert settings.document_timeout(1) == 300 + 180
    assert settings.document_timeout(2000) == 300 + 180 * 2000  # about 100 hours, the bound
    assert settings.document_timeout(20_000) == settings.document_timeout(2000)


@pytest.mark.slow
def test_an_input_that_slips_past_the_checks_meets_the_memory_limit_with_that_reason(
    tmp_path: Path,
) -> None:
    """With the pixel check switched off, the six-gigapixel page reaches the rasteriser: the
    OCR process's memory limit ends it, with a reason, instead of the machine's memory."""
    prepared = _prepare(huge_page_pdf(tmp_path / "riesig.pdf"), tmp_path)
    unchecked = OcrSettings(max_pixels=10**12, memory_limit_mb=2048)
    with pytest.raises(RejectedInput, match="memory limit of 2048 MiB"):
        scan_to_pdfa(prepared, tmp_path / "out.pdf", unchecked)


@pytest.mark.slow
def test_an_ocr_process_that_cannot_start_its_tools_in_its_memory_names_the_limit(
    tmp_path: Path,
) -> None:
    source = write_scan([["Stadt Musterstadt", "Bauantrag"]], tmp_path / "in.pdf", "pdf")
    prepared = _prepare(source, tmp_path)
    with pytest.raises(RejectedInput, match="memory limit of 64 MiB"):
        scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings(memory_limit_mb=64))


@pytest.mark.slow
def test_an_ocr_process_over_its_cpu_time_is_rejected_with_that_reason(tmp_path: Path) -> None:
    # far more than a second of recognition on any machine, in pages read one by one
    pages = [[f"Zeile {n}: Stadt Musterstadt, Bauantrag Nummer {n}" for n in range(40)]] * 8
    source = write_scan(pages, tmp_path / "in.pdf", "pdf")
    prepared = _prepare(source, tmp_path)
    with pytest.raises(RejectedInput, match="CPU time limit of 1 s"):
        scan_to_pdfa(prepared, tmp_path / "out.pdf", OcrSettings(cpu_limit_s=1))
