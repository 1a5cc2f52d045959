"""What an access decision reads of the catalog: where a document or an Akte is filed.

A document is seen by its Aktenplan unit and its tax secrecy; an Akte by its own unit and
whether it holds a tax-secret document (§ 30 AO), never by the Aktenzeichen that documents
merely mention. The rule itself is `Principal.may_see` (archive.access); the caller applies
it. Each read is one indexed query that costs the same for an id that exists as for one
that does not, so the time of a refusal does not tell them apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from archive.catalog.models import Akte, Document, Vorgang
from archive.documents import DocumentStatus


@dataclass(frozen=True)
class Filing:
    """Where a document is filed, as far as seeing it goes."""

    unit: str
    tax_secret: bool
    disposed: bool


@dataclass(frozen=True)
class AkteFiling:
    """Where an Akte is filed, as far as seeing it goes."""

    id: str
    aktenzeichen: str
    unit: str
    holds_tax_secret: bool  # one of its documents (any, also disposed ones) is tax-secret


_DOCUMENT = select(Document.aktenplan_unit, Document.tax_secret, Document.status).where(
    Document.id == bindparam("document_id")
)


def document_filing(db: Session | Connection, document_id: str) -> Filing | None:
    """The document's unit and tax secrecy; None for an unknown id."""
    row = db.execute(_DOCUMENT, {"document_id": document_id}).first()
    if row is None:
        return None
    return Filing(row.aktenplan_unit, bool(row.tax_secret), row.status == DocumentStatus.DISPOSED)


def document_filings(db: Session | Connection, document_ids: Iterable[str]) -> dict[str, Filing]:
    """`document_filing` of many documents at once; unknown ids are left out."""
    wanted = sorted(set(document_ids))
    rows = db.execute(
        select(Document.id, Document.aktenplan_unit, Document.tax_secret, Document.status).where(
            Document.id.in_(wanted)
        )
    )
    return {
        r.id: Filing(r.aktenplan_unit, bool(r.tax_secret), r.status == DocumentStatus.DISPOSED)
        for r in rows
    }


def akte_filings(db: Session | Connection, numbers: Iterable[str]) -> dict[str, AkteFiling]:
    """Aktenzeichen -> the Akte's filing, for those that exist."""
    wanted = sorted(set(numbers))
    akten = db.execute(
        select(Akte.id, Akte.aktenzeichen, Akte.aktenplan_unit).where(Akte.aktenzeichen.in_(wanted))
    ).all()
    taxed = tax_secret_akten(db, [a.id for a in akten])
    return {
        a.aktenzeichen: AkteFiling(a.id, a.aktenzeichen, a.aktenplan_unit, a.id in taxed)
        for a in akten
    }


def tax_secret_akten(db: Session | Connection, akte_ids: Iterable[str] | None = None) -> set[str]:
    """The ids of the Akten (of `akte_ids`, else of all) that hold a tax-secret document."""
    query = (
        select(Vorgang.akte_id)
        .join(Document, Document.vorgang_id == Vorgang.id)
        .where(Document.tax_secret.is_(True))
        .distinct()
    )
    if akte_ids is not None:
        query = query.where(Vorgang.akte_id.in_(sorted(set(akte_ids))))
    return set(db.scalars(query))
