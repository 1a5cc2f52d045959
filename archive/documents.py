"""Plain data the archive takes in and gives out; callers need not know the catalog tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

LABEL_SOURCES = ("rule", "model", "reviewer")


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
    label_source: str = "rule"  # rule | model | reviewer: who decided doc_type

    def __post_init__(self) -> None:
        # A misspelt source would silently drop a document from (or smuggle it into) training.
        if self.label_source not in LABEL_SOURCES:
            raise ValueError(
                f"label_source {self.label_source!r} is not one of {', '.join(LABEL_SOURCES)}"
            )


@dataclass(frozen=True)
class ReviewItem:
    """One document waiting for a person to confirm or correct its type."""

    document_id: str
    source_name: str
    doc_type: str
    doc_label: str
    confidence: float
    title: str
    archived_at: datetime
    batch_id: str


@dataclass(frozen=True)
class ReviewOutcome:
    """What a review changed, for the reviewer's confirmation line."""

    document_id: str
    decision: str  # accepted | relabelled
    from_type: str
    to_type: str
    from_status: str
    status: str
    by: str
    at: datetime


@dataclass(frozen=True)
class BatchItemRecord:
    source: str
    sha256: str | None
    status: str  # archived | needs_review | duplicate | quarantined
    document_id: str | None
    reason: str | None
