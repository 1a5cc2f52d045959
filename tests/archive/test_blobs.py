import os
import time
from pathlib import Path

from archive.blobs import BlobStore, sha256_file


def test_blobs_are_content_addressed_write_once_and_verified(tmp_path: Path) -> None:
    source = tmp_path / "scan.tif"
    source.write_bytes(b"II*\x00 scan bytes")
    store = BlobStore(tmp_path / "blobs")
    digest = store.put(source)
    assert digest == sha256_file(source)
    assert store.put(source) == digest  # idempotent
    assert store.path(digest).read_bytes() == source.read_bytes()
    assert list(store) == [digest]
    assert not store.path(digest).stat().st_mode & 0o222  # read-only once stored
    assert store.verify(digest)


def test_a_flipped_byte_is_detected(tmp_path: Path) -> None:
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF-1.7 original")
    store = BlobStore(tmp_path / "blobs")
    digest = store.put(source)
    blob = store.path(digest)
    blob.chmod(0o644)
    data = bytearray(blob.read_bytes())
    data[3] ^= 0x01
    blob.write_bytes(bytes(data))
    assert not store.verify(digest)
    assert store.put(source) == digest  # storing again repairs the damaged copy
    assert store.verify(digest)


def test_storing_a_blob_again_marks_it_as_just_stored(tmp_path: Path) -> None:
    """A repair's grace period counts from a blob's latest store (its mtime): a document
    stored again, whose blob an old crash left, is not taken for that old orphan."""
    store = BlobStore(tmp_path / "blobs")
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF-1.7 the same scan, stored a day ago and again now")
    sha = store.put(source)
    os.utime(store.path(sha), (time.time() - 86400, time.time() - 86400))
    store.put(source)
    assert time.time() - store.path(sha).stat().st_mtime < 3600
