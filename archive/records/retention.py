"""Retention arithmetic (Aufbewahrungsfristen) and the records-management state of an Akte.

The rule as records managers apply it: a retention period of N years runs from the end of the
year in which its trigger happened, so it ends on 31 December of (trigger year + N). The
trigger is the closing date of the Akte (zdA), the document date, or a named event (e.g. the
demolition of the building); until the trigger has happened its date is unknown, and so is the
end. A permanent period ("dauernd", N is None) never ends.

Plain library: stdlib only, so the catalog, the CLI and reports compute it the same way.
"""

from __future__ import annotations

import enum
from datetime import date

__all__ = [
    "APPRAISALS",
    "STATES",
    "AkteState",
    "AppraisalCode",
    "RetentionTrigger",
    "is_due",
    "retention_end",
    "retention_state",
]


class AkteState(enum.StrEnum):
    """Every state `retention_state` returns, from the start of an Akte's life to its end."""

    ACTIVE = "active"
    DUE = "due"
    ON_HOLD = "on_hold"
    OFFERED = "offered"
    APPRAISED = "appraised"
    TRANSFERRED = "transferred"
    DISPOSED = "disposed"


class AppraisalCode(enum.StrEnum):
    """The archive's appraisal: A = archivwürdig (take over), V = vernichten (destroy)."""

    A = "A"
    V = "V"


class RetentionTrigger(enum.StrEnum):
    """What a retention period runs from."""

    CLOSING = "closing"  # the Akte was closed (zdA)
    DOCUMENT_DATE = "document_date"  # the date of its youngest document
    EVENT = "event"  # a named event, e.g. the demolition of the building


STATES = tuple(s.value for s in AkteState)
APPRAISALS = tuple(a.value for a in AppraisalCode)


def retention_end(years: int | None, trigger_date: date | None) -> date | None:
    """31 December of (trigger year + `years`); None if permanent or the trigger is unknown.

    Periods run from the end of the trigger year, not from the trigger day, so a file closed
    on 1 January and one closed on 31 December of the same year are due together; that is
    what lets a records manager clear a whole year's files at once. 0 years means the end of
    the trigger year itself.
    """
    if years is None or trigger_date is None:
        return None
    if isinstance(years, bool) or years < 0:
        raise ValueError(f"retention years must be a non-negative integer, not {years!r}")
    return date(trigger_date.year + years, 12, 31)


def is_due(end: date | None, today: date) -> bool:
    """Whether the period has run out on `today`: from the day after `end` (1 January).

    The end date itself is still inside the period (the records must be kept through
    31 December), so an Akte is due only when `today > end`. No end (permanent or trigger
    unknown) is never due.
    """
    return end is not None and today > end


def retention_state(
    *,
    end: date | None,
    today: date,
    on_hold: bool,
    offered: bool,
    appraisal: str | None,
    transferred: bool,
    disposed: bool,
) -> AkteState:
    """The one state a records manager sees for an Akte.

    Precedence, highest first: disposed > transferred > on_hold > appraised > offered > due >
    active. The final steps (disposed, transferred) are facts that cannot be undone, so they
    win over everything. A hold (legal hold, pending request) outranks the hand-over steps
    because it blocks them: an offered or appraised Akte under a hold must not move on, and
    showing "on_hold" says why. After that, the furthest step of the hand-over to the archive
    wins (appraised, i.e. appraisal "A" or "V", then offered), then "due" once the period has
    run out (`is_due`), else "active".
    """
    if appraisal is not None and appraisal not in APPRAISALS:
        raise ValueError(f"appraisal must be one of {APPRAISALS} or None, not {appraisal!r}")
    if disposed:
        return AkteState.DISPOSED
    if transferred:
        return AkteState.TRANSFERRED
    if on_hold:
        return AkteState.ON_HOLD
    if appraisal is not None:
        return AkteState.APPRAISED
    if offered:
        return AkteState.OFFERED
    if is_due(end, today):
        return AkteState.DUE
    return AkteState.ACTIVE
