"""A full disk (ENOSPC) in the middle of a write leaves nothing half-written in the archive:
no blob without a document, no quarantine copy without its record. The disk is a real tmpfs."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from archive.blobs import sha256_file
from archive.store import Archive, document_id_for
from tests.support.documents import store_document
from tests.support.tmpfs import leave_free, small_tmpfs

MIB = 1024 * 1024


def _file(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    return path


def _store(archive: Archive, original: Path, pdfa: Path) -> str:
    return store_document(
        archive, original.parent, "hund", "hundesteuerbescheid", "archived", files=(original, pdfa)
    )


def test_a_pdfa_that_does_not_fit_leaves_no_blob_behind(tmp_path: Path) -> None:
    original = _file(tmp_path / "in" / "hund.png", MIB)
    pdfa = _file(tmp_path / "work" / "pdfa.pdf", 3 * MIB)
    document_id = document_id_for(sha256_file(original))
    with small_tmpfs(tmp_path / "disk", size_mb=12) as mount:
        archive = Archive(mount / "data")
        try:
            archive.start_batch("karton-1", "Karton 1")
            ballast = leave_free(mount, 2 * MIB)  # the original fits, its PDF/A does not
            with pytest.raises(OSError) as raised:
                _store(archive, original, pdfa)
            assert raised.value.errno == errno.ENOSPC
            assert list(archive.blobs) == []  # the original's blob went with the failed store
            assert archive.get(document_id) is None
            ballast.unlink()  # space freed: the same document is archived whole
            assert _store(archive, original, pdfa) == document_id
            assert archive.verify() == []
        finally:
            archive.close()


def test_a_quarantine_copy_that_does_not_fit_leaves_nothing(tmp_path: Path) -> None:
    source = _file(tmp_path / "inbox" / "gross.bin", 3 * MIB)
    with small_tmpfs(tmp_path / "disk", size_mb=8) as mount:
        archive = Archive(mount / "data")
        try:
            archive.start_batch("b1", "Karton 1")
            leave_free(mount, MIB)
            with pytest.raises(OSError) as raised:
                archive.quarantine("b1", source, sha256_file(source), "not a document")
            assert raised.value.errno == errno.ENOSPC
            folder = mount / "data" / "quarantine" / "b1"
            assert not folder.exists() or list(folder.iterdir()) == []
            assert archive.counts("b1").get("quarantined", 0) == 0
        finally:
            archive.close()
