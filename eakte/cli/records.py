"""What every records-management command shares: the archive with the file plan's retention
rules applied, and how dates and refusals are read and shown.

Each command works with the retention rules in force. A rule the file plan changed is only
reported: it takes effect when a records manager approves it (`eakte retention rules
--approve`), audited, so editing the plan changes no retention behind anyone's back.

A records decision (`records_decision`) is made by a person authenticated by their own token
with the role records_manager, given as --token or, better (it stays out of the shell's
history and the process list), in EAKTE_TOKEN; a refused token changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from eakte.cli.common import (
    console,
    file_plan_for,
    require_archive,
    settings_for,
)

if TYPE_CHECKING:
    from archive.actors import Actor
    from archive.records.rules import FilingPlan, Rule
    from archive.records.xdomea import Party
    from archive.store import Archive
    from classifiers.fileplan import FilePlan


DateOption = Annotated[str, typer.Option("--date", help="Date, YYYY-MM-DD.")]


TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="EAKTE_TOKEN",
        show_envvar=True,
        help="Your own API token (role records_manager): who decides. Prefer EAKTE_TOKEN.",
    ),
]


@dataclass
class Records:
    archive: Archive
    rules: dict[str, Rule]  # unit -> the rule in force
    settings: Any
    plan: FilePlan
    filing: FilingPlan
    actor_: Actor | None = None

    @property
    def actor(self) -> Actor:
        """The authenticated person making this command's decision."""
        assert self.actor_ is not None, "a records decision is opened with records_decision"
        return self.actor_

    def party(self, us: bool) -> Party:
        from archive.records.xdomea import Party

        s = self.settings
        return (
            Party(name=s.authority_name, code=s.authority_code)
            if us
            else Party(name=s.archive_name, code=s.archive_code)
        )


@contextmanager
def records_context(data: Path | None) -> Iterator[Records]:
    """The archive for a command that reads records or makes no personal decision."""
    with _records(data, decides=False, token=None) as records:
        yield records


@contextmanager
def records_decision(data: Path | None, token: str | None) -> Iterator[Records]:
    """The archive and the authenticated records manager for a records decision; an empty,
    unknown or revoked token, or one without the role, ends the command before any change."""
    with _records(data, decides=True, token=token) as records:
        yield records


@contextmanager
def _records(data: Path | None, *, decides: bool, token: str | None) -> Iterator[Records]:
    from archive.actors import authenticate_actor
    from archive.records.rules import pending_changes, rules_in_force
    from pipelines.records_plan import filing_plan
    from pipelines.settings import open_archive

    settings = settings_for(data)
    plan = file_plan_for(settings)
    filing = filing_plan(plan)
    require_archive(settings)
    # a decision's checks (a hold, a due date) must hold until it commits: no other writer
    # on any machine runs between them
    archive = open_archive(settings, filing, serialised=decides)
    try:
        actor = None
        if decides:
            with archive.transaction() as session:
                actor = authenticate_actor(session, token)
        with archive.transaction() as session:
            rules = rules_in_force(session, filing)
            for change in pending_changes(session, filing):
                console.print(
                    f"the file plan changes the retention rule of unit {change.unit}; the old "
                    "rule stays in force until approved (eakte retention rules --approve)"
                )
        yield Records(archive, rules, settings, plan, filing, actor)
    finally:
        archive.close()


def fail(message: str) -> NoReturn:
    console.print(f"[red]{message}[/red]", markup=True, highlight=False)
    raise typer.Exit(2)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"not a date: {text!r} (use YYYY-MM-DD)")


def todays_date() -> date:
    return date.today()
