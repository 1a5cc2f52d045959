"""`eakte verify --repair`: what a killed ingest left behind, removed and audited first."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import typer

from eakte.cli.common import console, out
from pipelines.settings import Settings

if TYPE_CHECKING:
    from archive.store import Archive

# How `eakte verify` words a blob no document refers to; the repair removes those.
ORPHAN_BLOB = "stored but no document refers to it"
HINT = "`eakte verify --repair` removes the blobs no document refers to (left by a crash), audited"


def run_repair(settings: Settings, archive: Archive) -> None:
    """Repair, and say what was removed; refused (exit 2) while an ingest writes."""
    from pipelines.ingest_lock import IngestBusy
    from pipelines.repair import ORPHAN_GRACE, repair

    try:
        done = repair(settings.data_dir, archive)
    except IngestBusy as exc:
        console.print(
            f"nothing repaired: {exc}", style="red", markup=False, highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from exc
    for sha, size in done.blobs:
        out.print(
            f"removed blob {sha} ({size:,} bytes): no document refers to it",
            markup=False,
            soft_wrap=True,
        )
    for orphan in done.left:
        minutes = max(0, round((time.time() - orphan.stored_at) / 60))
        out.print(
            f"left blob {orphan.sha256} ({orphan.size:,} bytes): stored {minutes} min ago, it "
            "may belong to a store in progress (another machine's batch); removed once "
            f"older than {ORPHAN_GRACE.total_seconds() / 60:.0f} min",
            markup=False,
            soft_wrap=True,
        )
    for folder in done.work:
        out.print(
            f"removed scratch folder work/{folder.name} ({folder.size:,} bytes) "
            "left by an ingest that was stopped",
            markup=False,
            soft_wrap=True,
        )
    if done.blobs or done.work:
        out.print("the removal is recorded in the audit trail (event `repaired`)", markup=False)
    elif not done.left:
        out.print("nothing to repair", markup=False)
