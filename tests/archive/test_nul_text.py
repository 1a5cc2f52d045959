"""Text with NUL characters: PostgreSQL's text columns refuse U+0000 (SQLite keeps it), so the
archive drops it where a record enters, and the catalog, sidecar, index and seal agree.

A NUL is never visible text: a broken font map or a careless converter puts it there. The
record below carries it in every kind of text field a document has; run the module with
`--catalog=postgresql` to see it on the server."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from archive.blobs import sha256_file
from archive.documents import DocumentRecord, IdentifierRecord, PageRecord
from archive.search import SearchFilters
from archive.store import Archive, document_id_for
from tests.support.catalogs import connect


def _record(original: Path) -> DocumentRecord:
    sha = sha256_file(original)
    return DocumentRecord(
        document_id=document_id_for(sha),
        sha256_original=sha,
        source_name=str(original),
        source_kind="pdf",
        batch_id="b1",
        status="archived",
        doc_type="baugenehmigung",
        doc_label="Baugenehmigung",
        aktenplan_unit="6.3.1",
        tax_secret=False,
        confidence=0.93,
        title="Bau\x00genehmigung Lindenstraße 7",
        aktenzeichen=("63-BG-2024-0117\x00",),
        identifiers=(IdentifierRecord("flurstueck", "12/3", "12/3\x00"),),
        document_date=date(2024, 6, 4),
        pages=(
            PageRecord(
                1, "Auf Ihren Bau\x00antrag wird die Genehmigung erteilt.\x00", None, "text_layer"
            ),
            PageRecord(2, "\x00\x00Gebühr 412,50 €", None, "text_layer"),
        ),
        ocr_applied=False,
        ocr_confidence=None,
        file_plan_version="Musterstadt 1",
        facts={"transfer_note": {"organisation_unit": "Bauord\x00nungsamt"}},
    )


def test_nul_characters_are_dropped_once_and_everything_agrees(tmp_path: Path) -> None:
    original = tmp_path / "in" / "bau.pdf"
    original.parent.mkdir()
    original.write_bytes(b"%PDF-1.7 original with a NUL in its text layer")
    pdfa = tmp_path / "pdfa.pdf"
    pdfa.write_bytes(b"%PDF-1.7 pdfa")
    data = tmp_path / "data"
    archive = Archive(data)
    archive.start_batch("b1", "Karton 1")
    record = _record(original)

    assert archive.store(record, original, pdfa) == "archived"

    view = archive.get(record.document_id)
    assert view is not None
    assert view.title == "Baugenehmigung Lindenstraße 7"
    assert view.text == "Auf Ihren Bauantrag wird die Genehmigung erteilt.\n\fGebühr 412,50 €"
    assert view.aktenzeichen == "63-BG-2024-0117"
    assert [i.raw for i in view.identifiers] == ["12/3"]
    assert view.facts["transfer_note"]["organisation_unit"] == "Bauordnungsamt"
    with connect(data) as db:
        texts = [t for (t,) in db.exec_driver_sql("SELECT text FROM pages ORDER BY number")]
    assert not any("\x00" in t for t in texts)
    sidecar = json.loads(view.metadata_path.read_text("utf-8"))
    assert "\x00" not in json.dumps(sidecar, ensure_ascii=False)
    assert sidecar["pages"][0]["text"] == texts[0]
    # the seal in the trail, the sidecar and the catalog say the same
    assert archive.verify() == []
    hits = archive.search("Bauantrag", SearchFilters())
    assert [h.document_id for h in hits] == [record.document_id]
