"""`eakte hold`: legal holds, which block disposal and hand-over until released."""

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
from eakte.cli.records import TokenOption, fail, records_context, records_decision

hold_app = typer.Typer(help="Legal holds: they block disposal and hand-over until released.")


@hold_app.command("add")
def hold_add(
    reason: Annotated[str, typer.Option("--reason", help="Why (case, court, authority).")],
    akte: Annotated[str | None, typer.Option("--akte", help="Aktenzeichen.")] = None,
    query: Annotated[str | None, typer.Option("--query", help="Every file a search finds.")] = None,
    token: TokenOption = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put files on legal hold: by Aktenzeichen, or every file a search finds."""
    from archive.records.akten import hold_akten
    from archive.search import SearchFilters

    if (akte is None) == (query is None):
        fail("give exactly one of --akte AZ or --query WORDS")
    with records_decision(data, token) as r:
        if akte is not None:
            numbers, selector = {akte}, f"akte:{akte}"
        else:
            hits = r.archive.search(query or "", SearchFilters(), 10_000)
            numbers, selector = {az for h in hits for az in h.aktenzeichen}, f"query:{query}"
        with r.archive.transaction() as session:
            hold = hold_akten(
                session,
                numbers,
                reason=reason,
                selector=selector,
                by=r.actor,
                every=akte is not None,
            )
            shown = {"id": hold.id, "akten": list(hold.akten)}
    if as_json:
        out.print_json(json.dumps(shown))
        return
    out.print(
        f"legal hold {shown['id']} on {len(shown['akten'])} Akten: {', '.join(shown['akten'])}"
    )


@hold_app.command("release")
def hold_release(
    hold_id: Annotated[str, typer.Argument(metavar="ID")],
    token: TokenOption = None,
    data: DataOption = None,
) -> None:
    """Release a legal hold; its files may be handed over and disposed of again."""
    from archive.records.akten import release_hold

    with records_decision(data, token) as r, r.archive.transaction() as session:
        release_hold(session, hold_id, r.actor)
    out.print(f"legal hold {hold_id} released")


@hold_app.command("list")
def hold_list(data: DataOption = None, as_json: JsonOption = False) -> None:
    """The legal holds, open ones first."""
    from archive.records.akten import list_holds

    with records_context(data) as r, r.archive.transaction() as session:
        holds = [h.to_json() for h in list_holds(session)]
    if as_json:
        out.print_json(json.dumps(holds))
        return
    table = Table(title=f"{len(holds)} legal holds")
    for column in ("id", "Grund", "Akten", "von", "offen"):
        table.add_column(column)
    for h in holds:
        table.add_row(h["id"], h["reason"], ", ".join(h["akten"]), h["by"],
                      "nein" if h["released"] else "ja")  # fmt: skip
    out.print(table)
