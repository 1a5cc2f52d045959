"""A full disk stops the batch; any other fault is one document's problem.

A document that cannot be read is quarantined and the batch goes on. A full disk (or an
exhausted quota) is different: it is no fault of the document, every document after it would
fail the same way, and a quarantine copy is one more write that cannot succeed. So the first
document that meets it stops the batch (`BatchStop`): it and every document not yet done get
a report line saying so, nothing of them is kept, and a rerun after freeing space picks up
where the batch stopped.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from archive.atomic import DISK_FULL_ERRNOS
from common.errors import EakteError

# Less free space than this where SQLite reports an I/O error: the disk is full.
_NO_ROOM_BYTES = 1024 * 1024
# How the search index (Rust, tantivy) words an OS error it passes on as text.
_OS_ERROR_WORDS = tuple(f"(os error {number})" for number in sorted(DISK_FULL_ERRNOS))


def disk_full(exc: BaseException, data_dir: Path) -> str | None:
    """The system's words when `exc`, or what caused it, is a full disk or quota; else None.

    Told by error numbers (OSError, SQLite's SQLITE_FULL, tantivy's "os error 28"), never by
    words an input could bring into an error message: no file can stop a batch by its content.
    SQLite reports a disk too full to open the catalog at all as an I/O error without the
    system's error number; that one counts when `data_dir`'s file system has no room left.
    """
    seen: set[int] = set()
    # (error, whether its words are ours): below a rejection, words may come from the input
    pending: list[tuple[BaseException | None, bool]] = [(exc, True)]
    while pending:
        current, words_are_ours = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            return current.strerror or "disk full"
        code = getattr(current, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL:
            return "database or disk is full"
        if code is not None and code & 0xFF == sqlite3.SQLITE_IOERR and _no_room(data_dir):
            return "No space left on device"
        words_are_ours = words_are_ours and not isinstance(current, EakteError)
        if words_are_ours and any(words in str(current) for words in _OS_ERROR_WORDS):
            return "No space left on device"
        pending += [(current.__cause__, words_are_ours), (current.__context__, words_are_ours)]
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapper of the driver's error
        if isinstance(orig, BaseException):
            pending.append((orig, words_are_ours))
    return None


def _no_room(data_dir: Path) -> bool:
    try:
        stat = os.statvfs(data_dir)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < _NO_ROOM_BYTES


class BatchStop:
    """Set once, by the first document that finds the disk full; read by every other one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None

    def stop(self, reason: str) -> None:
        with self._lock:
            if self._reason is None:
                self._reason = reason

    @property
    def reason(self) -> str | None:
        """Why the batch stopped, or None while it runs."""
        return self._reason
