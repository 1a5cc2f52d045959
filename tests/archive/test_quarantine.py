"""Quarantine never fails a batch: bounded copy names, a reason even when no copy can be kept,
a folder inside DATA/quarantine whatever the batch is called, and nothing half-written when the
disk is full (`test_full_disk.py`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive.blobs import sha256_file
from archive.store import Archive

# A legal 247-byte name: "<12 hex>-" in front of it passes the 255 bytes a name may have.
LONG_NAME = "16-" + "x" * 240 + ".pdf"


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    archive = Archive(tmp_path / "data")
    archive.start_batch("b1", "Karton 1")
    yield archive
    archive.close()


def _inbox_file(tmp_path: Path, name: str, data: bytes = b"not a document") -> Path:
    source = tmp_path / "inbox" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    return source


def _note(copy: Path) -> str:
    return copy.with_name(copy.name + ".reason.txt").read_text("utf-8")


def test_a_247_byte_name_gets_a_bounded_copy_name_that_keeps_its_extension(
    tmp_path: Path, archive: Archive
) -> None:
    source = _inbox_file(tmp_path, LONG_NAME)
    sha = sha256_file(source)
    kept = archive.quarantine("b1", source, sha, "not a document")
    assert kept.copy is not None and kept.copy.read_bytes() == b"not a document"
    assert kept.copy.name.startswith(f"{sha[:12]}-16-xxx") and kept.copy.name.endswith(".pdf")
    assert len(os.fsencode(kept.copy.name + ".reason.txt")) <= 255
    assert f"source: {source}\n" in _note(kept.copy)  # the full name stays in the note
    assert kept.reason == "not a document"
    assert archive.counts("b1")["quarantined"] == 1


def test_a_long_multibyte_name_is_cut_between_characters(tmp_path: Path, archive: Archive) -> None:
    name = "Ä" * 125 + ".tif"  # 254 bytes in UTF-8
    source = _inbox_file(tmp_path, name)
    kept = archive.quarantine("b1", source, sha256_file(source), "not a document")
    assert kept.copy is not None and kept.copy.exists()
    encoded = os.fsencode(kept.copy.name)
    assert encoded.decode("utf-8", errors="strict").endswith(".tif")
    assert len(encoded) < 255 - len(".reason.txt")


def test_an_input_that_vanished_is_quarantined_without_a_copy_and_says_so(
    tmp_path: Path, archive: Archive
) -> None:
    source = tmp_path / "inbox" / "weg.pdf"  # moved away by someone after it was rejected
    kept = archive.quarantine("b1", source, None, "cannot be read: No such file or directory")
    assert kept.copy is None
    assert "no copy kept" in kept.reason and "No such file or directory" in kept.reason
    notes = list((tmp_path / "data" / "quarantine" / "b1").glob("*.reason.txt"))
    assert len(notes) == 1 and "no copy kept" in notes[0].read_text("utf-8")
    assert archive.counts("b1")["quarantined"] == 1


def test_a_copy_that_is_not_wanted_leaves_only_the_note(tmp_path: Path, archive: Archive) -> None:
    source = _inbox_file(tmp_path, "riesig.pdf")
    kept = archive.quarantine("b1", source, None, "file too large; not copied", keep_copy=False)
    assert kept.copy is None and kept.reason == "file too large; not copied"
    folder = tmp_path / "data" / "quarantine" / "b1"
    assert [p.name.endswith(".reason.txt") for p in folder.iterdir()] == [True]
    assert source.read_bytes() == b"not a document"


@pytest.mark.parametrize("batch_id", ["..", ".", "", "a/../../b", "x\0y", "/etc"])
def test_any_batch_id_stays_inside_the_quarantine_folder(
    tmp_path: Path, archive: Archive, batch_id: str
) -> None:
    source = _inbox_file(tmp_path, "notiz.txt")
    archive.start_batch(batch_id, batch_id)
    before = {p.name for p in (tmp_path / "data").iterdir()}
    kept = archive.quarantine(batch_id, source, sha256_file(source), "not a document")
    assert kept.copy is not None
    assert kept.copy.parent.parent == tmp_path / "data" / "quarantine"
    assert kept.copy.parent.name not in ("", ".", "..")
    assert {p.name for p in (tmp_path / "data").iterdir()} <= before | {"quarantine"}
