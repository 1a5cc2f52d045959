"""Repair after a crash: remove what a killed ingest left that no record refers to, audited.

A `kill -9` at the wrong moment leaves blobs no document refers to (stored, not yet
catalogued: the rerun makes the PDF/A anew, in other bytes), so `eakte verify` fails for
good, and scratch folders in `DATA/work`. Both are safe to remove only while no ingest runs,
so the repair holds the data directory's ingest lock and refuses while another holder has it.
What it removed, blob by blob and folder by folder with their sizes, goes into one audit
event (`repaired`), written after the removal, so that it states only what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.store import Archive
from pipelines.ingest_lock import ingest_lock
from pipelines.workspace import Removed, clear_stale

REPAIRED = "repaired"
HOLDER = "eakte verify --repair"


@dataclass(frozen=True)
class Repair:
    """What a repair removed."""

    blobs: list[tuple[str, int]] = field(default_factory=list)  # (sha256, bytes)
    work: list[Removed] = field(default_factory=list)

    def detail(self) -> dict[str, Any]:
        """The audit event's detail: exactly what was removed."""
        return {
            "orphan_blobs": [{"sha256": sha, "bytes": size} for sha, size in self.blobs],
            "work_folders": [{"name": r.name, "bytes": r.size} for r in self.work],
        }


def repair(data_dir: Path, archive: Archive) -> Repair:
    """Remove orphan blobs and stale scratch folders of `archive` in `data_dir`, and audit it.

    Raises IngestBusy (naming the holder) while an ingest writes into the data directory.
    """
    with ingest_lock(data_dir, HOLDER, wait=False):
        orphans = archive.orphan_blobs()
        removed: list[tuple[str, int]] = []
        work: list[Removed] = []
        try:
            for sha, size in orphans:
                archive.remove_blobs([sha])
                removed.append((sha, size))
            work = clear_stale(data_dir)
        finally:  # also after a fault half-way: the record names what is gone
            done = Repair(removed, work)
            if removed or work:
                archive.audit(REPAIRED, None, None, done.detail())
    return done
