"""Disposal (Vernichtung) of files at the end of their retention, by two people.

The only way anything archived is deleted. One person proposes the files that may go: due,
under no legal hold, and either appraised "V" (destroy) by the archive or handed over and
confirmed by it. Another person approves a proposal; then the documents' blobs, index
entries, sidecars and text are deleted, and a deletion record is kept for ever: what was
destroyed (ids and hashes, no content), when, on what legal basis, proposed and approved by
whom. The audit events stay, so the hash chain stays verifiable.

Both people are `Actor`s, records managers authenticated by their own tokens and checked
again here; the approver must not be the proposer by identity key (`archive.identity`), so a
look-alike name (a non-breaking hyphen, Cyrillic letters) is the same person, and a proposal
whose proposer was not authenticated (one made by a typed name) cannot be approved.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from archive.actors import Actor, check_actor
from archive.audit import append_event
from archive.catalog.models import Akte, AuditEvent, Disposal, Document, Identifier, Page
from archive.documents import DocumentStatus, JsonView
from archive.identity import IdentityError, identity_key
from archive.records.akten import RecordsError, Rule, documents_of, held_akte_ids, now
from archive.records.retention import AppraisalCode, is_due
from archive.store import Archive


@dataclass(frozen=True)
class DisposalView(JsonView):
    """A proposed destruction of a file and, once approved, the record of what went."""

    id: str
    aktenzeichen: str
    grounds: str
    legal_basis: str
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    documents: list[dict[str, Any]]  # what was destroyed: ids and hashes, no content

    @classmethod
    def of(cls, row: Disposal) -> DisposalView:
        return cls(
            row.id, row.aktenzeichen, row.grounds, row.legal_basis, row.proposed_by,
            row.proposed_at, row.approved_by, row.approved_at, list(row.documents),
        )  # fmt: skip


def list_disposals(archive: Archive) -> list[DisposalView]:
    """Proposals and deletion records, oldest proposal first."""
    with archive.transaction() as session:
        rows = session.scalars(select(Disposal).order_by(Disposal.proposed_at))
        return [DisposalView.of(d) for d in rows]


def disposable(akte: Akte, today: date, held: set[str]) -> str | None:
    """Why the file may be destroyed now, or None."""
    if akte.disposed_at is not None or akte.id in held or not is_due(akte.retention_end, today):
        return None
    if akte.transfer_confirmed_at is not None:
        return "an das Archiv abgegeben, Übernahme bestätigt (xdomea 0506)"
    if akte.appraisal == AppraisalCode.V:
        return "vom Archiv als nicht archivwürdig bewertet (V, xdomea 0502)"
    return None


def propose(
    archive: Archive, rules: Mapping[str, Rule], *, by: Actor, today: date
) -> list[DisposalView]:
    """Propose every file that may be destroyed and has no open proposal yet."""
    made = []
    with archive.transaction() as session:
        check_actor(session, by)
        held = held_akte_ids(session)
        _withdraw_unauthenticated(session, by)
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
                proposed_by=by.name,
                documents=[],
            )
            session.add(disposal)
            append_event(
                session, "disposal_proposed", None, None,
                {"disposal_id": disposal.id, "akte_id": akte.id,
                 "aktenzeichen": akte.aktenzeichen, "grounds": grounds, **by.audit()},
            )  # fmt: skip
            made.append(DisposalView.of(disposal))
    return made


def approve(archive: Archive, disposal_id: str, *, by: Actor, today: date) -> DisposalView:
    """Destroy the proposed file's documents; `by` must be another person than the proposer."""
    with archive.transaction() as session:
        check_actor(session, by)
        disposal = session.get(Disposal, disposal_id)
        if disposal is None:
            raise RecordsError(f"no disposal proposal {disposal_id!r}")
        if disposal.approved_at is not None:
            raise RecordsError(f"disposal {disposal_id} was approved by {disposal.approved_by}")
        _second_person(session, disposal, by)
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
            _erase(session, doc)
            append_event(session, "document_disposed", doc.id, None, {"disposal_id": disposal.id})
        disposal.documents = destroyed
        disposal.approved_at, disposal.approved_by = now(), by.name
        akte.disposed_at = disposal.approved_at
        append_event(
            session, "akte_disposed", None, None,
            {"disposal_id": disposal.id, "akte_id": akte.id, "aktenzeichen": akte.aktenzeichen,
             "proposed_by": disposal.proposed_by, "approved_by": by.name,
             "approved_by_token": by.token_id,
             "legal_basis": disposal.legal_basis, "documents": len(destroyed)},
        )  # fmt: skip
        shown = DisposalView.of(disposal)
    archive.delete_content([d["document_id"] for d in destroyed], hashes)
    return shown


def _authenticated_proposals(session: Session) -> set[str]:
    """The proposals whose proposer was authenticated by a token (their event says which)."""
    events = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.event == "disposal_proposed")
    )
    return {d["disposal_id"] for d in events if d.get("by_token") and d.get("disposal_id")}


def _withdraw_unauthenticated(session: Session, by: Actor) -> None:
    """Open proposals made by a typed name (before proposers were authenticated) are
    withdrawn, so their files can be proposed again by an authenticated person."""
    trusted = _authenticated_proposals(session)
    for disposal in session.scalars(select(Disposal).where(Disposal.approved_at.is_(None))):
        if disposal.id in trusted:
            continue
        append_event(
            session, "disposal_withdrawn", None, None,
            {"disposal_id": disposal.id, "akte_id": disposal.akte_id,
             "aktenzeichen": disposal.aktenzeichen, "proposed_by": disposal.proposed_by,
             "reason": "proposed by a typed name, not by an authenticated records manager",
             **by.audit()},
        )  # fmt: skip
        session.delete(disposal)
    session.flush()


def _second_person(session: Session, disposal: Disposal, by: Actor) -> None:
    """The two-person rule: an authenticated proposer, and an approver who is not the
    proposer by identity key (a look-alike name is the same person)."""
    if disposal.id not in _authenticated_proposals(session):
        raise RecordsError(
            f"disposal {disposal.id} was proposed by the typed name {disposal.proposed_by!r}, "
            "not by an authenticated records manager; `eakte dispose propose` with a token "
            "withdraws it and proposes the file again"
        )
    try:
        same = identity_key(disposal.proposed_by) == by.key
    except IdentityError:
        same = True  # a proposer who names nobody cannot be told apart from anyone
    if same:
        raise RecordsError(
            f"disposal {disposal.id} was proposed by {disposal.proposed_by}; another person "
            f"must approve it (two-person rule), and {by.name!r} is, or looks like, the proposer"
        )


def _erase(session: Session, doc: Document) -> None:
    """The catalog side of a disposal: text, identifiers and title go, a tombstone with
    ids and hashes stays. `Archive.delete_content` removes the files after the commit."""
    session.execute(delete(Page).where(Page.document_id == doc.id))
    session.execute(delete(Identifier).where(Identifier.document_id == doc.id))
    doc.status, doc.title, doc.facts = DocumentStatus.DISPOSED, "", {"disposed": True}
    session.flush()
