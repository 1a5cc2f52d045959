"""An ingest stopped during a long OCR: SIGTERM ends it promptly and cleanly, kill -9 leaves
no OCR process behind, and in both cases the same command run again finishes the batch."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanmaker import write_scan
from tests.support.commands import run_eakte, run_json, start_eakte
from tests.support.processes import alive, command, descendants, kill_all, wait_for

pytestmark = pytest.mark.slow

# Far more than a prompt stop needs, far less than the OCR of the document takes (the defect:
# SIGTERM waited for the running OCR, over 80 s).
PROMPT_S = 30
PAGES = 14


def _inbox(root: Path) -> Path:
    inbox = root / "inbox"
    lines = [
        "Stadt Musterstadt - Bauaufsicht",
        "Musterstadt, den 03.04.2024",
        "Baugenehmigung für das Vorhaben Lindenweg {n}",
        "Die Baugenehmigung wird unter den folgenden Auflagen erteilt.",
        "Seite {n} von {total}",
    ]
    pages = [[line.format(n=n, total=PAGES) for line in lines] for n in range(1, PAGES + 1)]
    write_scan(pages, inbox / "bauakte.pdf", "pdf", seed=5)
    write_scan([pages[0]], inbox / "anschreiben.png", "png", seed=6)
    return inbox


class Ingest:
    """A real `eakte ingest` in a subprocess, and every process it started."""

    def __init__(self, inbox: Path, data: Path, api: str) -> None:
        self.args = ["ingest", str(inbox), "--data", str(data), "--batch", "karton-stop"]
        self.process = start_eakte(*self.args, api=api)
        self.seen: set[int] = set()

    def wait_for_ocr(self) -> list[int]:
        """Wait until an OCR process reads a page (tesseract runs inside it, on the page image
        it wrote to its scratch folder); the OCR processes then running."""

        def ocr_running() -> bool:
            assert self.process.poll() is None, "the ingest ended before its OCR could be seen"
            self.seen = descendants(self.process.pid)
            return any(any((folder / "pages").glob("*")) for folder in self.scratch_folders())

        assert wait_for(ocr_running, timeout=600, interval=0.05), "no OCR started"
        return sorted(self.seen)

    def scratch_folders(self) -> set[Path]:
        """The scratch folders of the running OCR workers (their job file's folder)."""
        return {
            Path(cmd[-1]).parent
            for pid in self.seen
            if (cmd := command(pid)) and "scanners.ocr_worker" in cmd
        }

    def close(self) -> None:
        kill_all({self.process.pid} | self.seen | descendants(self.process.pid))
        self.process.wait()


@pytest.fixture
def ingest(tmp_path: Path, prefect_api: str) -> Iterator[Ingest]:
    running_ingest = Ingest(_inbox(tmp_path), tmp_path / "data", prefect_api)
    try:
        yield running_ingest
    finally:
        running_ingest.close()


def _finish_and_verify(ingest: Ingest, data: Path, api: str) -> None:
    report = run_json(*ingest.args, api=api)
    assert [d["status"] for d in report["documents"]] == ["archived", "archived"], report
    assert not any((data / "work").iterdir()), "work folders left behind"
    result = run_eakte("verify", "--data", str(data), api=api, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _stop(ingest: Ingest, signum: signal.Signals) -> list[str]:
    """Send `signum` while OCR runs; check that the ingest ends promptly, cleanly and with
    the signal's exit status, and that no OCR process or scratch folder outlives it; returns
    its one line saying so."""
    ocr = ingest.wait_for_ocr()
    scratch = ingest.scratch_folders()
    assert scratch, "the OCR workers' scratch folders could not be found"
    ingest.process.send_signal(signum)
    try:
        _, stderr = ingest.process.communicate(timeout=PROMPT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"eakte ingest did not stop within {PROMPT_S} s of {signum.name}")
    assert ingest.process.returncode == 128 + signum
    assert "Traceback" not in stderr and "rror" not in stderr, stderr[-2000:]
    assert wait_for(lambda: not any(alive(pid) for pid in ocr), timeout=10), "OCR survived"
    assert not any(folder.exists() for folder in scratch)
    return [line for line in stderr.splitlines() if line.startswith(f"stopped by {signum.name}")]


def test_sigterm_during_ocr_stops_promptly_and_leaves_a_resumable_batch(
    ingest: Ingest, tmp_path: Path, prefect_api: str
) -> None:
    said = _stop(ingest, signal.SIGTERM)
    assert len(said) == 1 and "batch karton-stop is unfinished" in said[0]
    assert "run the same command again" in said[0]
    data = tmp_path / "data"
    assert not any((data / "work").iterdir())
    _finish_and_verify(ingest, data, prefect_api)


def test_sigint_stops_like_sigterm(ingest: Ingest, tmp_path: Path) -> None:
    assert len(_stop(ingest, signal.SIGINT)) == 1
    assert not any((tmp_path / "data" / "work").iterdir())


def test_kill_9_leaves_no_ocr_running_and_the_next_ingest_clears_its_scratch(
    ingest: Ingest, tmp_path: Path, prefect_api: str
) -> None:
    ocr = ingest.wait_for_ocr()
    scratch = ingest.scratch_folders()
    assert scratch

    os.kill(ingest.process.pid, signal.SIGKILL)  # the ingest alone, as the OOM killer would
    ingest.process.wait()

    survivors = lambda: [pid for pid in ocr if alive(pid)]  # noqa: E731
    assert wait_for(lambda: not survivors(), timeout=PROMPT_S), [command(p) for p in survivors()]
    data = tmp_path / "data"
    _finish_and_verify(ingest, data, prefect_api)
    assert not any(folder.exists() for folder in scratch)
