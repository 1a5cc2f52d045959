"""`eakte review list|accept|relabel`: records staff confirm or correct document types.

A decision is recorded with the reviewer's name in the catalog and the audit trail, the
document leaves the review queue, and it becomes a confirmed example the classifier may be
trained on. Type, label, Aktenplan unit and tax secrecy come from the configured file plan.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from classifiers.fileplan import DocTypeRule, FilePlan
from eakte.cli.common import (
    DataOption,
    JsonOption,
    acting_user,
    console,
    file_plan_for,
    open_archive,
    out,
    settings_for,
)
from eakte.cli.views import print_review_queue

if TYPE_CHECKING:
    from archive.documents import ReviewItem
    from archive.store import Archive

app = typer.Typer(
    help="Confirm or correct the document types the classifier was unsure of.",
    no_args_is_help=True,
)

DocIdArgument = Annotated[str, typer.Argument(help="Document id (from `eakte review list`).")]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who decides (default: EAKTE_USER, else the login name)."),
]


@app.command("list")
def list_command(data: DataOption = None, as_json: JsonOption = False) -> None:
    """Documents waiting for review, oldest first."""
    archive = open_archive(settings_for(data))
    try:
        items = archive.review_queue()
    finally:
        archive.close()
    if as_json:
        out.print_json(json.dumps([_item_json(item) for item in items]))
    else:
        print_review_queue(out, items)


@app.command("accept")
def accept(doc_id: DocIdArgument, by: ByOption = None, data: DataOption = None) -> None:
    """Confirm a document's type as the classifier filed it."""
    settings = settings_for(data)
    reviewer = acting_user(by, settings)
    plan = file_plan_for(settings)
    archive = open_archive(settings)
    try:
        document = archive.get(doc_id)
        if document is None:
            _unknown_document(doc_id)
        _decide(archive, doc_id, reviewer, _doc_type(plan, document.doc_type, accepting=True))
    finally:
        archive.close()


@app.command("relabel")
def relabel(
    doc_id: DocIdArgument,
    doc_type: Annotated[str, typer.Argument(metavar="TYPE", help="Document type key.")],
    by: ByOption = None,
    data: DataOption = None,
) -> None:
    """Correct a document's type to TYPE, a document type of the file plan."""
    settings = settings_for(data)
    reviewer = acting_user(by, settings)
    rule = _doc_type(file_plan_for(settings), doc_type, accepting=False)
    archive = open_archive(settings)
    try:
        _decide(archive, doc_id, reviewer, rule)
    finally:
        archive.close()


def _decide(archive: Archive, doc_id: str, reviewer: str, rule: DocTypeRule) -> None:
    from archive.search import IndexBusyError

    try:
        outcome = archive.review(
            doc_id,
            by=reviewer,
            doc_type=rule.key,
            doc_label=rule.label,
            unit=rule.unit,
            tax_secret=rule.tax,
        )
    except IndexBusyError as exc:
        console.print(f"nothing changed: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    out.print(
        f"{outcome.decision} {outcome.document_id}: {outcome.from_type} -> {outcome.to_type}, "
        f"status {outcome.from_status} -> {outcome.status} (by {outcome.by})",
        markup=False,
        highlight=False,
        soft_wrap=True,  # one line, also for scripts
    )


def _doc_type(plan: FilePlan, key: str, *, accepting: bool) -> DocTypeRule:
    try:
        return plan.doc_type(key)
    except KeyError:
        valid = ", ".join(t.key for t in plan.types)
        what = (
            f"the document's type {key!r} is not in the file plan; relabel it instead"
            if accepting
            else f"unknown document type {key!r}"
        )
        console.print(f"[red]{what}.[/red] Valid types: {valid}", highlight=False)
        raise typer.Exit(2) from None


def _unknown_document(doc_id: str) -> NoReturn:
    console.print(f"[red]no document {doc_id} in the archive[/red]", highlight=False)
    raise typer.Exit(2)


def _item_json(item: ReviewItem) -> dict[str, Any]:
    return {
        "document_id": item.document_id,
        "doc_type": item.doc_type,
        "doc_label": item.doc_label,
        "confidence": round(item.confidence, 3),
        "title": item.title,
        "source_name": item.source_name,
        "batch_id": item.batch_id,
        "archived_at": item.archived_at.isoformat(),
    }
