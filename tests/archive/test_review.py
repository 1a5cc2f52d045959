"""The review queue: people confirm or correct types; their decisions become training data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from archive.blobs import sha256_file
from archive.documents import DocumentRecord, IdentifierRecord, PageRecord
from archive.errors import ArchiveError
from archive.search import IndexBusyError, SearchFilters
from archive.search.tantivy import TantivyIndex
from archive.store import Archive, ReviewError, UnknownDocumentError, document_id_for


def _store(
    archive: Archive,
    tmp_path: Path,
    name: str,
    *,
    doc_type: str = "widerspruch",
    status: str = "needs_review",
    label_source: str = "rule",
    pages: tuple[str, ...] = ("Hiermit lege ich Widerspruch ein.",),
    identifiers: tuple[IdentifierRecord, ...] = (),
    tax_secret: bool = False,
    batch: str = "b1",
) -> DocumentRecord:
    """Archive a small document as the pipeline would, without OCR."""
    original = tmp_path / "in" / f"{name}.png"
    original.parent.mkdir(exist_ok=True)
    original.write_bytes(b"\x89PNG\r\n\x1a\n" + name.encode())
    pdfa = tmp_path / "in" / f"{name}.pdf"
    pdfa.write_bytes(b"%PDF-1.7 " + name.encode())
    sha = sha256_file(original)
    label = doc_type.capitalize()
    record = DocumentRecord(
        document_id=document_id_for(sha),
        sha256_original=sha,
        source_name=str(original),
        source_kind="png",
        batch_id=batch,
        status=status,
        doc_type=doc_type,
        doc_label=label,
        aktenplan_unit="0.3.1",
        tax_secret=tax_secret,
        confidence=0.41 if status == "needs_review" else 0.93,
        title=label,
        aktenzeichen=(),
        identifiers=identifiers,
        document_date=date(2024, 5, 2),
        pages=tuple(PageRecord(n, text, 90.0, "ocr") for n, text in enumerate(pages, 1)),
        ocr_applied=True,
        ocr_confidence=90.0,
        file_plan_version="Musterstadt 1",
        label_source=label_source,
    )
    archive.start_batch(batch, batch)
    archive.store(record, original, pdfa)
    return record


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    store = Archive(tmp_path / "data")
    yield store
    store.close()


def _type_ids(archive: Archive, doc_type: str) -> list[str]:
    return [h.document_id for h in archive.search("", SearchFilters(doc_type=doc_type), 50)]


def _sidecar(archive: Archive, document_id: str) -> dict:
    return json.loads(Path(archive.get(document_id).metadata_path).read_text("utf-8"))


def test_queue_lists_documents_needing_review_oldest_first(
    archive: Archive, tmp_path: Path
) -> None:
    first = _store(archive, tmp_path, "first")
    _store(archive, tmp_path, "sure", status="archived")
    second = _store(archive, tmp_path, "second", doc_type="bauantrag", batch="b2")
    queue = archive.review_queue()
    assert [item.document_id for item in queue] == [first.document_id, second.document_id]
    item = queue[1]
    assert (item.doc_type, item.doc_label, item.title) == ("bauantrag", "Bauantrag", "Bauantrag")
    assert (item.confidence, item.batch_id) == (0.41, "b2")
    assert item.source_name.endswith("second.png")
    assert queue[0].archived_at <= queue[1].archived_at


def test_relabel_changes_catalog_sidecar_index_and_audit(archive: Archive, tmp_path: Path) -> None:
    record = _store(archive, tmp_path, "letter")
    outcome = archive.review(
        record.document_id,
        by="anna",
        doc_type="bauantrag",
        doc_label="Bauantrag",
        unit="6.1.3",
        tax_secret=False,
    )
    assert (outcome.decision, outcome.from_type, outcome.to_type) == (
        "relabelled",
        "widerspruch",
        "bauantrag",
    )
    assert (outcome.from_status, outcome.status, outcome.by) == ("needs_review", "archived", "anna")

    doc = archive.get(record.document_id)
    assert doc is not None
    assert (doc.doc_type, doc.doc_label, doc.aktenplan_unit) == (
        "bauantrag",
        "Bauantrag",
        "6.1.3",
    )
    assert doc.title == "Bauantrag"  # the title was only the old type's name
    assert (doc.status, doc.label_source, doc.reviewed_by) == (
        "archived",
        "reviewer",
        "anna",
    )
    assert doc.reviewed_at is not None
    (event,) = [e for e in doc.audit if e.event == "reviewed"]
    detail = dict(event.detail)
    state = detail.pop("state")["documents"][record.document_id]  # the new records state
    assert (state["doc_type"], state["status"], state["reviewed_by"]) == (
        "bauantrag",
        "archived",
        "anna",
    )
    assert detail == {
        "by": "anna",
        "from_type": "widerspruch",
        "to_type": "bauantrag",
        "from_confidence": 0.41,
        "decision": "relabelled",
        "from_status": "needs_review",
        "from_label_source": "rule",
    }

    sidecar = _sidecar(archive, record.document_id)
    assert (sidecar["doc_type"], sidecar["status"], sidecar["label_source"]) == (
        "bauantrag",
        "archived",
        "reviewer",
    )
    assert sidecar["reviewed_by"] == "anna"
    assert sidecar["archived_at"] == doc.archived_at.isoformat()  # the archiving time is kept

    assert _type_ids(archive, "bauantrag") == [record.document_id]
    assert _type_ids(archive, "widerspruch") == []
    assert archive.search("", SearchFilters(status="needs_review")) == []
    assert archive.review_queue() == []
    assert archive.verify() == []


def test_accept_confirms_the_type_and_leaves_the_queue(archive: Archive, tmp_path: Path) -> None:
    record = _store(archive, tmp_path, "letter")
    waiting = _store(archive, tmp_path, "other")
    outcome = archive.review(
        record.document_id,
        by="ben",
        doc_type="widerspruch",
        doc_label="Widerspruch",
        unit="0.3.1",
        tax_secret=False,
    )
    assert outcome.decision == "accepted"
    assert [item.document_id for item in archive.review_queue()] == [waiting.document_id]
    assert [h.document_id for h in archive.search("", SearchFilters(status="needs_review"))] == [
        waiting.document_id
    ]
    assert set(_type_ids(archive, "widerspruch")) == {record.document_id, waiting.document_id}
    doc = archive.get(record.document_id)
    assert doc is not None and doc.label_source == "reviewer"
    assert doc.audit[-1].detail["decision"] == "accepted"
    assert archive.verify() == []


def test_archived_documents_may_be_corrected_later(archive: Archive, tmp_path: Path) -> None:
    record = _store(archive, tmp_path, "sure", status="archived", doc_type="bauantrag")
    archive.review(
        record.document_id,
        by="carla",
        doc_type="baugenehmigung",
        doc_label="Baugenehmigung",
        unit="6.1.3",
        tax_secret=False,
        facts_update={"review_note": "Bescheid, kein Antrag"},
    )
    doc = archive.get(record.document_id)
    assert doc is not None
    assert doc.doc_type == "baugenehmigung"
    assert doc.facts["review_note"] == "Bescheid, kein Antrag"
    assert _sidecar(archive, record.document_id)["facts"]["review_note"] == "Bescheid, kein Antrag"
    assert doc.audit[-1].detail["from_status"] == "archived"
    assert archive.verify() == []


def test_relabel_keeps_tax_secrecy_of_documents_with_tax_identifiers(
    archive: Archive, tmp_path: Path
) -> None:
    steuer = _store(
        archive,
        tmp_path,
        "steuer",
        identifiers=(IdentifierRecord("steuernummer", "18181508155", "181/815/08155"),),
        tax_secret=True,
    )
    plain = _store(archive, tmp_path, "plain", doc_type="hundesteuerbescheid", tax_secret=True)
    for record in (steuer, plain):
        archive.review(
            record.document_id,
            by="dora",
            doc_type="schriftverkehr",
            doc_label="Schriftverkehr",
            unit="0.2.1",
            tax_secret=False,
        )
    assert archive.get(steuer.document_id).tax_secret is True
    assert archive.get(plain.document_id).tax_secret is False
    assert archive.verify() == []


def test_training_documents_are_confirmed_ones_only(archive: Archive, tmp_path: Path) -> None:
    rule_sure = _store(
        archive,
        tmp_path,
        "rule-sure",
        status="archived",
        doc_type="bauantrag",
        pages=("Seite eins", "Seite zwei"),
    )
    _store(archive, tmp_path, "model-sure", status="archived", label_source="model")
    _store(archive, tmp_path, "still-waiting")
    model_reviewed = _store(
        archive, tmp_path, "model-reviewed", status="needs_review", label_source="model"
    )
    archive.review(
        model_reviewed.document_id,
        by="emil",
        doc_type="baugenehmigung",
        doc_label="Baugenehmigung",
        unit="6.1.3",
        tax_secret=False,
    )
    training = list(archive.training_documents())
    assert training == [
        (rule_sure.document_id, "Seite eins\n\fSeite zwei", "bauantrag"),
        (model_reviewed.document_id, "Hiermit lege ich Widerspruch ein.", "baugenehmigung"),
    ]


def test_unknown_document_is_a_clear_error(archive: Archive) -> None:
    with pytest.raises(UnknownDocumentError, match="no-such-id"):
        archive.review(
            "no-such-id",
            by="x",
            doc_type="bauantrag",
            doc_label="B",
            unit="6.1.3",
            tax_secret=False,
        )
    with pytest.raises(ArchiveError, match=r"^no document no-such-id in the archive$"):
        archive.review(
            "no-such-id",
            by="x",
            doc_type="bauantrag",
            doc_label="B",
            unit="6.1.3",
            tax_secret=False,
        )


def test_review_needs_a_reviewer_and_keeps_derived_facts(archive: Archive, tmp_path: Path) -> None:
    record = _store(archive, tmp_path, "letter")
    common = {"doc_type": "bauantrag", "doc_label": "Bauantrag", "unit": "6.1.3"}
    with pytest.raises(ReviewError, match="reviewer"):
        archive.review(record.document_id, by=" ", tax_secret=False, **common)
    with pytest.raises(ReviewError, match="sha256_pdfa"):
        archive.review(
            record.document_id,
            by="anna",
            tax_secret=False,
            facts_update={"sha256_pdfa": "0" * 64},
            **common,
        )
    assert archive.get(record.document_id).status == "needs_review"


def test_busy_index_leaves_everything_unchanged(tmp_path: Path) -> None:
    ingest = Archive(tmp_path / "data")  # holds the index writer, as a running batch does
    record = _store(ingest, tmp_path, "letter")
    reviewer = Archive(
        tmp_path / "data", index=TantivyIndex(tmp_path / "data" / "index", wait_for_writer=0)
    )
    try:
        with pytest.raises(IndexBusyError, match="ingest"):
            reviewer.review(
                record.document_id,
                by="anna",
                doc_type="bauantrag",
                doc_label="Bauantrag",
                unit="6.1.3",
                tax_secret=False,
            )
        doc = reviewer.get(record.document_id)
        assert doc is not None
        assert (doc.status, doc.doc_type, doc.label_source) == (
            "needs_review",
            "widerspruch",
            "rule",
        )
        assert [e.event for e in doc.audit] == ["archived"]
    finally:
        ingest.close()
    reviewer.review(
        record.document_id,
        by="anna",
        doc_type="bauantrag",
        doc_label="Bauantrag",
        unit="6.1.3",
        tax_secret=False,
    )
    assert reviewer.verify() == []
    reviewer.close()


def test_verify_notices_a_sidecar_that_disagrees_on_the_type(
    archive: Archive, tmp_path: Path
) -> None:
    record = _store(archive, tmp_path, "letter")
    path = Path(archive.get(record.document_id).metadata_path)
    data = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**data, "doc_type": "bauantrag"}), "utf-8")
    assert archive.verify() == [
        f"{record.document_id}: metadata sidecar disagrees with the catalog (doc_type)"
    ]


def test_label_source_must_be_known() -> None:
    with pytest.raises(ValueError, match="label_source"):
        replace(_dummy_record(), label_source="reviwer")


def _dummy_record() -> DocumentRecord:
    return DocumentRecord(
        document_id="d",
        sha256_original="0" * 64,
        source_name="x",
        source_kind="pdf",
        batch_id="b",
        status="archived",
        doc_type="t",
        doc_label="T",
        aktenplan_unit="1",
        tax_secret=False,
        confidence=1.0,
        title="T",
        aktenzeichen=(),
        identifiers=(),
        document_date=None,
        pages=(),
        ocr_applied=False,
        ocr_confidence=None,
        file_plan_version="v",
    )
