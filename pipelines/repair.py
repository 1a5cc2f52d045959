"""Repair after a crash: remove what a killed ingest left that no record refers to, audited.

A `kill -9` at the wrong moment leaves blobs no document refers to (stored, not yet
catalogued: the rerun makes the PDF/A anew, in other bytes), so `eakte verify` fails for
good, and scratch folders in `DATA/work`. Both are safe to remove only while no ingest runs,
so the repair holds the data directory's ingest lock and refuses while another holder has it.
What it removed, blob by blob and folder by folder with their sizes, goes into one audit
event (`repaired`), written after the removal, so that it states only what happened.

The ingest lock covers one data directory. A blob store several machines share
(EAKTE_BLOB_DIR) also holds, for a moment, the blobs of another machine's document that is
stored but not yet catalogued; no lock here sees that batch. So an orphan blob is removed
only once it was stored more than `ORPHAN_GRACE` ago (its mtime; storing it again renews
it): far longer than any document takes from storing to cataloguing, and than the clocks of
the machines and the file server differ. A younger one is left and named.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from archive.store import Archive, OrphanBlob
from pipelines.ingest_lock import ingest_lock
from pipelines.workspace import Removed, clear_stale

REPAIRED = "repaired"
HOLDER = "eakte verify --repair"
# How long an orphan blob is left alone: it may be a store in progress on another machine.
ORPHAN_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Repair:
    """What a repair removed, and the orphans it left because they are young."""

    blobs: list[tuple[str, int]] = field(default_factory=list)  # (sha256, bytes)
    work: list[Removed] = field(default_factory=list)
    left: list[OrphanBlob] = field(default_factory=list)  # stored within ORPHAN_GRACE

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
        cutoff = time.time() - ORPHAN_GRACE.total_seconds()
        orphans = archive.orphan_blobs()
        young = [o for o in orphans if o.stored_at > cutoff]
        removed: list[tuple[str, int]] = []
        work: list[Removed] = []
        try:
            for orphan in orphans:
                if orphan.stored_at <= cutoff:
                    archive.remove_blobs([orphan.sha256])
                    removed.append((orphan.sha256, orphan.size))
            work = clear_stale(data_dir)
        finally:  # also after a fault half-way: the record names what is gone
            done = Repair(removed, work, young)
            if removed or work:
                archive.audit(REPAIRED, None, None, done.detail())
    return done
