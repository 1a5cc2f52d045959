"""Records management on the command line: Akten, retention, legal holds, hand-over, disposal,
audit. For records managers (Registratur); every step is written to the audit trail.

Each command first applies the file plan's retention rules to the catalog, so a changed plan
recomputes the affected files (and the change is audited) before anything is decided.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.table import Table

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
from eakte.labels import STATE_LABELS

if TYPE_CHECKING:
    from archive.records.akten import Rule
    from archive.records.xdomea import Party
    from archive.store import Archive
    from classifiers.fileplan import FilePlan

akte_app = typer.Typer(help="Files (Akten): list, show, close (zdA), record events.")
hold_app = typer.Typer(help="Legal holds: they block disposal and hand-over until released.")
retention_app = typer.Typer(help="Retention: how long files are kept, which are due.")
aussonderung_app = typer.Typer(help="Hand-over to the archive with xdomea (0501-0506).")
dispose_app = typer.Typer(help="Disposal of due files, by two people.")
audit_app = typer.Typer(help="The tamper-evident audit trail.")

DateOption = Annotated[str, typer.Option("--date", help="Date, YYYY-MM-DD.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Who acts (default: EAKTE_USER).")]


@dataclass
class Records:
    archive: Archive
    rules: dict[str, Rule]
    settings: Any
    plan: FilePlan

    def party(self, us: bool) -> Party:
        from archive.records.xdomea import Party

        s = self.settings
        return (
            Party(name=s.authority_name, code=s.authority_code)
            if us
            else Party(name=s.archive_name, code=s.archive_code)
        )


@contextmanager
def _records(data: Path | None) -> Iterator[Records]:
    from archive.records.akten import Rule, sync_rules

    settings = settings_for(data)
    plan = file_plan_for(settings)
    rules = {u.id: Rule.of(u.retention.model_dump()) for u in plan.units}
    archive = open_archive(settings)
    try:
        with archive.transaction() as session:
            for unit in sync_rules(session, rules, f"{plan.name} {plan.version}"):
                console.print(f"retention rule of {unit} changed: its files were recomputed")
        yield Records(archive, rules, settings, plan)
    finally:
        archive.close()


def _fail(message: str) -> NoReturn:
    console.print(f"[red]{message}[/red]", markup=True, highlight=False)
    raise typer.Exit(2)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"not a date: {text!r} (use YYYY-MM-DD)")


def _today() -> date:
    return date.today()


# --- Akten ------------------------------------------------------------------------------------


@akte_app.command("list")
def akte_list(
    unit: Annotated[str | None, typer.Option(help="Only this Aktenplan unit and below.")] = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the files with their retention state."""
    from archive.records.akten import list_akten

    with _records(data) as r, r.archive.transaction() as session:
        rows = [a.to_json() for a in list_akten(session, _today(), unit)]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title=f"{len(rows)} Akten")
    for column in ("Aktenzeichen", "Aktenplan", "Dok.", "eröffnet", "zdA", "Aufbewahrung bis",
                   "Status"):  # fmt: skip
        table.add_column(column)
    for a in rows:
        table.add_row(
            a["aktenzeichen"], a["aktenplan_unit"], str(a["documents"]), a["opened"],
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

    with _records(data) as r, r.archive.transaction() as session:
        shown = akte_details(session, aktenzeichen, _today(), r.rules).to_json()
    if as_json:
        out.print_json(json.dumps(shown))
        return
    grid = Table.grid(padding=(0, 2))
    for key in ("aktenzeichen", "title", "aktenplan_unit", "organisation_unit", "opened",
                "closed", "retention_rule", "retention_end", "state", "appraisal"):  # fmt: skip
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
    data: DataOption = None,
) -> None:
    """Close a file (zdA) on a date; retention counted from closing starts to run."""
    from archive.records.akten import close_akte, find_akte

    with _records(data) as r, r.archive.transaction() as session:
        rule = r.rules[find_akte(session, aktenzeichen).aktenplan_unit]
        akte = close_akte(session, aktenzeichen, _date(on), rule)
        end = akte.retention_end
    out.print(f"{aktenzeichen}: zdA {on}; kept until {end or 'further notice (permanent)'}")


@akte_app.command("event")
def akte_event(
    aktenzeichen: Annotated[str, typer.Argument(metavar="AZ")],
    name: Annotated[str, typer.Argument(metavar="NAME", help="e.g. 'Abriss des Gebäudes'")],
    on: DateOption,
    data: DataOption = None,
) -> None:
    """Record a named event of a file (e.g. demolition) that its retention may run from."""
    from archive.records.akten import find_akte, record_event

    with _records(data) as r, r.archive.transaction() as session:
        rule = r.rules[find_akte(session, aktenzeichen).aktenplan_unit]
        akte = record_event(session, aktenzeichen, name, _date(on), rule)
        end = akte.retention_end
    out.print(f"{aktenzeichen}: {name} on {on}; kept until {end or 'not yet known'}")


@akte_app.command("file")
def akte_file(
    document_id: Annotated[str, typer.Argument(metavar="DOCUMENT_ID")],
    aktenzeichen: Annotated[str, typer.Argument(metavar="AZ")],
    by: ByOption = None,
    data: DataOption = None,
) -> None:
    """File a document into an Akte by hand (one without an Aktenzeichen, or filed wrongly)."""
    import re

    with _records(data) as r:
        found = re.search(r.plan.aktenzeichen_pattern, aktenzeichen)
        if found is None or found.group(0) != aktenzeichen:
            _fail(f"{aktenzeichen!r} is not an Aktenzeichen of this file plan")
        left = r.archive.file_into(
            document_id, aktenzeichen, by=acting_user(by, r.settings), rules=r.rules
        )
    out.print(f"{document_id} filed into {aktenzeichen}" + (f" (was in {left})" if left else ""))


# --- legal holds --------------------------------------------------------------------------------


@hold_app.command("add")
def hold_add(
    reason: Annotated[str, typer.Option("--reason", help="Why (case, court, authority).")],
    akte: Annotated[str | None, typer.Option("--akte", help="Aktenzeichen.")] = None,
    query: Annotated[str | None, typer.Option("--query", help="Every file a search finds.")] = None,
    by: ByOption = None,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put files on legal hold: by Aktenzeichen, or every file a search finds."""
    from archive.records.akten import hold_akten
    from archive.search import SearchFilters

    if (akte is None) == (query is None):
        _fail("give exactly one of --akte AZ or --query WORDS")
    with _records(data) as r:
        who = acting_user(by, r.settings)
        if akte is not None:
            numbers, selector = {akte}, f"akte:{akte}"
        else:
            hits = r.archive.search(query or "", SearchFilters(), 10_000)
            numbers, selector = {az for h in hits for az in h.aktenzeichen}, f"query:{query}"
        with r.archive.transaction() as session:
            hold = hold_akten(
                session, numbers, reason=reason, selector=selector, by=who, every=akte is not None
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
    by: ByOption = None,
    data: DataOption = None,
) -> None:
    """Release a legal hold; its files may be handed over and disposed of again."""
    from archive.records.akten import release_hold

    with _records(data) as r, r.archive.transaction() as session:
        release_hold(session, hold_id, acting_user(by, r.settings))
    out.print(f"legal hold {hold_id} released")


@hold_app.command("list")
def hold_list(data: DataOption = None, as_json: JsonOption = False) -> None:
    """The legal holds, open ones first."""
    from archive.records.akten import list_holds

    with _records(data) as r, r.archive.transaction() as session:
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


# --- retention report ---------------------------------------------------------------------------


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
        _fail(f"unknown format {fmt!r}: table, csv, json or html")
    today = _today()
    horizon = _date(due_before) if due_before else today
    with _records(data) as r, r.archive.transaction() as session:
        report = build_report(session, r.rules, today, horizon).to_json()
    text = _render(report, fmt)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        out.print(f"written to {output}")
    elif fmt == "table":
        _print_report(report)
    else:
        print(text, end="")


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
    if report["unfiled_documents"]:
        target.print(f"{report['unfiled_documents']} documents have no Aktenzeichen (no Akte)")


# --- hand-over to the archive --------------------------------------------------------------------

VersionOption = Annotated[
    str, typer.Option("--xdomea-version", help="xdomea version: 3.1.0 or 3.0.0.")
]
OutOption = Annotated[Path, typer.Option("--out", help="Folder for the messages.")]


@aussonderung_app.command("offer")
def aussonderung_offer(
    out_dir: OutOption = Path("aussonderung"),
    version: VersionOption = "3.1.0",
    data: DataOption = None,
) -> None:
    """Offer every due file (not on hold) to the archive: a 0501 Anbieteverzeichnis."""
    from archive.aussonderung.transfer import offer

    _check_version(version)
    with _records(data) as r:
        message = offer(
            r.archive, r.rules, out_dir, r.party(True), r.party(False),
            today=_today(), version=version,
        )  # fmt: skip
    if message is None:
        out.print("no file is due to be offered")
        return
    out.print(
        f"{message.path} offers {len(message.aktenzeichen)} Akten (process {message.process_id})"
    )


@aussonderung_app.command("appraise")
def aussonderung_appraise(
    message: Annotated[Path, typer.Argument(metavar="FILE", help="The archive's 0502.")],
    data: DataOption = None,
) -> None:
    """Apply the archive's appraisal (0502 Bewertungsverzeichnis): A archive, V destroy."""
    from archive.aussonderung.transfer import appraise

    with _records(data) as r:
        applied = appraise(r.archive, _readable(message))
    for az, decision in sorted(applied.items()):
        out.print(f"{az}: {'archivwürdig (A)' if decision == 'A' else 'vernichten (V)'}")


@aussonderung_app.command("transfer")
def aussonderung_transfer(
    out_dir: OutOption = Path("aussonderung"),
    version: VersionOption = "3.1.0",
    data: DataOption = None,
) -> None:
    """Hand the files appraised A over: a 0503 package (XML and the PDF/A files)."""
    from archive.aussonderung.transfer import transfer

    _check_version(version)
    with _records(data) as r:
        written = transfer(
            r.archive, r.rules, out_dir, r.party(True), r.party(False), version=version
        )
    if not written:
        out.print("no file is ready to be handed over")
    for message in written:
        out.print(f"{message.path}: {len(message.aktenzeichen)} Akten")


@aussonderung_app.command("confirm")
def aussonderung_confirm(
    message: Annotated[Path, typer.Argument(metavar="FILE", help="The archive's 0506.")],
    data: DataOption = None,
) -> None:
    """Apply the archive's import confirmation (0506)."""
    from archive.aussonderung.transfer import confirm

    with _records(data) as r:
        imported, failed = confirm(r.archive, _readable(message))
    for az in imported:
        out.print(f"{az}: vom Archiv übernommen")
    for az, reason in failed.items():
        out.print(f"{az}: nicht übernommen ({reason}); wird erneut abgegeben")


def _check_version(version: str) -> None:
    from archive.records.xdomea import VERSIONS

    if version not in VERSIONS:
        _fail(f"unknown xdomea version {version!r}: {', '.join(VERSIONS)}")


def _readable(path: Path) -> Path:
    if not path.is_file():
        _fail(f"{path}: no such file")
    return path


# --- disposal -----------------------------------------------------------------------------------


@dispose_app.command("propose")
def dispose_propose(
    by: ByOption = None, data: DataOption = None, as_json: JsonOption = False
) -> None:
    """Propose the due, unheld files appraised V or confirmed as handed over."""
    from archive.aussonderung.disposal import propose

    with _records(data) as r:
        made = propose(r.archive, r.rules, by=acting_user(by, r.settings), today=_today())
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

    with _records(data) as r:
        disposal = approve(r.archive, disposal_id, by=by.strip(), today=_today())
    out.print(
        f"{disposal.aktenzeichen}: {len(disposal.documents)} documents destroyed "
        f"(proposed by {disposal.proposed_by}, approved by {disposal.approved_by})"
    )


@dispose_app.command("list")
def dispose_list(data: DataOption = None, as_json: JsonOption = False) -> None:
    """Proposals and deletion records."""
    from archive.aussonderung.disposal import list_disposals

    with _records(data) as r:
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


# --- audit --------------------------------------------------------------------------------------


@audit_app.command("anchor")
def audit_anchor(
    output: Annotated[Path | None, typer.Option("--out", help="Write the anchor here.")] = None,
    data: DataOption = None,
) -> None:
    """The newest event's id and hash, to keep outside the archive (print, mail, WORM).

    Whoever rewrites the trail must rewrite every hash after the change; an anchor kept
    elsewhere shows that: `eakte audit verify --anchor FILE`.
    """
    from archive.audit import head

    settings = settings_for(data)
    archive = open_archive(settings)
    try:
        with archive.transaction() as session:
            last_id, last_hash = head(session)
    finally:
        archive.close()
    anchor = json.dumps(
        {"event_id": last_id, "hash": last_hash, "taken_at": _now_iso(),
         "archive": str(settings.data_dir.resolve())}, indent=2,
    )  # fmt: skip
    if output is not None:
        output.write_text(anchor + "\n", encoding="utf-8")
    print(anchor)


@audit_app.command("verify")
def audit_verify(
    anchors: Annotated[
        list[Path] | None,
        typer.Option("--anchor", help="An anchor from `eakte audit anchor`; repeatable."),
    ] = None,
    data: DataOption = None,
) -> None:
    """Check the audit trail's hash chain, and that it still holds each anchor (exit 1)."""
    from archive.audit import hash_of_event

    settings = settings_for(data)
    archive = open_archive(settings)
    problems = []
    try:
        broken = archive.verify_audit()
        if broken is not None:
            problems.append(broken.reason)
        with archive.transaction() as session:
            for path in anchors or []:
                try:
                    anchor = json.loads(path.read_text("utf-8"))
                    event_id, expected = int(anchor["event_id"]), str(anchor["hash"])
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    _fail(f"{path}: not an anchor from `eakte audit anchor` ({exc})")
                found = hash_of_event(session, event_id)
                if found != expected:
                    problems.append(
                        f"event {event_id} no longer has the hash anchored in {path}"
                        f" (the trail up to it was rewritten)"
                    )
    finally:
        archive.close()
    if problems:
        for problem in problems:
            console.print(f"[red]audit trail broken: {problem}[/red]", highlight=False)
        raise typer.Exit(1)
    held = f"; it holds {len(anchors)} anchor(s)" if anchors else ""
    out.print(f"audit trail intact: every event follows from the one before{held}")


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()
