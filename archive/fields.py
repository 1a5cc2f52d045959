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

Integrity covers all of it (`sealed_content`): every declared field, the Aktenzeichen, the
facts, the pages with their text, the identifiers, the versions' files and the Vorgang. Each
decides who may see the document (unit, tax secrecy, status), how long it is kept (its Akte,
date, type) or what it says (title, text, identifiers, source, confidence, transfer note), so
`verify` wants the sidecar to say what the catalog says on each, and the audit trail holds
each: the `recorded` fields as values, the rest as SHA-256 digests (its seal), so that text
and personal data (names, identifiers, paths) are not copied into the trail.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, is_dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ColumnElement, DateTime, Float, Table

from archive.audit.state import SEAL
from archive.catalog.models import AuditEvent, Document, DocumentVersion, Identifier, Page
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
    sidecar_default: object = None  # what a sidecar written before the fact existed meant
    versioned: bool = True  # a new version of the document brings its own value
    xdomea: str | None = None  # attribute of the xdomea DocumentEntry
    on_record: bool = True  # carried by DocumentRecord; else the archive sets it
    kind: type[enum.StrEnum] | None = None  # the closed set its values come from
    # The audit trail carries its value (short codes, hashes, dates: nothing personal), not
    # only its digest, so that `audit verify` names the value the trail expects.
    recorded: bool = False


FIELDS: tuple[Field, ...] = (
    Field("document_id", "id", index="document_id", versioned=False, xdomea="id"),
    Field("sha256_original", "sha256_original", recorded=True),
    Field("sha256_pdfa", "sha256_pdfa", xdomea="sha256", on_record=False, recorded=True),
    Field("source_name", "source_name"),
    Field("source_kind", "source_kind"),
    Field("batch_id", "batch_id", versioned=False),
    Field("status", "status", index="status", kind=DocumentStatus, recorded=True),
    Field("doc_type", "doc_type", index="doc_type", recorded=True),
    Field("doc_label", "doc_label", index="doc_label", xdomea="doc_type", recorded=True),
    Field("aktenplan_unit", "aktenplan_unit", index="unit", recorded=True),
    Field("tax_secret", "tax_secret", index="tax_secret", recorded=True),
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


def without_nul(record: DocumentRecord) -> DocumentRecord:
    """`record` with every NUL character (U+0000) dropped from its text, wherever it is: page
    text, title, Aktenzeichen, identifiers, facts (the transfer note).

    PostgreSQL's text columns refuse NUL (SQLite keeps it), and a NUL is never visible text:
    a broken font map or converter puts it there. `Archive.store` cleans each record here,
    once, before anything is written, so the catalog, sidecar, index and seal all hold the
    same text on either catalog.
    """
    cleaned: DocumentRecord = _without_nul(record)
    return cleaned


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, tuple | list):
        return type(value)(_without_nul(v) for v in value)
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _without_nul(getattr(value, f.name)) for f in dataclass_fields(value)}
        return replace(value, **changes)
    return value


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
    """The sealed facts on which a sidecar and the catalog disagree (`sealed_content`)."""
    ours, theirs = sealed_content(row, parts_of(row)), sidecar_content(data)
    if row.versions and theirs["batch_id"] == row.versions[-1].batch_id:
        theirs["batch_id"] = ours["batch_id"]  # an earlier eakte put a rescan's batch here
    differ = [name for name, value in theirs.items() if ours[name] != value]
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


# --- row -> sealed content and records state ---------------------------------------------

# The facts of a document's rows in other tables that its seal covers, in this order.
PAGE_FACTS = ("number", "text", "confidence", "source")
IDENTIFIER_FACTS = ("kind", "value", "raw")
VERSION_FACTS = (
    "number", "sha256_original", "sha256_pdfa", "source_name", "batch_id", "created_at",
)  # fmt: skip
# Sealed facts the trail holds as values besides the recorded fields: codes, counts, ids.
_VALUES_IN_TRAIL = (
    *(f.name for f in FIELDS if f.recorded), "aktenzeichen", "page_count", "vorgang_id",
)  # fmt: skip


@dataclass(frozen=True)
class Parts:
    """A document's rows in other tables that its seal covers, as JSON values in a fixed order
    (the text and identifiers are part of what a document says, the versions of what it is)."""

    pages: list[dict[str, Any]]
    identifiers: list[dict[str, Any]]
    versions: list[dict[str, Any]]


def parts(
    pages: Iterable[object], identifiers: Iterable[object], versions: Iterable[object]
) -> Parts:
    """The parts from rows of each table: ORM objects, query rows or a sidecar's objects."""
    return Parts(
        sorted((_facts_of(Page, p, PAGE_FACTS) for p in pages), key=lambda p: p["number"]),
        sorted(
            (_facts_of(Identifier, i, IDENTIFIER_FACTS) for i in identifiers),
            key=lambda i: (i["kind"], i["value"], i["raw"]),
        ),
        sorted(
            (_facts_of(DocumentVersion, v, VERSION_FACTS) for v in versions),
            key=lambda v: v["number"],
        ),
    )


def parts_of(row: Document) -> Parts:
    """The parts of a row loaded with its relationships."""
    return parts(row.pages, row.identifiers, row.versions)


def sealed_content(row: Document, found: Parts) -> dict[str, Any]:
    """Everything integrity covers of a catalog row, as JSON values: every declared field;
    the columns beside them (the first Aktenzeichen, the page count, the Vorgang); the facts
    (dates, transfer note, filing, every Aktenzeichen found); and the parts."""
    return {
        **{f.name: _column_value(Document.__table__.c[f.column], _value(f, row)) for f in FIELDS},
        "aktenzeichen": row.aktenzeichen,
        "page_count": row.page_count,
        "vorgang_id": row.vorgang_id,
        "facts": {**(row.facts or {}), "aktenzeichen": (row.facts or {}).get("aktenzeichen", [])},
        "pages": found.pages,
        "identifiers": found.identifiers,
        "versions": found.versions,
    }


def sidecar_content(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a sidecar says of the sealed content (all of it but the Vorgang and versions,
    which it does not hold), read as `sealed_content` reads a row."""
    aktenzeichen = list(data.get("aktenzeichen") or [])
    pages = list(data.get("pages") or [])
    found = parts(pages, data.get("identifiers") or [], ())
    return {
        **{
            f.name: _column_value(
                Document.__table__.c[f.column], data.get(f.name, f.sidecar_default)
            )
            for f in FIELDS
        },
        "aktenzeichen": aktenzeichen[0] if aktenzeichen else None,
        "page_count": len(pages),
        "facts": {**(data.get("facts") or {}), "aktenzeichen": aktenzeichen},
        "pages": found.pages,
        "identifiers": found.identifiers,
    }


def recorded_facts(row: Document, found: Parts) -> dict[str, Any]:
    """A document's records state as the audit trail carries it (`archive.audit.state`): the
    recorded values, and the seal, a SHA-256 digest of each other part of `sealed_content`."""
    content = sealed_content(row, found)
    return {
        **{name: content[name] for name in _VALUES_IN_TRAIL},
        SEAL: {
            name: digest(value) for name, value in content.items() if name not in _VALUES_IN_TRAIL
        },
    }


def digest(value: object) -> str:
    """SHA-256 (hex) of a JSON value in a canonical encoding (sorted keys, no whitespace)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _facts_of(table: type, row: object, names: tuple[str, ...]) -> dict[str, Any]:
    columns: Table = table.__table__  # type: ignore[attr-defined]
    get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name, None)
    return {name: _column_value(columns.c[name], get(name)) for name in names}


def _column_value(column: ColumnElement[Any], value: object) -> Any:
    """`value` as a JSON value, read as its column stores it: the same whether it comes from
    the session before a flush, from SQLite, or from a sidecar (JSON text)."""
    if value is None:
        return None
    if isinstance(column.type, Boolean):
        return bool(value)
    if isinstance(column.type, Float) and isinstance(value, int | float):
        return float(value)
    if isinstance(column.type, DateTime) and isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value  # not a time: compared as the text it is
    return json_value(value)


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


def json_value(value: object) -> Any:
    """A column's value as records state holds it: times in UTC without zone (SQLite hands
    back naive times that mean UTC), dates as ISO text, enums as their value."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")
