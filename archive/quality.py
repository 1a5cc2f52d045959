"""The human visual check of a scanned batch (TR-RESISCAN quality assurance by sample).

The pipeline's checks are automatic; whether a scan matches its paper original in image and
content only a person comparing the two can say. `sample_pages` draws a reproducible random
sample of a batch's pages (the seed is stored, so the same sample can be drawn again) and
`record_check` stores who compared which pages with which result. Both are events of the
hash-chained audit trail, so a check cannot be added or changed later unnoticed; a document's
transfer note is shown and handed over together with the checks of its batch
(`human_checks`), while the note written at ingest stays as it was hashed.
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.audit import append_event
from archive.catalog.models import AuditEvent, Batch, Document, Page
from archive.documents import DocumentStatus, JsonView
from archive.errors import ArchiveError

__all__ = [
    "QA_CHECKED",
    "QA_SAMPLED",
    "HumanCheck",
    "QaError",
    "QaSample",
    "SampledPage",
    "human_checks",
    "note_with_checks",
    "record_check",
    "sample_pages",
]

QA_SAMPLED = "qa_sampled"
QA_CHECKED = "qa_checked"
Result = Literal["passed", "failed"]


class QaError(ArchiveError):
    """A sample or a check that cannot be recorded; the message says which batch or page."""


@dataclass(frozen=True)
class SampledPage(JsonView):
    document_id: str
    page: int
    source_name: str


@dataclass(frozen=True)
class QaSample(JsonView):
    """A drawn sample: which pages of the batch to compare with the paper."""

    batch_id: str
    rate_percent: float
    seed: int
    population: int  # pages of the batch's archived documents
    pages: tuple[SampledPage, ...]


@dataclass(frozen=True)
class HumanCheck(JsonView):
    """One recorded visual check, as a document's transfer note shows it."""

    by: str
    at: str
    result: Result
    sample_rate_percent: float | None  # None: pages named by hand, not a drawn sample
    pages_checked: int  # in the whole batch
    pages_of_this_document: tuple[int, ...]


def _population(session: Session, batch_id: str) -> list[SampledPage]:
    if session.get(Batch, batch_id) is None:
        raise QaError(f"no batch {batch_id!r} in the archive")
    rows = session.execute(
        select(Document.id, Page.number, Document.source_name)
        .join(Page, Page.document_id == Document.id)
        .where(Document.batch_id == batch_id, Document.status != DocumentStatus.DISPOSED)
        .order_by(Document.id, Page.number)
    )
    return [SampledPage(doc_id, number, source) for doc_id, number, source in rows]


def sample_pages(
    session: Session, batch_id: str, rate_percent: float, seed: int | None = None
) -> QaSample:
    """Draw `rate_percent` of the batch's pages (at least one) and store the sample."""
    if not 0 < rate_percent <= 100:
        raise QaError(f"sample rate {rate_percent:g}% is not between 0 and 100")
    population = _population(session, batch_id)
    if not population:
        raise QaError(f"batch {batch_id!r} has no archived pages to check")
    seed = secrets.randbelow(2**32) if seed is None else seed
    size = max(1, math.ceil(len(population) * rate_percent / 100))
    drawn = random.Random(seed).sample(population, size)
    sample = QaSample(
        batch_id, rate_percent, seed, len(population),
        tuple(sorted(drawn, key=lambda p: (p.source_name, p.document_id, p.page))),
    )  # fmt: skip
    append_event(session, QA_SAMPLED, None, batch_id, sample.to_json())
    return sample


def _latest_sample(session: Session, batch_id: str) -> dict[str, Any] | None:
    return session.scalars(
        select(AuditEvent.detail)
        .where(AuditEvent.event == QA_SAMPLED, AuditEvent.batch_id == batch_id)
        .order_by(AuditEvent.id.desc())
    ).first()


def record_check(
    session: Session,
    batch_id: str,
    by: str,
    result: Result,
    pages: list[tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """Store that `by` compared `pages` (document id, page number) with the paper, with
    `result`; without `pages`, the batch's latest drawn sample was checked."""
    by = by.strip()
    if not by:
        raise QaError("the checker's name is empty: say who compared the pages")
    if result not in ("passed", "failed"):
        raise QaError(f"result {result!r} is neither 'passed' nor 'failed'")
    known = {(p.document_id, p.page) for p in _population(session, batch_id)}
    rate: float | None = None
    if pages is None:
        sample = _latest_sample(session, batch_id)
        if sample is None:
            raise QaError(f"batch {batch_id!r} has no drawn sample: run 'eakte qa sample' first")
        pages = [(p["document_id"], p["page"]) for p in sample["pages"]]
        rate = sample["rate_percent"]
    for doc_id, number in pages:
        if (doc_id, number) not in known:
            raise QaError(f"batch {batch_id!r} has no page {number} of document {doc_id}")
    detail = {
        "by": by,
        "result": result,
        "sample_rate_percent": rate,
        "pages": [{"document_id": d, "page": n} for d, n in sorted(set(pages))],
    }
    append_event(session, QA_CHECKED, None, batch_id, detail)
    return detail


def human_checks(session: Session, document_id: str, batch_id: str) -> list[HumanCheck]:
    """The visual checks recorded for the document's batch, oldest first."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.event == QA_CHECKED, AuditEvent.batch_id == batch_id)
        .order_by(AuditEvent.id)
    )
    return [
        HumanCheck(
            by=e.detail["by"],
            at=_iso(e.at),
            result=e.detail["result"],
            sample_rate_percent=e.detail.get("sample_rate_percent"),
            pages_checked=len(e.detail["pages"]),
            pages_of_this_document=tuple(
                p["page"] for p in e.detail["pages"] if p["document_id"] == document_id
            ),
        )
        for e in events
    ]


def note_with_checks(session: Session, doc: Document) -> dict[str, Any] | None:
    """The document's transfer note with its batch's visual checks under quality_check, as it
    is handed over to the archive; None if it has no note (not a scan)."""
    note: dict[str, Any] | None = (doc.facts or {}).get("transfer_note")
    if note is None:
        return None
    checks = [c.to_json() for c in human_checks(session, doc.id, doc.batch_id)]
    return {**note, "quality_check": {**note.get("quality_check", {}), "human_checks": checks}}


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")
