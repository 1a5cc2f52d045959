"""kill -9 in the middle of a batch, run the same command again: every document exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from scanmaker import write_scan
from tests.support.commands import EAKTE, ROOT, run_eakte, run_json

pytestmark = pytest.mark.slow

PAGES = [
    [
        "Stadt Musterstadt - Bauaufsicht",
        "Musterstadt, den 0{n}.04.2024",
        "Bauantrag Nummer {n}",
        "Hiermit beantrage ich die Baugenehmigung für das Vorhaben {n}.",
    ],
]


def _archived(catalog: Path) -> int:
    if not catalog.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("select count(*) from documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_kill_9_mid_batch_then_rerun_completes_exactly_once(
    tmp_path: Path, prefect_api: str
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    count = 6
    for n in range(1, count + 1):
        lines = [line.format(n=n) for line in PAGES[0]]
        write_scan([lines], inbox / f"antrag-{n}.png", "png", seed=n)
    data = tmp_path / "data"
    args = ["ingest", str(inbox), "--data", str(data), "--batch", "karton-kill", "--json"]
    env = dict(os.environ, PREFECT_API_URL=prefect_api, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    process = subprocess.Popen(
        [*EAKTE, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while _archived(data / "catalog.sqlite") < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the batch ended before it could be killed"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # the CLI, its OCR workers, everything
    process.wait()
    done_before = _archived(data / "catalog.sqlite")
    assert 2 <= done_before < count, "kill came too late to test resuming"

    report = run_json(*args[:-1], api=prefect_api)
    assert {d["status"] for d in report["documents"]} == {"archived"}
    assert len(report["documents"]) == count
    assert _archived(data / "catalog.sqlite") == count
    with sqlite3.connect(data / "catalog.sqlite") as db:
        shas = [row[0] for row in db.execute("select sha256_original from documents")]
    assert len(set(shas)) == count
    result = run_eakte("verify", "--data", str(data), api=prefect_api, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
