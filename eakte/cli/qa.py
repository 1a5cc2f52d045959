"""`eakte qa`: the human visual check of a scanned batch against its paper, by sample."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from eakte.cli.common import DataOption, JsonOption, open_archive, out, settings_for
from eakte.cli.records import fail

qa_app = typer.Typer(help="Visual checks of scanned batches against the paper (by sample).")

BatchOption = Annotated[str, typer.Option("--batch", help="Batch id (from the ingest report).")]


def _rate(text: str) -> float:
    try:
        return float(text.strip().removesuffix("%"))
    except ValueError:
        fail(f"--rate {text!r}: give a percentage, e.g. 5%")


def _page(text: str) -> tuple[str, int]:
    doc_id, _, number = text.rpartition(":")
    if not doc_id or not number.isdigit():
        fail(f"--page {text!r}: give DOCUMENT_ID:PAGE, e.g. 3f2a…:2")
    return doc_id, int(number)


@qa_app.command("sample")
def qa_sample(
    batch: BatchOption,
    rate: Annotated[str, typer.Option("--rate", help="Share of the batch's pages, e.g. 5%.")],
    seed: Annotated[
        int | None, typer.Option("--seed", help="Draw this sample again (default: a new one).")
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draw a random sample of the batch's pages to compare with the paper; it is stored."""
    from archive.quality import sample_pages

    archive = open_archive(settings_for(data))
    try:
        with archive.transaction() as session:
            shown = sample_pages(session, batch, _rate(rate), seed).to_json()
    finally:
        archive.close()
    if as_json:
        out.print_json(json.dumps(shown))
        return
    table = Table(
        title=f"Stichprobe {shown['rate_percent']:g} % von {shown['population']} Seiten "
        f"(Batch {batch}, seed {shown['seed']})"
    )
    for column in ("Dokument", "Seite", "Datei"):
        table.add_column(column)
    for p in shown["pages"]:
        table.add_row(p["document_id"], str(p["page"]), p["source_name"])
    out.print(table)


@qa_app.command("record")
def qa_record(
    batch: BatchOption,
    by: Annotated[str, typer.Option("--by", help="Who compared the pages with the paper.")],
    result: Annotated[str, typer.Option("--result", help="passed or failed.")],
    page: Annotated[
        list[str] | None,
        typer.Option("--page", help="DOCUMENT_ID:PAGE checked (default: the drawn sample)."),
    ] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record who compared which pages with the paper, and the result."""
    from archive.quality import record_check

    if result not in ("passed", "failed"):
        fail(f"--result {result!r}: passed or failed")
    pages = [_page(p) for p in page] if page else None
    archive = open_archive(settings_for(data))
    try:
        with archive.transaction() as session:
            shown = record_check(session, batch, by, result, pages)  # type: ignore[arg-type]
    finally:
        archive.close()
    if as_json:
        out.print_json(json.dumps(shown))
        return
    out.print(f"{len(shown['pages'])} Seiten von {shown['by']} geprüft: {shown['result']}")
