"""Akten (files): documents filed under their Aktenzeichen, closing, events, retention, holds.

Records management works on Akten, as archives do (xdomea offers, appraises and takes over
whole files). The functions take a catalog session and leave the transaction to the caller;
every change is written to the audit trail in the same transaction. An Akte's unit, and so
its retention, follows from its Aktenzeichen or an audited assignment, never from the
documents filed into it. Retention rules come from the file plan, which this library does
not read: callers pass a `FilingPlan`, and `archive.records.rules` keeps the rules in force.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.actors import Actor, check_actor
from archive.audit import append_event
from archive.catalog.models import (
    Akte,
    AkteEvent,
    Document,
    Hold,
    HoldAkte,
    Vorgang,
)
from archive.documents import DocumentStatus, JsonView
from archive.errors import ArchiveError
from archive.records.retention import (
    STATES,
    AkteState,
    AppraisalCode,
    RetentionTrigger,
    is_due,
    retention_state,
)
from archive.records.rules import (
    UNASSIGNED,
    FilingPlan,
    Rule,
    recompute,
    rules_in_force,
    unit_for,
)


class RecordsError(ArchiveError):
    """A records-management step that cannot be done; the message says why."""


def now() -> datetime:
    return datetime.now(UTC)


def find_akte(session: Session, aktenzeichen: str) -> Akte:
    akte = akte_by_number(session, aktenzeichen)
    if akte is None:
        raise RecordsError(f"no Akte {aktenzeichen!r} in the archive")
    return akte


def akte_by_number(session: Session, aktenzeichen: str) -> Akte | None:
    return session.scalars(select(Akte).where(Akte.aktenzeichen == aktenzeichen)).first()


def akte_of(session: Session, doc: Document) -> Akte | None:
    """The Akte a document is filed in, if any."""
    if doc.vorgang_id is None:
        return None
    vorgang = session.get(Vorgang, doc.vorgang_id)
    return session.get(Akte, vorgang.akte_id) if vorgang else None


def filing_refusal(akte: Akte) -> str | None:
    """Why no document may be filed into (or out of) this Akte any more, or None: its papers
    were destroyed, or are offered or handed over to the archive."""
    if akte.disposed_at is not None:
        return f"Akte {akte.aktenzeichen} was destroyed on {akte.disposed_at:%Y-%m-%d}"
    if akte.transferred_at is not None or akte.transfer_confirmed_at is not None:
        when = akte.transferred_at or akte.transfer_confirmed_at
        return f"Akte {akte.aktenzeichen} was handed over to the archive on {when:%Y-%m-%d}"
    if akte.offer_id is not None:
        return (
            f"Akte {akte.aktenzeichen} is offered to the archive (xdomea process {akte.offer_id})"
        )
    return None


def file_document(
    session: Session,
    doc: Document,
    plan: FilingPlan | None,
    *,
    organisation_unit: str | None = None,
) -> Akte | None:
    """File a document into the Akte of its Aktenzeichen and the Vorgang of its batch; None
    for a document without an Aktenzeichen. A new Akte takes the unit whose Aktenzeichen
    pattern its Aktenzeichen matches, never the document's: a Widerspruch filed first into a
    Bauakte does not make it a Widerspruchsakte. With no (or more than one) matching unit the
    Akte is unassigned: it has no retention until a unit is assigned (`assign_unit`).
    RecordsError for an Akte that takes no more documents (`filing_refusal`)."""
    if not doc.aktenzeichen:
        return None
    rules = rules_in_force(session, plan)  # first: its event then precedes the filing's
    akte = akte_by_number(session, doc.aktenzeichen)
    if akte is None:
        unit, why = unit_for(plan, doc.aktenzeichen)
        title = plan.titles.get(unit) if plan else None
        akte = Akte(
            id=str(uuid.uuid4()),
            aktenzeichen=doc.aktenzeichen,
            title=f"{title} {doc.aktenzeichen}" if title else doc.aktenzeichen,
            aktenplan_unit=unit,
            organisation_unit=organisation_unit,
            opened=doc.document_date or doc.archived_at.date(),
        )
        session.add(akte)
        session.flush()
        append_event(
            session, "akte_opened", None, doc.batch_id,
            {"akte_id": akte.id, "aktenzeichen": akte.aktenzeichen,
             "unit": akte.aktenplan_unit or None, "unit_reason": why},
        )  # fmt: skip
    elif refusal := filing_refusal(akte):
        raise RecordsError(refusal)
    elif doc.document_date and doc.document_date < akte.opened:
        akte.opened = doc.document_date  # a file runs from its oldest paper
    if akte.organisation_unit is None and organisation_unit:
        akte.organisation_unit = organisation_unit
    vorgang = session.scalars(
        select(Vorgang).where(Vorgang.akte_id == akte.id, Vorgang.batch_id == doc.batch_id)
    ).first()
    if vorgang is None:
        vorgang = Vorgang(
            id=str(uuid.uuid4()), akte_id=akte.id, batch_id=doc.batch_id,
            title=f"Erfassung {doc.batch_id}",
        )  # fmt: skip
        session.add(vorgang)
        session.flush()
    doc.vorgang_id = vorgang.id
    session.flush()
    recompute(session, akte, rules.get(akte.aktenplan_unit))
    return akte


def assign_unit(
    session: Session, aktenzeichen: str, unit: str, rules: Mapping[str, Rule], *, by: Actor
) -> Akte:
    """Assign the Akte to an Aktenplan unit, a records decision: its retention follows the
    unit's rule from now on, and the old and new unit are audited."""
    check_actor(session, by)
    akte = find_akte(session, aktenzeichen)
    if unit not in rules:
        raise RecordsError(
            f"{unit!r} is no Aktenplan unit of the file plan: one of {', '.join(sorted(rules))}"
        )
    if unit == akte.aktenplan_unit:
        raise RecordsError(f"Akte {aktenzeichen} belongs to unit {unit} already")
    if (refusal := filing_refusal(akte)) is not None:
        raise RecordsError(f"{refusal}; its unit cannot change")
    old, old_end = akte.aktenplan_unit, akte.retention_end
    akte.aktenplan_unit = unit
    recompute(session, akte, rules[unit])
    append_event(
        session, "akte_unit_assigned", None, None,
        {"akte_id": akte.id, "aktenzeichen": aktenzeichen, "old_unit": old or None,
         "new_unit": unit, **by.audit(),
         "old_retention_end": old_end.isoformat() if old_end else None,
         "retention_end": akte.retention_end.isoformat() if akte.retention_end else None},
    )  # fmt: skip
    return akte


def documents_of(session: Session, akte: Akte) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .join(Vorgang, Document.vorgang_id == Vorgang.id)
            .where(Vorgang.akte_id == akte.id)
            .order_by(Document.document_date, Document.id)
        )
    )


def document_counts(session: Session) -> dict[str, int]:
    """Akte id -> how many documents it holds, in one query."""
    rows = session.execute(
        select(Vorgang.akte_id, func.count(Document.id))
        .join(Document, Document.vorgang_id == Vorgang.id)
        .group_by(Vorgang.akte_id)
    )
    return {akte_id: count for akte_id, count in rows}


def close_akte(
    session: Session, aktenzeichen: str, on: date, rule: Rule | None, *, by: Actor
) -> Akte:
    """Close the file (zdA) on `on`; its retention period may start to run (once it has a
    unit, for an unassigned Akte)."""
    check_actor(session, by)
    akte = find_akte(session, aktenzeichen)
    if akte.closed is not None:
        raise RecordsError(f"Akte {aktenzeichen} is closed already (zdA {akte.closed})")
    if on < akte.opened:
        raise RecordsError(f"Akte {aktenzeichen} was opened {akte.opened}, after {on}")
    akte.closed = on
    recompute(session, akte, rule)
    append_event(
        session, "akte_closed", None, None,
        {"akte_id": akte.id, "aktenzeichen": aktenzeichen, "closed": on.isoformat(),
         "retention_end": akte.retention_end.isoformat() if akte.retention_end else None,
         **by.audit()},
    )  # fmt: skip
    return akte


def record_event(
    session: Session, aktenzeichen: str, name: str, on: date, rule: Rule | None, *, by: Actor
) -> Akte:
    """Record an event of the file its retention runs from (e.g. "Abriss des Gebäudes").

    Only the events of the file's own rule are accepted, spelled as the file plan names
    them: an event nothing waits for would be recorded and change nothing."""
    check_actor(session, by)
    akte = find_akte(session, aktenzeichen)
    name = " ".join(name.split())
    if rule is None:
        raise RecordsError(
            f"Akte {aktenzeichen} has no Aktenplan unit yet, so no retention events: "
            "assign one first (eakte akte assign)"
        )
    if rule.trigger != RetentionTrigger.EVENT:
        raise RecordsError(
            f"Akte {aktenzeichen} (unit {akte.aktenplan_unit}) is kept {rule.describe()}: "
            "its retention runs from no event"
        )
    if name not in rule.events:
        raise RecordsError(
            f"Akte {aktenzeichen} (unit {akte.aktenplan_unit}) knows no event {name!r}; "
            f"valid: {', '.join(repr(e) for e in rule.events)}"
        )
    existing = session.scalars(
        select(AkteEvent).where(AkteEvent.akte_id == akte.id, AkteEvent.name == name)
    ).first()
    if existing is not None:
        raise RecordsError(f"Akte {aktenzeichen}: event {name!r} was recorded for {existing.date}")
    session.add(AkteEvent(akte_id=akte.id, name=name, date=on, recorded_at=now()))
    session.flush()
    recompute(session, akte, rule)
    append_event(
        session, "akte_event", None, None,
        {"akte_id": akte.id, "aktenzeichen": aktenzeichen, "name": name, "date": on.isoformat(),
         "retention_end": akte.retention_end.isoformat() if akte.retention_end else None,
         **by.audit()},
    )  # fmt: skip
    return akte


# --- legal holds ----------------------------------------------------------------------------


def add_hold(
    session: Session, akten: Iterable[Akte], *, reason: str, selector: str, by: Actor
) -> Hold:
    check_actor(session, by)
    reason = reason.strip()
    if not reason:
        raise RecordsError("a legal hold needs a reason")
    held = list({a.id: a for a in akten}.values())
    if not held:
        raise RecordsError(f"{selector}: no Akte matches, nothing to hold")
    hold = Hold(
        id=str(uuid.uuid4()),
        reason=reason,
        selector=selector,
        created_at=now(),
        created_by=by.name,
    )
    hold.akten = [HoldAkte(akte_id=a.id) for a in held]
    session.add(hold)
    session.flush()
    append_event(
        session, "hold_added", None, None,
        {"hold_id": hold.id, "reason": reason, "selector": selector,
         "akten": sorted(a.aktenzeichen for a in held), **by.audit()},
    )  # fmt: skip
    return hold


def release_hold(session: Session, hold_id: str, by: Actor) -> Hold:
    check_actor(session, by)
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise RecordsError(f"no legal hold {hold_id!r}")
    if hold.released_at is not None:
        raise RecordsError(f"legal hold {hold_id} was released on {hold.released_at:%Y-%m-%d}")
    hold.released_at, hold.released_by = now(), by.name
    append_event(session, "hold_released", None, None, {"hold_id": hold_id, **by.audit()})
    return hold


def held_akte_ids(session: Session) -> set[str]:
    return set(
        session.scalars(select(HoldAkte.akte_id).join(Hold).where(Hold.released_at.is_(None)))
    )


@dataclass(frozen=True)
class AkteView(JsonView):
    """A file's records facts, for the command line and the API."""

    id: str
    aktenzeichen: str
    title: str
    aktenplan_unit: str | None  # None: not assigned yet (its Aktenzeichen names no unit)
    organisation_unit: str | None
    opened: date
    closed: date | None
    retention_end: date | None
    state: AkteState
    appraisal: AppraisalCode | None
    archive_id: str | None  # the archive's id of the file once handed over (Archivkennung)


@dataclass(frozen=True)
class AkteListing(AkteView):
    """A file in the list of files, with how many documents it holds."""

    documents: int


@dataclass(frozen=True)
class AkteEventView(JsonView):
    name: str
    date: dt.date


@dataclass(frozen=True)
class HoldRef(JsonView):
    """A legal hold as a file shows it."""

    id: str
    reason: str
    released: bool


@dataclass(frozen=True)
class FiledDocument(JsonView):
    """A document as a file lists it."""

    document_id: str
    doc_type: str
    title: str
    status: DocumentStatus
    document_date: date | None


@dataclass(frozen=True)
class AkteDetails(AkteView):
    """One file with its retention rule, events, holds and documents."""

    retention_rule: str | None
    events: tuple[AkteEventView, ...]
    holds: tuple[HoldRef, ...]
    document_list: tuple[FiledDocument, ...]
    documents: int


@dataclass(frozen=True)
class HoldView(JsonView):
    """A legal hold and the files it holds."""

    id: str
    reason: str
    selector: str
    by: str
    at: datetime
    released: bool
    akten: tuple[str, ...]


def _view_values(akte: Akte, today: date, held: set[str]) -> dict[str, Any]:
    return {
        "id": akte.id,
        "aktenzeichen": akte.aktenzeichen,
        "title": akte.title,
        "aktenplan_unit": akte.aktenplan_unit or None,
        "organisation_unit": akte.organisation_unit,
        "opened": akte.opened,
        "closed": akte.closed,
        "retention_end": akte.retention_end,
        "state": state_of(akte, today, held),
        "appraisal": AppraisalCode(akte.appraisal) if akte.appraisal else None,
        "archive_id": akte.archive_id,
    }


def describe_akte(akte: Akte, today: date, held: set[str]) -> AkteView:
    """A file's records facts, for the command line and the API."""
    return AkteView(**_view_values(akte, today, held))


def akte_facts(session: Session, aktenzeichen: str, today: date) -> AkteView | None:
    """The records facts of the file with this Aktenzeichen, if there is one."""
    akte = akte_by_number(session, aktenzeichen)
    return None if akte is None else describe_akte(akte, today, held_akte_ids(session))


def list_akten(session: Session, today: date, unit: str | None = None) -> list[AkteListing]:
    """Every file (of `unit` and the units below it), by Aktenzeichen."""
    from archive.search import unit_path

    held, counts = held_akte_ids(session), document_counts(session)
    return [
        AkteListing(**_view_values(a, today, held), documents=counts.get(a.id, 0))
        for a in session.scalars(select(Akte).order_by(Akte.aktenzeichen))
        if unit is None or (a.aktenplan_unit and unit in unit_path(a.aktenplan_unit))
    ]


def akte_details(
    session: Session, aktenzeichen: str, today: date, rules: Mapping[str, Rule]
) -> AkteDetails:
    """One file: its retention, events, holds and documents; RecordsError if unknown."""
    akte = find_akte(session, aktenzeichen)
    rule = rules.get(akte.aktenplan_unit)
    events = session.scalars(select(AkteEvent).where(AkteEvent.akte_id == akte.id))
    holds = session.scalars(select(Hold).join(HoldAkte).where(HoldAkte.akte_id == akte.id))
    documents = tuple(
        FiledDocument(d.id, d.doc_type, d.title, DocumentStatus(d.status), d.document_date)
        for d in documents_of(session, akte)
    )
    return AkteDetails(
        **_view_values(akte, today, held_akte_ids(session)),
        retention_rule=rule.describe() if rule else None,
        events=tuple(AkteEventView(e.name, e.date) for e in events),
        holds=tuple(HoldRef(h.id, h.reason, h.released_at is not None) for h in holds),
        document_list=documents,
        documents=len(documents),
    )


def list_holds(session: Session) -> list[HoldView]:
    """The legal holds, open ones first, then by when they were placed."""
    names = {a.id: a.aktenzeichen for a in session.scalars(select(Akte))}
    return [
        HoldView(
            h.id,
            h.reason,
            h.selector,
            h.created_by,
            h.created_at,
            h.released_at is not None,
            tuple(sorted(names[x.akte_id] for x in h.akten)),
        )
        for h in session.scalars(
            select(Hold).order_by(Hold.released_at.is_not(None), Hold.created_at)
        )
    ]


def hold_akten(
    session: Session,
    numbers: Iterable[str],
    *,
    reason: str,
    selector: str,
    by: Actor,
    every: bool = False,
) -> HoldView:
    """Put the files with these Aktenzeichen on legal hold; with `every`, each must exist."""
    wanted = set(numbers)
    akten = list(session.scalars(select(Akte).where(Akte.aktenzeichen.in_(wanted))))
    missing = wanted - {a.aktenzeichen for a in akten}
    if every and missing:
        raise RecordsError(f"no Akte {sorted(missing)[0]!r} in the archive")
    hold = add_hold(session, akten, reason=reason, selector=selector, by=by)
    return HoldView(
        hold.id, hold.reason, hold.selector, hold.created_by, hold.created_at, False,
        tuple(sorted(a.aktenzeichen for a in akten)),
    )  # fmt: skip


def state_of(akte: Akte, today: date, held: set[str]) -> AkteState:
    return retention_state(
        end=akte.retention_end,
        today=today,
        on_hold=akte.id in held,
        offered=akte.offered_at is not None,
        appraisal=akte.appraisal,
        transferred=akte.transfer_confirmed_at is not None or akte.transferred_at is not None,
        disposed=akte.disposed_at is not None,
    )


@dataclass(frozen=True)
class DueAkte(JsonView):
    """A file due (or due soon) in the retention report."""

    aktenzeichen: str
    title: str
    unit: str
    retention_end: date
    legal_basis: str
    state: AkteState


@dataclass(frozen=True)
class AwaitingAppraisal(JsonView):
    """A file offered longer ago than the archive is given to decide on it (no A or V yet:
    not answered, or answered "B")."""

    aktenzeichen: str
    title: str
    process_id: str | None
    offered_on: date
    reason: str


#: Days the archive is given to appraise an offered file before the report names it.
APPRAISAL_OVERDUE_DAYS = 180


@dataclass(frozen=True)
class RetentionReport(JsonView):
    """Files counted by retention state, the files due by `due_before`, and the offered files
    the archive has not decided on in time."""

    date: dt.date
    due_before: dt.date
    counts: dict[str, int]  # every state of STATES, in that order
    due: tuple[DueAkte, ...]
    unfiled_documents: int  # documents without an Aktenzeichen, so in no Akte
    # Akten whose Aktenzeichen names no Aktenplan unit: no retention until one is assigned
    unassigned: tuple[str, ...] = ()
    awaiting_appraisal: tuple[AwaitingAppraisal, ...] = ()


def awaiting_appraisal(
    akten: Iterable[Akte], today: date, overdue_days: int
) -> tuple[AwaitingAppraisal, ...]:
    """Offered files without an A/V decision more than `overdue_days` after the offer."""
    found = []
    for a in akten:
        if a.offered_at is None or a.appraisal is not None or a.disposed_at is not None:
            continue
        offered = a.offered_at if a.offered_at.tzinfo else a.offered_at.replace(tzinfo=dt.UTC)
        offered_on = offered.astimezone().date()
        if (today - offered_on).days > overdue_days:
            found.append(AwaitingAppraisal(
                a.aktenzeichen, a.title, a.offer_id, offered_on,
                f"offered {(today - offered_on).days} days ago, no decision A or V from the "
                f"archive within {overdue_days} days",
            ))  # fmt: skip
    return tuple(sorted(found, key=lambda f: (f.offered_on, f.aktenzeichen)))


def retention_report(
    session: Session,
    rules: Mapping[str, Rule],
    today: date,
    horizon: date,
    appraisal_overdue_days: int = APPRAISAL_OVERDUE_DAYS,
    *,
    akte_visible: Callable[[Akte], bool] | None = None,
    document_visible: Callable[[str, bool], bool] | None = None,
) -> RetentionReport:
    """Files counted by retention state, the files due by `horizon` with their basis, and the
    offered files still awaiting the archive's appraisal after `appraisal_overdue_days`.

    `akte_visible(akte)` and `document_visible(unit, tax_secret)`: what the reader may see;
    the report counts and names nothing else (by default, everything)."""
    held = held_akte_ids(session)
    akten = [
        a
        for a in session.scalars(select(Akte).order_by(Akte.retention_end, Akte.aktenzeichen))
        if akte_visible is None or akte_visible(a)
    ]
    counts = Counter(state_of(a, today, held) for a in akten)
    due = tuple(
        DueAkte(
            a.aktenzeichen, a.title, a.aktenplan_unit, a.retention_end,
            rules[a.aktenplan_unit].describe() if a.aktenplan_unit in rules else "-",
            state_of(a, today, held),
        )
        for a in akten
        if a.disposed_at is None and a.retention_end is not None
        and (is_due(a.retention_end, today) or a.retention_end < horizon)
    )  # fmt: skip
    unfiled_rows = session.execute(
        select(Document.aktenplan_unit, Document.tax_secret).where(
            Document.vorgang_id.is_(None), Document.status != DocumentStatus.DISPOSED
        )
    )
    unfiled = sum(
        1 for unit, tax in unfiled_rows if document_visible is None or document_visible(unit, tax)
    )
    return RetentionReport(
        date=today,
        due_before=horizon,
        counts={s: counts.get(AkteState(s), 0) for s in STATES},
        due=due,
        unfiled_documents=unfiled,
        unassigned=tuple(sorted(a.aktenzeichen for a in akten if a.aktenplan_unit == UNASSIGNED)),
        awaiting_appraisal=awaiting_appraisal(akten, today, appraisal_overdue_days),
    )
