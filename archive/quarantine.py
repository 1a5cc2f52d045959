"""Where a rejected input's copy goes, under what name, and how it is copied.

A file name may have 255 bytes (ext4, XFS, tmpfs…), and a scan's own name may use all of
them; the copy's name adds a prefix, its note adds ".reason.txt", and both are written under a
temporary name first (`archive.atomic`). So the copy's name is bounded here, with room for all
of that; the full original name stays in the note and the batch report. The batch's folder is
always one folder inside DATA/quarantine, whatever the batch is called.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from archive.atomic import atomic_write_from

# Bytes the copy's name may have: 255, less ".reason.txt" (11) and the temporary name's
# "." + "." + 8 random characters + ".tmp" (14), with room to spare.
MAX_COPY_NAME_BYTES = 200
_MAX_SUFFIX_BYTES = 16  # a longer "extension" is part of the name, not a file type
_ELLIPSIS = "…"
# What a batch folder's name may hold: one path component, never "." or "..".
_SAFE_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Quarantined:
    """What quarantine kept of a rejected input."""

    copy: Path | None  # the copy of its bytes; None where none could or should be kept
    reason: str  # why it was rejected, and why no copy was kept where none was


def batch_folder(root: Path, batch_id: str) -> Path:
    """The batch's folder: `root/<batch id>` for a safe id, else a name derived from it."""
    if _SAFE_FOLDER.fullmatch(batch_id):
        return root / batch_id
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", batch_id).strip("-.")[:40]
    digest = hashlib.sha256(batch_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return root / (f"{slug}-{digest}" if slug else f"batch-{digest}")


def copy_name(prefix: str, name: str, limit: int = MAX_COPY_NAME_BYTES) -> str:
    """`prefix-name`, its stem cut (between characters, marked by "…") to `limit` bytes;
    the extension is kept, so that the copy still opens with the right program."""
    full = f"{prefix}-{name}"
    if _size(full) <= limit:
        return full
    suffix = Path(name).suffix
    if _size(suffix) > _MAX_SUFFIX_BYTES or suffix == name:
        suffix = ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    budget = limit - _size(f"{prefix}-{_ELLIPSIS}{suffix}")
    while _size(stem) > budget:
        stem = stem[:-1]
    return f"{prefix}-{stem}{_ELLIPSIS}{suffix}"


def copy_untouched(source: Path, target: Path) -> None:
    """Copy a regular file's bytes to `target` atomically, never through a symbolic link.

    The source is opened with O_NOFOLLOW and checked to be a regular file on the open handle,
    so a link swapped in after the input was found is not followed (no copy of /etc/passwd).
    """
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{source}: not a regular file")
        atomic_write_from(src, target)


def _size(text: str) -> int:
    return len(os.fsencode(text))
