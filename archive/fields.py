"""The facts of a document and where each one lives, declared once.

A document's facts travel between five shapes: the `DocumentRecord` the pipeline hands in,
the catalog row (`Document`), the search index's `IndexDoc`, the metadata sidecar (JSON beside
the blobs) and the xdomea `DocumentEntry` of a hand-over; `Archive.get` reads them back as a
`DocumentView`. `FIELDS` says for each plain fact which column, index field, sidecar check
and xdomea element it has; the functions below derive every conversion from it. Adding a
plain fact is one `Field` here, its attribute on the record (and view), and its migration.

The few facts that are not one value in one place are converted by hand, below the table:
the Aktenzeichen (a tuple on the record; the first in its column, all of them in the facts),
pages and identifiers (rows of their own; text and identifiers in the index), the facts.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.catalog.models import AuditEvent, Document, Identifier, Page
from archive.documents import (
    AuditEntry,
    DocumentRecord,
    DocumentStatus,
    DocumentView,
    IdentifierRecord,
    LabelSource,
    PageRecord,
    PageSummary,
    VersionView,
)
from archive.search import IndexDoc

if TYPE_CHECKING:
    from archive.records.xdomea import DocumentEntry

PAGE_SEPARATOR = "\n\f"  # between pages of a document's text, as the scanners join them
# Facts the archive derives itself; a review must not overwrite them.
DERIVED_FACTS = frozenset({"sha256_pdfa", "aktenzeichen"})


# Sidecars begin with the document's identity and source, then come its classification and
# the rest of the record.
_SIDECAR_HEAD = ("document_id", "sha256_original", "source_name", "source_kind", "batch_id")


@dataclass(frozen=True)
class Field:
    """One plain fact of a document and its place in each shape."""

    name: str  # attribute of DocumentView, and of DocumentRecord when `on_record`
    column: str  # column of the catalog's `documents` table
    index: str | None = None  # attribute of IndexDoc
    checked: bool = False  # `verify` wants the sidecar to say what the catalog says
    sidecar_default: object = None  # what a sidecar written before the fact existed meant
    versioned: bool = True  # a new version of the document brings its own value
    xdomea: str | None = None  # attribute of the xdomea DocumentEntry
    on_record: bool = True  # carried by DocumentRecord; else the archive sets it
    kind: type[enum.StrEnum] | None = None  # the closed set its values come from
    recorded: bool = False  # records state: the audit trail carries it, `audit verify` checks


FIELDS: tuple[Field, ...] = (
    Field("document_id", "id", index="document_id", versioned=False, xdomea="id"),
    Field("sha256_original", "sha256_original", checked=True, recorded=True),
    Field(
        "sha256_pdfa", "sha256_pdfa", checked=True, xdomea="sha256", on_record=False, recorded=True
    ),
    Field("source_name", "source_name"),
    Field("source_kind", "source_kind"),
    Field("batch_id", "batch_id", versioned=False),
    Field("status", "status", index="status", checked=True, kind=DocumentStatus, recorded=True),
    Field("doc_type", "doc_type", index="doc_type", checked=True, recorded=True),
    Field("doc_label", "doc_label", index="doc_label", xdomea="doc_type", recorded=True),
    Field("aktenplan_unit", "aktenplan_unit", index="unit", checked=True, recorded=True),
    Field("tax_secret", "tax_secret", index="tax_secret", checked=True, recorded=True),
    Field("confidence", "confidence"),
    Field("title", "title", index="title", xdomea="title"),
    Field(
        "document_date",
        "document_date",
        index="document_date",
        xdomea="document_date",
        recorded=True,
    ),
    Field("ocr_applied", "ocr_applied"),
    Field("ocr_confidence", "ocr_confidence"),
    Field("file_plan_version", "file_plan_version"),
    # absent from sidecars written before the catalog had it, when the rules filed everything
    Field(
        "label_source",
        "label_source",
        checked=True,
        sidecar_default=LabelSource.RULE,
        kind=LabelSource,
        recorded=True,
    ),
    Field("archived_at", "archived_at", versioned=False, on_record=False),
    Field("reviewed_by", "reviewed_by", versioned=False, on_record=False, recorded=True),
    Field("reviewed_at", "reviewed_at", versioned=False, on_record=False),
)
RECORD_FIELDS = tuple(f for f in FIELDS if f.on_record)
# What a new version of a document replaces on its catalog row.
VERSIONED_COLUMNS = (
    *(f.column for f in FIELDS if f.versioned),
    "aktenzeichen",
    "page_count",
    "facts",
)


def _value(f: Field, row: Document) -> Any:
    value = getattr(row, f.column)
    return f.kind(value) if f.kind is not None and value is not None else value


# --- record -> row, row -> record ----------------------------------------------------------


def new_row(
    record: DocumentRecord, sha_pdfa: str, facts: dict[str, Any], archived_at: datetime
) -> Document:
    """The catalog row of a newly archived record (or of its next version)."""
    return Document(
        **{f.column: getattr(record, f.name) for f in RECORD_FIELDS},
        sha256_pdfa=sha_pdfa,
        archived_at=archived_at,
        aktenzeichen=record.aktenzeichen[0] if record.aktenzeichen else None,
        page_count=len(record.pages),
        facts=as_json({**facts, "aktenzeichen": list(record.aktenzeichen)}),
        pages=[
            Page(number=p.number, confidence=p.confidence, source=p.source, text=p.text)
            for p in record.pages
        ],
        identifiers=[Identifier(kind=i.kind, value=i.value, raw=i.raw) for i in record.identifiers],
    )


def record_from_row(row: Document) -> DocumentRecord:
    """The record a catalog row was made from, as it stands now (reviews included)."""
    return DocumentRecord(
        **{f.name: getattr(row, f.column) for f in RECORD_FIELDS},
        aktenzeichen=tuple(row.facts.get("aktenzeichen", [])),
        identifiers=tuple(IdentifierRecord(i.kind, i.value, i.raw) for i in row.identifiers),
        pages=tuple(PageRecord(p.number, p.text, p.confidence, p.source) for p in row.pages),
        facts={k: v for k, v in row.facts.items() if k not in DERIVED_FACTS},
    )


# --- record -> index -----------------------------------------------------------------------


def index_doc(record: DocumentRecord) -> IndexDoc:
    """What the search index keeps of a record."""
    return IndexDoc(
        **{f.index: getattr(record, f.name) for f in RECORD_FIELDS if f.index},
        text="\n".join(p.text for p in record.pages),
        aktenzeichen=record.aktenzeichen,
        identifiers=tuple(i.value for i in record.identifiers)
        + tuple(i.raw for i in record.identifiers),
    )


# --- record -> sidecar, sidecar against row ------------------------------------------------


def sidecar(
    record: DocumentRecord,
    sha_pdfa: str,
    facts: dict[str, Any],
    *,
    archived_at: datetime,
    reviewed_by: str | None,
    reviewed_at: datetime | None,
) -> dict[str, Any]:
    """The metadata sidecar's content: the record, and what the archive added to it."""
    fields = asdict(record)
    data = {**{k: fields[k] for k in _SIDECAR_HEAD}, **fields}  # the rest in declared order
    data.update(
        sha256_pdfa=sha_pdfa,
        facts=facts,
        archived_at=archived_at.isoformat(),
        reviewed_by=reviewed_by,
        reviewed_at=reviewed_at.isoformat() if reviewed_at else None,
    )
    return data


def sidecar_differences(data: dict[str, Any], row: Document) -> list[str]:
    """The checked facts on which a sidecar and the catalog disagree."""
    differ = [
        f.name
        for f in FIELDS
        if f.checked and data.get(f.name, f.sidecar_default) != getattr(row, f.column)
    ]
    if (data.get("facts") or {}).get("transfer_note") != (row.facts or {}).get("transfer_note"):
        differ.append("transfer_note")
    return differ


# --- row -> view ---------------------------------------------------------------------------


def document_view(
    row: Document,
    events: Iterable[AuditEvent],
    *,
    original_path: Path,
    pdfa_path: Path,
    metadata_path: Path,
) -> DocumentView:
    """Every stored fact about one document, typed."""
    return DocumentView(
        **{f.name: _value(f, row) for f in FIELDS},
        aktenzeichen=row.aktenzeichen,
        original_path=original_path,
        pdfa_path=pdfa_path,
        metadata_path=metadata_path,
        dates=tuple(row.facts.get("dates", [])),
        identifiers=tuple(IdentifierRecord(i.kind, i.value, i.raw) for i in row.identifiers),
        facts=row.facts,
        versions=tuple(
            VersionView(
                v.number, v.sha256_original, v.sha256_pdfa, v.source_name, v.batch_id, v.created_at
            )
            for v in row.versions
        ),
        pages=tuple(PageSummary(p.number, p.confidence, p.source, len(p.text)) for p in row.pages),
        audit=tuple(AuditEntry(e.at, e.event, e.batch_id, e.detail) for e in events),
        text=PAGE_SEPARATOR.join(p.text for p in row.pages),
    )


# --- row -> records state ----------------------------------------------------------------


def recorded_facts(row: Document) -> dict[str, Any]:
    """A document's records state as the audit trail carries it (`archive.audit.state`):
    the recorded fields, and the Aktenzeichen it is filed under."""
    return as_json(
        {**{f.name: _value(f, row) for f in FIELDS if f.recorded}, "aktenzeichen": row.aktenzeichen}
    )


# --- row -> xdomea -------------------------------------------------------------------------


def document_entry(row: Document, size: int) -> DocumentEntry:
    """The document as an xdomea hand-over names it; `size` is its PDF/A's in bytes."""
    from archive.records.xdomea import DocumentEntry

    values = {f.xdomea: _value(f, row) for f in FIELDS if f.xdomea}
    values["title"] = values["title"] or row.doc_label  # xdomea wants a Betreff
    return DocumentEntry(**values, file_name=f"{row.id}.pdf", size=size)


# --- JSON ----------------------------------------------------------------------------------


def as_json(value: dict[str, Any]) -> dict[str, Any]:
    """`value` as a JSON column holds it: dates and paths as text."""
    result: dict[str, Any] = json.loads(json.dumps(value, default=json_default))
    return result


def json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")
