"""Labelled folders: text files, PDFs by their text layer or by OCR, bad files reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.labelled import labelled_files, read_labelled_folder
from scanmaker import write_scan

LETTER = ["Stadt Musterstadt", "Baugenehmigung", "Ihr Bauantrag vom 3. Mai wird genehmigt."]


@pytest.mark.slow
def test_text_pdf_and_scanned_pdf_are_read_and_a_broken_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "baugenehmigung").mkdir()
    (tmp_path / "widerspruch").mkdir()
    (tmp_path / "widerspruch" / "a.txt").write_text("Widerspruch gegen den Bescheid", "utf-8")
    write_scan([LETTER], tmp_path / "baugenehmigung" / "digital.pdf", "born_digital_pdf")
    write_scan([LETTER], tmp_path / "baugenehmigung" / "scan.pdf", "pdf")
    (tmp_path / "baugenehmigung" / "kaputt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<<")
    (tmp_path / "baugenehmigung" / "notes.docx").write_bytes(b"ignored: not .txt or .pdf")
    found = read_labelled_folder(tmp_path)
    names = [p.name for p in found.paths]
    assert sorted(names) == ["a.txt", "digital.pdf", "scan.pdf"]
    by_name = dict(zip(names, zip(found.labels, found.texts, strict=True), strict=True))
    assert by_name["a.txt"] == ("widerspruch", "Widerspruch gegen den Bescheid")
    assert by_name["digital.pdf"][0] == "baugenehmigung"
    assert "Bauantrag" in by_name["digital.pdf"][1]
    assert "Baugenehmigung" in by_name["scan.pdf"][1]  # read by real OCR
    (problem,) = found.problems
    assert problem.startswith(str(tmp_path / "baugenehmigung" / "kaputt.pdf") + ": ")


def test_a_folder_without_label_folders_is_refused(tmp_path: Path) -> None:
    (tmp_path / "loose.txt").write_text("no label folder", "utf-8")
    with pytest.raises(FileNotFoundError, match="no labelled documents"):
        labelled_files(tmp_path)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        labelled_files(tmp_path / "missing")
