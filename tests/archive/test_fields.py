"""The declared mapping of a document's facts (archive.fields) and the typed read side."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from pathlib import Path

import orjson
import pytest

from archive.access import Action, Role
from archive.blobs import sha256_file
from archive.catalog.models import Document, DocumentVersion, Identifier, Page
from archive.documents import (
    BatchItemRecord,
    BatchItemStatus,
    DocumentRecord,
    DocumentStatus,
    DocumentView,
    IdentifierRecord,
    LabelSource,
    PageRecord,
    ReviewDecision,
)
from archive.fields import (
    FIELDS,
    IDENTIFIER_FACTS,
    PAGE_FACTS,
    VERSION_FACTS,
    document_entry,
    index_doc,
    json_default,
    new_row,
    parts_of,
    record_from_row,
    recorded_facts,
    sealed_content,
    sidecar,
    sidecar_differences,
)
from archive.records.retention import AkteState, AppraisalCode, RetentionTrigger
from archive.records.xdomea import DocumentEntry
from archive.search import IndexDoc, SearchFilters
from archive.store import Archive, document_id_for, now


def _record(tmp_path: Path) -> tuple[DocumentRecord, Path, Path]:
    original, pdfa = tmp_path / "scan.png", tmp_path / "scan.pdf"
    original.write_bytes(b"\x89PNG scan of a Bauantrag")
    pdfa.write_bytes(b"%PDF-1.7 Bauantrag")
    sha = sha256_file(original)
    record = DocumentRecord(
        document_id=document_id_for(sha),
        sha256_original=sha,
        source_name="scan.png",
        source_kind="png",
        batch_id="b1",
        status="needs_review",
        doc_type="bauantrag",
        doc_label="Bauantrag",
        aktenplan_unit="6.1.3",
        tax_secret=False,
        confidence=0.42,
        title="Bauantrag Gartenhaus",
        aktenzeichen=("63-BG-2024-0117", "63-BG-2024-0118"),
        identifiers=(IdentifierRecord("flurstueck", "12/3", "12 / 3"),),
        document_date=date(2024, 3, 12),
        pages=(PageRecord(1, "Antrag auf", 91.0, "ocr"), PageRecord(2, "Gartenhaus", None, "text")),
        ocr_applied=True,
        ocr_confidence=91.0,
        file_plan_version="Musterstadt 1",
        facts={"dates": ["2024-03-12"], "transfer_note": {"operator": "M. Muster"}},
        label_source="model",
    )
    return record, original, pdfa


def test_every_declared_field_has_its_place_in_each_shape() -> None:
    record = {f.name for f in fields(DocumentRecord)}
    view = {f.name for f in fields(DocumentView)}
    index = {f.name for f in fields(IndexDoc)}
    entry = {f.name for f in fields(DocumentEntry)}
    for f in FIELDS:
        assert f.name in view, f
        assert (f.name in record) == f.on_record, f
        assert f.column in Document.__table__.columns or f.column == "id", f
        assert f.index is None or f.index in index, f
        assert f.xdomea is None or f.xdomea in entry, f
    named = {f.name for f in FIELDS}
    # what is not declared plainly is converted by hand in archive.fields
    assert record - named == {"aktenzeichen", "identifiers", "pages", "facts"}
    assert index - {f.index for f in FIELDS} == {"text", "aktenzeichen", "identifiers"}


def test_a_record_stored_and_read_back_agrees_in_row_index_sidecar_and_view(
    tmp_path: Path,
) -> None:
    record, original, pdfa = _record(tmp_path)
    row = new_row(record, "b" * 64, {**record.facts, "sha256_pdfa": "b" * 64}, archived_at=now())
    assert record_from_row(row) == record
    assert index_doc(record_from_row(row)) == index_doc(record)

    archive = Archive(tmp_path / "data")
    try:
        archive.start_batch("b1", "b1")
        assert archive.store(record, original, pdfa) is BatchItemStatus.NEEDS_REVIEW
        view = archive.get(record.document_id)
        assert view is not None
        for f in FIELDS:
            if f.on_record:
                assert getattr(view, f.name) == getattr(record, f.name), f.name
        assert view.aktenzeichen == record.aktenzeichen[0]
        assert view.identifiers == record.identifiers
        assert view.text == "Antrag auf\n\fGartenhaus"
        assert view.status is DocumentStatus.NEEDS_REVIEW
        assert view.label_source is LabelSource.MODEL
        sidecar = json.loads(view.metadata_path.read_text("utf-8"))
        assert list(sidecar)[:6] == [
            "document_id", "sha256_original", "source_name", "source_kind", "batch_id", "status",
        ]  # fmt: skip
        for f in FIELDS:
            if f.name not in ("archived_at", "reviewed_at", "document_date"):
                assert sidecar[f.name] == getattr(view, f.name), f.name
        # SQLite hands the time back without its zone (UTC)
        assert sidecar["archived_at"][:26] == view.archived_at.isoformat()[:26]
        hits = archive.search("Gartenhaus", SearchFilters())
        assert [h.document_id for h in hits] == [record.document_id]
        assert hits[0].aktenzeichen == record.aktenzeichen
        assert archive.verify() == []
    finally:
        archive.close()


def test_an_older_sidecar_without_label_source_means_the_rules_filed_it(tmp_path: Path) -> None:
    record, _, _ = _record(tmp_path)
    row = new_row(record, "b" * 64, {**record.facts, "sha256_pdfa": "b" * 64}, archived_at=now())
    row.label_source = "rule"
    data = sidecar(
        record_from_row(row), "b" * 64, {**record.facts, "sha256_pdfa": "b" * 64},
        archived_at=row.archived_at, reviewed_by=None, reviewed_at=None,
    )  # fmt: skip
    data = json.loads(json.dumps(data, default=json_default))  # as the file holds it
    assert sidecar_differences(data, row) == []
    del data["label_source"]
    assert sidecar_differences(data, row) == []
    assert sidecar_differences({**data, "status": "archived"}, row) == ["status"]


def test_integrity_covers_every_column_of_a_document_and_copies_no_text_into_the_trail(
    tmp_path: Path,
) -> None:
    record, _, _ = _record(tmp_path)
    row = new_row(record, "b" * 64, {**record.facts, "sha256_pdfa": "b" * 64}, archived_at=now())
    content = sealed_content(row, parts_of(row))
    by_column = {f.column: f.name for f in FIELDS}
    for column in Document.__table__.columns:
        assert by_column.get(column.key, column.key) in content, column.key
    for table, facts in ((Page, PAGE_FACTS), (Identifier, IDENTIFIER_FACTS),
                         (DocumentVersion, VERSION_FACTS)):  # fmt: skip
        assert {c.key for c in table.__table__.columns} - {"id", "document_id"} == set(facts)
    trail = json.dumps(recorded_facts(row, parts_of(row)), ensure_ascii=False)
    for personal in ("Gartenhaus", "12 / 3", "scan.png", "M. Muster"):  # title, text, ids, note
        assert personal not in trail
    assert {"title", "pages", "identifiers", "source_name", "facts"} <= set(
        recorded_facts(row, parts_of(row))["seal"]
    )


def test_the_xdomea_entry_is_derived_from_the_row() -> None:
    row = Document(
        id="3d419a78-ab5c-564f-8b66-c103850db484",
        title="",
        doc_label="Bauantrag",
        document_date=date(2024, 3, 12),
        sha256_pdfa="b" * 64,
        status="archived",
        label_source="rule",
    )
    assert document_entry(row, size=1234) == DocumentEntry(
        id=row.id,
        title="Bauantrag",  # no title: the type stands in for the Betreff
        file_name=f"{row.id}.pdf",
        document_date=date(2024, 3, 12),
        sha256="b" * 64,
        size=1234,
        doc_type="Bauantrag",
    )


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (DocumentStatus, ["archived", "needs_review", "disposed"]),
        (BatchItemStatus, ["archived", "needs_review", "duplicate", "quarantined"]),
        (LabelSource, ["rule", "model", "reviewer"]),
        (ReviewDecision, ["accepted", "relabelled"]),
        (
            AkteState,
            ["active", "due", "on_hold", "offered", "appraised", "transferred", "disposed"],
        ),
        (AppraisalCode, ["A", "V"]),
        (RetentionTrigger, ["closing", "document_date", "event"]),
        (Role, ["clerk", "case_system", "records_manager", "scanner", "admin"]),
        (Action, ["search", "view", "download", "preview", "file"]),
    ],
)
def test_closed_sets_serialise_as_the_strings_they_always_were(kind: type, values: list) -> None:
    assert [m.value for m in kind] == values
    for member, value in zip(kind, values, strict=True):
        assert member == value and str(member) == value
        assert json.dumps({"v": member}) == json.dumps({"v": value})
        assert orjson.dumps({"v": member}) == orjson.dumps({"v": value})


def test_views_give_plain_json(tmp_path: Path) -> None:
    item = BatchItemRecord("a.pdf", None, "quarantined", None, "damaged")
    assert item.status is BatchItemStatus.QUARANTINED
    with pytest.raises(ValueError, match="status 'lost' is not one of archived, needs_review"):
        BatchItemRecord("a.pdf", None, "lost", None, None)
    record, _, _ = _record(tmp_path)
    shown = record.to_json()
    assert type(shown["status"]) is str and shown["document_date"] == "2024-03-12"
    assert shown["identifiers"] == [{"kind": "flurstueck", "value": "12/3", "raw": "12 / 3"}]
