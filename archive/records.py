"""Plain data the archive takes in and gives out; callers need not know the catalog tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class PageRecord:
    number: int
    text: str
    confidence: float | None
    source: str


@dataclass(frozen=True)
class IdentifierRecord:
    kind: str
    value: str
    raw: str


@dataclass(frozen=True)
class DocumentRecord:
    """Everything the pipeline learnt about one document, ready to be archived."""

    document_id: str
    sha256_original: str
    source_name: str
    source_kind: str
    batch_id: str
    status: str  # archived | needs_review
    doc_type: str
    doc_label: str
    aktenplan_unit: str
    tax_secret: bool
    confidence: float
    title: str
    aktenzeichen: tuple[str, ...]
    identifiers: tuple[IdentifierRecord, ...]
    document_date: date | None
    pages: tuple[PageRecord, ...]
    ocr_applied: bool
    ocr_confidence: float | None
    file_plan_version: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchItemRecord:
    source: str
    sha256: str | None
    status: str  # archived | needs_review | duplicate | quarantined
    document_id: str | None
    reason: str | None
