"""Plain data the archive takes in and gives out; callers need not know the catalog tables.

The write side: `DocumentRecord` (with its `PageRecord`s and `IdentifierRecord`s) and
`BatchItemRecord`, what the pipeline hands the archive. The read side: `DocumentView` (every
stored fact about one document, as `Archive.get` returns it), `ReviewItem`, `ReviewOutcome`.
Closed sets of values are `StrEnum`s, so they compare equal to, and serialise as, the strings
the catalog, sidecars and JSON output have always held. `to_json()` gives the JSON shape a view
has at the boundaries (command line, HTTP API).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any


class DocumentStatus(enum.StrEnum):
    """Where an archived document stands."""

    ARCHIVED = "archived"
    NEEDS_REVIEW = "needs_review"  # the classifier was not sure: a person confirms the type
    DISPOSED = "disposed"  # destroyed by an approved disposal: only a tombstone is left


class BatchItemStatus(enum.StrEnum):
    """What became of one input of a batch."""

    ARCHIVED = "archived"
    NEEDS_REVIEW = "needs_review"
    DUPLICATE = "duplicate"  # archived already, by another batch
    QUARANTINED = "quarantined"  # not archived; the reason is kept beside a copy


class LabelSource(enum.StrEnum):
    """Who decided a document's type; only rule and reviewer decisions are training data."""

    RULE = "rule"
    MODEL = "model"
    REVIEWER = "reviewer"


class ReviewDecision(enum.StrEnum):
    ACCEPTED = "accepted"
    RELABELLED = "relabelled"


LABEL_SOURCES = tuple(s.value for s in LabelSource)


def plain(value: Any) -> Any:
    """A view's value as JSON has it: dates as ISO text, paths as text, enums as their
    value, tuples as lists, nested views as objects; everything else as it is."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    return value


class JsonView:
    """A frozen dataclass whose fields, in order, are the keys of its JSON object."""

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = plain(self)
        return result


@dataclass(frozen=True)
class PageRecord(JsonView):
    number: int
    text: str
    confidence: float | None
    source: str


@dataclass(frozen=True)
class IdentifierRecord(JsonView):
    kind: str
    value: str
    raw: str


def _coerce(record: object, name: str, kind: type[enum.StrEnum]) -> None:
    """Set a field of a frozen record to its enum member; a value outside the set raises."""
    value = getattr(record, name)
    try:
        object.__setattr__(record, name, kind(value))
    except ValueError:
        raise ValueError(
            f"{name} {value!r} is not one of {', '.join(m.value for m in kind)}"
        ) from None


@dataclass(frozen=True)
class DocumentFacts(JsonView):
    """What a document is and where it is filed: the facts the record and the view share,
    first in both."""

    document_id: str
    status: DocumentStatus
    doc_type: str
    doc_label: str
    aktenplan_unit: str
    tax_secret: bool
    confidence: float
    title: str


@dataclass(frozen=True)
class DocumentRecord(DocumentFacts):
    """Everything the pipeline learnt about one document, ready to be archived."""

    sha256_original: str
    source_name: str
    source_kind: str
    batch_id: str
    aktenzeichen: tuple[str, ...]
    identifiers: tuple[IdentifierRecord, ...]
    document_date: date | None
    pages: tuple[PageRecord, ...]
    ocr_applied: bool
    ocr_confidence: float | None
    file_plan_version: str
    facts: dict[str, Any] = field(default_factory=dict)
    label_source: LabelSource = LabelSource.RULE  # who decided doc_type

    def __post_init__(self) -> None:
        # A misspelt source would silently drop a document from (or smuggle it into) training.
        _coerce(self, "label_source", LabelSource)
        _coerce(self, "status", DocumentStatus)


@dataclass(frozen=True)
class VersionView(JsonView):
    """One version of a document: its scan and PDF/A, oldest first."""

    number: int
    sha256_original: str
    sha256_pdfa: str
    source_name: str
    batch_id: str
    created_at: datetime


@dataclass(frozen=True)
class PageSummary(JsonView):
    """A page as `Archive.get` shows it: its text is in `DocumentView.text`."""

    number: int
    confidence: float | None
    source: str
    chars: int


@dataclass(frozen=True)
class AuditEntry(JsonView):
    at: datetime
    event: str
    batch_id: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class DocumentView(DocumentFacts):
    """Every stored fact about one document (`Archive.get`); `to_json()` is the JSON of
    `eakte show --json` and, less the paths, text and facts, of the API's document."""

    aktenzeichen: str | None
    document_date: date | None
    source_name: str
    source_kind: str
    batch_id: str
    archived_at: datetime
    sha256_original: str
    sha256_pdfa: str
    original_path: Path
    pdfa_path: Path
    metadata_path: Path
    ocr_applied: bool
    ocr_confidence: float | None
    file_plan_version: str
    label_source: LabelSource
    reviewed_by: str | None
    reviewed_at: datetime | None
    dates: tuple[str, ...]
    identifiers: tuple[IdentifierRecord, ...]
    facts: dict[str, Any]
    versions: tuple[VersionView, ...]
    pages: tuple[PageSummary, ...]
    audit: tuple[AuditEntry, ...]
    text: str

    @property
    def disposed(self) -> bool:
        return self.status is DocumentStatus.DISPOSED


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
    decision: ReviewDecision
    from_type: str
    to_type: str
    from_status: DocumentStatus
    status: DocumentStatus
    by: str
    at: datetime


@dataclass(frozen=True)
class BatchItemRecord:
    source: str
    sha256: str | None
    status: BatchItemStatus
    document_id: str | None
    reason: str | None

    def __post_init__(self) -> None:
        _coerce(self, "status", BatchItemStatus)
