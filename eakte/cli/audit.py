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
    """Check the audit trail's hash chain, its trusted timestamps, each anchor, and that the
    catalog's records state (Akten, holds, deletion records, documents) is the one the trail
    rebuilds (exit 1).

    Each timestamp's signature is checked against the configured TSA certificate and its
    imprint against the chain as it is now; events after the newest timestamp are reported.
    """
    from archive.audit import hash_of_event
    from archive.evidence.audit_stamps import check_stamps

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
            stamps = check_stamps(
                session,
                settings.data_dir,
                settings.tsa_certificate,
                required=bool(settings.tsa_url),
            )
        problems.extend(stamps.problems)
    finally:
        archive.close()
    if state.baseline:
        counted = ", ".join(f"{n} {kind}" for kind, n in state.baseline.items())
        out.print(
            f"records state recorded as a baseline ({counted}): this archive's events did not "
            "record it before; it is checked from now on"
        )
    if state.sealed:
        counted = ", ".join(f"{n} {kind}" for kind, n in state.sealed.items())
        out.print(
            f"records sealed as found ({counted}): facts this archive's events did not record "
            "before (e.g. a document's title, text and identifiers) are checked from now on"
        )
    if problems:
        for problem in problems:
            console.print(
                f"[red]audit trail broken: {escape(problem)}[/red]", highlight=False, soft_wrap=True
            )
        raise typer.Exit(1)
    held = f"; it holds {len(anchors)} anchor(s)" if anchors else ""
    out.print(
        f"audit trail intact: every event follows from the one before{held}; the records state "
        "in the catalog is the one the trail records"
    )
    if stamps.newest is not None:
        out.print(
            f"trusted time: {stamps.checked} timestamp(s) verified; the newest covers every "
            f"event up to {stamps.newest.event_id} ({stamps.newest.stamp.describe()})",
            highlight=False,
            soft_wrap=True,
        )
    else:
        out.print(
            "trusted time: none — the audit trail has no timestamps (no TSA configured: "
            "tsa_url in eakte.toml or EAKTE_TSA_URL), so an appended or rewritten event shows "
            "only against an anchor kept apart (`eakte audit anchor`)",
            highlight=False,
            soft_wrap=True,
        )


@audit_app.command("stamp")
def audit_stamp(data: DataOption = None) -> None:
    """Timestamp the audit trail's newest event now, by the configured TSA.

    Every command that records something does this when it ends; use it for events written
    while the TSA could not be reached, once you are sure they are genuine.
    """
    from archive.audit import head
    from archive.evidence.audit_stamps import newest_stamp, stamp_head
    from pipelines.trusted_time import NOT_CONFIGURED

    settings = settings_for(data)
    if not settings.tsa_url:
        fail(f"nothing done: {NOT_CONFIGURED}")
    archive = open_archive(settings)
    try:
        with archive.transaction() as session:
            chain_head = head(session)
    finally:
        archive.close()
    stamped = stamp_head(settings.data_dir, settings.tsa_url, chain_head)
    if stamped is None:
        newest = newest_stamp(settings.data_dir)
        said = f"; newest: event {newest.event_id}, {newest.stamp.describe()}" if newest else ""
        out.print(f"nothing new to timestamp{said}", highlight=False)
        return
    out.print(
        f"audit trail timestamped up to event {stamped.event_id}: {stamped.stamp.describe()}",
        highlight=False,
    )


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()
