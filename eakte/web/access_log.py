"""The access log, written off the request path: requests queue entries, one thread commits.

A commit per request made every search wait on SQLite's fsync and on the other requests'
commits (one writer at a time): p99 latency went past a second with 16 clients. Entries now
go into a bounded queue and are written in batches, every `interval` seconds or `batch`
entries. Nothing is dropped: a full queue makes requests wait (back-pressure), a failed write
is retried, and `flush()` (before the log is read, and at shutdown) writes everything queued.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from archive.access import Access, log_accesses
from archive.store import Archive

_log = logging.getLogger(__name__)


_FLUSH = object()  # queued by flush(): write what came before it now


class AccessLogWriter:
    def __init__(
        self, archive: Archive, *, interval: float = 0.2, batch: int = 500, capacity: int = 20_000
    ) -> None:
        self.archive = archive
        self.interval = interval
        self.batch = batch
        self._queue: queue.Queue[object] = queue.Queue(capacity)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._hurry = threading.Event()  # set by flush(): write now, do not wait for more

    def record(self, access: Access) -> None:
        """Queue one access; it is written within `interval` seconds."""
        self._ensure_thread()
        self._queue.put(access)

    def flush(self) -> None:
        """Return when everything queued so far is in the catalog."""
        if self._thread is not None:
            self._queue.put(_FLUSH)
            self._hurry.set()
            self._queue.join()

    close = flush  # the thread is a daemon; what matters at shutdown is that nothing is lost

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="eakte-access-log", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        while True:
            taken = [self._queue.get()]
            # Let a batch gather; waking this thread per entry cost every request the GIL.
            if taken[0] is not _FLUSH and self._queue.qsize() < self.batch:
                self._hurry.wait(self.interval)
            self._hurry.clear()
            while taken[-1] is not _FLUSH and len(taken) < self.batch:
                try:
                    taken.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            pending = [a for a in taken if isinstance(a, Access)]
            if pending:
                self._write(pending)
            for _ in taken:
                self._queue.task_done()

    def _write(self, pending: list[Access]) -> None:
        delay = 0.5
        while True:
            try:
                with self.archive.transaction() as session:
                    log_accesses(session, pending)
                return
            except Exception:  # a locked or full disk: keep the entries and try again
                _log.exception("writing %d access-log entries failed; retrying", len(pending))
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
