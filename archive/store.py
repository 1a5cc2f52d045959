"""The records store: blobs, catalog, metadata sidecars, audit trail, quarantine and index.

One `Archive` per data directory and process. Writes that must not interleave (catalog
checks and inserts, index commits) are serialised by a lock, so parallel documents of a
batch can call it from many threads.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from archive.actors import Actor, check_actor
from archive.atomic import DISK_FULL_ERRNOS, atomic_write_bytes
from archive.audit import append_event, serialise_writers, verify_audit
from archive.audit.chain import Break
from archive.blobs import BlobStore, sha256_file
from archive.catalog import catalog_url as catalog_url_of
from archive.catalog import open_catalog
from archive.catalog.models import (
    AuditEvent,
    Batch,
    BatchItem,
    Document,
    DocumentVersion,
    Page,
)
from archive.documents import (
    BatchItemRecord,
    BatchItemStatus,
    DocumentRecord,
    DocumentStatus,
    DocumentView,
    LabelSource,
    ReviewDecision,
    ReviewItem,
    ReviewOutcome,
)
from archive.errors import ArchiveError
from archive.fields import (
    DERIVED_FACTS,
    PAGE_SEPARATOR,
    RECORD_FIELDS,
    VERSIONED_COLUMNS,
    as_json,
    document_view,
    index_doc,
    json_default,
    new_row,
    record_from_row,
    sidecar,
    sidecar_differences,
    without_nul,
)
from archive.quarantine import Quarantined, batch_folder, copy_name, copy_untouched
from archive.records.akten import (
    RecordsError,
    akte_by_number,
    akte_of,
    file_document,
    filing_refusal,
    held_akte_ids,
)
from archive.records.rules import FilingPlan, recompute, rules_in_force
from archive.records_state import StateCheck, check, track
from archive.search import (
    Hit,
    IndexBusyError,
    IndexDoc,
    SearchFilters,
    SearchIndex,
    SearchUnavailableError,
)
from archive.search.tantivy import TantivyIndex

_ID_NAMESPACE = uuid.UUID("6f1c1f6e-4a58-4c1e-9a7d-0e5b8a7e2c11")
# Identifiers that make a document tax data (§ 30 AO) whatever its type.
TAX_IDENTIFIER_KINDS = frozenset({"steuernummer", "steuer_idnr"})
_TRAINING_CHUNK = 200  # documents whose pages are read at once for training_documents()


@dataclass(frozen=True)
class IndexHealth:
    documents: int  # in the search index
    segments: int  # a search walks; `compact_index` reduces them


class UnknownDocumentError(ArchiveError):
    """No document with this id is in the catalog."""

    def __init__(self, document_id: str) -> None:
        super().__init__(document_id)
        self.document_id = document_id

    def __str__(self) -> str:
        return f"no document {self.document_id} in the archive"


class ReviewError(ArchiveError):
    """A review the archive refuses: no reviewer, no document type, or a derived fact set."""


class OrphanBlob(NamedTuple):
    """A blob no document refers to."""

    sha256: str
    size: int  # bytes
    stored_at: float  # its mtime: when it was (last) stored, in seconds since the epoch


def _original_of(session: Session, sha256: str) -> tuple[str, str] | None:
    row = session.execute(
        select(DocumentVersion.document_id, DocumentVersion.batch_id).where(
            DocumentVersion.sha256_original == sha256
        )
    ).first()
    return (row[0], row[1]) if row else None


def document_id_for(sha256: str) -> str:
    """A document's id follows from its original's bytes, so re-ingesting cannot fork it."""
    return str(uuid.uuid5(_ID_NAMESPACE, sha256))


def now() -> datetime:
    return datetime.now(UTC)


class Archive:
    def __init__(
        self,
        data_dir: Path,
        *,
        index: SearchIndex | None = None,
        catalog_url: str | None = None,
        blob_dir: Path | None = None,
        filing: FilingPlan | None = None,
        serialised: bool = False,
    ) -> None:
        """`filing`: the file plan's units, patterns and rules that filing into Akten needs;
        without it a new Akte is unassigned (no unit, no retention) until one is assigned.
        `catalog_url`: a catalog database server (None: the SQLite file in `data_dir`);
        `blob_dir`: the blob store on a path of its own, e.g. storage several machines
        share (None: `data_dir/blobs`). `serialised`: every transaction waits for all other
        writers first, for records decisions whose checks must hold until they commit."""
        self.data_dir = data_dir
        self.filing = filing
        data_dir.mkdir(parents=True, exist_ok=True)
        self.blobs = BlobStore(blob_dir or data_dir / "blobs")
        self.sidecars = data_dir / "documents"
        self.quarantine_dir = data_dir / "quarantine"
        self.catalog_url = catalog_url_of(data_dir, catalog_url)
        self._serialised = serialised
        self._sessions = open_catalog(self.catalog_url)
        track(self._sessions)  # every audit event carries the records state it changed
        self.index: SearchIndex = index or TantivyIndex(data_dir / "index")
        self._lock = threading.RLock()
        # catalogued documents whose index entry waits for another process's index writer,
        # or for a search server that is away
        self.unindexed: set[str] = set()
        if getattr(self.index, "rebuilt", False):  # an older index format was replaced
            self.reindex_missing()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            if self._serialised:
                serialise_writers(session)
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A transaction that writes: it waits for every other writer, on any machine, before
        it reads what it decides on (as SQLite's single writer does), so no check it makes
        is overtaken by another writer's commit."""
        with self._sessions() as session, session.begin():
            serialise_writers(session)
            yield session

    def transaction(self) -> AbstractContextManager[Session]:
        """A catalog transaction, for the modules that keep their tables beside the archive's
        (one of a `serialised` archive waits for every other writer first)."""
        return self._session()

    def reading(self) -> AbstractContextManager[Connection]:
        """A catalog connection for one quick read on a hot path (every API request reads
        its token), without the cost of an ORM session."""
        return self._sessions.kw["bind"].connect()

    def close(self) -> None:
        self.index.close()

    # --- batches -------------------------------------------------------------------------

    def start_batch(self, batch_id: str, name: str) -> None:
        with self._lock, self._writing() as session:
            if session.get(Batch, batch_id) is None:
                session.add(Batch(id=batch_id, name=name, started_at=now()))
                self._audit(session, "batch_started", None, batch_id, {"name": name})

    def finish_batch(self, batch_id: str) -> None:
        with self._lock, self._writing() as session:
            batch = session.get(Batch, batch_id)
            if batch is not None:
                batch.finished_at = now()
            counts = self._counts(session, batch_id)
            self._audit(session, "batch_finished", None, batch_id, counts)

    def record_item(self, batch_id: str, item: BatchItemRecord) -> None:
        with self._lock, self._writing() as session:
            self._upsert_item(session, batch_id, item)

    def batch_items(self, batch_id: str) -> list[BatchItemRecord]:
        with self._session() as session:
            rows = session.scalars(
                select(BatchItem).where(BatchItem.batch_id == batch_id).order_by(BatchItem.source)
            )
            return [
                BatchItemRecord(
                    r.source, r.sha256, BatchItemStatus(r.status), r.document_id, r.reason
                )
                for r in rows
            ]

    # --- documents -----------------------------------------------------------------------

    def find(self, sha256: str) -> tuple[str, str] | None:
        """(document id, batch id) of an archived original with this hash, if any: any
        version of any document, so re-ingesting an older scan cannot fork a document."""
        with self._session() as session:
            return _original_of(session, sha256)

    def audit(
        self, event: str, document_id: str | None, batch_id: str | None, detail: dict[str, Any]
    ) -> None:
        with self._lock, self._writing() as session:
            self._audit(session, event, document_id, batch_id, detail)

    def store(self, record: DocumentRecord, original: Path, pdfa: Path) -> BatchItemStatus:
        """Archive one document exactly once; returns the batch status it earned.

        A record for a document that is archived already (a rescan the batch manifest names)
        becomes its next version: text, identifiers, classification and transfer note are the
        new version's, and the earlier versions' originals and PDF/A files are kept. NUL
        characters are dropped from its text first (`without_nul`): PostgreSQL stores none.
        """
        record = without_nul(record)
        sha_pdfa = sha256_file(pdfa)
        new_blobs = {s for s in (record.sha256_original, sha_pdfa) if not self.blobs.exists(s)}
        try:
            self.blobs.put(original, record.sha256_original)
            self.blobs.put(pdfa, sha_pdfa)
            return self._catalogue(record, sha_pdfa, new_blobs)
        except BaseException:
            self._drop_unreferenced(new_blobs)  # a full disk, a fault: no blob without its row
            raise

    def _catalogue(
        self, record: DocumentRecord, sha_pdfa: str, new_blobs: set[str]
    ) -> BatchItemStatus:
        """`store` once the blobs are in: the catalog row, sidecar, audit event and index."""
        with self._lock:
            with self._writing() as session:
                # asked once every other writer is done: two machines storing the same scan
                # at once archive it once, and the second hears that it is known
                existing = _original_of(session, record.sha256_original)
                if existing is None:
                    record = self._add_row(session, record, sha_pdfa)
            if existing is not None:
                self._drop_unreferenced(new_blobs)  # another writer archived it first
                return (
                    BatchItemStatus(record.status)
                    if existing[1] == record.batch_id
                    else BatchItemStatus.DUPLICATE
                )
            try:
                self.index.add(index_doc(record))
            except (IndexBusyError, SearchUnavailableError):
                # Catalogued: the index is derived from the catalog, and `reindex_missing`
                # adds the entry when the other writer is done, or the search server is
                # back (the batch's end, the next batch's start, `eakte index repair`).
                # Failing here would report an archived document as lost.
                self.unindexed.add(record.document_id)
        return BatchItemStatus(record.status)

    def _add_row(self, session: Session, record: DocumentRecord, sha_pdfa: str) -> DocumentRecord:
        """The document's catalog rows (a new document, or a rescan's next version), its filing,
        audit event, batch item and sidecar; returns the record as filed."""
        record, reason = _unless_closed_to_filing(session, record)
        facts = {**record.facts, "sha256_pdfa": sha_pdfa}
        fresh = new_row(record, sha_pdfa, facts, archived_at=now())
        doc = session.get(Document, record.document_id)
        if doc is None:
            doc = fresh
            doc.versions = [_version(1, record, sha_pdfa)]
            session.add(doc)
            event, detail = "archived", {}
        elif doc.status == DocumentStatus.DISPOSED:
            raise UnknownDocumentError(record.document_id)
        else:
            number = len(doc.versions) + 1
            detail = {
                "version": number,
                "previous": {
                    "sha256_original": doc.sha256_original,
                    "sha256_pdfa": doc.sha256_pdfa,
                },
            }
            for name in VERSIONED_COLUMNS:
                setattr(doc, name, getattr(fresh, name))
            doc.pages, doc.identifiers = fresh.pages, fresh.identifiers
            doc.reviewed_by = doc.reviewed_at = None  # classified anew
            doc.versions.append(_version(number, record, sha_pdfa))
            event = "version_added"
            reason = reason or f"version {number} of {record.document_id}"
        session.flush()
        if "not_filed" in record.facts:
            detail["not_filed"] = record.facts["not_filed"]
        elif doc.vorgang_id is None:
            # new, or a rescan shows the Aktenzeichen at last
            file_document(
                session,
                doc,
                self.filing,
                organisation_unit=(record.facts.get("transfer_note") or {}).get(
                    "organisation_unit"
                ),
            )
        self._note_archived(session, event, record, sha_pdfa, facts, reason, **detail)
        # as the catalog has it: a new version keeps what is not versioned (its batch)
        kept = {f.name: getattr(doc, f.column) for f in RECORD_FIELDS if not f.versioned}
        self._write_sidecar(replace(record, **kept), sha_pdfa, facts, archived_at=doc.archived_at)
        return record

    def _drop_unreferenced(self, blobs: set[str]) -> None:
        """Delete blobs this process just wrote that no document version refers to."""
        if not blobs:
            return
        with self._lock, self._session() as session:
            for sha in blobs - _referenced_blobs(session, blobs):
                self.blobs.delete(sha)

    def _note_archived(
        self,
        session: Session,
        event: str,
        record: DocumentRecord,
        sha_pdfa: str,
        facts: dict[str, Any],
        reason: str | None,
        **detail: Any,
    ) -> None:
        """The audit event of an archived document (or version) and its batch item."""
        self._audit(
            session,
            event,
            record.document_id,
            record.batch_id,
            {
                **detail,
                "sha256_original": record.sha256_original,
                "sha256_pdfa": sha_pdfa,
                "status": record.status,
                "transfer_note_sha256": transfer_note_hash(facts),
            },
        )
        item = BatchItemRecord(
            record.source_name,
            record.sha256_original,
            BatchItemStatus(record.status),
            record.document_id,
            reason,
        )
        self._upsert_item(session, record.batch_id, item)

    def quarantine(
        self,
        batch_id: str,
        source: Path,
        sha256: str | None,
        reason: str,
        *,
        keep_copy: bool = True,
    ) -> Quarantined:
        """Copy the input's bytes untouched beside a note of the reason; never moves the original.

        `keep_copy=False`: the note alone (an input too large to copy, or not a regular file).
        A copy that cannot be made (the input vanished, cannot be read…) does not lose the
        input's record: note, audit event and batch item say why there is none. Any fault
        after something was written here (a full disk while writing the note or the catalog)
        removes what this call wrote and is raised: no copy stays without its record.
        """
        folder = batch_folder(self.quarantine_dir, batch_id)
        prefix = sha256 or hashlib.sha256(os.fsencode(str(source))).hexdigest()
        target = folder / copy_name(prefix[:12], source.name)
        written: list[Path] = []
        copy: Path | None = None
        try:
            if keep_copy and sha256 is not None and target.is_file():
                copy = target  # an earlier run's copy of the same bytes
            elif keep_copy:
                try:
                    copy_untouched(source, target)
                except OSError as exc:
                    if exc.errno in DISK_FULL_ERRNOS:
                        raise
                    reason = f"{reason}; no copy kept: {exc.strerror or exc}"
                else:
                    copy = target
                    written.append(target)
            note = target.with_name(target.name + ".reason.txt")
            atomic_write_bytes(
                note,
                f"source: {source}\nsha256: {sha256}\nreason: {reason}\ncopy: {copy}\n"
                f"at: {now().isoformat()}\n".encode("utf-8", "backslashreplace"),
            )
            written.append(note)
            with self._lock, self._writing() as session:
                self._audit(
                    session,
                    BatchItemStatus.QUARANTINED,
                    None,
                    batch_id,
                    {"source": str(source), "sha256": sha256, "reason": reason,
                     "copy": str(copy) if copy else None},
                )  # fmt: skip
                self._upsert_item(
                    session,
                    batch_id,
                    BatchItemRecord(str(source), sha256, BatchItemStatus.QUARANTINED, None, reason),
                )
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return Quarantined(copy, reason)

    def get(self, document_id: str) -> DocumentView | None:
        """Every stored fact about one document."""
        with self._session() as session:
            doc = session.get(Document, document_id)
            if doc is None:
                return None
            events = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.document_id == document_id)
                .order_by(AuditEvent.id)
            )
            return document_view(
                doc,
                events,
                original_path=self.blobs.path(doc.sha256_original),
                pdfa_path=self.blobs.path(doc.sha256_pdfa),
                metadata_path=self._sidecar_path(doc.id),
            )

    # --- search --------------------------------------------------------------------------

    def search(
        self,
        query: str,
        filters: SearchFilters,
        limit: int = 10,
        *,
        offset: int = 0,
        sort: str = "relevance",
        after: int | None = None,
    ) -> list[Hit]:
        """Hits within `filters.visible` (the caller's permission); see SearchIndex.search."""
        return self.index.search(query, filters, limit, offset=offset, sort=sort, after=after)

    def facets(self, query: str, filters: SearchFilters) -> dict[str, dict[str, int]]:
        """Matches per document type, unit, status and year, within `filters.visible`."""
        return self.index.facets(query, filters)

    def index_health(self) -> IndexHealth:
        """How many documents the search index holds and how many segments a search walks;
        checks on the way that the catalog answers (raises when either is unavailable)."""
        health = IndexHealth(self.index.count(), self.index.segments())
        with self._session() as session:
            session.execute(select(1))
        return health

    def compact_index(self, progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """Merge the search index into as few segments as it allows; (before, after).
        IndexBusyError while another process writes it."""
        return self.index.compact(progress)

    # --- review --------------------------------------------------------------------------

    def review_queue(self) -> list[ReviewItem]:
        """Documents waiting for a person to confirm their type, oldest first.

        Read from the catalog, not the index, so the queue is complete even if the index lags;
        oldest first, so that nothing waits forever behind newer batches.
        """
        with self._session() as session:
            rows = session.scalars(
                select(Document)
                .where(Document.status == DocumentStatus.NEEDS_REVIEW)
                .order_by(Document.archived_at, Document.id)
            )
            return [
                ReviewItem(
                    document_id=doc.id,
                    source_name=doc.source_name,
                    doc_type=doc.doc_type,
                    doc_label=doc.doc_label,
                    confidence=doc.confidence,
                    title=doc.title,
                    archived_at=doc.archived_at,
                    batch_id=doc.batch_id,
                )
                for doc in rows
            ]

    def file_into(self, document_id: str, aktenzeichen: str, *, by: Actor) -> str:
        """File a document into the Akte `aktenzeichen` (made if new) by hand: one without an
        Aktenzeichen, or one filed wrongly. Returns the Akte it left, if any.

        Refused for a document whose current Akte is on legal hold or in the hand-over, and
        into an Akte that was offered, handed over or disposed of.
        """
        left: dict[str, str | None] = {}

        def change(session: Session, doc: Document) -> dict[str, Any]:
            check_actor(session, by)
            source = akte_of(session, doc)
            target = akte_by_number(session, aktenzeichen)
            for akte in (source, target):
                if akte is not None and (refusal := filing_refusal(akte)):
                    raise RecordsError(f"{refusal}; documents cannot be filed into or out of it")
            if source is not None and source.id in held_akte_ids(session):
                raise RecordsError(f"its Akte {source.aktenzeichen} is on legal hold")
            if source is not None and source.aktenzeichen == aktenzeichen:
                raise RecordsError(f"{document_id} is filed in {aktenzeichen} already")
            doc.aktenzeichen, doc.vorgang_id = aktenzeichen, None
            doc.facts = {**doc.facts, "aktenzeichen": [aktenzeichen],
                         "aktenzeichen_source": f"filed by {by.name}"}  # fmt: skip
            session.flush()
            file_document(session, doc, self.filing)
            if source is not None:
                recompute(session, source, rules_in_force(session, self.filing).get(
                    source.aktenplan_unit))  # fmt: skip
            left["from"] = source.aktenzeichen if source else None
            return {**by.audit(), "from": left["from"], "to": aktenzeichen}

        self._amend(document_id, "document_filed", change)
        return left.get("from") or ""

    def _amend(
        self,
        document_id: str,
        event: str,
        change: Callable[[Session, Document], dict[str, Any]],
    ) -> dict[str, Any]:
        """Change one document's catalog row, index entry and sidecar together; audited.

        The index is written just before the catalog commits: when another process holds
        the index (IndexBusyError, e.g. during an ingest) nothing changes and the step can
        simply be repeated. Unknown and disposed ids raise UnknownDocumentError.
        """
        with self._lock:
            replaced: IndexDoc | None = None  # the old index entry, until the catalog commits
            try:
                with self._writing() as session:
                    doc = session.get(Document, document_id)
                    if doc is None or doc.status == DocumentStatus.DISPOSED:
                        raise UnknownDocumentError(document_id)
                    old_entry = index_doc(record_from_row(doc))
                    detail = change(session, doc)
                    self._audit(session, event, document_id, None, detail)
                    record = record_from_row(doc)
                    sha_pdfa, archived_at = doc.sha256_pdfa, doc.archived_at
                    reviewed = doc.reviewed_by, doc.reviewed_at
                    self.index.add(index_doc(record))
                    replaced = old_entry
            except Exception:
                if replaced is not None:  # the catalog did not commit: put the old entry back
                    with suppress(Exception):
                        self.index.add(replaced)
                raise
            self._write_sidecar(
                record,
                sha_pdfa,
                {**record.facts, "sha256_pdfa": sha_pdfa},
                archived_at=archived_at,
                reviewed_by=reviewed[0],
                reviewed_at=reviewed[1],
            )
        return detail

    def review(
        self,
        document_id: str,
        *,
        by: str,
        doc_type: str,
        doc_label: str,
        unit: str,
        tax_secret: bool,
        facts_update: dict[str, Any] | None = None,
    ) -> ReviewOutcome:
        """Record a person's decision on a document's type: accept it, or relabel it.

        One method for both, because both are the same fact for the records (a named person
        vouched for this type at this time) and for training (the document becomes a confirmed
        example). Any document may be reviewed, not only those in the queue: corrections also
        come later, and accepting an archived document confirms it.

        Tax secrecy is not lifted by a relabel while the document carries a Steuernummer or
        Steuer-IdNr: such a document is tax data whatever its type (§ 30 AO).

        The index entry and the metadata sidecar are replaced at once, so that search and
        `verify` agree with the decision immediately. The index is written just before the
        catalog commits: when another process holds the index (IndexBusyError, e.g. during an
        ingest) nothing changes and the review can simply be repeated. Unknown ids raise
        UnknownDocumentError.
        """
        if not by.strip() or len(by) > 120:
            raise ReviewError("a review needs the name of the reviewer (at most 120 characters)")
        if not doc_type.strip():
            raise ReviewError("a review needs a document type")
        derived = DERIVED_FACTS & set(facts_update or {})
        if derived:
            raise ReviewError(f"facts derived by the archive cannot be set: {sorted(derived)}")
        at = now()
        detail = self._amend(
            document_id,
            "reviewed",
            lambda _session, doc: _apply_review(
                doc, by, at, doc_type, doc_label, unit, tax_secret, facts_update
            ),
        )
        return ReviewOutcome(
            document_id=document_id,
            decision=ReviewDecision(detail["decision"]),
            from_type=detail["from_type"],
            to_type=doc_type,
            from_status=DocumentStatus(detail["from_status"]),
            status=DocumentStatus.ARCHIVED,
            by=by,
            at=at,
        )

    def training_documents(
        self, min_rule_confidence: float = 0.0
    ) -> Iterator[tuple[str, str, str]]:
        """(document id, full text, doc_type) of every document whose type is confirmed.

        Confirmed means a person reviewed it (label_source "reviewer"), or a file-plan rule
        filed it with at least `min_rule_confidence` (label_source "rule", status "archived").
        Documents the trained model filed and nobody reviewed are left out, and so is all
        that still waits for review: a model taught its own guesses only grows surer of its
        mistakes. The text is the pages in order, joined as the classifier saw them at
        ingest; documents without text are skipped. Pages are read a chunk at a time, so a
        large archive is not held in memory.
        """
        confirmed = or_(
            Document.label_source == LabelSource.REVIEWER,
            and_(
                Document.label_source == LabelSource.RULE,
                Document.status == DocumentStatus.ARCHIVED,
                Document.confidence >= min_rule_confidence,
            ),
        )
        with self._session() as session:
            chosen = session.execute(
                select(Document.id, Document.doc_type)
                .where(confirmed)
                .order_by(Document.archived_at, Document.id)
            ).all()
        for start in range(0, len(chosen), _TRAINING_CHUNK):
            chunk = chosen[start : start + _TRAINING_CHUNK]
            with self._session() as session:
                rows = session.execute(
                    select(Page.document_id, Page.text)
                    .where(Page.document_id.in_([doc_id for doc_id, _ in chunk]))
                    .order_by(Page.document_id, Page.number)
                )
                texts = {
                    doc_id: PAGE_SEPARATOR.join(text for _, text in pages)
                    for doc_id, pages in groupby(rows, key=itemgetter(0))
                }
            for doc_id, doc_type in chunk:
                text = texts.get(doc_id, "")
                if text.strip():
                    yield doc_id, text, doc_type

    # --- consistency ---------------------------------------------------------------------

    def reindex_missing(self) -> int:
        """Index catalog documents the index lacks (after a crash between commit and index).

        The index is written only after the catalog commit, so a crash can only leave it
        short: when it holds as many documents as the catalog has live ones, nothing is
        missing, and the ids of every indexed document need not be read at each batch start.
        A disposed document (a tombstone) is never put back; one a crash left in the index
        after its disposal committed is taken out.
        """
        live = Document.status != DocumentStatus.DISPOSED
        with self._session() as session:
            catalogued = session.scalar(select(func.count()).select_from(Document).where(live))
            if self.index.count() == (catalogued or 0):
                self.unindexed.clear()
                return 0
        indexed = self.index.document_ids()
        with self._session() as session:
            missing = session.scalars(
                select(Document).where(live, Document.id.not_in(indexed))
            ).all()
            records = [record_from_row(doc) for doc in missing]
            destroyed = session.scalars(
                select(Document.id).where(~live, Document.id.in_(indexed))
            ).all()
        for document_id in destroyed:
            self.index.delete(document_id)
        added = self.index.add_many(index_doc(record) for record in records)
        self.unindexed.clear()
        return added

    def verify(self) -> list[str]:
        """One line per disagreement between catalog, blobs, sidecars and index."""
        problems: list[str] = []
        referenced: set[str] = set()
        indexed = self.index.document_ids()
        with self._session() as session:
            documents = session.scalars(
                select(Document).options(selectinload(Document.versions))
            ).all()
            notes = {  # the newest version's note: later events overwrite earlier ones
                e.document_id: e.detail.get("transfer_note_sha256")
                for e in session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.event.in_(("archived", "version_added")))
                    .order_by(AuditEvent.id)
                )
            }
            for doc in documents:
                if doc.status == DocumentStatus.DISPOSED:  # destroyed by a disposal: no content
                    continue
                blobs = [("original", doc.sha256_original), ("PDF/A", doc.sha256_pdfa)]
                for v in doc.versions[:-1]:  # the newest version's files are the document's
                    blobs += [
                        (f"version {v.number} original", v.sha256_original),
                        (f"version {v.number} PDF/A", v.sha256_pdfa),
                    ]
                for role, sha in blobs:
                    referenced.add(sha)
                    if not self.blobs.exists(sha):
                        problems.append(f"{doc.id}: {role} blob {sha} is missing")
                    elif not self.blobs.verify(sha):
                        problems.append(f"{doc.id}: {role} blob {sha} does not match its hash")
                sidecar = self._sidecar_path(doc.id)
                if not sidecar.is_file():
                    problems.append(f"{doc.id}: metadata sidecar {sidecar} is missing")
                else:
                    problems += _sidecar_problems(sidecar, doc)
                    session.expire(doc, ["pages", "identifiers"])  # their text is not kept
                if doc.id not in indexed:
                    problems.append(f"{doc.id}: archived but not in the search index")
                if notes.get(doc.id) != transfer_note_hash(doc.facts or {}):
                    problems.append(
                        f"{doc.id}: transfer note differs from the one recorded when archived"
                    )
            known = {doc.id for doc in documents if doc.status != DocumentStatus.DISPOSED}
        problems += [
            f"{doc_id}: in the search index but not in the catalog"
            for doc_id in sorted(indexed - known)
        ]
        problems += [
            f"blob {sha}: stored but no document refers to it"
            for sha in self.blobs
            if sha not in referenced
        ]
        broken = self.verify_audit()
        if broken is not None:
            problems.append(f"audit trail: {broken.reason}")
        problems += [f"records state: {d}" for d in self.check_records_state().differences]
        return problems

    def orphan_blobs(self) -> list[OrphanBlob]:
        """The blobs no document (nor any version of one) refers to: size, time of storing.

        A crash between storing a document's files and cataloguing it leaves them; rerunning
        the batch archives the document, but with a PDF/A made anew, in other bytes. Only a
        caller that keeps ingests out may remove them (`remove_blobs`): a running batch's
        next document has its blobs stored before it is catalogued. On a blob store several
        machines share, that is another machine's batch, too, which no lock here keeps out:
        hence the time of storing (the blob's mtime), for a grace period (pipelines.repair).
        """
        with self._session() as session:
            kept = _referenced_blobs(session)
        found = []
        for sha in self.blobs:
            if sha not in kept:
                with suppress(FileNotFoundError):  # removed meanwhile (a rollback elsewhere)
                    info = self.blobs.path(sha).stat()
                    found.append(OrphanBlob(sha, info.st_size, info.st_mtime))
        return found

    def remove_blobs(self, hashes: list[str]) -> None:
        """Remove blobs `orphan_blobs` named; the caller audits what it removed."""
        for sha in hashes:
            self.blobs.delete(sha)

    def delete_content(self, document_ids: list[str], hashes: list[str]) -> None:
        """Delete disposed documents' blobs, sidecars and index entries (after the commit)."""
        with self._session() as session:
            kept = _referenced_blobs(session, set(hashes))
        for sha in hashes:
            if sha not in kept:
                self.blobs.delete(sha)
        for document_id in document_ids:
            self._sidecar_path(document_id).unlink(missing_ok=True)
            self.index.delete(document_id)

    def verify_audit(self) -> Break | None:
        """The first broken link of the audit trail's hash chain, or None."""
        with self._session() as session:
            return verify_audit(session)

    def check_records_state(self) -> StateCheck:
        """The catalog's records state against the one the audit trail rebuilds: a table
        edited alone shows. An archive from before events carried state gets a baseline
        first, if its chain is intact (`archive.records_state.check`)."""
        intact = self.verify_audit() is None
        with self._lock, self._session() as session:
            return check(session, may_baseline=intact)

    def counts(self, batch_id: str) -> dict[str, int]:
        with self._session() as session:
            return self._counts(session, batch_id)

    # --- internals -----------------------------------------------------------------------

    def _sidecar_path(self, document_id: str) -> Path:
        return self.sidecars / document_id[:2] / f"{document_id}.json"

    def _write_sidecar(
        self,
        record: DocumentRecord,
        sha_pdfa: str,
        facts: dict[str, Any],
        *,
        archived_at: datetime | None = None,
        reviewed_by: str | None = None,
        reviewed_at: datetime | None = None,
    ) -> None:
        data = sidecar(
            record,
            sha_pdfa,
            facts,
            archived_at=archived_at or now(),
            reviewed_by=reviewed_by,
            reviewed_at=reviewed_at,
        )
        text = json.dumps(data, ensure_ascii=False, indent=2, default=json_default)
        atomic_write_bytes(self._sidecar_path(record.document_id), text.encode("utf-8"))

    @staticmethod
    def _audit(
        session: Session,
        event: str,
        document_id: str | None,
        batch_id: str | None,
        detail: dict[str, Any],
    ) -> None:
        append_event(session, event, document_id, batch_id, as_json(detail))

    @staticmethod
    def _upsert_item(session: Session, batch_id: str, item: BatchItemRecord) -> None:
        row = session.scalars(
            select(BatchItem).where(BatchItem.batch_id == batch_id, BatchItem.source == item.source)
        ).first()
        if row is None:
            row = BatchItem(batch_id=batch_id, source=item.source)
            session.add(row)
        row.sha256, row.status, row.document_id, row.reason, row.at = (
            item.sha256,
            item.status,
            item.document_id,
            item.reason,
            now(),
        )

    @staticmethod
    def _counts(session: Session, batch_id: str) -> dict[str, int]:
        counts = {status.value: 0 for status in BatchItemStatus}
        for status in session.scalars(
            select(BatchItem.status).where(BatchItem.batch_id == batch_id)
        ):
            counts[status] = counts.get(status, 0) + 1
        return counts


def _sidecar_problems(path: Path, doc: Document) -> list[str]:
    """How the metadata sidecar disagrees with the catalog row on what integrity covers."""
    try:
        data = json.loads(path.read_text("utf-8"))
        differ = sidecar_differences(data, doc)
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
        return [f"{doc.id}: metadata sidecar {path} cannot be read ({exc})"]
    if not differ:
        return []
    return [f"{doc.id}: metadata sidecar disagrees with the catalog ({', '.join(differ)})"]


def _referenced_blobs(session: Session, among: set[str] | None = None) -> set[str]:
    """The blobs (of `among`; None: of all) that a version of a document not destroyed by a
    disposal refers to: the blobs that must stay."""
    query = (
        select(DocumentVersion.sha256_original, DocumentVersion.sha256_pdfa)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.status != DocumentStatus.DISPOSED)
    )
    if among is not None:
        query = query.where(
            or_(DocumentVersion.sha256_original.in_(among), DocumentVersion.sha256_pdfa.in_(among))
        )
    found = {sha for row in session.execute(query) for sha in row}
    return found if among is None else found & among


def _version(number: int, record: DocumentRecord, sha_pdfa: str) -> DocumentVersion:
    return DocumentVersion(
        number=number,
        sha256_original=record.sha256_original,
        sha256_pdfa=sha_pdfa,
        source_name=record.source_name,
        batch_id=record.batch_id,
        created_at=now(),
    )


def _apply_review(
    doc: Document,
    by: str,
    at: datetime,
    doc_type: str,
    doc_label: str,
    unit: str,
    tax_secret: bool,
    facts_update: dict[str, Any] | None,
) -> dict[str, Any]:
    """Set a reviewer's decision on the catalog row; returns the audit detail."""
    detail = {
        "by": by,
        "from_type": doc.doc_type,
        "to_type": doc_type,
        "from_confidence": doc.confidence,
        "decision": ReviewDecision.ACCEPTED
        if doc_type == doc.doc_type
        else ReviewDecision.RELABELLED,
        "from_status": doc.status,
        "from_label_source": doc.label_source,
    }
    if doc.title == doc.doc_label:  # no title was found, so the type's name stood in for it
        doc.title = doc_label
    doc.doc_type, doc.doc_label, doc.aktenplan_unit = doc_type, doc_label, unit
    doc.tax_secret = tax_secret or any(i.kind in TAX_IDENTIFIER_KINDS for i in doc.identifiers)
    doc.status = DocumentStatus.ARCHIVED
    doc.label_source, doc.reviewed_by, doc.reviewed_at = LabelSource.REVIEWER, by, at
    if facts_update:  # a new dict, so that the JSON column is seen as changed
        doc.facts = {**doc.facts, **as_json(facts_update)}
    return detail


def _unless_closed_to_filing(
    session: Session, record: DocumentRecord
) -> tuple[DocumentRecord, str | None]:
    """The record as it may be archived, and why it differs: a document whose Aktenzeichen
    names an Akte that was destroyed, offered or handed over is not filed there (it would
    never be offered or destroyed with it) but kept unfiled for a person to decide."""
    known = session.get(Document, record.document_id)
    if not record.aktenzeichen or (known is not None and known.vorgang_id is not None):
        return record, None  # nothing to file, or a new version of a filed document
    akte = akte_by_number(session, record.aktenzeichen[0])
    refusal = filing_refusal(akte) if akte is not None else None
    if refusal is None:
        return record, None
    reason = f"not filed: {refusal}; a person decides where it belongs"
    facts = {**record.facts, "not_filed": reason}
    return replace(record, status=DocumentStatus.NEEDS_REVIEW, facts=facts), reason


def transfer_note_hash(facts: dict[str, Any]) -> str | None:
    """SHA-256 of the transfer note as archived; the audit chain keeps it, so a note altered
    in catalog and sidecar alike still shows."""
    note = facts.get("transfer_note")
    if note is None:
        return None
    canonical = json.dumps(note, sort_keys=True, ensure_ascii=False, default=json_default)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


__all__ = ["Archive", "ReviewError", "UnknownDocumentError", "document_id_for", "sha256_file"]
