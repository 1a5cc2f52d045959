"""`eakte audit`: anchor and verify the tamper-evident audit trail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from eakte.cli.common import (
    DataOption,
    console,
    open_archive,
    out,
    settings_for,
)
from eakte.cli.records import fail

if TYPE_CHECKING:
    pass


audit_app = typer.Typer(help="The tamper-evident audit trail.")


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
    """Check the audit trail's hash chain, that it still holds each anchor, and that the
    catalog's records state (Akten, holds, deletion records, documents) is the one the trail
    rebuilds (exit 1)."""
    from archive.audit import hash_of_event

    settings = settings_for(data)
    archive = open_archive(settings)
    problems = []
    try:
        broken = archive.verify_audit()
        if broken is not None:
            problems.append(broken.reason)
        state = archive.check_records_state()
        problems += [f"the catalog differs from it: {d}" for d in state.differences]
        with archive.transaction() as session:
            for path in anchors or []:
                try:
                    anchor = json.loads(path.read_text("utf-8"))
                    event_id, expected = int(anchor["event_id"]), str(anchor["hash"])
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    fail(f"{path}: not an anchor from `eakte audit anchor` ({exc})")
                found = hash_of_event(session, event_id)
                if found != expected:
                    problems.append(
                        f"event {event_id} no longer has the hash anchored in {path}"
                        f" (the trail up to it was rewritten)"
                    )
    finally:
        archive.close()
    if state.baseline:
        counted = ", ".join(f"{n} {kind}" for kind, n in state.baseline.items())
        out.print(
            f"records state recorded as a baseline ({counted}): this archive's events did not "
            "record it before; it is checked from now on"
        )
    if problems:
        for problem in problems:
            console.print(f"[red]audit trail broken: {escape(problem)}[/red]", highlight=False)
        raise typer.Exit(1)
    held = f"; it holds {len(anchors)} anchor(s)" if anchors else ""
    out.print(
        f"audit trail intact: every event follows from the one before{held}; the records state "
        "in the catalog is the one the trail records"
    )


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()
