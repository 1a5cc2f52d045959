"""Two `eakte ingest` into one data directory at once: the second waits for the first (or,
with --no-wait, refuses at the start), both batches complete, nothing is falsely quarantined,
and the archive verifies."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from scanmaker import write_scan
from tests.support.commands import run_eakte, start_eakte
from tests.support.processes import kill_all, wait_for

pytestmark = pytest.mark.slow


def _lines(box: str, n: int) -> list[str]:
    return [
        "Stadt Musterstadt - Bauaufsicht",
        f"Musterstadt, den 0{n}.05.2024",
        f"Bauantrag {box} Nummer {n}",
        f"Hiermit beantrage ich die Baugenehmigung für das Vorhaben {box}-{n}.",
    ]


def _inbox(folder: Path, box: str, count: int, long_pages: int = 0) -> Path:
    """`count` one-page scans, and with `long_pages` one long scan that keeps the batch
    running after its short ones are archived."""
    for n in range(1, count + 1):
        write_scan([_lines(box, n)], folder / f"{box}-{n}.png", "png", seed=n + 10 * len(box))
    if long_pages:
        pages = [_lines(box, n) for n in range(1, long_pages + 1)]
        write_scan(pages, folder / f"{box}-akte.pdf", "pdf", seed=99)
    return folder


def _archived(data: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data / 'catalog.sqlite'}?mode=ro", uri=True) as db:
            return int(db.execute("select count(*) from documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def _start(inbox: Path, data: Path, batch: str, api: str) -> subprocess.Popen[str]:
    return start_eakte(
        "ingest", str(inbox), "--data", str(data), "--batch", batch, "--json", api=api
    )


def test_a_second_ingest_waits_for_the_first_and_nothing_is_quarantined(
    tmp_path: Path, prefect_api: str
) -> None:
    data = tmp_path / "data"
    first_inbox = _inbox(tmp_path / "a", "a", 2, long_pages=10)
    second_inbox = _inbox(tmp_path / "b", "b", 2)
    first = _start(first_inbox, data, "karton-a", prefect_api)
    second: subprocess.Popen[str] | None = None
    try:
        # the first batch has archived a document (and so holds the search index's writer)
        assert wait_for(lambda: _archived(data) >= 1, timeout=600)
        assert first.poll() is None, "the first batch ended too soon to overlap"
        refused = run_eakte(
            "ingest", str(second_inbox), "--data", str(data), "--batch", "karton-c",
            "--no-wait", api=prefect_api, check=False,
        )  # fmt: skip
        second = _start(second_inbox, data, "karton-b", prefect_api)
        first_out, _ = first.communicate(timeout=900)
        second_out, second_err = second.communicate(timeout=900)
    finally:
        kill_all({first.pid} | ({second.pid} if second else set()))

    assert refused.returncode == 2
    assert "karton-a" in refused.stderr and f"pid {first.pid}" in refused.stderr
    assert "karton-c" not in json.dumps(_batches(data))  # refused before it began
    assert f"waiting for batch karton-a (pid {first.pid}," in " ".join(second_err.split())
    assert first.returncode == 0 and second.returncode == 0, second_err[-3000:]
    for out, inbox in ((first_out, first_inbox), (second_out, second_inbox)):
        report = json.loads(out)
        assert {Path(d["source"]).name for d in report["documents"]} == {
            p.name for p in inbox.iterdir()
        }
        assert {d["status"] for d in report["documents"]} <= {"archived", "needs_review"}, report
    assert not (data / "quarantine").exists() or not any((data / "quarantine").rglob("*"))
    result = run_eakte("verify", "--data", str(data), api=prefect_api, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _batches(data: Path) -> list[str]:
    with sqlite3.connect(data / "catalog.sqlite") as db:
        return [row[0] for row in db.execute("select id from batches")]
