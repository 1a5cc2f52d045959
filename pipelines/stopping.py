"""Stopping a batch on SIGTERM or SIGINT: promptly, without a false quarantine, resumable.

systemd, Prefect workers and a terminal's Ctrl-C stop a process with SIGTERM or SIGINT. A
batch cannot wait for the OCR of the documents in hand (minutes per document), so a stop
ends the OCR processes at once (`scanners.stop_workers`); the documents they were reading,
and those not yet begun, stop before their next step and are neither archived nor
quarantined, their scratch folders removed as their steps unwind. What was archived stays; the
same command run again finishes the batch (a document is recognised by its original's hash).

While the flow runs, Prefect turns SIGTERM into its own exception, and when the flow has
ended it sends the signal again to the handler it found, `on_signals`' one. So the flow calls
`request_stop` itself when anything ends it early (`pipelines.flow`), and the handler does
for any other moment.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from pipelines.errors import PipelineError

_stop = threading.Event()
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stopped(BaseException):
    """Raised in the main thread when a stop signal arrives. Not an error of the batch's, and
    a BaseException like KeyboardInterrupt, so that no `except Exception` on the way up
    mistakes it for one and carries on."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class BatchStopped(PipelineError):
    """A document's steps end here: the batch is being stopped (not the document's fault)."""


def request_stop() -> None:
    """Stop the batch: end the running OCR processes and let no document take another step."""
    from scanners.ocr import stop_workers  # loaded by `on_signals` already, or by the flow

    _stop.set()
    stop_workers()


def check() -> None:
    """Raise BatchStopped when the batch is being stopped; a step calls this before it runs."""
    if _stop.is_set():
        raise BatchStopped("the batch is being stopped")


@contextmanager
def on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT stop the batch and raise Stopped in the main thread, inside this
    block; the handlers before it are restored after it. Outside the main thread (which alone
    receives signals) nothing is changed."""

    import scanners.ocr  # noqa: F401  (not imported for the first time in a signal handler)

    def handle(signum: int, _frame: FrameType | None) -> None:
        request_stop()
        raise Stopped(signum)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals; its own handlers stay in charge
        return
    previous = {signum: signal.signal(signum, handle) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
