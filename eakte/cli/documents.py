"""`eakte search`, `show`, `verify` and `fileplan`: finding and reading what is archived."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from archive.documents import DocumentStatus
from eakte.cli.common import (
    DataOption,
    JsonOption,
    console,
    open_archive,
    out,
    require_archive,
    settings_for,
)
from eakte.cli.views import print_document, print_file_plan, print_hits
from pipelines.settings import Settings, open_index

# the statuses a document in the index can have (a disposed one is not in the index)
DOCUMENT_STATUSES = tuple(s.value for s in DocumentStatus if s is not DocumentStatus.DISPOSED)


def search(
    query: Annotated[
        str, typer.Argument(help="Words, phrases in quotes, or an identifier as printed.")
    ],
    data: DataOption = None,
    doc_type: Annotated[str | None, typer.Option("--type", help="Only this document type.")] = None,
    aktenzeichen: Annotated[
        str | None, typer.Option("--aktenzeichen", help="Only this file.")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Document date from (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Document date up to (YYYY-MM-DD).")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only documents with this status (archived, needs_review)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over OCR text and metadata, best hits first."""
    from archive.search import SearchFilters

    settings = settings_for(data)
    if status is not None and status not in DOCUMENT_STATUSES:
        console.print(
            f"[red]--status: {status!r} is not one of {', '.join(DOCUMENT_STATUSES)}[/red]"
        )
        raise typer.Exit(2)
    filters = SearchFilters(
        doc_type=doc_type,
        aktenzeichen=aktenzeichen,
        date_from=_date(date_from, "--from"),
        date_to=_date(date_to, "--to"),
        status=status,
    )
    require_archive(settings)
    hits = open_index(settings).search(query, filters, limit)
    if as_json:
        out.print_json(
            json.dumps({"query": query, "hits": [_hit_json(h) for h in hits]}, default=str)
        )
    else:
        print_hits(out, query, hits)


def show(
    doc_id: Annotated[str, typer.Argument(help="Document id from ingest or search.")],
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every stored fact about one document, including its full OCR text."""
    archive = open_archive(settings_for(data))
    document = archive.get(doc_id)
    if document is None:
        console.print(f"[red]no document {doc_id}[/red]")
        raise typer.Exit(1)
    from archive.quality import human_checks

    with archive.transaction() as session:
        checks = [c.to_json() for c in human_checks(session, doc_id, document.batch_id)]
    if as_json:
        # the key only where a check was recorded, so that a document shows as it always did
        extra = {"human_checks": checks} if checks else {}
        out.print_json(json.dumps({**document.to_json(), **extra}, default=str))
    else:
        print_document(out, document, checks)


def verify(
    data: DataOption = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="First remove blobs no document refers to and scratch folders left by a "
            "killed ingest (audited); refused while an ingest runs.",
        ),
    ] = False,
) -> None:
    """Re-hash every archived file, check that catalog, blob store and index agree, and
    verify the archived files' evidence records (trusted timestamps)."""
    from archive.evidence.records import Evidence
    from eakte.cli.repair import HINT, ORPHAN_BLOB, run_repair

    settings = settings_for(data)
    archive = open_archive(settings)
    if repair:
        run_repair(settings, archive)
    with console.status("Verifying the archive…"):
        problems = archive.verify()
        evidence = Evidence(settings.data_dir)
        sealed, evidence_problems = evidence.verify(settings.tsa_certificate)
        unsealed = len(evidence.unsealed())
    problems += evidence_problems
    for problem in problems:
        out.print(problem, markup=False)
    out.print(_trusted_time_line(settings, sealed, unsealed), markup=False)
    if problems:
        console.print(f"[red]{len(problems)} problem(s)[/red]")
        if any(ORPHAN_BLOB in problem for problem in problems):
            console.print(HINT, markup=False, highlight=False)
        raise typer.Exit(1)
    console.print("[green]archive verified: catalog, blobs, metadata and index agree[/green]")


def _trusted_time_line(settings: Settings, sealed: int, unsealed: int) -> str:
    """What the evidence records prove, said as it is."""
    from pipelines.trusted_time import NOT_CONFIGURED

    if not settings.tsa_url and not sealed:
        return f"trusted time: none — archived files have no evidence records ({NOT_CONFIGURED})"
    how = (
        "signatures checked against the TSA certificate"
        if settings.tsa_certificate
        else "hashes only: no TSA certificate configured, signatures not checked"
    )
    line = f"trusted time: {sealed} archived file(s) proven by evidence records ({how})"
    if unsealed:
        line += f"; {unsealed} file(s) not sealed yet (`eakte evidence seal`)"
    return line


def fileplan(
    file: Annotated[
        Path | None, typer.Option("--file", help="File plan to check (default: configured).")
    ] = None,
) -> None:
    """Check a file plan and show its units, retention rules and document types."""
    from classifiers.fileplan import FilePlanError, load_file_plan

    settings = settings_for(None)
    try:
        plan = load_file_plan(file or settings.file_plan)
    except FilePlanError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    print_file_plan(out, plan)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        console.print(f"[red]{option}: {value!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from exc


def _hit_json(hit: Any) -> dict[str, Any]:
    return {
        "document_id": hit.document_id,
        "score": round(hit.score, 4),
        "doc_type": hit.doc_type,
        "doc_label": hit.doc_label,
        "aktenzeichen": list(hit.aktenzeichen),
        "document_date": hit.document_date.isoformat() if hit.document_date else None,
        "title": hit.title,
        "snippet": hit.snippet,
    }
