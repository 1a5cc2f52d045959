"""The catalog's records state, as the audit trail records it and as `audit verify` checks it.

`track` makes every audit event of a session carry the new state of the records things its
transaction changed (Akten with their events, legal holds, deletion records, documents'
recorded facts, retention rules): changed rows are noted at each flush, and the next event
takes them. A transaction that changes records state and writes no event of its own gets one
`records_state_changed` event at commit, so no change escapes the trail.

`check` replays the trail (`archive.audit.state.replay`), reads the same state from the
tables and names every difference; for an archive written before events carried state it
first records the state found as a labelled baseline event, and for one written before they
carried a fact or seal part of a thing, it first adds those as found (`records_sealed`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, select, true
from sqlalchemy.orm import Session, sessionmaker

from archive.audit import STATE_OF_CHANGES, append_event
from archive.audit.state import (
    BASELINE,
    KINDS,
    SEALED,
    Changes,
    State,
    differences,
    replay,
    unrecorded,
)
from archive.catalog.models import (
    Akte,
    AkteEvent,
    AuditEvent,
    Disposal,
    Document,
    DocumentVersion,
    Hold,
    HoldAkte,
    Identifier,
    Page,
    RetentionRuleRow,
    Vorgang,
)
from archive.fields import Parts, json_value, parts, recorded_facts

UNEXPLAINED = "records_state_changed"
"""The event of a transaction that changed records state without an event of its own."""

_CHANGED = "records_state.changed"  # Session.info: (kind, key) changed since the last event
_CHUNK = 500  # documents read at once with their pages, so text of all is never in memory


def track(sessions: sessionmaker) -> None:
    """Make the sessions of `sessions` record records state in their audit events."""
    sessions.configure(info={STATE_OF_CHANGES: state_of_changes})
    event.listen(sessions, "after_flush", _note_changes)
    event.listen(sessions, "before_commit", _explain_changes)
    event.listen(sessions, "after_rollback", _forget_changes)


# The tables of records state: the thing (kind, key attribute) each row belongs to.
_THINGS: tuple[tuple[type, str, str], ...] = (
    (Akte, "akten", "id"),
    (AkteEvent, "akten", "akte_id"),
    (Hold, "holds", "id"),
    (HoldAkte, "holds", "hold_id"),
    (Disposal, "disposals", "id"),
    (Document, "documents", "id"),
    (Page, "documents", "document_id"),
    (Identifier, "documents", "document_id"),
    (DocumentVersion, "documents", "document_id"),
    (RetentionRuleRow, "retention_rules", "unit"),
)


def _thing(obj: object) -> tuple[str, str] | None:
    """The records thing (kind, key) a changed row belongs to, if any."""
    for table, kind, key in _THINGS:
        if isinstance(obj, table):
            return kind, getattr(obj, key)
    return None


def _note_changes(session: Session, _context: object) -> None:
    changed: set[tuple[str, str]] = session.info.setdefault(_CHANGED, set())
    dirty = (o for o in session.dirty if session.is_modified(o, include_collections=False))
    for obj in (*session.new, *dirty, *session.deleted):
        thing = _thing(obj)
        if thing is not None:
            changed.add(thing)


def _explain_changes(session: Session) -> None:
    session.flush()
    if session.info.get(_CHANGED):
        append_event(
            session, UNEXPLAINED, None, None,
            {"note": "records state changed by a step that wrote no audit event of its own"},
        )  # fmt: skip


def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def state_of_changes(session: Session) -> Changes:
    """The new state of every records thing changed since the session's last event."""
    session.flush()
    changed: set[tuple[str, str]] = session.info.pop(_CHANGED, set())
    state: Changes = {}
    for kind in KINDS:
        keys = {key for k, key in changed if k == kind}
        if keys:
            found = _read(session, kind, keys)
            state[kind] = {key: found.get(key) for key in sorted(keys)}
    return state


def catalog_state(session: Session) -> State:
    """The records state the catalog's tables hold now."""
    return {kind: _read(session, kind, None) for kind in KINDS}


def _read(session: Session, kind: str, keys: Collection[str] | None) -> dict[str, dict[str, Any]]:
    """The facts of the things of `kind` with these keys (every one when None)."""

    def where(column: Any) -> Any:
        return true() if keys is None else column.in_(keys)

    if kind == "akten":
        events: dict[str, list[AkteEvent]] = defaultdict(list)
        for e in session.scalars(select(AkteEvent).where(where(AkteEvent.akte_id))):
            events[e.akte_id].append(e)
        akten = session.scalars(select(Akte).where(where(Akte.id)))
        return {a.id: akte_facts(a, events[a.id]) for a in akten}
    if kind == "holds":
        held: dict[str, list[str]] = defaultdict(list)
        for hold_id, number in session.execute(
            select(HoldAkte.hold_id, Akte.aktenzeichen)
            .join(Akte, HoldAkte.akte_id == Akte.id)
            .where(where(HoldAkte.hold_id))
        ):
            held[hold_id].append(number)
        return {
            h.id: hold_facts(h, held[h.id])
            for h in session.scalars(select(Hold).where(where(Hold.id)))
        }
    if kind == "documents":
        return _documents(session, keys)
    table, key = (
        (Disposal, Disposal.id)
        if kind == "disposals"
        else (RetentionRuleRow, RetentionRuleRow.unit)
    )
    return {
        getattr(r, key.key): _columns(r) for r in session.scalars(select(table).where(where(key)))
    }


# --- one thing's facts ---------------------------------------------------------------------


def akte_facts(akte: Akte, events: Iterable[AkteEvent]) -> dict[str, Any]:
    """Every column of the Akte, and its named events with their dates."""
    return {**_columns(akte), "events": {e.name: json_value(e.date) for e in events}}


def hold_facts(hold: Hold, aktenzeichen: Iterable[str]) -> dict[str, Any]:
    """Every column of the legal hold, and the Aktenzeichen it holds."""
    return {**_columns(hold), "akten": sorted(aktenzeichen)}


def document_facts(doc: Document, found: Parts, akte: str | None) -> dict[str, Any]:
    """The document's recorded facts and seal (`archive.fields`) and the Akte it is filed in."""
    return {**recorded_facts(doc, found), "akte": akte}


def _documents(session: Session, keys: Collection[str] | None) -> dict[str, dict[str, Any]]:
    """The facts of these documents (every one when None), a chunk at a time: the pages,
    identifiers and versions are read by query, not from relationships a bulk delete (a
    disposal) may have left stale."""
    ids = sorted(keys) if keys is not None else list(session.scalars(select(Document.id)))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        docs = list(session.scalars(select(Document).where(Document.id.in_(chunk))))
        filed: dict[str, str] = {
            vorgang: number
            for vorgang, number in session.execute(
                select(Vorgang.id, Akte.aktenzeichen)
                .join(Akte, Vorgang.akte_id == Akte.id)
                .where(Vorgang.id.in_({d.vorgang_id for d in docs if d.vorgang_id}))
            )
        }
        rows = {
            table: _rows_by_document(session, table, chunk)
            for table in (Page, Identifier, DocumentVersion)
        }
        for d in docs:
            of = parts(
                *(rows[table].get(d.id, []) for table in (Page, Identifier, DocumentVersion))
            )
            found[d.id] = document_facts(d, of, filed.get(d.vorgang_id or ""))
    return found


def _rows_by_document(session: Session, table: type, ids: list[str]) -> dict[str, list[Any]]:
    columns = table.__table__  # type: ignore[attr-defined]
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in session.execute(select(columns).where(columns.c.document_id.in_(ids))):
        grouped[row.document_id].append(row)
    return grouped


def _columns(row: object) -> dict[str, Any]:
    """Every column but the key, as JSON values (a column added later is recorded too)."""
    mapper = inspect(row).mapper
    keys = {c.key for c in mapper.primary_key}
    return {
        attr.key: json_value(getattr(row, attr.key))
        for attr in mapper.column_attrs
        if attr.columns[0].key not in keys
    }


# --- checking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StateCheck:
    """What comparing the catalog's records state with the audit trail found."""

    differences: list[str]  # one line per difference, naming the thing and the fact
    baseline: dict[str, int] | None  # things recorded as a baseline by this check, per kind
    sealed: dict[str, int] | None = None  # things whose unrecorded facts this check sealed


def check(session: Session, *, may_baseline: bool) -> StateCheck:
    """Replay the trail and compare it with the catalog; name every difference.

    An archive whose trail predates records state (and has no baseline yet) gets the state
    of everything the trail has not recorded written as one `records_baseline` event, when
    `may_baseline` (the caller found the chain intact): it is checked from then on. Likewise
    the facts and seal parts an earlier eakte did not record (e.g. a document's seal) are
    added as found by one `records_sealed` event; recorded facts are never overridden.
    """
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.event, AuditEvent.detail).order_by(AuditEvent.id)
    )
    replayed = replay((r.id, r.event, r.detail) for r in rows)
    catalog = catalog_state(session)
    baseline = None
    if replayed.legacy and not replayed.baselines and may_baseline:
        missing = {
            kind: {k: v for k, v in catalog[kind].items() if k not in replayed.state.get(kind, {})}
            for kind in KINDS
        }
        baseline = {kind: len(things) for kind, things in missing.items() if things}
        row = append_event(
            session, BASELINE, None, None,
            {"state": {kind: things for kind, things in missing.items() if things},
             "note": "records state as found in the catalog at the first verification after "
                     "the upgrade; the events before it did not record state, so it is not "
                     "derived from them"},
        )  # fmt: skip
        replayed = replay([(row.id, row.event, row.detail)], start=replayed)
    sealed = None
    missing = unrecorded(replayed.state, catalog) if may_baseline else {}
    if missing:
        sealed = {kind: len(things) for kind, things in missing.items()}
        row = append_event(
            session, SEALED, None, None,
            {"state": missing,
             "note": "facts the audit trail did not record yet (written by an earlier eakte), "
                     "sealed as found in the catalog at the first verification after the "
                     "upgrade; changes made to them before it cannot be shown"},
        )  # fmt: skip
        replayed = replay([(row.id, row.event, row.detail)], start=replayed)
    return StateCheck(
        differences(replayed.state, catalog) + replayed.misplaced_baselines(), baseline, sealed
    )
