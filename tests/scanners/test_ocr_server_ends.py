"""The end of the OCR server (`scanners.ocr_server`) and its documents: a caller killed with
kill -9 takes its server and the OCR processes forked from it along, and a server killed
during a document is not the document's fault: its OCR runs again, from a server started
anew, and its result says so; a document whose server is killed twice is rejected, saying so."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from scanmaker import write_scan
from scanners import OcrSettings, RejectedInput, ScanResult, ocr_launch, prepare_input, scan_to_pdfa
from scanners.ocr import SERVER_ENDED
from tests.support.commands import ROOT
from tests.support.ocr_jobs import ocr_env, ocr_job
from tests.support.processes import alive, command, descendants, kill_all, wait_for

# Generous bounds for what takes well under a second: no test here depends on speed.
BOUND_S = 60

# An ingest as far as the OCR server sees one: it starts a document's OCR process through the
# server, says which processes run, and waits, to be killed.
_CLIENT = """
import os, sys, time
from scanners import ocr_launch
process = ocr_launch.start(sys.argv[1], dict(os.environ))
print(process.pid, ocr_launch.server_pid(), flush=True)
time.sleep(3600)
"""


def test_a_caller_killed_with_kill_9_takes_its_ocr_server_and_processes_along(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "in.pdf"
    os.mkfifo(fifo)  # no one writes: the OCR process waits on it as long as it lives
    job = ocr_job(tmp_path, fifo, engine="pikepdf")
    client = subprocess.Popen(
        [sys.executable, "-c", _CLIENT, job],
        cwd=ROOT,
        env=ocr_env(tmp_path),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    started: set[int] = set()
    try:
        assert client.stdout is not None
        child, server = map(int, client.stdout.readline().split())
        started = {child, server}
        shown = ["-m", "scanners.ocr_worker", job]
        assert wait_for(lambda: command(child)[-3:] == shown, timeout=BOUND_S)
        assert alive(server)

        os.kill(client.pid, signal.SIGKILL)  # the caller alone, as the OOM killer would
        client.wait()

        gone = lambda: not any(alive(pid) for pid in started)  # noqa: E731
        assert wait_for(gone, timeout=BOUND_S), [command(p) for p in started if alive(p)]
    finally:
        kill_all({client.pid} | started)
        client.wait()
        client.stdout.close()  # type: ignore[union-attr]


def _pages() -> list[list[str]]:
    lines = ["Stadt Musterstadt - Bauaufsicht", "Bauantrag Nummer {n}", "Seite {n} von 4"]
    return [[line.format(n=n) for line in lines] for n in range(1, 5)]


def _start_ocr(tmp_path: Path) -> tuple[ThreadPoolExecutor, Future[ScanResult]]:
    source = write_scan(_pages(), tmp_path / "in.pdf", "pdf")
    prepared = prepare_input(source, tmp_path, max_pixels=250_000_000, default_dpi=300)
    pool = ThreadPoolExecutor(1)
    return pool, pool.submit(scan_to_pdfa, prepared, tmp_path / "out.pdf", OcrSettings())


def _kill_server_during_ocr(done: Future[ScanResult], killed: set[int]) -> None:
    """Wait until a server not killed yet runs the document's OCR process, and kill it."""

    def ocr_running() -> bool:
        server = ocr_launch.server_pid()
        return done.done() or (
            server not in (None, *killed)
            and any("scanners.ocr_worker" in command(p) for p in descendants(server or 0))
        )

    assert wait_for(ocr_running, timeout=BOUND_S, interval=0.01), "no OCR process started"
    assert not done.done(), "the document ended before its server was killed"
    server = ocr_launch.server_pid()
    assert server is not None
    os.kill(server, signal.SIGKILL)
    killed.add(server)


@pytest.mark.slow
def test_a_document_whose_ocr_server_is_killed_is_read_again_and_says_so(
    tmp_path: Path,
) -> None:
    pool, done = _start_ocr(tmp_path)
    with pool:
        _kill_server_during_ocr(done, set())
        result = done.result(timeout=600)
    assert result.reruns == (f"OCR run again: {SERVER_ENDED}",)
    assert "Bauantrag Nummer 3" in result.text
    assert [page.number for page in result.pages] == [1, 2, 3, 4]


@pytest.mark.slow
def test_a_document_whose_ocr_server_is_killed_twice_is_rejected_saying_so(
    tmp_path: Path,
) -> None:
    pool, done = _start_ocr(tmp_path)
    killed: set[int] = set()
    with pool:
        _kill_server_during_ocr(done, killed)
        _kill_server_during_ocr(done, killed)
        with pytest.raises(RejectedInput) as rejected:
            done.result(timeout=600)
    assert rejected.value.reason == f"OCR failed: {SERVER_ENDED}, twice (run again once)"
