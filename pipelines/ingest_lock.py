"""One ingest at a time per data directory: a lock file in it, and who holds it.

Two batches written into one archive at once got in each other's way: the search index has
one writer, so the second batch's documents were catalogued but reported quarantined. A batch
therefore holds `DATA/ingest.lock` (an exclusive `flock`) from before its first document to
after its last; the lock file names the holder (pid, batch, since) for the one who waits.
The kernel releases the lock when the holder's process ends, however it ends, so a batch
killed with `kill -9` never leaves a stale lock behind. Whatever the holder left in the data
directory's scratch area is then stale by definition, and whoever takes the lock may clear it
(`pipelines.workspace`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from pipelines.errors import PipelineError

LOCK_FILE = "ingest.lock"


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as the holder wrote it (None where it has not written yet)."""

    pid: int | None
    what: str | None  # e.g. "batch karton-17"
    since: str | None

    def describe(self) -> str:
        if self.pid is None:
            return "another ingest"
        since = f", since {self.since}" if self.since else ""
        return f"{self.what} (pid {self.pid}{since})"


class IngestBusy(PipelineError):
    """Another ingest (or a repair) holds the data directory."""

    def __init__(self, data_dir: Path, holder: Holder) -> None:
        super().__init__(
            f"{data_dir}: {holder.describe()} is writing into this data directory; "
            "run again when it has finished"
        )
        self.holder = holder


@contextlib.contextmanager
def ingest_lock(
    data_dir: Path,
    what: str,
    *,
    wait: bool = True,
    on_wait: Callable[[Holder], None] | None = None,
) -> Iterator[None]:
    """Hold the data directory's ingest lock inside the block; `what` names the holder for
    others ("batch karton-17").

    Another holder: with `wait`, call `on_wait(holder)` once and wait until it is done (a stop
    signal ends the wait); without, raise IngestBusy at once.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / LOCK_FILE).open("a+b", buffering=0) as handle:  # nothing held back
        if not _try_lock(handle):
            holder = _holder(handle)
            if not wait:
                raise IngestBusy(data_dir, holder)
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(handle, fcntl.LOCK_EX)
        _describe(handle, what)
        try:
            yield
        finally:
            handle.truncate(0)  # nobody holds it; the unlock happens as the file closes


def _describe(handle: IO[bytes], what: str) -> None:
    """Name the holder in the lock file, for whoever waits. Only a courtesy: the flock is the
    lock, so a disk too full to take these few bytes must not stop the batch here (the batch
    then meets the full disk itself and stops with its report)."""
    since = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        handle.truncate(0)
        handle.write(json.dumps({"pid": os.getpid(), "what": what, "since": since}).encode())
    except OSError:
        pass  # waiting ingests see "another ingest"


def _try_lock(handle: IO[bytes]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle: IO[bytes]) -> Holder:
    """What the holder wrote; it writes right after taking the lock, so a moment is allowed."""
    for _ in range(20):
        handle.seek(0)
        try:
            data = json.loads(handle.read() or b"null")
        except ValueError:
            data = None
        if isinstance(data, dict):
            return Holder(data.get("pid"), data.get("what"), data.get("since"))
        time.sleep(0.05)
    return Holder(None, None, None)
