"""Retention periods end on 31 December of trigger year + N; states follow a fixed precedence."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.records.retention import STATES, is_due, retention_end, retention_state

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
years = st.integers(min_value=0, max_value=100)


@given(dates, years)
def test_the_end_is_31_december_of_trigger_year_plus_n(trigger: date, n: int) -> None:
    end = retention_end(n, trigger)
    assert end is not None
    assert (end.month, end.day) == (12, 31)
    assert end.year == trigger.year + n
    assert end >= trigger


@given(st.sampled_from([y for y in range(1900, 2201) if calendar.isleap(y)]), years)
def test_a_leap_day_trigger_works(year: int, n: int) -> None:
    # the end year is usually no leap year: a naive "same day, N years later" would fail here
    assert retention_end(n, date(year, 2, 29)) == date(year + n, 12, 31)


@given(st.integers(min_value=1900, max_value=2200), years)
def test_the_whole_trigger_year_ends_together(year: int, n: int) -> None:
    assert retention_end(n, date(year, 1, 1)) == retention_end(n, date(year, 12, 31))


@given(dates)
def test_permanent_never_ends(trigger: date) -> None:
    assert retention_end(None, trigger) is None


@given(st.none() | years)
def test_an_unknown_trigger_gives_no_end(n: int | None) -> None:
    assert retention_end(n, None) is None


@given(dates, years)
def test_due_from_the_day_after_the_end(trigger: date, n: int) -> None:
    end = retention_end(n, trigger)
    assert end is not None
    assert not is_due(end, end)
    assert not is_due(end, end - timedelta(days=1))
    assert is_due(end, end + timedelta(days=1))
    assert (end + timedelta(days=1)) == date(end.year + 1, 1, 1)


@given(dates)
def test_no_end_is_never_due(today: date) -> None:
    assert not is_due(None, today)


def test_zero_years_ends_with_the_trigger_year() -> None:
    assert retention_end(0, date(2020, 6, 15)) == date(2020, 12, 31)


@pytest.mark.parametrize("bad", [-1, -30, True])
def test_negative_years_are_refused(bad: int) -> None:
    with pytest.raises(ValueError):
        retention_end(bad, date(2020, 1, 1))


def test_tax_file_closed_2015_is_due_in_2026() -> None:
    end = retention_end(10, date(2015, 3, 10))  # Steuerakte, zdA 10.03.2015, 10 Jahre
    assert end == date(2025, 12, 31)
    assert not is_due(end, date(2025, 12, 31))
    assert is_due(end, date(2026, 1, 1))


def test_building_file_runs_from_demolition() -> None:
    # Bauakte: 30 years after the demolition; while the building stands, nothing is due
    assert retention_end(30, None) is None
    assert not is_due(retention_end(30, None), date(2200, 1, 1))
    assert retention_end(30, date(2031, 8, 1)) == date(2061, 12, 31)


# --- states -----------------------------------------------------------------------------

TODAY = date(2026, 1, 1)
PAST = date(2025, 12, 31)  # due on TODAY
FUTURE = date(2030, 12, 31)


def state(**changes: object) -> str:
    facts: dict[str, object] = {
        "end": FUTURE,
        "today": TODAY,
        "on_hold": False,
        "offered": False,
        "appraisal": None,
        "transferred": False,
        "disposed": False,
    }
    facts.update(changes)
    return retention_state(**facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "active"),
        ({"end": None}, "active"),  # permanent or trigger unknown
        ({"end": TODAY}, "active"),  # the end date itself is still kept
        ({"end": PAST}, "due"),
        ({"end": PAST, "offered": True}, "offered"),
        ({"end": PAST, "offered": True, "appraisal": "A"}, "appraised"),
        ({"end": PAST, "offered": True, "appraisal": "V"}, "appraised"),
        ({"end": PAST, "offered": True, "appraisal": "A", "on_hold": True}, "on_hold"),
        ({"end": PAST, "on_hold": True}, "on_hold"),
        ({"on_hold": True}, "on_hold"),
        ({"appraisal": "A", "transferred": True}, "transferred"),
        ({"appraisal": "A", "transferred": True, "on_hold": True}, "transferred"),
        ({"appraisal": "V", "disposed": True}, "disposed"),
        ({"transferred": True, "disposed": True, "on_hold": True}, "disposed"),
    ],
)
def test_state_examples(changes: dict[str, object], expected: str) -> None:
    assert state(**changes) == expected


@given(
    end=st.none() | dates,
    today=dates,
    on_hold=st.booleans(),
    offered=st.booleans(),
    appraisal=st.sampled_from([None, "A", "V"]),
    transferred=st.booleans(),
    disposed=st.booleans(),
)
def test_state_precedence(
    end: date | None,
    today: date,
    on_hold: bool,
    offered: bool,
    appraisal: str | None,
    transferred: bool,
    disposed: bool,
) -> None:
    got = retention_state(
        end=end,
        today=today,
        on_hold=on_hold,
        offered=offered,
        appraisal=appraisal,
        transferred=transferred,
        disposed=disposed,
    )
    assert got in STATES
    # the first fact that holds, in order of precedence, decides
    ladder = [
        (disposed, "disposed"),
        (transferred, "transferred"),
        (on_hold, "on_hold"),
        (appraisal is not None, "appraised"),
        (offered, "offered"),
        (is_due(end, today), "due"),
        (True, "active"),
    ]
    assert got == next(name for holds, name in ladder if holds)


@pytest.mark.parametrize("bad", ["", "B", "a", "X"])
def test_unknown_appraisal_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        state(appraisal=bad)
