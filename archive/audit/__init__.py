"""The audit trail in the catalog: events appended to a hash chain, and the chain verified.

Writers first lock the single `audit_head` row (`SELECT … FOR UPDATE` on PostgreSQL; on
SQLite an update of it, which takes the database's write lock) and only then read the newest
hash: two processes writing at once (an ingest and a review, on one machine or several)
queue instead of chaining onto the same event.

An event also carries the new records state of what its transaction changed
(`archive.audit.state`): a session whose `info[STATE_OF_CHANGES]` holds a function from the
session to that state (installed by `archive.records_state.track`) adds it to each event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.audit.chain import GENESIS, Break, Link, event_hash, verify_chain
from archive.catalog.models import AuditEvent, AuditHead

STATE_OF_CHANGES = "audit.state_of_changes"
"""Key in `Session.info`: the records state changed since the session's last event."""

StateOfChanges = Callable[[Session], dict[str, dict[str, Any]]]


def append_event(
    session: Session,
    event: str,
    document_id: str | None,
    batch_id: str | None,
    detail: dict[str, Any],
) -> AuditEvent:
    """Add one event after the newest, chained to it, in the caller's transaction; with
    the new records state of what the transaction changed since its last event."""
    state_of_changes: StateOfChanges | None = session.info.get(STATE_OF_CHANGES)
    changes = state_of_changes(session) if state_of_changes is not None else {}
    if changes:
        state = {k: dict(v) for k, v in detail.get("state", {}).items()}
        for kind, things in changes.items():
            state.setdefault(kind, {}).update(things)
        detail = {**detail, "state": state}
    detail = json.loads(json.dumps(detail, ensure_ascii=False, default=str))  # as stored
    head = serialise_writers(session)
    if head is None:  # a catalog made before any event: the first write creates the head
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
    at = datetime.now(UTC)
    new_id = head.last_id + 1
    digest = event_hash(head.last_hash, new_id, at, event, document_id, batch_id, detail)
    row = AuditEvent(
        id=new_id,
        at=at,
        event=event,
        document_id=document_id,
        batch_id=batch_id,
        detail=detail,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(row)
    head.last_id, head.last_hash = new_id, digest
    session.flush()
    return row


def serialise_writers(session: Session) -> AuditHead | None:
    """The head row, read afresh and locked until the transaction ends, so that no other
    writer, in this process or on another machine, chains onto the same event. Taken at the
    start of a transaction, it makes the whole transaction wait for every other writer
    (every write appends an event, so every writer takes it).

    PostgreSQL: `SELECT … FOR UPDATE` locks the row (a second writer waits for the first to
    commit, then reads the head it left). SQLite has no row locks: a no-op UPDATE of the row
    takes the database's write lock first, and the read after it sees the newest head.
    """
    query = select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(last_id=AuditHead.last_id)
        )
        return session.scalars(query).first()
    return session.scalars(query.with_for_update()).first()


def verify_audit(session: Session) -> Break | None:
    """The first event that breaks the chain (altered, removed, inserted, reordered), or None."""
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    head = session.get(AuditHead, 1)
    links = (
        Link(r.id, r.at, r.event, r.document_id, r.batch_id, r.detail or {}, r.prev_hash, r.hash)
        for r in rows
    )
    return verify_chain(links, (head.last_id, head.last_hash) if head else None)


def head(session: Session) -> tuple[int, str]:
    """The newest event's id and hash (0 and GENESIS before the first event)."""
    row = session.get(AuditHead, 1)
    return (row.last_id, row.last_hash) if row else (0, GENESIS)


def hash_of_event(session: Session, event_id: int) -> str | None:
    """The recorded hash of one event (GENESIS for 0), or None if there is no such event."""
    if event_id == 0:
        return GENESIS
    row = session.get(AuditEvent, event_id)
    return row.hash if row else None
