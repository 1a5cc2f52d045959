"""Retention rules: the rule of each Aktenplan unit, which one is in force, and approving a
changed one.

A file plan proposes rules; the catalog (`retention_rules`) keeps the rule in force per unit.
A unit seen for the first time takes the plan's rule; a rule the plan changes later stays a
proposal until a records manager approves it (`approve_changes`), which recomputes the unit's
files and is audited with the old and the new rule. Until then the old rule stays in force, so
editing the plan changes no retention behind anyone's back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.actors import Actor, check_actor
from archive.audit import append_event
from archive.catalog.models import Akte, AkteEvent, Document, RetentionRuleRow, Vorgang
from archive.documents import JsonView
from archive.records.retention import RetentionTrigger, retention_end

UNASSIGNED = ""  # the unit of an Akte whose Aktenzeichen names no unit, until one is assigned


@dataclass(frozen=True)
class Rule:
    """A unit's retention rule: N years (None: permanent) from a trigger; with the trigger
    "event", from the first of the named events recorded for the file."""

    years: int | None
    trigger: RetentionTrigger
    events: tuple[str, ...]
    legal_basis: str

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Rule:
        """From a file plan's rule (`events`, or one `event` as older plans and records say)."""
        events = data.get("events") or ([data["event"]] if data.get("event") else [])
        return cls(
            data.get("years"), RetentionTrigger(data["trigger"]), tuple(events), data["legal_basis"]
        )

    @classmethod
    def of_row(cls, row: RetentionRuleRow) -> Rule:
        return cls.of({**_row_values(row), "events": _events_of_column(row.event)})

    def values(self) -> dict[str, Any]:
        """The rule as the catalog row and the audit trail keep it."""
        return {
            "years": self.years,
            "trigger": self.trigger.value,
            "event": _events_column(self.events),
            "legal_basis": self.legal_basis,
        }

    def describe(self) -> str:
        span = "dauernd" if self.years is None else f"{self.years} Jahre"
        start = {"closing": "ab Schließung (zdA)", "document_date": "ab Dokumentdatum"}.get(
            self.trigger, "ab Ereignis " + " oder ".join(f"„{e}“" for e in self.events)
        )
        return f"{span} {start}; {self.legal_basis}"


def _events_column(events: tuple[str, ...]) -> str | None:
    """One event as its name (as rows written before lists were possible), more as JSON."""
    if not events:
        return None
    return events[0] if len(events) == 1 else json.dumps(list(events), ensure_ascii=False)


def _events_of_column(text: str | None) -> list[str]:
    if not text:
        return []
    return list(json.loads(text)) if text.startswith("[") else [text]


def _row_values(row: RetentionRuleRow) -> dict[str, Any]:
    return {"years": row.years, "trigger": row.trigger, "event": row.event,
            "legal_basis": row.legal_basis}  # fmt: skip


@dataclass(frozen=True)
class FilingPlan:
    """What records management needs of the file plan: each unit's proposed rule and the
    pattern of the Aktenzeichen of its files. The archive never reads the plan itself."""

    version: str
    rules: Mapping[str, Rule]
    patterns: Mapping[str, str] = field(default_factory=dict)  # unit -> regex, whole AZ
    titles: Mapping[str, str] = field(default_factory=dict)  # unit -> its title

    def units_for(self, aktenzeichen: str) -> list[str]:
        """The units whose Aktenzeichen pattern the whole Aktenzeichen matches."""
        return [u for u, p in self.patterns.items() if re.fullmatch(p, aktenzeichen)]


def unit_for(plan: FilingPlan | None, aktenzeichen: str) -> tuple[str, str]:
    """(unit, why) of a new Akte: the one unit whose pattern matches, else UNASSIGNED."""
    units = [] if plan is None else plan.units_for(aktenzeichen)
    if len(units) == 1:
        return units[0], f"Aktenzeichen matches the pattern of unit {units[0]}"
    if units:
        return UNASSIGNED, f"Aktenzeichen matches the patterns of units {', '.join(units)}"
    return UNASSIGNED, "Aktenzeichen matches no unit's pattern"


def now() -> datetime:
    return datetime.now(UTC)


def rules_in_force(session: Session, plan: FilingPlan | None) -> dict[str, Rule]:
    """Unit -> the rule in force; a unit the catalog has not seen takes the plan's rule."""
    rows = {r.unit: r for r in session.scalars(select(RetentionRuleRow))}
    first_seen = []
    for unit, rule in (plan.rules if plan else {}).items():
        if unit not in rows:
            rows[unit] = RetentionRuleRow(
                unit=unit, plan_version=plan.version if plan else "", since=now(), **rule.values()
            )
            session.add(rows[unit])
            first_seen.append(unit)
    if first_seen and plan is not None:
        append_event(
            session, "retention_rules_recorded", None, None,
            {"units": first_seen, "plan_version": plan.version},
        )  # fmt: skip
    session.flush()
    return {unit: Rule.of_row(row) for unit, row in rows.items()}


@dataclass(frozen=True)
class RuleChange(JsonView):
    """A unit whose rule in the file plan differs from the rule in force."""

    unit: str
    in_force: str
    proposed: str
    plan_version: str


def pending_changes(session: Session, plan: FilingPlan) -> list[RuleChange]:
    """The plan's rules that differ from the rules in force, awaiting approval."""
    changes = []
    for unit, rule in plan.rules.items():
        row = session.get(RetentionRuleRow, unit)
        if row is not None and _row_values(row) != rule.values():
            changes.append(
                RuleChange(unit, Rule.of_row(row).describe(), rule.describe(), plan.version)
            )
    return changes


def approve_changes(
    session: Session, plan: FilingPlan, *, by: Actor, units: set[str] | None = None
) -> list[RuleChange]:
    """Put the plan's changed rules (of `units`, default all) in force: the unit's files are
    recomputed and the change is audited with the old and new rule and who approved it."""
    check_actor(session, by)
    approved = []
    for change in pending_changes(session, plan):
        if units is not None and change.unit not in units:
            continue
        row = session.get(RetentionRuleRow, change.unit)
        assert row is not None
        rule = plan.rules[change.unit]
        old = _row_values(row)
        for key, value in rule.values().items():
            setattr(row, key, value)
        row.plan_version, row.since = plan.version, now()
        affected = [
            a.aktenzeichen
            for a in session.scalars(select(Akte).where(Akte.aktenplan_unit == change.unit))
            if recompute(session, a, rule)
        ]
        append_event(
            session, "retention_rule_changed", None, None,
            {"unit": change.unit, "old": old, "new": rule.values(),
             "plan_version": plan.version, "akten_recomputed": affected, **by.audit()},
        )  # fmt: skip
        approved.append(change)
    session.flush()
    return approved


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
    return session.scalar(  # the first of the rule's events that happened
        select(func.min(AkteEvent.date)).where(
            AkteEvent.akte_id == akte.id, AkteEvent.name.in_(rule.events)
        )
    )


def recompute(session: Session, akte: Akte, rule: Rule | None) -> bool:
    """Set the file's retention end from its rule (none: not known); True when it changed."""
    end = None if rule is None else retention_end(rule.years, trigger_date(session, akte, rule))
    if end == akte.retention_end:
        return False
    akte.retention_end = end
    return True
