"""The access log is written off the request path, in batches, and loses nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import eakte.web.access_log as access_log_module
from archive.access import Access, Principal, create_token, read_access_log
from archive.catalog.models import ApiToken
from archive.store import Archive
from eakte.web.access_log import AccessLogWriter


def _principal(archive: Archive) -> Principal:
    from archive.access import principal_for

    with archive.transaction() as s:
        token, _ = create_token(s, "Fachverfahren Bau", "case_system", ["6"])
        return principal_for(token)


def _entries(archive: Archive) -> list[tuple[str, str | None]]:
    with archive.transaction() as s:
        return [(e.action, e.document_id) for e in read_access_log(s, 100_000)]


def test_accesses_from_many_threads_are_all_written_in_batches(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "data")
    who = _principal(archive)
    # a long interval: nothing is written until the batch is full or flushed
    writer = AccessLogWriter(archive, interval=60, batch=10_000)

    def client(n: int) -> None:
        for i in range(250):
            writer.record(Access(who, "view", f"doc-{n}-{i}"))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _entries(archive) == []  # queued, not yet written: requests did not wait on it
    writer.flush()
    written = _entries(archive)
    assert len(written) == 2000 and len(set(written)) == 2000
    with archive.transaction() as s:
        assert s.get(ApiToken, who.token_id).last_used_at is not None


def test_a_failed_write_is_retried_and_nothing_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = Archive(tmp_path / "data")
    who = _principal(archive)
    real = access_log_module.log_accesses
    failures = []

    def flaky(session, accesses):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(1)
            raise RuntimeError("database is locked")
        return real(session, accesses)

    monkeypatch.setattr(access_log_module, "log_accesses", flaky)
    writer = AccessLogWriter(archive, interval=0.01)
    writer.record(Access(who, "download", "doc-1"))
    writer.flush()
    assert failures == [1]
    assert _entries(archive) == [("download", "doc-1")]


def test_flush_without_any_access_returns_at_once(tmp_path: Path) -> None:
    """A server that saw no request shuts down without starting (or waiting for) a writer."""
    archive = Archive(tmp_path / "data")
    writer = AccessLogWriter(archive)
    writer.flush()
    assert writer._thread is None and _entries(archive) == []
    writer.record(Access(_principal(archive), "search", None))
    writer.flush()
    assert writer._thread is not None and _entries(archive) == [("search", None)]
