"""Hand-over to the archive (Aussonderung) with xdomea: offer, appraisal, transfer, receipt.

The catalog keeps each file's place in the process on its Akte row (offer id, appraisal,
transfer, confirmation), so the same UUIDs go into every message of one process: the
process id is the offer's, each file's id is its Akte id, each document's its document id.
Only closed files (zdA) are offered; files under a legal hold are neither offered nor handed
over. Every package written is kept: a re-sent 0503 gets a name of its own, and the audit
trail holds each package's name and SHA-256. The 0503 asks the archive for its own id of each
file (Archivkennung), which the 0506 brings back onto the Akte.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.actors import Actor, check_actor
from archive.audit import append_event
from archive.catalog.models import Akte, AuditEvent, Document
from archive.fields import document_entry
from archive.quality import note_with_checks
from archive.records.akten import RecordsError, Rule, documents_of, held_akte_ids, now
from archive.records.retention import APPRAISALS, AppraisalCode, is_due
from archive.records.xdomea import (
    DEFAULT_VERSION,
    MSG_TRANSFER,
    FileEntry,
    Party,
    offer_message,
    parse_appraisal,
    parse_confirmation,
    transfer_package,
)
from archive.store import Archive


@dataclass(frozen=True)
class Message:
    """A message written for the archive: where, which process, which files."""

    path: Path
    process_id: str
    aktenzeichen: tuple[str, ...]


def _entry(session: Session, archive: Archive, akte: Akte, rules: dict[str, Rule]) -> FileEntry:
    rule = rules.get(akte.aktenplan_unit)
    return FileEntry(
        id=akte.id,
        aktenzeichen=akte.aktenzeichen,
        title=akte.title,
        aktenplan_unit=akte.aktenplan_unit,
        opened=akte.opened,
        closed=akte.closed,
        retention_years=rule.years if rule else None,
        retention_end=akte.retention_end,
        documents=tuple(
            replace(
                document_entry(doc, size=archive.blobs.path(doc.sha256_pdfa).stat().st_size),
                transfer_note=_note_json(session, doc),
            )
            for doc in documents_of(session, akte)
        ),
    )


def _note_json(session: Session, doc: Document) -> bytes | None:
    """The transfer note the 0503 carries for `doc`, with the visual checks of its batch."""
    note = note_with_checks(session, doc)
    return None if note is None else json.dumps(note, ensure_ascii=False, indent=2).encode()


def offer(
    archive: Archive,
    rules: dict[str, Rule],
    out_dir: Path,
    sender: Party,
    receiver: Party,
    *,
    today: date,
    version: str = DEFAULT_VERSION,
) -> Message | None:
    """Write a 0501 offer list of every due, closed file not yet offered and not on hold."""
    process_id = str(uuid.uuid4())
    with archive.transaction() as session:
        held = held_akte_ids(session)
        akten = [
            a
            for a in session.scalars(select(Akte).order_by(Akte.aktenzeichen))
            if a.offered_at is None
            and a.closed is not None
            and a.disposed_at is None
            and a.id not in held
            and is_due(a.retention_end, today)
        ]
        if not akten:
            return None
        name, xml = offer_message(
            process_id,
            [_entry(session, archive, a, rules) for a in akten],
            sender,
            receiver,
            version=version,
        )
        path = _write(out_dir / name, xml)
        for akte in akten:
            akte.offer_id, akte.offered_at = process_id, now()
        append_event(
            session, "aussonderung_offered", None, None,
            {"process_id": process_id, "message": name, "version": version,
             "akten": [a.aktenzeichen for a in akten]},
        )  # fmt: skip
    return Message(path, process_id, tuple(a.aktenzeichen for a in akten))


def appraise(archive: Archive, message: Path, *, by: Actor) -> dict[str, str]:
    """Apply the archive's 0502: A (archive) or V (destroy) per offered file."""
    appraisal = parse_appraisal(message.read_bytes(), source=str(message))
    applied: dict[str, str] = {}
    pending: list[str] = []
    with archive.transaction() as session:
        check_actor(session, by)
        akten = _offered(session, appraisal.process_id, message)
        unknown = set(appraisal.decisions) - set(akten)
        if unknown:
            raise RecordsError(
                f"{message}: files {', '.join(sorted(unknown))} were not offered in process "
                f"{appraisal.process_id}"
            )
        for file_id, decision in appraisal.decisions.items():
            akte = akten[file_id]
            if decision not in APPRAISALS:
                pending.append(akte.aktenzeichen)  # B: not decided yet, stays offered
                continue
            akte.appraisal, akte.appraised_at = decision, now()
            applied[akte.aktenzeichen] = decision
        append_event(
            session, "aussonderung_appraised", None, None,
            {"process_id": appraisal.process_id, "message": message.name, "decisions": applied,
             "not_decided": sorted(pending), **by.audit()},
        )  # fmt: skip
    return applied


def transfer(
    archive: Archive,
    rules: dict[str, Rule],
    out_dir: Path,
    sender: Party,
    receiver: Party,
    *,
    version: str = DEFAULT_VERSION,
) -> list[Message]:
    """Write a 0503 package (XML and PDF/A files) per process for the files appraised A."""
    written = []
    with archive.transaction() as session:
        held = held_akte_ids(session)
        ready = [
            a
            for a in session.scalars(select(Akte).order_by(Akte.aktenzeichen))
            if a.appraisal == AppraisalCode.A and a.transferred_at is None and a.id not in held
        ]
        for process_id in sorted({a.offer_id for a in ready if a.offer_id}):
            akten = [a for a in ready if a.offer_id == process_id]
            entries = [_entry(session, archive, a, rules) for a in akten]
            pdfs = {d.id: archive.blobs.path(d.sha256) for e in entries for d in e.documents}
            _, package = transfer_package(
                process_id, entries, pdfs, sender, receiver, version=version,
                request_archive_ids=True,
            )  # fmt: skip
            path = _write_new(_package_path(session, out_dir, process_id), package)
            for akte in akten:
                akte.transferred_at = now()
            append_event(
                session, "aussonderung_transferred", None, None,
                {"process_id": process_id, "package": path.name,
                 "sha256": hashlib.sha256(package).hexdigest(), "size": len(package),
                 "akten": [a.aktenzeichen for a in akten],
                 "documents": sum(len(e.documents) for e in entries)},
            )  # fmt: skip
            written.append(Message(path, process_id, tuple(a.aktenzeichen for a in akten)))
    return written


def confirm(
    archive: Archive, message: Path, *, by: Actor
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Apply the archive's 0506: which handed-over files it took in (Aktenzeichen -> the
    archive's id of it, if sent), which failed (Aktenzeichen -> reason)."""
    receipt = parse_confirmation(message.read_bytes(), source=str(message))
    with archive.transaction() as session:
        check_actor(session, by)
        akten = _offered(session, receipt.process_id, message)
        imported: dict[str, str | None] = {}
        failed: dict[str, str] = {}
        for file_id in sorted(receipt.imported):
            akte = _one(akten, file_id, message)
            if akte.transferred_at is None:
                raise RecordsError(f"{message}: Akte {akte.aktenzeichen} was not handed over")
            akte.transfer_confirmed_at = now()
            akte.archive_id = receipt.archive_ids.get(file_id, akte.archive_id)
            imported[akte.aktenzeichen] = akte.archive_id
        for file_id, reason in receipt.failed.items():
            akte = _one(akten, file_id, message)
            akte.transferred_at = None  # to be handed over again
            failed[akte.aktenzeichen] = reason
        append_event(
            session, "aussonderung_confirmed", None, None,
            {"process_id": receipt.process_id, "message": message.name,
             "imported": sorted(imported), "failed": failed,
             "archive_ids": {az: i for az, i in imported.items() if i is not None},
             **by.audit()},
        )  # fmt: skip
    return imported, failed


def _offered(session: Session, process_id: str, message: Path) -> dict[str, Akte]:
    akten = {a.id: a for a in session.scalars(select(Akte).where(Akte.offer_id == process_id))}
    if not akten:
        raise RecordsError(f"{message}: no files were offered in process {process_id}")
    return akten


def _one(akten: dict[str, Akte], file_id: str, message: Path) -> Akte:
    if file_id not in akten:
        raise RecordsError(f"{message}: file {file_id} is not part of this process")
    return akten[file_id]


def _package_path(session: Session, out_dir: Path, process_id: str) -> Path:
    """Where the next 0503 of a process goes: the xdomea name the first time; a re-send gets
    "-2", "-3", ... (counted from the audit trail) and never the name of a file already there."""
    sent = sum(
        1
        for detail in session.scalars(
            select(AuditEvent.detail).where(AuditEvent.event == "aussonderung_transferred")
        )
        if (detail or {}).get("process_id") == process_id
    )
    stem = f"{process_id}_{MSG_TRANSFER}"
    number = sent + 1
    while True:
        path = out_dir / (f"{stem}.zip" if number == 1 else f"{stem}-{number}.zip")
        if not path.exists():
            return path
        number += 1


def _write_new(path: Path, data: bytes) -> Path:
    if path.exists():  # checked by _package_path; a package is never overwritten
        raise RecordsError(f"{path}: exists already; a package is never overwritten")
    return _write(path, data)


def _write(path: Path, data: bytes) -> Path:
    from archive.atomic import atomic_write_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    return path
