"""The OCR process of a document, forked from the pre-loaded OCR server: its own process with
its job on its command line, its own process group, its output and exit status returned as a
started process's are, its CPU time counted to the caller, and a server that comes back."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from scanmaker import write_scan
from scanners import ocr_launch
from tests.support.ocr_jobs import ocr_env, ocr_job
from tests.support.processes import command, wait_for


def _parent(pid: int) -> int:
    text = Path(f"/proc/{pid}/stat").read_text()
    return int(text[text.rindex(")") + 2 :].split()[1])


def _fails_through_the_server(tmp_path: Path) -> None:
    """A job on a missing file, run in a forked OCR process: its reason and status come back."""
    job = ocr_job(tmp_path, tmp_path / "missing.pdf", engine="pikepdf")
    process = ocr_launch.start(job, ocr_env(tmp_path))
    assert isinstance(process, ocr_launch.ForkedProcess)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 3
    assert "EAKTE-ERROR" in stdout and "missing.pdf" in stdout


def test_a_failing_job_gives_its_reason_and_status_through_the_server(tmp_path: Path) -> None:
    _fails_through_the_server(tmp_path)


def test_a_server_that_was_killed_is_started_again(tmp_path: Path) -> None:
    job = ocr_job(tmp_path, tmp_path / "missing.pdf", engine="pikepdf")
    ocr_launch.start(job, ocr_env(tmp_path)).communicate(timeout=120)
    first = ocr_launch.server_pid()
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert wait_for(lambda: ocr_launch.server_pid() is None, timeout=10)
    process = ocr_launch.start(job, ocr_env(tmp_path))
    assert isinstance(process, ocr_launch.ForkedProcess)
    process.communicate(timeout=120)
    assert process.returncode == 3
    assert ocr_launch.server_pid() not in (None, first)


def test_a_folder_named_scanners_where_eakte_runs_is_not_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A town hall's folder called `scanners` in the working directory: the OCR processes
    still run eakte's own modules (`python -P`)."""
    (tmp_path / "scanners").mkdir()
    (tmp_path / "scanners" / "__init__.py").write_text("raise SystemExit('not eakte')\n")
    monkeypatch.chdir(tmp_path)
    server = ocr_launch.server_pid()
    if server is not None:  # a server started elsewhere: start one here
        os.kill(server, signal.SIGKILL)
        assert wait_for(lambda: ocr_launch.server_pid() is None, timeout=10)
    _fails_through_the_server(tmp_path)


@pytest.mark.slow
def test_the_forked_process_shows_its_job_leads_its_group_and_ends_with_it(
    tmp_path: Path,
) -> None:
    pages = [["Stadt Musterstadt", "Bauantrag Nummer 1", "Hiermit beantrage ich"]] * 6
    job = ocr_job(tmp_path, write_scan(pages, tmp_path / "in.pdf", "pdf"))
    process = ocr_launch.start(job, ocr_env(tmp_path))
    try:
        # the child names its job as soon as it runs (the server answers with its pid first)
        shown = ["-m", "scanners.ocr_worker", job]
        assert wait_for(lambda: command(process.pid)[-3:] == shown, timeout=30)
        assert os.getpgid(process.pid) == process.pid
        assert _parent(process.pid) == ocr_launch.server_pid()
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL


_ONE_DOCUMENT = """
import resource
import sys
from pathlib import Path
from scanners import OcrSettings, prepare_input, scan_to_pdfa
tmp = Path(sys.argv[1])
prepared = prepare_input(tmp / "in.png", tmp, max_pixels=250_000_000, default_dpi=300)
result = scan_to_pdfa(prepared, tmp / "out.pdf", OcrSettings())
own = resource.getrusage(resource.RUSAGE_SELF)
print(sum(result.step_cpu.values()), own.ru_utime + own.ru_stime)
"""


@pytest.mark.slow
def test_the_cpu_time_of_forked_ocr_reaches_the_callers_account(tmp_path: Path) -> None:
    """A benchmark or `time` sees the OCR's CPU time: the caller waits for the server at
    exit, and the server has reaped the OCR processes."""
    lines = [f"Stadt Musterstadt, Bauantrag Nummer {n}, Gemarkung Nord" for n in range(30)]
    write_scan([lines], tmp_path / "in.png", "png")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-c", _ONE_DOCUMENT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    counted = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    # the OCR process's CPU as it measured it itself, and the caller's own
    ocr_cpu, own = map(float, done.stdout.split())
    assert ocr_cpu > 0.2  # a page of 30 lines: about a core-second here
    assert counted - own >= ocr_cpu


def test_the_server_that_forks_runs_a_single_thread() -> None:
    """A fork copies only the forking thread: a thread pool (numpy's OpenBLAS starts one on
    import) would leave its locks held in every child."""
    ocr_launch.prepare()
    pid = ocr_launch.server_pid()
    assert pid is not None
    assert len(os.listdir(f"/proc/{pid}/task")) == 1
    # and tesseract's OpenMP, loaded in it, starts no threads of its own in its children
    assert b"OMP_THREAD_LIMIT=1" in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")


def test_the_server_freezes_what_it_holds_before_it_forks() -> None:
    """The garbage collector in a forked child walks none of the server's objects (and so
    copies none of their pages): they are frozen once, in the server."""
    code = (
        "import gc; from scanners import ocr_server; ocr_server.ready_to_fork(); "
        "print(len(gc.get_objects()), gc.get_freeze_count())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    walked, frozen = map(int, done.stdout.split())
    assert frozen > 50_000  # ocrmypdf, pikepdf, PIL, numpy and the rest, imported
    assert walked < frozen / 100
