"""The data directory's scratch area, `DATA/work`: one folder per document in hand.

Each document's steps work in a folder of their own there (the OCR's scratch files, and the
tools', inside it too), removed when its steps end. A process killed with `kill -9` cannot
remove them; only an ingest (or a repair) holding the data directory's ingest lock
(`pipelines.ingest_lock`) uses the area, so whatever is in it when the lock is taken was left
by a process that is gone, and is removed (`clear_stale`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

WORK_DIR = "work"


@dataclass(frozen=True)
class Removed:
    """A stale scratch folder (or file) that was removed, and how many bytes it held."""

    name: str
    size: int


def work_dir(data_dir: Path) -> Path:
    return data_dir / WORK_DIR


def clear_stale(data_dir: Path) -> list[Removed]:
    """Remove everything in the scratch area; the caller holds the ingest lock."""
    removed = []
    root = work_dir(data_dir)
    if not root.is_dir():
        return []
    for entry in sorted(root.iterdir()):
        size = _size(entry)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(Removed(entry.name, size))
    return removed


def _size(path: Path) -> int:
    if path.is_symlink() or not path.is_dir():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir() or p.is_symlink())
