"""A small tmpfs the test mounts itself, for a disk that really fills up (ENOSPC).

Mounting needs root (or CAP_SYS_ADMIN); where the mount is refused, the test is skipped and
says why. A ballast file leaves exactly as much room as the test asks for, so that the disk
fills at the moment the test chooses, not at one that depends on the machine.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

_CHUNK = 1024 * 1024


@contextmanager
def small_tmpfs(path: Path, size_mb: int = 30) -> Iterator[Path]:
    """A tmpfs of `size_mb` MiB mounted at `path` for the block; unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(
            "a full disk needs a small tmpfs, and mounting one was refused "
            f"(needs root): {mounted.stderr.strip() or mounted.returncode}"
        )
    try:
        yield path
    finally:
        # A file the process still holds open (a pooled catalog connection) keeps the mount
        # busy: then it is detached now and freed when the last file closes.
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(path)], check=True)


def free_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def leave_free(mount: Path, room: int, name: str = "ballast") -> Path:
    """Fill the tmpfs at `mount` with a ballast file until about `room` bytes are free."""
    ballast = mount / name
    left = free_bytes(mount) - room
    assert left > 0, f"{mount} has less than {room} bytes free already"
    with ballast.open("wb", buffering=0) as handle:
        try:
            while left > 0:
                left -= handle.write(b"\0" * min(_CHUNK, left))
        except OSError as exc:  # room=0: as full as it gets
            if exc.errno != errno.ENOSPC or room:
                raise
    return ballast
