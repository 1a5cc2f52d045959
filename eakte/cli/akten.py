"""`eakte akte`: list, show, close (zdA), record events of and file documents into Akten."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from eakte.cli.common import (
    DataOption,
    JsonOption,
    out,
)
from eakte.cli.records import (
    DateOption,
    TokenOption,
    fail,
    parse_date,
    records_context,
    records_decision,
    todays_date,
)
from eakte.labels import STATE_LABELS

akte_app = typer.Typer(help="Files (Akten): list, show, close (zdA), record events.")


@akte_app.command("list")
def akte_list(
    unit: Annotated[str | None, typer.Option(help="Only this Aktenplan unit and below.")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the files with their retention state."""
    from archive.records.akten import list_akten

    with records_context(data) as r, r.archive.transaction() as session:
        rows = [a.to_json() for a in list_akten(session, todays_date(), unit)]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title=f"{len(rows)} Akten")
    for column in ("Aktenzeichen", "Aktenplan", "Dok.", "eröffnet", "zdA", "Aufbewahrung bis",
                   "Status"):  # fmt: skip
        table.add_column(column)
    for a in rows:
        table.add_row(
            a["aktenzeichen"], a["aktenplan_unit"] or "(ohne)", str(a["documents"]), a["opened"],
            a["closed"] or "-", a["retention_end"] or "-", STATE_LABELS[a["state"]],
        )  # fmt: skip
    out.print(table)


@akte_app.command("show")
def akte_show(
    aktenzeichen: Annotated[str, typer.Argument(metavar="AZ")],
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """One file: its retention, events, holds and documents."""
    from archive.records.akten import akte_details

    with records_context(data) as r, r.archive.transaction() as session:
        shown = akte_details(session, aktenzeichen, todays_date(), r.rules).to_json()
    if as_json:
        out.print_json(json.dumps(shown))
        return
    grid = Table.grid(padding=(0, 2))
    for key in ("aktenzeichen", "title", "aktenplan_unit", "organisation_unit", "opened",
                "closed", "retention_rule", "retention_end", "state", "appraisal", "archive_id"):  # fmt: skip
        value = shown[key]
        grid.add_row(key, STATE_LABELS.get(value, str(value)) if key == "state" else str(value))
    out.print(grid)
    for e in shown["events"]:
        out.print(f"Ereignis: {e['name']} am {e['date']}")
    for h in shown["holds"]:
        out.print(f"Hold {h['id']}: {h['reason']}{' (aufgehoben)' if h['released'] else ''}")
    table = Table(title="Dokumente")
    for column in ("id", "Art", "Datum", "Titel", "Status"):
        table.add_column(column)
    for d in shown["document_list"]:
        table.add_row(d["document_id"], d["doc_type"], d["document_date"] or "-", d["title"],
                      d["status"])  # fmt: skip
    out.print(table)


@akte_app.command("close")
def akte_close(
    aktenzeichen: Annotated[str, typer.Argument(metavar="AZ")],
    on: DateOption,
    token: TokenOption = None,
    data: DataOption = None,
) -> None:
    """Close a file (zdA) on a date; retention counted from closing starts to run."""
    from archive.records.akten import close_akte, find_akte

    with records_decision(data, token) as r, r.archive.transaction() as session:
        rule = r.rules.get(find_akte(session, aktenzeichen).aktenplan_unit)
        akte = close_akte(session, aktenzeichen, parse_date(on), rule, by=r.actor)
        end = akte.retention_end
    out.print(f"{aktenzeichen}: zdA {on}; kept until {end or 'further notice (permanent)'}")


@akte_app.command("event")
def akte_event(
    aktenzeichen: Annotated[str, typer.Argument(metavar="AZ")],
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="An event of the file's rule (akte show).")
    ],
    on: DateOption,
    token: TokenOption = None,
    data: DataOption = None,
) -> None:
    """Record a named event of a file (e.g. demolition) that its retention may run from."""
    from archive.records.akten import find_akte, record_event

    with records_decision(data, token) as r, r.archive.transaction() as session:
        rule = r.rules.get(find_akte(session, aktenzeichen).aktenplan_unit)
        akte = record_event(session, aktenzeichen, name, parse_date(on), rule, by=r.actor)
        end = akte.retention_end
    out.print(f"{aktenzeichen}: {name} on {on}; kept until {end or 'not yet known'}")


@akte_app.command("file")
def akte_file(
    document_id: Annotated[str, typer.Argument(metavar="DOCUMENT_ID")],
    aktenzeichen: Annotated[str, typer.Argument(metavar="AZ")],
    token: TokenOption = None,
    data: DataOption = None,
) -> None:
    """File a document into an Akte by hand (one without an Aktenzeichen, or filed wrongly)."""
    import re

    with records_decision(data, token) as r:
        found = re.search(r.plan.aktenzeichen_pattern, aktenzeichen)
        if found is None or found.group(0) != aktenzeichen:
            fail(f"{aktenzeichen!r} is not an Aktenzeichen of this file plan")
        left = r.archive.file_into(document_id, aktenzeichen, by=r.actor)
    out.print(f"{document_id} filed into {aktenzeichen}" + (f" (was in {left})" if left else ""))


@akte_app.command("assign")
def akte_assign(
    aktenzeichen: Annotated[str, typer.Argument(metavar="AZ")],
    unit: Annotated[str, typer.Argument(metavar="UNIT", help="Aktenplan unit, e.g. 6.1.3.")],
    token: TokenOption = None,
    data: DataOption = None,
) -> None:
    """Assign a file to an Aktenplan unit (one its Aktenzeichen names no unit for, or a
    wrong one); its retention follows that unit's rule. Audited with the old and new unit."""
    from archive.records.akten import assign_unit

    with records_decision(data, token) as r, r.archive.transaction() as session:
        akte = assign_unit(session, aktenzeichen, unit, r.rules, by=r.actor)
        end = akte.retention_end
    out.print(f"{aktenzeichen}: unit {unit}; kept until {end or 'not yet known'}")
