"""kill -9 just after a document's PDF/A blob is stored, before it is catalogued: the rerun
archives everything, but with a PDF/A made anew, so `verify` names the orphan blob for good,
until `eakte verify --repair` removes it, audited."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from scanmaker import write_scan
from tests.support.commands import run_eakte, run_json, start_eakte
from tests.support.processes import freeze, kill_all

pytestmark = pytest.mark.slow


def _catalogued_blobs(catalog: Path) -> set[str]:
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute("select sha256_original, sha256_pdfa from document_versions")
            return {sha for row in rows for sha in row}
    except sqlite3.Error:  # not created yet
        return set()


def _stored_blobs(blobs: Path) -> dict[str, Path]:
    if not blobs.is_dir():
        return {}
    return {
        prefix.name + blob.name: blob
        for prefix in blobs.iterdir()
        if prefix.is_dir()
        for blob in prefix.iterdir()
        if not blob.name.startswith(".")
    }


def _orphan_pdfs(data: Path) -> list[str]:
    """PDF/A blobs stored but not catalogued (the originals here are PNG scans)."""
    stored = _stored_blobs(data / "blobs")
    known = _catalogued_blobs(data / "catalog.sqlite")
    return [
        sha
        for sha, path in stored.items()
        if sha not in known and path.read_bytes()[:5] == b"%PDF-"
    ]


def test_kill_after_the_pdfa_blob_then_rerun_then_repair(tmp_path: Path, prefect_api: str) -> None:
    inbox = tmp_path / "inbox"
    for n in range(1, 7):
        lines = ["Stadt Musterstadt - Bauaufsicht", f"Bauantrag Nummer {n}",
                 f"Hiermit beantrage ich die Baugenehmigung für das Vorhaben {n}."]  # fmt: skip
        write_scan([lines], inbox / f"antrag-{n}.png", "png", seed=n)
    data = tmp_path / "data"
    args = ["ingest", str(inbox), "--data", str(data), "--batch", "karton-kill"]
    process = start_eakte(*args, api=prefect_api)
    orphans: list[str] = []
    try:
        # Watch the blob store closely; when a blob appears that the catalog does not know,
        # freeze the ingest and look: a PDF/A stored but not catalogued is the moment.
        deadline = time.monotonic() + 600
        seen = 0
        while not orphans and process.poll() is None and time.monotonic() < deadline:
            stored = len(_stored_blobs(data / "blobs"))
            if stored > seen:
                # every thread stopped, not just signalled: another document's thread could
                # otherwise store its PDF/A after this look, an orphan not named below
                assert freeze(process.pid, timeout=60), "the ingest did not stop"
                orphans = _orphan_pdfs(data)
                seen = len(_stored_blobs(data / "blobs"))
                if not orphans:
                    os.kill(process.pid, signal.SIGCONT)
            time.sleep(0.001)
        assert orphans, "no moment between storing a PDF/A and cataloguing it was caught"
        os.kill(process.pid, signal.SIGKILL)  # the ingest alone; its OCR dies with it
        process.wait()
    finally:
        kill_all({process.pid})
        process.communicate()

    report = run_json(*args, api=prefect_api)
    assert {d["status"] for d in report["documents"]} == {"archived"}
    assert len(report["documents"]) == 6
    broken = run_eakte("verify", "--data", str(data), api=prefect_api, check=False)
    assert broken.returncode == 1
    for sha in orphans:  # the rerun made that document's PDF/A anew, in other bytes
        assert f"blob {sha}: stored but no document refers to it" in broken.stdout

    young = run_eakte("verify", "--repair", "--data", str(data), api=prefect_api, check=False)
    for sha in orphans:  # stored a minute ago: perhaps another machine's store in progress
        assert f"left blob {sha}" in young.stdout
    an_hour_ago = time.time() - 3700
    for sha in orphans:  # nothing catalogued them since: orphans for good
        blob = _stored_blobs(data / "blobs")[sha]
        os.utime(blob, (an_hour_ago, an_hour_ago))
    repaired = run_eakte("verify", "--repair", "--data", str(data), api=prefect_api)
    for sha in orphans:
        assert f"removed blob {sha}" in repaired.stdout
    assert "archive verified" in repaired.stderr
    run_eakte("verify", "--data", str(data), api=prefect_api)
    with sqlite3.connect(data / "catalog.sqlite") as db:
        details = [
            json.loads(row[0])
            for row in db.execute("select detail from audit_events where event = 'repaired'")
        ]
    assert len(details) == 1
    assert sorted(b["sha256"] for b in details[0]["orphan_blobs"]) == sorted(orphans)
    run_eakte("audit", "verify", "--data", str(data), api=prefect_api)
