"""`eakte retention report`: how long files are kept and which are due, as a table, CSV, JSON
or HTML."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from eakte.cli.common import (
    DataOption,
    JsonOption,
    out,
)
from eakte.cli.records import (
    TokenOption,
    fail,
    parse_date,
    records_context,
    records_decision,
    todays_date,
)
from eakte.labels import STATE_LABELS

if TYPE_CHECKING:
    pass


retention_app = typer.Typer(help="Retention: how long files are kept, which are due.")


@retention_app.command("report")
def retention_report(
    due_before: Annotated[
        str | None, typer.Option("--due-before", help="List files due before this date.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv, json or html.")] = "table",
    output: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
    data: DataOption = None,
) -> None:
    """Files by retention state, and the files due (with their legal basis)."""
    from archive.records.akten import retention_report as build_report

    if fmt not in ("table", "csv", "json", "html"):
        fail(f"unknown format {fmt!r}: table, csv, json or html")
    today = todays_date()
    horizon = parse_date(due_before) if due_before else today
    with records_context(data) as r, r.archive.transaction() as session:
        report = build_report(
            session, r.rules, today, horizon, r.settings.appraisal_overdue_days
        ).to_json()
    text = _render(report, fmt)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        out.print(f"written to {output}")
    elif fmt == "table":
        _print_report(report)
    else:
        print(text, end="")


@retention_app.command("rules")
def retention_rules(
    approve: Annotated[
        bool, typer.Option("--approve", help="Put the file plan's changed rules in force.")
    ] = False,
    unit: Annotated[
        list[str] | None, typer.Option("--unit", help="Approve only this unit (repeatable).")
    ] = None,
    token: TokenOption = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """The retention rules in force, and the file plan's changes awaiting approval; with
    --approve, apply them (the units' files are recomputed; audited with who approved)."""
    from archive.records.rules import approve_changes, pending_changes

    opened = records_decision(data, token) if approve else records_context(data)
    with opened as r, r.archive.transaction() as session:
        pending = pending_changes(session, r.filing)
        unknown = set(unit or ()) - {c.unit for c in pending}
        if unknown:
            fail(f"no changed rule awaits approval for unit {', '.join(sorted(unknown))}")
        if approve:
            applied = approve_changes(
                session, r.filing, by=r.actor, units=set(unit) if unit else None
            )
        in_force = {u: rule.describe() for u, rule in sorted(r.rules.items())}
    if as_json:
        shown = {"in_force": in_force, "pending": [c.to_json() for c in pending]}
        if approve:
            shown["approved"] = [c.unit for c in applied]
        out.print_json(json.dumps(shown))
        return
    table = Table(title="Aufbewahrungsregeln in Kraft")
    for column in ("Aktenplan", "Regel"):
        table.add_column(column)
    for u, text in in_force.items():
        table.add_row(u, text)
    out.print(table)
    for c in pending:
        state = "approved" if approve and c in applied else "awaiting approval"
        out.print(f"unit {c.unit} ({state}): {c.in_force}  ->  {c.proposed}")


def _render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["aktenzeichen", "title", "unit", "retention_end", "state", "legal_basis"])
        for d in report["due"]:
            writer.writerow([d["aktenzeichen"], d["title"], d["unit"], d["retention_end"],
                             d["state"], d["legal_basis"]])  # fmt: skip
        return buffer.getvalue()
    if fmt == "html":
        from jinja2 import Environment, PackageLoader, select_autoescape

        env = Environment(loader=PackageLoader("eakte.web"), autoescape=select_autoescape())
        return env.get_template("aufbewahrung_bericht.html").render(r=report, labels=STATE_LABELS)
    console_buffer = io.StringIO()
    from rich.console import Console

    _print_report(report, Console(file=console_buffer, width=160))
    return console_buffer.getvalue()


def _print_report(report: dict[str, Any], console_: Any = None) -> None:
    target = console_ or out
    counts = Table(title=f"Aufbewahrung am {report['date']}")
    for state in report["counts"]:
        counts.add_column(STATE_LABELS[state], justify="right")
    counts.add_row(*(str(n) for n in report["counts"].values()))
    target.print(counts)
    due = Table(title=f"fällig oder fällig vor {report['due_before']}: {len(report['due'])}")
    for column in ("Aktenzeichen", "Aktenplan", "Aufbewahrung bis", "Status", "Rechtsgrundlage"):
        due.add_column(column)
    for d in report["due"]:
        due.add_row(d["aktenzeichen"], d["unit"], d["retention_end"], STATE_LABELS[d["state"]],
                    d["legal_basis"])  # fmt: skip
    target.print(due)
    if report["awaiting_appraisal"]:
        waiting = Table(title=f"ohne Bewertung des Archivs: {len(report['awaiting_appraisal'])}")
        for column in ("Aktenzeichen", "angeboten am", "Prozess", "Hinweis"):
            waiting.add_column(column)
        for w in report["awaiting_appraisal"]:
            waiting.add_row(w["aktenzeichen"], w["offered_on"], w["process_id"] or "-",
                            w["reason"])  # fmt: skip
        target.print(waiting)
    if report["unfiled_documents"]:
        target.print(f"{report['unfiled_documents']} documents are in no Akte (see akte file)")
    if report["unassigned"]:
        target.print(
            f"{len(report['unassigned'])} Akten have no Aktenplan unit, so no retention "
            f"(eakte akte assign AZ UNIT): {', '.join(report['unassigned'])}"
        )
