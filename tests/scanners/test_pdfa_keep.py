"""A born-digital PDF becomes PDF/A-2b with its pages untouched, or a reason why it cannot."""

from pathlib import Path

import pikepdf
import pytest

from scanmaker import write_scan
from scanners import RejectedInput, verify_pdfa
from scanners.intake import pdf_page_texts
from scanners.pdfa_keep import keep_as_pdfa
from tests.support.pdf_contents import pdf_contents

LETTER = [
    "Stadt Musterstadt, Straßenverkehrsamt",
    "Gebührenbescheid über 412,50 € für die Außenfläche; Größe 12 m²",
    "Ärger über Öffnungszeiten? Übermäßige Gebühren werden erstattet.",
]


def test_embedded_fonts_text_and_vectors_are_kept(tmp_path: Path) -> None:
    source = write_scan([LETTER, LETTER], tmp_path / "in.pdf", "born_digital_pdf")
    changes = keep_as_pdfa(source, tmp_path / "out.pdf")
    original, kept = pdf_contents(source), pdf_contents(tmp_path / "out.pdf")
    assert verify_pdfa(tmp_path / "out.pdf", expected_pages=2) == []
    assert (kept.images, kept.fonts, kept.texts) == (0, original.fonts, original.texts)
    assert pdf_page_texts(tmp_path / "out.pdf") == pdf_page_texts(source)
    assert any("open action" in change for change in changes)  # fpdf2 sets the initial zoom
    with pikepdf.open(tmp_path / "out.pdf") as pdf:
        assert "/OpenAction" not in pdf.Root
        assert pdf.Root.OutputIntents[0].OutputConditionIdentifier == "sRGB"


@pytest.mark.parametrize("font", ["Helvetica", "Times", "Courier"])
def test_a_font_not_embedded_is_refused_by_name(tmp_path: Path, font: str) -> None:
    source = write_scan([LETTER], tmp_path / "in.pdf", "born_digital_pdf", font=font)
    with pytest.raises(RejectedInput, match=f"{font}.* not embedded") as caught:
        keep_as_pdfa(source, tmp_path / "out.pdf")
    assert caught.value.path == source
    assert not (tmp_path / "out.pdf").exists()


def test_a_script_run_on_opening_is_not_removed_but_refused(tmp_path: Path) -> None:
    source = write_scan([LETTER], tmp_path / "in.pdf", "born_digital_pdf")
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")
        pdf.save()
    with pytest.raises(RejectedInput, match="not approved as PDF/A-2b by pikepdf"):
        keep_as_pdfa(source, tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()
