"""The archive store: exactly-once archiving, quarantine, facts, and self-verification."""

from datetime import date
from pathlib import Path

import pytest

from archive.blobs import sha256_file
from archive.documents import DocumentRecord, IdentifierRecord, PageRecord
from archive.fields import index_doc
from archive.search import SearchFilters
from archive.search.tantivy import TantivyIndex
from archive.store import Archive, document_id_for


def _record(source: Path, pdfa: Path, batch: str = "b1") -> DocumentRecord:
    sha = sha256_file(source)
    return DocumentRecord(
        document_id=document_id_for(sha),
        sha256_original=sha,
        source_name=str(source),
        source_kind="pdf",
        batch_id=batch,
        status="archived",
        doc_type="hundesteuerbescheid",
        doc_label="Hundesteuerbescheid",
        aktenplan_unit="2.1.4",
        tax_secret=True,
        confidence=0.93,
        title="Hundesteuerbescheid 2024",
        aktenzeichen=("22-HU-2024-01873",),
        identifiers=(IdentifierRecord("steuer_idnr", "86095742719", "86 095 742 719"),),
        document_date=date(2024, 2, 1),
        pages=(
            PageRecord(1, "Die Hundesteuer für Ihren Hund Bello wird festgesetzt.", 91.5, "ocr"),
        ),
        ocr_applied=True,
        ocr_confidence=91.5,
        file_plan_version="Musterstadt 1",
    )


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    original = tmp_path / "in" / "hund.png"
    original.parent.mkdir()
    original.write_bytes(b"\x89PNG\r\n\x1a\n original scan")
    pdfa = tmp_path / "pdfa.pdf"
    pdfa.write_bytes(b"%PDF-1.7 pdfa")
    return original, pdfa


def test_store_archives_once_and_everything_agrees(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    original, pdfa = files
    archive = Archive(tmp_path / "data")
    archive.start_batch("b1", "Karton 1")
    record = _record(original, pdfa)
    assert archive.store(record, original, pdfa) == "archived"
    assert archive.store(record, original, pdfa) == "archived"  # same batch: a resumed run
    assert archive.store(_record(original, pdfa, "b2"), original, pdfa) == "duplicate"
    assert archive.verify() == []
    doc = archive.get(record.document_id)
    assert doc is not None
    assert doc.identifiers == (IdentifierRecord("steuer_idnr", "86095742719", "86 095 742 719"),)
    assert doc.to_json()["identifiers"] == [
        {"kind": "steuer_idnr", "value": "86095742719", "raw": "86 095 742 719"}
    ]
    assert Path(doc.original_path).read_bytes() == original.read_bytes()
    assert [e.event for e in doc.audit] == ["archived"]
    assert "Bello" in doc.text
    hits = archive.search("86 095 742 719", SearchFilters())
    assert [h.document_id for h in hits] == [record.document_id]
    archive.close()


def test_verify_names_each_disagreement(tmp_path: Path, files: tuple[Path, Path]) -> None:
    original, pdfa = files
    archive = Archive(tmp_path / "data")
    archive.start_batch("b1", "b1")
    record = _record(original, pdfa)
    archive.store(record, original, pdfa)
    blob = archive.blobs.path(record.sha256_original)
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes() + b"!")
    archive.index.delete(record.document_id)
    problems = archive.verify()
    assert any("original blob" in p and "does not match" in p for p in problems)
    assert any("not in the search index" in p for p in problems)
    assert archive.reindex_missing() == 1
    assert not any("search index" in p for p in archive.verify())
    archive.close()


def test_quarantine_keeps_the_bytes_and_the_reason(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    original, _ = files
    archive = Archive(tmp_path / "data")
    archive.start_batch("b1", "b1")
    copy = archive.quarantine(
        "b1", original, sha256_file(original), "damaged or truncated PDF"
    ).copy
    assert copy is not None
    assert copy.read_bytes() == original.read_bytes()
    assert original.exists()
    assert "damaged or truncated PDF" in copy.with_name(copy.name + ".reason.txt").read_text()
    assert archive.counts("b1")["quarantined"] == 1
    archive.close()


def test_catalog_survives_reopening(tmp_path: Path, files: tuple[Path, Path]) -> None:
    original, pdfa = files
    archive = Archive(tmp_path / "data")
    archive.start_batch("b1", "b1")
    record = _record(original, pdfa)
    archive.store(record, original, pdfa)
    archive.close()
    again = Archive(tmp_path / "data")
    assert again.find(record.sha256_original) == (record.document_id, "b1")
    again.close()


def test_an_altered_transfer_note_is_found_even_when_catalog_and_sidecar_agree(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    import dataclasses
    import json
    import sqlite3

    original, pdfa = files
    archive = Archive(tmp_path / "data")
    archive.start_batch("b1", "Karton 1")
    note = {"operator": "M. Muster", "scanner": "Fujitsu fi-7160", "dpi": 300}
    record = dataclasses.replace(_record(original, pdfa), facts={"transfer_note": note})
    archive.store(record, original, pdfa)
    assert archive.verify() == []
    forged = {**note, "operator": "jemand anderes"}
    sidecar = archive._sidecar_path(record.document_id)
    data = json.loads(sidecar.read_text("utf-8"))
    data["facts"]["transfer_note"] = forged
    sidecar.write_text(json.dumps(data), "utf-8")
    assert any("transfer_note" in p for p in archive.verify())  # sidecar against catalog
    with sqlite3.connect(tmp_path / "data" / "catalog.sqlite") as db:
        facts = json.loads(db.execute("SELECT facts FROM documents").fetchone()[0])
        facts["transfer_note"] = forged
        db.execute("UPDATE documents SET facts = ?", (json.dumps(facts),))
    problems = archive.verify()
    assert problems == [
        f"{record.document_id}: transfer note differs from the one recorded when archived",
        f"records state: document {record.document_id}: facts differs from what the audit trail "
        "sealed",
    ]


def test_a_rescan_becomes_version_2_and_keeps_version_1(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    import dataclasses
    import json

    original, pdfa = files
    archive = Archive(tmp_path / "data")
    archive.start_batch("b1", "Karton 1")
    first = _record(original, pdfa)
    archive.store(first, original, pdfa)
    rescan = tmp_path / "in" / "hund-neu.png"
    rescan.write_bytes(b"\x89PNG\r\n\x1a\n rescanned, page 2 readable now")
    pdfa2 = tmp_path / "pdfa2.pdf"
    pdfa2.write_bytes(b"%PDF-1.7 pdfa of the rescan")
    archive.start_batch("b2", "Nachscan")
    second = dataclasses.replace(
        first,
        sha256_original=sha256_file(rescan),
        source_name=str(rescan),
        batch_id="b2",
        pages=(
            PageRecord(1, "Die Hundesteuer für Ihren Dackel Waldi wird festgesetzt.", 95.0, "ocr"),
        ),
    )
    assert archive.store(second, rescan, pdfa2) == "archived"
    assert archive.store(second, rescan, pdfa2) == "archived"  # resumed: nothing twice
    doc = archive.get(first.document_id)
    assert doc is not None
    assert [v.number for v in doc.versions] == [1, 2]
    assert doc.versions[0].sha256_original == first.sha256_original
    assert doc.sha256_original == second.sha256_original and "Waldi" in doc.text
    assert [h.document_id for h in archive.search("Waldi", SearchFilters())] == [first.document_id]
    assert archive.search("Bello", SearchFilters()) == []
    assert archive.find(first.sha256_original) == (first.document_id, "b1")  # not a new document
    assert archive.verify() == []
    sidecar = json.loads(doc.metadata_path.read_text("utf-8"))
    assert (sidecar["batch_id"], sidecar["pages"][0]["text"]) == ("b1", doc.text)  # the catalog's
    doc.metadata_path.write_text(json.dumps({**sidecar, "batch_id": "b2"}), "utf-8")
    assert archive.verify() == []  # an earlier eakte wrote the rescan's batch: still true
    assert any(e.event == "version_added" for e in doc.audit)
    archive.blobs.delete(first.sha256_original)
    assert any("version 1 original" in p for p in archive.verify())


def test_a_busy_index_does_not_undo_or_fail_a_catalogued_document(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    """Another process holds the index writer past the wait: the document is catalogued (the
    index is derived data), so storing it succeeds; it is indexed once the writer is free."""
    original, pdfa = files
    other = Archive(tmp_path / "data")
    other.index.add(index_doc(_record(pdfa, pdfa)))  # holds the writer, as a running batch does
    data = tmp_path / "data"
    archive = Archive(data, index=TantivyIndex(data / "index", wait_for_writer=0))
    archive.start_batch("b1", "Karton 1")
    record = _record(original, pdfa)
    assert archive.store(record, original, pdfa) == "archived"
    assert archive.get(record.document_id) is not None
    assert archive.unindexed == {record.document_id}
    other.index.delete(_record(pdfa, pdfa).document_id)
    other.close()
    assert archive.reindex_missing() == 1
    assert archive.unindexed == set()
    assert [h.document_id for h in archive.search("Bello", SearchFilters())] == [record.document_id]
    assert archive.verify() == []
    archive.close()
