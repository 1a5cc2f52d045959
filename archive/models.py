"""Catalog tables (SQLAlchemy). Schema changes go through an Alembic migration."""

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
    name: Mapped[str] = mapped_column(String(200))
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
    doc_type: Mapped[str] = mapped_column(String(80), index=True)
    doc_label: Mapped[str] = mapped_column(String(200))
    aktenplan_unit: Mapped[str] = mapped_column(String(40), index=True)
    tax_secret: Mapped[bool] = mapped_column(default=False)
    confidence: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(Text)
    aktenzeichen: Mapped[str | None] = mapped_column(String(80), index=True)
    document_date: Mapped[date | None] = mapped_column(Date)
    page_count: Mapped[int] = mapped_column(Integer)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    ocr_applied: Mapped[bool] = mapped_column(default=True)
    file_plan_version: Mapped[str] = mapped_column(String(40))
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # dates, evidence, software
    archived_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Who decided the type: "rule" (a file-plan rule), "model" (the trained classifier) or
    # "reviewer" (a person confirmed or corrected it). Only rule and reviewer decisions are
    # training data, so that the model never learns from its own guesses.
    label_source: Mapped[str] = mapped_column(String(12), default="rule", server_default="rule")
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    pages: Mapped[list[Page]] = relationship(order_by="Page.number", cascade="all, delete-orphan")
    identifiers: Mapped[list[Identifier]] = relationship(cascade="all, delete-orphan")


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
    value: Mapped[str] = mapped_column(String(120), index=True)
    raw: Mapped[str] = mapped_column(String(200))


class AuditEvent(Base):
    """Append-only: the archive inserts events and never updates or deletes them."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[str | None] = mapped_column(String(36), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


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
