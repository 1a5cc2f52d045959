"""Disposal (Vernichtung) of files at the end of their retention, by two people.

The only way anything archived is deleted. One person proposes the files that may go: due,
under no legal hold, and either appraised "V" (destroy) by the archive or handed over and
confirmed by it. Another person approves a proposal; then the documents' blobs, index
entries, sidecars and text are deleted, and a deletion record is kept for ever: what was
destroyed (ids and hashes, no content), when, on what legal basis, proposed and approved by
whom. The audit events stay, so the hash chain stays verifiable.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from archive.audit import append_event
from archive.catalog.models import Akte, Disposal
from archive.records.akten import RecordsError, Rule, documents_of, held_akte_ids, now
from archive.records.retention import is_due
from archive.store import Archive


def disposable(akte: Akte, today: date, held: set[str]) -> str | None:
    """Why the file may be destroyed now, or None."""
    if akte.disposed_at is not None or akte.id in held or not is_due(akte.retention_end, today):
        return None
    if akte.transfer_confirmed_at is not None:
        return "an das Archiv abgegeben, Übernahme bestätigt (xdomea 0506)"
    if akte.appraisal == "V":
        return "vom Archiv als nicht archivwürdig bewertet (V, xdomea 0502)"
    return None


def propose(archive: Archive, rules: Mapping[str, Rule], *, by: str, today: date) -> list[Disposal]:
    """Propose every file that may be destroyed and has no open proposal yet."""
    made = []
    with archive.transaction() as session:
        held = held_akte_ids(session)
        open_ = set(session.scalars(select(Disposal.akte_id).where(Disposal.approved_at.is_(None))))
        for akte in session.scalars(select(Akte).order_by(Akte.aktenzeichen)):
            grounds = disposable(akte, today, held)
            if grounds is None or akte.id in open_:
                continue
            rule = rules.get(akte.aktenplan_unit)
            disposal = Disposal(
                id=str(uuid.uuid4()),
                akte_id=akte.id,
                aktenzeichen=akte.aktenzeichen,
                grounds=grounds,
                legal_basis=rule.describe() if rule else "(unit not in the file plan)",
                retention_end=akte.retention_end,
                proposed_at=now(),
                proposed_by=by,
                documents=[],
            )
            session.add(disposal)
            append_event(
                session, "disposal_proposed", None, None,
                {"disposal_id": disposal.id, "akte_id": akte.id,
                 "aktenzeichen": akte.aktenzeichen, "grounds": grounds, "by": by},
            )  # fmt: skip
            made.append(disposal)
    return made


def approve(archive: Archive, disposal_id: str, *, by: str, today: date) -> Disposal:
    """Destroy the proposed file's documents; `by` must not be the proposer."""
    with archive.transaction() as session:
        disposal = session.get(Disposal, disposal_id)
        if disposal is None:
            raise RecordsError(f"no disposal proposal {disposal_id!r}")
        if disposal.approved_at is not None:
            raise RecordsError(f"disposal {disposal_id} was approved by {disposal.approved_by}")
        if by.strip().lower() == disposal.proposed_by.strip().lower():
            raise RecordsError(
                f"disposal {disposal_id} was proposed by {disposal.proposed_by}; "
                "another person must approve it (two-person rule)"
            )
        akte = session.get(Akte, disposal.akte_id)
        assert akte is not None
        if disposable(akte, today, held_akte_ids(session)) is None:
            raise RecordsError(
                f"Akte {akte.aktenzeichen} may not be destroyed now (a legal hold, or no longer "
                "due, appraised V or confirmed as transferred)"
            )
        destroyed: list[dict[str, Any]] = []
        hashes: list[str] = []
        for doc in documents_of(session, akte):
            destroyed.append(
                {"document_id": doc.id, "doc_type": doc.doc_type,
                 "document_date": doc.document_date.isoformat() if doc.document_date else None,
                 "sha256_original": doc.sha256_original, "sha256_pdfa": doc.sha256_pdfa,
                 "pages": doc.page_count, "versions": len(doc.versions)}
            )  # fmt: skip
            hashes += [sha for v in doc.versions for sha in (v.sha256_original, v.sha256_pdfa)]
            archive.erase_document(session, doc)
            append_event(session, "document_disposed", doc.id, None, {"disposal_id": disposal.id})
        disposal.documents = destroyed
        disposal.approved_at, disposal.approved_by = now(), by
        akte.disposed_at = disposal.approved_at
        append_event(
            session, "akte_disposed", None, None,
            {"disposal_id": disposal.id, "akte_id": akte.id, "aktenzeichen": akte.aktenzeichen,
             "proposed_by": disposal.proposed_by, "approved_by": by,
             "legal_basis": disposal.legal_basis, "documents": len(destroyed)},
        )  # fmt: skip
    archive.delete_content([d["document_id"] for d in destroyed], hashes)
    return disposal
