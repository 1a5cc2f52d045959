"""Catalog tables (SQLAlchemy). Schema changes go through an Alembic migration.

Text that comes from outside (the file plan, batch manifests, people, the archive's 0506) is
`String()` without a length: PostgreSQL enforces a VARCHAR's length (SQLite never did), and
such text has no length eakte could promise (migration 0008).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String())
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BatchItem(Base):
    """One input of a batch and what became of it: the batch report is read from here."""

    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    document_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256_original: Mapped[str] = mapped_column(String(64), unique=True)
    sha256_pdfa: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(Text)
    source_kind: Mapped[str] = mapped_column(String(10))
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    doc_type: Mapped[str] = mapped_column(String(), index=True)
    doc_label: Mapped[str] = mapped_column(String())
    aktenplan_unit: Mapped[str] = mapped_column(String(), index=True)
    tax_secret: Mapped[bool] = mapped_column(default=False)
    confidence: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(Text)
    aktenzeichen: Mapped[str | None] = mapped_column(String(), index=True)
    document_date: Mapped[date | None] = mapped_column(Date)
    page_count: Mapped[int] = mapped_column(Integer)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    ocr_applied: Mapped[bool] = mapped_column(default=True)
    file_plan_version: Mapped[str] = mapped_column(String())
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # dates, evidence, software
    archived_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Who decided the type: "rule" (a file-plan rule), "model" (the trained classifier) or
    # "reviewer" (a person confirmed or corrected it). Only rule and reviewer decisions are
    # training data, so that the model never learns from its own guesses.
    label_source: Mapped[str] = mapped_column(String(12), default="rule", server_default="rule")
    reviewed_by: Mapped[str | None] = mapped_column(String())
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    vorgang_id: Mapped[str | None] = mapped_column(ForeignKey("vorgaenge.id"), index=True)

    pages: Mapped[list[Page]] = relationship(order_by="Page.number", cascade="all, delete-orphan")
    versions: Mapped[list[DocumentVersion]] = relationship(
        order_by="DocumentVersion.number", cascade="all, delete-orphan"
    )
    identifiers: Mapped[list[Identifier]] = relationship(cascade="all, delete-orphan")


class DocumentVersion(Base):
    """One version of a document: its scan and PDF/A. A rescan (a page was unreadable) is a
    new version of the same document; the older versions' files are kept."""

    __tablename__ = "document_versions"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256_original: Mapped[str] = mapped_column(String(64), unique=True)
    sha256_pdfa: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(Text)
    batch_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Page(Base):
    __tablename__ = "pages"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)


class Identifier(Base):
    __tablename__ = "identifiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(), index=True)
    raw: Mapped[str] = mapped_column(String())


class AuditEvent(Base):
    """Append-only and hash-chained: each event carries the hash of the one before it
    (`archive.audit.chain`), so an altered, removed, inserted or reordered event shows."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[str | None] = mapped_column(String(36), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest event's id and hash, in one row every audit write updates first: the update
    serialises writers (two processes never chain onto the same event) and removing events
    from the end of the trail shows against it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class Akte(Base):
    """A file (Akte) under its Aktenzeichen, with the state of its retention and hand-over.

    The id is a UUID that stays the same in every xdomea message about the file.
    """

    __tablename__ = "akten"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    aktenzeichen: Mapped[str] = mapped_column(String(), unique=True)
    title: Mapped[str] = mapped_column(Text)
    aktenplan_unit: Mapped[str] = mapped_column(String(), index=True)
    organisation_unit: Mapped[str | None] = mapped_column(String())
    opened: Mapped[date] = mapped_column(Date)
    closed: Mapped[date | None] = mapped_column(Date)  # zdA
    retention_end: Mapped[date | None] = mapped_column(Date)  # None: permanent or not yet known
    offer_id: Mapped[str | None] = mapped_column(String(36))  # xdomea process id of the offer
    offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    appraisal: Mapped[str | None] = mapped_column(String(1))  # A (archive) | V (destroy)
    appraised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    transferred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    transfer_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archive_id: Mapped[str | None] = mapped_column(String())  # Archivkennung from the 0506
    disposed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Vorgang(Base):
    """A transaction inside an Akte; scanned documents join the Vorgang of their batch."""

    __tablename__ = "vorgaenge"
    __table_args__ = (UniqueConstraint("akte_id", "batch_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    akte_id: Mapped[str] = mapped_column(ForeignKey("akten.id"), index=True)
    batch_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)


class AkteEvent(Base):
    """A named event of a file that a retention period may run from (e.g. demolition)."""

    __tablename__ = "akte_events"
    __table_args__ = (UniqueConstraint("akte_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    akte_id: Mapped[str] = mapped_column(ForeignKey("akten.id"), index=True)
    name: Mapped[str] = mapped_column(String())
    date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Hold(Base):
    """A legal hold: blocks disposal and hand-over of its files until released."""

    __tablename__ = "holds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    selector: Mapped[str] = mapped_column(Text)  # "akte:<AZ>" or "query:<words>"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String())
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[str | None] = mapped_column(String())
    akten: Mapped[list[HoldAkte]] = relationship(cascade="all, delete-orphan")


class HoldAkte(Base):
    __tablename__ = "hold_akten"

    hold_id: Mapped[str] = mapped_column(ForeignKey("holds.id"), primary_key=True)
    akte_id: Mapped[str] = mapped_column(ForeignKey("akten.id"), primary_key=True)


class RetentionRuleRow(Base):
    """The retention rule of an Aktenplan unit as last applied: a changed file plan shows
    against it, and the files of a changed unit are recomputed (and the change audited)."""

    __tablename__ = "retention_rules"

    unit: Mapped[str] = mapped_column(String(), primary_key=True)
    years: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(20))
    event: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    plan_version: Mapped[str] = mapped_column(String())
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Disposal(Base):
    """A proposed, then approved destruction of a file; the record is kept for ever."""

    __tablename__ = "disposals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    akte_id: Mapped[str] = mapped_column(ForeignKey("akten.id"), index=True)
    aktenzeichen: Mapped[str] = mapped_column(String())
    grounds: Mapped[str] = mapped_column(Text)  # appraised V, or transferred and confirmed
    legal_basis: Mapped[str] = mapped_column(Text)
    retention_end: Mapped[date | None] = mapped_column(Date)
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    proposed_by: Mapped[str] = mapped_column(String())
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String())
    documents: Mapped[list] = mapped_column(JSON, default=list)  # what was destroyed


class ApiToken(Base):
    """A credential of the query API. Only the SHA-256 of the secret is kept, never the secret."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)  # units, "all", "tax"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A browser signed in to the clerk's pages. Its cookie holds a random id; only the id's
    SHA-256 is kept, with the token it was opened with (revoking the token ends it)."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[str] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccessLogEntry(Base):
    """Append-only: who (which token) searched, viewed or fetched what, and when."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    token_id: Mapped[str] = mapped_column(String(36), index=True)
    token_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))  # search, view, download, preview, file
    document_id: Mapped[str | None] = mapped_column(String(36), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
