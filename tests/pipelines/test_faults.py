"""Which faults are a full disk: told by error numbers, never by words an input could bring."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from pipelines.faults import BatchStop, disk_full
from scanners import RejectedInput


def test_a_full_disk_and_an_exhausted_quota_are_told_by_their_numbers(tmp_path: Path) -> None:
    assert disk_full(OSError(errno.ENOSPC, "No space left on device"), tmp_path)
    assert disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"), tmp_path)
    assert disk_full(OSError(errno.EACCES, "Permission denied"), tmp_path) is None
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("writing the sidecar failed") from exc
    except RuntimeError as wrapped:
        assert disk_full(wrapped, tmp_path) == "No space left on device"


def test_a_full_sqlite_database_is_a_full_disk_through_sqlalchemy(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'klein.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x BLOB)"))
        connection.execute(text("PRAGMA max_page_count = 3"))  # the database cannot grow
        with pytest.raises(OperationalError) as raised:
            connection.execute(text("INSERT INTO t VALUES (randomblob(100000))"))
    assert raised.value.orig.sqlite_errorcode == sqlite3.SQLITE_FULL
    assert disk_full(raised.value, tmp_path) == "database or disk is full"


def test_no_input_can_stop_a_batch_by_the_words_of_its_error(tmp_path: Path) -> None:
    words = "No space left on device (os error 28) database or disk is full [Errno 28]"
    source = tmp_path / "boese.pdf"
    try:
        try:
            raise ValueError(words)  # e.g. a PDF library quoting the file's content
        except ValueError as exc:
            raise RejectedInput(source, f"damaged PDF ({words})") from exc
    except RejectedInput as rejected:
        assert disk_full(rejected, tmp_path) is None
    assert disk_full(ValueError(f"index commit: {words}"), tmp_path)  # the index's own words


def test_an_io_error_of_sqlite_is_a_full_disk_only_without_room(tmp_path: Path) -> None:
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR_SHMSIZE
    assert disk_full(error, tmp_path) is None  # this disk has room: a real I/O error


def test_the_first_reason_to_stop_is_kept() -> None:
    stop = BatchStop()
    assert stop.reason is None
    stop.stop("a disk it writes to is full (No space left on device)")
    stop.stop("something later")
    assert stop.reason == "a disk it writes to is full (No space left on device)"
