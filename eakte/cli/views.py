"""What people look at on the terminal: batch reports, hit lists, one document."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

if TYPE_CHECKING:
    from archive.documents import DocumentView

STATUS_STYLE = {
    "archived": "green",
    "needs_review": "yellow",
    "duplicate": "cyan",
    "quarantined": "red",
    "skipped": "magenta",  # in the scan folder, not an input: a link, a hidden file
    "interrupted": "bold red",  # a full disk stopped the batch here
    "not_reached": "dim",
}


def _confidence_style(value: float | None) -> str:
    if value is None:
        return "dim"
    return "green" if value >= 85 else "yellow" if value >= 70 else "red"


def print_batch(console: Console, report: dict[str, Any]) -> None:
    """The batch quality view: every input, what became of it, and how well it was read."""
    table = Table(title=f"Batch {report['batch_id']}", show_lines=False)
    table.add_column("source", overflow="fold", ratio=2)
    for column in ("status", "type", "class. conf.", "pages", "OCR conf.", "check pages"):
        table.add_column(column, no_wrap=True)
    table.add_column("reason", overflow="fold", ratio=3)
    for line in report["documents"]:
        status = line["status"]
        ocr = line.get("ocr_confidence")
        table.add_row(
            escape(line["source"].rsplit("/", 1)[-1]),
            f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]",
            escape(line.get("doc_type") or ""),
            f"{line['confidence']:.2f}" if line.get("confidence") is not None else "",
            str(line.get("pages") or ""),
            f"[{_confidence_style(ocr)}]{ocr:.0f}[/]" if ocr is not None else "",
            ", ".join(
                f"[red]{page}{' (not recognised)' if page in (line.get('unrecognised_pages') or []) else ''}[/]"
                for page in line.get("low_confidence_pages") or []
            ),
            escape((line.get("reason") or "")[:160]),
        )
    console.print(table)
    counts = "  ".join(
        f"[{STATUS_STYLE.get(k, 'white')}]{k}: {v}[/]" for k, v in report["counts"].items()
    )
    console.print(f"{len(report['documents'])} input(s)  {counts}")
    for warning in report.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    search_index = report.get("search_index") or {}
    if "compacted_from" in search_index:
        console.print(
            f"search index compacted: {search_index['compacted_from']} segments "
            f"-> {search_index['segments']}"
        )
    if search_index.get("caught_up"):
        console.print(
            f"search index caught up: {search_index['caught_up']} catalogued document(s) "
            "it lacked added"
        )
    if search_index.get("behind"):
        console.print(
            f"[yellow]warning:[/yellow] search index behind: {search_index['not_indexed']} "
            "document(s) of this batch are archived but not yet searchable "
            f"({escape(search_index['reason'])}); the next batch or `eakte index repair` "
            "adds them"
        )
    if "compaction_skipped" in search_index:
        console.print(
            "[yellow]warning:[/yellow] search index not compacted: "
            f"{escape(search_index['compaction_skipped'])}"
        )
    print_trusted_time(console, report.get("trusted_time"))


def print_trusted_time(console: Console, trusted_time: dict[str, Any] | None) -> None:
    """What was timestamped at the end of a command, or plainly why nothing was."""
    if not trusted_time:
        return
    style = "yellow" if trusted_time["problems"] or not trusted_time["configured"] else "green"
    console.print(f"[{style}]trusted time:[/] {escape(trusted_time['note'])}")


def _highlight(snippet: str) -> str:
    parts = re.split(r"(<b>.*?</b>)", snippet)
    return "".join(
        f"[bold yellow]{escape(p[3:-4])}[/]" if p.startswith("<b>") else escape(p) for p in parts
    )


def print_hits(console: Console, query: str, hits: list[Any]) -> None:
    table = Table(title=f"Search: {escape(query)}  ({len(hits)} hit(s))", show_lines=True)
    for column in ("score", "document", "type", "Aktenzeichen", "date", "title / snippet"):
        table.add_column(column, overflow="fold")
    for hit in hits:
        table.add_row(
            f"{hit.score:.2f}",
            hit.document_id,
            escape(hit.doc_type),
            escape(", ".join(hit.aktenzeichen)),
            hit.document_date.isoformat() if hit.document_date else "",
            f"[bold]{escape(hit.title)}[/]\n{_highlight(hit.snippet)}",
        )
    console.print(table)


def print_review_queue(console: Console, items: list[Any]) -> None:
    """The review queue: what waits for a person to confirm or correct its type, oldest first."""
    if not items:
        console.print("[green]the review queue is empty: no document needs review[/green]")
        return
    table = Table(
        title=f"Review queue ({len(items)} document(s), oldest first)", box=box.SIMPLE_HEAD
    )
    table.add_column("document", no_wrap=True)  # copied into `eakte review accept|relabel`
    table.add_column("type", overflow="fold", ratio=1)
    table.add_column("conf.", no_wrap=True)
    table.add_column("title", overflow="fold", ratio=2)
    table.add_column("source file", overflow="fold", ratio=1)
    table.add_column("batch", overflow="fold", ratio=1)
    for item in items:
        table.add_row(
            item.document_id,
            escape(item.doc_type),
            f"[yellow]{item.confidence:.2f}[/]",
            escape(item.title),
            escape(item.source_name.rsplit("/", 1)[-1]),
            escape(item.batch_id),
        )
    console.print(table)


def print_document(
    console: Console, view: DocumentView, human_checks: list[dict[str, Any]] | None = None
) -> None:
    doc = view.to_json()  # printed as `eakte show --json` has it
    facts = Table.grid(padding=(0, 2))
    for key in (
        "document_id",
        "status",
        "doc_label",
        "confidence",
        "label_source",
        "reviewed_by",
        "reviewed_at",
        "aktenplan_unit",
        "tax_secret",
        "title",
        "aktenzeichen",
        "document_date",
        "source_name",
        "batch_id",
        "archived_at",
        "original_path",
        "pdfa_path",
        "metadata_path",
        "sha256_original",
        "sha256_pdfa",
        "ocr_confidence",
        "file_plan_version",
    ):
        facts.add_row(f"[bold]{key}[/]", escape(str(doc.get(key))))
    for identifier in doc["identifiers"]:
        facts.add_row(f"[bold]{identifier['kind']}[/]", escape(identifier["raw"]))
    facts.add_row("[bold]dates[/]", escape(", ".join(doc["facts"].get("dates", []))))
    if doc["facts"].get("aktenzeichen_source"):
        facts.add_row("[bold]aktenzeichen from[/]", escape(doc["facts"]["aktenzeichen_source"]))
    for version in doc.get("versions", [])[:-1]:  # earlier versions, kept beside the newest
        facts.add_row(
            f"[bold]version {version['number']}[/]",
            escape(f"{version['created_at'][:10]} {version['source_name']} "
                   f"(original {version['sha256_original'][:12]}…)"),
        )  # fmt: skip
    console.print(Panel(facts, title=escape(doc["title"])))
    if doc["facts"].get("transfer_note"):
        print_transfer_note(console, doc["facts"]["transfer_note"], human_checks or [])
    pages = Table(title="Pages")
    for column in ("page", "source", "OCR confidence", "characters"):
        pages.add_column(column)
    for page in doc["pages"]:
        conf = page["confidence"]
        pages.add_row(
            str(page["number"]),
            page["source"],
            f"[{_confidence_style(conf)}]{conf:.1f}[/]" if conf is not None else "-",
            str(page["chars"]),
        )
    console.print(pages)
    audit = Table(title="Audit trail")
    for column in ("at", "event", "detail"):
        audit.add_column(column, overflow="fold")
    for event in doc["audit"]:
        audit.add_row(event["at"], event["event"], escape(str(event["detail"])[:200]))
    console.print(audit)
    console.print(Panel(escape(doc["text"]), title="Text"))


def print_transfer_note(
    console: Console, note: dict[str, Any], human_checks: list[dict[str, Any]] | None = None
) -> None:
    """The Transfervermerk as a records manager reads it before paper may be destroyed."""

    def stated(value: Any) -> str:
        return "[dim]not stated[/]" if value is None else escape(str(value))

    grid = Table.grid(padding=(0, 2))
    duplex = note.get("duplex")
    profile = ", ".join(
        [
            f"{note['dpi']} dpi" if note.get("dpi") else "dpi not stated",
            note.get("colour") or "colour mode not stated",
            "duplex" if duplex else "simplex" if duplex is False else "duplex not stated",
        ]
    )
    quality = note.get("quality_check", {})
    result = quality.get("result", "")
    rows: list[tuple[str, str]] = [
        ("standard", escape(note.get("standard", ""))),
        ("batch", escape(f"{note.get('batch_name')} ({note.get('batch_id')})")),
        ("manifest", stated(note.get("manifest_file"))),
        ("operator", stated(note.get("operator"))),
        ("organisation unit", stated(note.get("organisation_unit"))),
        ("scanner", stated(note.get("scanner"))),
        ("profile", escape(profile)),
        ("box / shelf", f"{stated(note.get('box'))} / {stated(note.get('shelf'))}"),
        ("scanned at (place)", stated(note.get("scan_place"))),
        ("workstation", stated(note.get("workstation"))),
        ("procedure documentation", stated(note.get("procedure_documentation"))),
        ("protection need", stated(note.get("protection_need"))),
        ("captured at", escape(f"{note.get('captured_at')} ({note.get('captured_at_basis')})")),
        ("ingested at", escape(str(note.get("ingested_at")))),
        ("source", escape(f"{note.get('source_name')} ({note.get('source_kind')})")),
        ("pages", escape(str(note.get("pages")))),
        ("processing", escape("; ".join(note.get("processing", [])))),
        (
            "anomalies",
            escape("; ".join(f"page {a['page']}: {a['detail']}" for a in note["anomalies"]))
            if note.get("anomalies")
            else "none",
        ),
        (
            "quality check",
            f"[{'green' if result == 'passed' else 'yellow'}]{escape(result)}[/]"
            + escape("".join(f"\n  ✓ {c}" for c in quality.get("checks", []))),
        ),
        ("visual check", _visual_checks(human_checks or [])),
        ("agreement with original", stated(note.get("conformity"))),
        ("seal", stated(note.get("seal"))),
        (
            "software",
            escape(", ".join(f"{k} {v}" for k, v in sorted(note.get("software", {}).items()))),
        ),
        ("SHA-256 original", escape(str(note.get("sha256_original")))),
        ("SHA-256 PDF/A", escape(str(note.get("sha256_pdfa")))),
    ]
    for label, value in rows:
        grid.add_row(f"[bold]{label}[/]", value)
    console.print(Panel(grid, title="Transfervermerk"))


def _visual_checks(checks: list[dict[str, Any]]) -> str:
    """The batch's recorded visual checks, or that there is none (`eakte qa record`)."""
    if not checks:
        return "[yellow]none recorded for this batch[/]"
    lines = []
    for c in checks:
        how = (
            f"sample of {c['sample_rate_percent']:g} %"
            if c["sample_rate_percent"] is not None
            else "pages named"
        )
        mine = ", ".join(str(n) for n in c["pages_of_this_document"]) or "none"
        lines.append(
            f"{c['result']} by {c['by']} at {c['at']} ({how}: {c['pages_checked']} page(s) of "
            f"the batch; of this document: {mine})"
        )
    return escape("\n".join(lines))


def print_file_plan(console: Console, plan: Any) -> None:
    """The file plan as a records manager reads it: unit, retention, and the types filed there."""
    table = Table(title=f"{escape(plan.name)} (version {escape(plan.version)})")
    for column in ("unit", "title", "Aktenzeichen", "retention", "legal basis", "document types"):
        table.add_column(column, overflow="fold")
    for unit in plan.units:
        rule = unit.retention
        years = "dauernd" if rule.years is None else f"{rule.years} years"
        trigger = (
            " or ".join(rule.events) if rule.trigger == "event" else rule.trigger.replace("_", " ")
        )
        types = [
            f"{t.label}{' (§ 30 AO)' if t.tax else ''}" for t in plan.types if t.unit == unit.id
        ]
        table.add_row(
            unit.id,
            escape(unit.title),
            escape(unit.aktenzeichen_pattern or "-"),
            escape(f"{years} from {trigger}"),
            escape(rule.legal_basis),
            escape(", ".join(types)),
        )
    console.print(table)
    console.print(
        f"Aktenzeichen pattern: {escape(plan.aktenzeichen_pattern)}   review below "
        f"confidence {plan.review_threshold:.2f}   fallback type: {plan.fallback_type}"
    )
