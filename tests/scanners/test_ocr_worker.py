"""The OCR worker names Ghostscript among a document's software only once ocrmypdf ran it."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocrmypdf._exec import ghostscript

from scanners import ocr_worker


def test_ghostscript_is_named_once_it_runs_and_not_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("rasterize_pdf", "generate_pdfa"):  # restored after the test
        monkeypatch.setattr(ghostscript, name, getattr(ghostscript, name))
    used: dict[str, str] = {}
    ocr_worker._watch_ghostscript(used)
    assert used == {}  # watching runs nothing
    with pytest.raises(Exception):  # noqa: B017 - Ghostscript runs, and fails on no PDF
        ghostscript.generate_pdfa(
            pdf_pages=[tmp_path / "missing.pdf"],
            output_file=tmp_path / "out.pdf",
            compression="auto",
            color_conversion_strategy="LeaveColorUnchanged",
        )
    assert used == {"ghostscript": str(ghostscript.version())}
