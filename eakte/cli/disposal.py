"""`eakte dispose`: disposal of due files the archive did not take, proposed and approved by two
people."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from eakte.cli.common import (
    DataOption,
    JsonOption,
    acting_user,
    out,
)
from eakte.cli.records import ByOption, records_context, todays_date

if TYPE_CHECKING:
    pass


dispose_app = typer.Typer(help="Disposal of due files, by two people.")


@dispose_app.command("propose")
def dispose_propose(
    by: ByOption = None, data: DataOption = None, as_json: JsonOption = False
) -> None:
    """Propose the due, unheld files appraised V or confirmed as handed over."""
    from archive.aussonderung.disposal import propose

    with records_context(data) as r:
        made = propose(r.archive, r.rules, by=acting_user(by, r.settings), today=todays_date())
        shown = [{"id": d.id, "aktenzeichen": d.aktenzeichen, "grounds": d.grounds,
                  "legal_basis": d.legal_basis} for d in made]  # fmt: skip
    if as_json:
        out.print_json(json.dumps(shown))
        return
    if not shown:
        out.print("no file may be disposed of now")
    for d in shown:
        out.print(f"{d['id']}  {d['aktenzeichen']}: {d['grounds']}")


@dispose_app.command("approve")
def dispose_approve(
    disposal_id: Annotated[str, typer.Argument(metavar="ID")],
    by: Annotated[str, typer.Option("--by", help="Who approves; not the proposer.")],
    data: DataOption = None,
) -> None:
    """Approve a proposal: the file's documents are destroyed; the record of it is kept."""
    from archive.aussonderung.disposal import approve

    with records_context(data) as r:
        disposal = approve(r.archive, disposal_id, by=by.strip(), today=todays_date())
    out.print(
        f"{disposal.aktenzeichen}: {len(disposal.documents)} documents destroyed "
        f"(proposed by {disposal.proposed_by}, approved by {disposal.approved_by})"
    )


@dispose_app.command("list")
def dispose_list(data: DataOption = None, as_json: JsonOption = False) -> None:
    """Proposals and deletion records."""
    from archive.aussonderung.disposal import list_disposals

    with records_context(data) as r:
        rows = [d.to_json() for d in list_disposals(r.archive)]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title="Vernichtung")
    for column in ("id", "Aktenzeichen", "Grund", "vorgeschlagen", "genehmigt", "Dokumente"):
        table.add_column(column)
    for d in rows:
        table.add_row(d["id"], d["aktenzeichen"], d["grounds"], d["proposed_by"],
                      d["approved_by"] or "-", str(len(d["documents"])))  # fmt: skip
    out.print(table)
