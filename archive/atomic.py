"""Atomic file writes: a reader sees the old file or the whole new one, never a torn one."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

# A full disk or an exhausted quota: no write succeeds until someone frees space.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it."""
    with _temporary_beside(path) as (handle, _):
        handle.write(data)


def atomic_copy(source: Path, path: Path) -> None:
    """Copy `source` to `path` with the same guarantee as `atomic_write_bytes`."""
    with source.open("rb") as src:
        atomic_write_from(src, path)


def atomic_write_from(src: BinaryIO, path: Path) -> None:
    """Write what is left in the open file `src` to `path`, like `atomic_write_bytes`."""
    with _temporary_beside(path) as (handle, _):
        shutil.copyfileobj(src, handle, length=1024 * 1024)


class _temporary_beside:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        self.tmp = Path(tmp)
        self.handle = os.fdopen(fd, "wb")
        return self.handle, self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        try:
            if exc_type is None:
                self.handle.flush()
                os.fsync(self.handle.fileno())
            self.handle.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
                _fsync_dir(self.path.parent)
        finally:
            self.tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
