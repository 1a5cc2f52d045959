"""Akten (files): documents filed under their Aktenzeichen, closing, events, retention, holds.

Records management works on Akten, as archives do (xdomea offers, appraises and takes over
whole files). The functions take a catalog session and leave the transaction to the caller;
every change is written to the audit trail in the same transaction. Retention rules come
from the file plan, which this library does not read: callers pass them as `Rule`s.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
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
    RetentionRuleRow,
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
    retention_end,
    retention_state,
)


class RecordsError(ArchiveError):
    """A records-management step that cannot be done; the message says why."""


@dataclass(frozen=True)
class Rule:
    """A unit's retention rule: N years (None: permanent) from a trigger."""

    years: int | None
    trigger: RetentionTrigger
    event: str | None
    legal_basis: str

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Rule:
        return cls(
            data.get("years"),
            RetentionTrigger(data["trigger"]),
            data.get("event"),
            data["legal_basis"],
        )

    def describe(self) -> str:
        span = "dauernd" if self.years is None else f"{self.years} Jahre"
        start = {"closing": "ab Schließung (zdA)", "document_date": "ab Dokumentdatum"}.get(
            self.trigger, f"ab Ereignis „{self.event}“"
        )
        return f"{span} {start}; {self.legal_basis}"


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


def file_document(
    session: Session,
    doc: Document,
    rule: Rule | None,
    *,
    title: str,
    organisation_unit: str | None = None,
) -> Akte | None:
    """File a document into the Akte of its Aktenzeichen (made on first sight) and the
    Vorgang of its batch; None for a document without an Aktenzeichen."""
    if not doc.aktenzeichen:
        return None
    akte = akte_by_number(session, doc.aktenzeichen)
    if akte is None:
        akte = Akte(
            id=str(uuid.uuid4()),
            aktenzeichen=doc.aktenzeichen,
            title=title,
            aktenplan_unit=doc.aktenplan_unit,
            organisation_unit=organisation_unit,
            opened=doc.document_date or doc.archived_at.date(),
        )
        session.add(akte)
        session.flush()
        append_event(
            session, "akte_opened", None, doc.batch_id,
            {"akte_id": akte.id, "aktenzeichen": akte.aktenzeichen, "unit": akte.aktenplan_unit},
        )  # fmt: skip
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
    if rule is not None:
        recompute(session, akte, rule)
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


def trigger_date(session: Session, akte: Akte, rule: Rule) -> date | None:
    """When the retention period of the file starts to run, if that has happened yet."""
    if rule.trigger == RetentionTrigger.CLOSING:
        return akte.closed
    if rule.trigger == RetentionTrigger.DOCUMENT_DATE:  # the file's youngest document
        return session.scalar(
            select(func.max(Document.document_date))
            .join(Vorgang, Document.vorgang_id == Vorgang.id)
            .where(Vorgang.akte_id == akte.id)
        )
    event = session.scalars(
        select(AkteEvent).where(AkteEvent.akte_id == akte.id, AkteEvent.name == rule.event)
    ).first()
    return event.date if event else None


def recompute(session: Session, akte: Akte, rule: Rule) -> bool:
    """Set the file's retention end from its rule; True when it changed."""
    end = retention_end(rule.years, trigger_date(session, akte, rule))
    if end == akte.retention_end:
        return False
    akte.retention_end = end
    return True


def close_akte(session: Session, aktenzeichen: str, on: date, rule: Rule, *, by: Actor) -> Akte:
    """Close the file (zdA) on `on`; its retention period may start to run."""
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
    session: Session, aktenzeichen: str, name: str, on: date, rule: Rule, *, by: Actor
) -> Akte:
    """Record a named event of the file (e.g. "Abriss des Gebäudes") on `on`."""
    check_actor(session, by)
    akte = find_akte(session, aktenzeichen)
    name = name.strip()
    if not name:
        raise RecordsError("an event needs a name")
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


def sync_rules(session: Session, rules: Mapping[str, Rule], plan_version: str) -> list[str]:
    """Apply the file plan's rules: units whose rule changed get their files recomputed, and
    the change (old and new rule, plan version, files affected) is audited. Returns them.
    Units seen for the first time are audited together as the rules recorded."""
    changed, first_seen = [], []
    for unit, rule in rules.items():
        row = session.get(RetentionRuleRow, unit)
        values = {"years": rule.years, "trigger": rule.trigger.value, "event": rule.event,
                  "legal_basis": rule.legal_basis}  # fmt: skip
        if row is not None and all(getattr(row, k) == v for k, v in values.items()):
            continue
        old = None if row is None else {k: getattr(row, k) for k in values}
        if row is None:
            row = RetentionRuleRow(unit=unit, plan_version=plan_version, since=now(), **values)
            session.add(row)
        else:
            for k, v in values.items():
                setattr(row, k, v)
            row.plan_version, row.since = plan_version, now()
        affected = [
            a.aktenzeichen
            for a in session.scalars(select(Akte).where(Akte.aktenplan_unit == unit))
            if recompute(session, a, rule)
        ]
        if old is not None:  # the first sight of a unit is no change
            append_event(
                session, "retention_rule_changed", None, None,
                {"unit": unit, "old": old, "new": values, "plan_version": plan_version,
                 "akten_recomputed": affected},
            )  # fmt: skip
            changed.append(unit)
        else:
            first_seen.append(unit)
    if first_seen:
        append_event(
            session, "retention_rules_recorded", None, None,
            {"units": first_seen, "plan_version": plan_version},
        )  # fmt: skip
    session.flush()
    return changed


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
    aktenplan_unit: str
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
        "aktenplan_unit": akte.aktenplan_unit,
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
        if unit is None or unit in unit_path(a.aktenplan_unit)
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
) -> RetentionReport:
    """Files counted by retention state, the files due by `horizon` with their basis, and the
    offered files still awaiting the archive's appraisal after `appraisal_overdue_days`."""
    held = held_akte_ids(session)
    akten = list(session.scalars(select(Akte).order_by(Akte.retention_end, Akte.aktenzeichen)))
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
    unfiled = session.scalar(
        select(func.count())
        .select_from(Document)
        .where(Document.vorgang_id.is_(None), Document.status != DocumentStatus.DISPOSED)
    )
    return RetentionReport(
        date=today,
        due_before=horizon,
        counts={s: counts.get(AkteState(s), 0) for s in STATES},
        due=due,
        unfiled_documents=int(unfiled or 0),
        awaiting_appraisal=awaiting_appraisal(akten, today, appraisal_overdue_days),
    )
