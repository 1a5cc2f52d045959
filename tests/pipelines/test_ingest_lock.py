"""One ingest at a time per data directory; the lock names its holder and dies with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pipelines.ingest_lock import LOCK_FILE, Holder, IngestBusy, ingest_lock
from pipelines.workspace import Removed, clear_stale, work_dir
from tests.support.processes import wait_for

HOLD = """
import sys, time
from pathlib import Path
from pipelines.ingest_lock import ingest_lock
with ingest_lock(Path(sys.argv[1]), "batch karton-9"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_second_holder_is_refused_with_the_first_ones_name(tmp_path: Path) -> None:
    with (
        ingest_lock(tmp_path, "batch karton-1"),
        pytest.raises(IngestBusy) as caught,
        ingest_lock(tmp_path, "x", wait=False),
    ):
        pass
    assert caught.value.holder.pid == os.getpid()
    assert f"batch karton-1 (pid {os.getpid()}, since " in str(caught.value)
    with ingest_lock(tmp_path, "batch karton-2", wait=False):  # free again
        pass


def test_a_waiting_holder_is_told_who_it_waits_for_and_goes_on_after_it(tmp_path: Path) -> None:
    told: list[Holder] = []
    entered = threading.Event()
    first = ingest_lock(tmp_path, "batch karton-1")
    first.__enter__()

    def second() -> None:
        with ingest_lock(tmp_path, "batch karton-2", on_wait=told.append):
            entered.set()

    waiting = threading.Thread(target=second)
    waiting.start()
    assert wait_for(lambda: bool(told), timeout=10)
    assert not entered.is_set()
    assert told[0].what == "batch karton-1" and told[0].pid == os.getpid()
    first.__exit__(None, None, None)
    waiting.join(10)
    assert entered.is_set()


def test_the_lock_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(IngestBusy, match=f"batch karton-9 \\(pid {holder.pid},"),
            ingest_lock(tmp_path, "x", wait=False),
        ):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with ingest_lock(tmp_path, "batch karton-10", wait=False):
        assert '"what": "batch karton-10"' in (tmp_path / LOCK_FILE).read_text()


def test_stale_scratch_folders_are_removed_with_their_sizes(tmp_path: Path) -> None:
    stale = work_dir(tmp_path) / "doc-abc123"
    (stale / "eakte-ocr-x").mkdir(parents=True)
    (stale / "eakte-ocr-x" / "page.png").write_bytes(b"x" * 1000)
    (stale / "intake.pdf").write_bytes(b"y" * 24)
    assert clear_stale(tmp_path) == [Removed("doc-abc123", 1024)]
    assert work_dir(tmp_path).is_dir() and not any(work_dir(tmp_path).iterdir())
    assert clear_stale(tmp_path / "nothing-here") == []
