"""`eakte dispose`: disposal of due files the archive did not take, proposed and approved by two
people."""

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
from eakte.cli.records import TokenOption, records_context, records_decision, todays_date

dispose_app = typer.Typer(help="Disposal of due files, by two authenticated records managers.")


@dispose_app.command("propose")
def dispose_propose(
    token: TokenOption = None, data: DataOption = None, as_json: JsonOption = False
) -> None:
    """Propose the due, unheld files appraised V or confirmed as handed over."""
    from archive.aussonderung.disposal import propose

    with records_decision(data, token) as r:
        made = propose(r.archive, r.rules, by=r.actor, today=todays_date())
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
    token: TokenOption = None,
    data: DataOption = None,
) -> None:
    """Approve a proposal with your own token (not the proposer's): the file's documents are
    destroyed; the record of it is kept."""
    from archive.aussonderung.disposal import approve

    with records_decision(data, token) as r:
        disposal = approve(r.archive, disposal_id, by=r.actor, today=todays_date())
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
