"""Content-addressed, write-once blob store: a file's name is the SHA-256 of its bytes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from archive.atomic import atomic_copy

_CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class BlobStore:
    """Blobs under `root/ab/cdef…`; a stored blob is read-only and never rewritten."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def put(self, source: Path, sha256: str | None = None) -> str:
        """Store `source` (idempotent); returns its SHA-256 after checking the copy."""
        digest = sha256 or sha256_file(source)
        target = self.path(digest)
        if target.exists() and sha256_file(target) == digest:
            # stored again: its time of storing is now, so that a repair's grace period
            # (pipelines.repair) does not take it for the orphan an old crash left
            with contextlib.suppress(OSError):  # a blob another user owns keeps its time
                os.utime(target)
            return digest
        if target.exists():  # a torn or altered blob from an earlier crash: replace it
            os.chmod(target, stat.S_IWUSR | stat.S_IRUSR)
        atomic_copy(source, target)
        if sha256_file(target) != digest:
            target.unlink(missing_ok=True)
            raise OSError(f"blob store copy of {source} does not match its hash")
        os.chmod(target, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        return digest

    def delete(self, sha256: str) -> None:
        """Remove a blob; only an approved disposal calls this."""
        target = self.path(sha256)
        if target.exists():
            os.chmod(target, stat.S_IWUSR | stat.S_IRUSR)
            target.unlink()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def verify(self, sha256: str) -> bool:
        target = self.path(sha256)
        return target.is_file() and sha256_file(target) == sha256

    def __iter__(self) -> Iterator[str]:
        for prefix in sorted(self.root.iterdir()):
            if prefix.is_dir() and len(prefix.name) == 2:
                for blob in sorted(prefix.iterdir()):
                    if not blob.name.startswith("."):
                        yield prefix.name + blob.name
