"""Born-digital PDFs through a real ingest: the transfer note, the report line and the audit
event state what the archived PDF/A actually contains, for a PDF kept as it is and for one
whose font is not embedded (so it had to be rasterised and OCR'd)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanmaker import write_scan
from tests.support.commands import run_json
from tests.support.pdf_contents import PdfContents, pdf_contents

pytestmark = pytest.mark.slow

LETTER = [
    "Stadt Musterstadt, Der Bürgermeister, Bauordnungsamt",
    "Rathausplatz 1, 12345 Musterstadt",
    "Musterstadt, den 04.06.2024",
    "Aktenzeichen: 63-BG-2024-0117",
    "Baugenehmigung",
    "Auf Ihren Bauantrag vom 12.02.2024 wird die Baugenehmigung für die Errichtung eines",
    "Einfamilienhauses mit Garage an der Lindenstraße 7 erteilt. Die Gebühr beträgt 412,50 €.",
    "Größe des Grundstücks: 612 m². Übermäßige Bodenversiegelung ist zu vermeiden.",
]


def _claims_kept(note: dict) -> bool:
    """Any wording that says the original's text layer is in the PDF/A."""
    return any(
        "text layer" in step and "kept" in step and "not be kept" not in step
        for step in note["processing"]
    )


def _claims_ocr(note: dict) -> bool:
    return any(step.startswith("OCR by tesseract") for step in note["processing"])


def _assert_note_matches(note: dict, original: PdfContents, archived: PdfContents) -> None:
    """Each claim of the note, checked against the bytes archived."""
    assert _claims_kept(note) != _claims_ocr(note), note["processing"]
    if _claims_kept(note):
        assert archived.images == 0 and archived.fonts == original.fonts
        assert archived.texts == original.texts
    else:
        assert archived.images >= original.images + 1  # the pages are images now
        assert any("rasterised and OCR'd" in step for step in note["processing"])


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, prefect_api: str) -> dict:
    inbox = tmp_path_factory.mktemp("born-digital")
    for name, font in (
        ("serif", "DejaVuSerif"),
        ("sans", "DejaVuSans"),
        ("helvetica", "Helvetica"),
    ):
        write_scan([LETTER, LETTER[:4]], inbox / f"{name}.pdf", "born_digital_pdf", font=font)
    data = inbox.parent / f"{inbox.name}-data"
    report = run_json("ingest", str(inbox), "--data", str(data), api=prefect_api)
    lines = {Path(line["source"]).stem: line for line in report["documents"]}
    docs = {
        stem: run_json("show", line["document_id"], "--data", str(data), api=prefect_api)
        for stem, line in lines.items()
    }
    return {"inbox": inbox, "lines": lines, "docs": docs}


@pytest.mark.parametrize("stem", ["serif", "sans"])
def test_embedded_fonts_are_archived_as_vector_text_and_the_note_says_so(
    ingested: dict, stem: str
) -> None:
    line, doc = ingested["lines"][stem], ingested["docs"][stem]
    note = doc["facts"]["transfer_note"]
    original = pdf_contents(ingested["inbox"] / f"{stem}.pdf")
    archived = pdf_contents(Path(doc["pdfa_path"]))
    _assert_note_matches(note, original, archived)
    assert _claims_kept(note) and not doc["ocr_applied"]
    assert (line["ocr_applied"], line["text_layer_dropped"]) == (False, None)
    assert archived.size < 2 * original.size, (original.size, archived.size)
    ocr_event = next(e for e in doc["audit"] if e["event"] == "ocr")
    assert ocr_event["detail"]["ocr_applied"] is False
    assert ocr_event["detail"]["text_layer_dropped"] is None
    assert {p["source"] for p in doc["pages"]} == {"text_layer"}


def test_a_font_not_embedded_is_rasterised_and_every_record_says_why(ingested: dict) -> None:
    line, doc = ingested["lines"]["helvetica"], ingested["docs"]["helvetica"]
    note = doc["facts"]["transfer_note"]
    original = pdf_contents(ingested["inbox"] / "helvetica.pdf")
    archived = pdf_contents(Path(doc["pdfa_path"]))
    _assert_note_matches(note, original, archived)
    assert _claims_ocr(note) and doc["ocr_applied"] and line["ocr_applied"]
    assert (
        "Helvetica" in line["text_layer_dropped"] and "not embedded" in line["text_layer_dropped"]
    )
    assert line["text_layer_dropped"] in note["processing"][0]
    ocr_event = next(e for e in doc["audit"] if e["event"] == "ocr")
    assert ocr_event["detail"]["ocr_applied"] is True
    assert ocr_event["detail"]["text_layer_dropped"] == line["text_layer_dropped"]
    assert {p["source"] for p in doc["pages"]} == {"ocr"}
    assert "Baugenehmigung" in doc["text"]
