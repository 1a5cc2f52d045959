"""The first step checks an input before anything reads it, and quarantine never loses a line.

The steps run through their plain functions (as in `test_steps.py`) on a real archive.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines import steps
from pipelines.item import Context, Item
from pipelines.report import document_line
from scanners import RejectedInput
from tests.support.batch_context import batch_context

SPARSE_BYTES = 512 * 1024 * 1024  # over the default limit of 500 MiB


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    with batch_context(tmp_path) as context:
        yield context


def _rejected(source: Path, ctx: Context) -> Item:
    """The first step's rejection, quarantined as `pipelines.flow.run_steps` does it."""
    with pytest.raises(RejectedInput) as raised:
        steps.hash_original(Item(source), ctx)
    return steps.quarantine(
        Item(source), ctx, raised.value.reason, keep_copy=raised.value.keep_copy
    )


def test_a_sparse_half_gigabyte_is_rejected_unread_and_not_copied(
    tmp_path: Path, ctx: Context
) -> None:
    source = tmp_path / "inbox" / "riesig.pdf"
    source.parent.mkdir()
    with source.open("wb") as handle:
        handle.truncate(SPARSE_BYTES)
    item = _rejected(source, ctx)
    line = document_line(item)
    assert line["status"] == "quarantined" and line["quarantine_copy"] is None
    assert f"{SPARSE_BYTES:,} bytes" in line["reason"] and "max_input_bytes" in line["reason"]
    assert line["sha256"] is None  # not hashed: not read
    folder = ctx.archive.quarantine_dir
    allocated = sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file())
    assert allocated < 64 * 1024
    assert source.stat().st_blocks == 0 and source.stat().st_size == SPARSE_BYTES


def test_the_limit_is_the_contexts(tmp_path: Path, ctx: Context) -> None:
    source = tmp_path / "brief.pdf"
    source.write_bytes(b"%PDF-1.7" + b"\0" * 2000)
    item = _rejected(source, replace(ctx, max_input_bytes=1000))
    assert "2,008 bytes, more than the 1,000" in item.reason


def test_a_link_swapped_in_after_the_folder_was_listed_is_not_followed(
    tmp_path: Path, ctx: Context
) -> None:
    source = tmp_path / "inbox" / "scan.pdf"
    source.parent.mkdir()
    source.symlink_to("/etc/passwd")  # was a file when the batch was listed
    item = _rejected(source, ctx)
    assert "symbolic link, not followed" in item.reason and item.quarantine_copy is None
    passwd = Path("/etc/passwd").read_bytes()
    assert not any(passwd in p.read_bytes() for p in ctx.archive.quarantine_dir.rglob("*.*"))


def test_a_fault_of_quarantine_itself_still_ends_in_a_line_with_the_reason(
    tmp_path: Path, ctx: Context
) -> None:
    source = tmp_path / "notiz.txt"
    source.write_bytes(b"Notiz")
    unknown = replace(ctx, batch_id="nie-begonnen")  # the catalog refuses its records (a key)
    item = steps.quarantine(Item(source), unknown, "not a document")
    assert item.status == "quarantined" and item.quarantine_copy is None
    assert item.reason.startswith("not a document; quarantine failed, no copy and no record kept")
    assert "IntegrityError" in item.reason
    assert not [p for p in ctx.archive.quarantine_dir.rglob("*") if p.is_file()]  # no stray copy


def test_an_input_that_vanished_keeps_its_line_without_a_copy(tmp_path: Path, ctx: Context) -> None:
    source = tmp_path / "weg.pdf"
    source.write_bytes(b"%PDF")
    shutil.move(source, tmp_path / "woanders.pdf")  # moved away while the batch ran
    item = _rejected(source, ctx)
    assert item.reason.startswith("cannot be read") and item.quarantine_copy is None
    assert document_line(item)["quarantine_copy"] is None
