"""Trusted time on a real ingest: the batch ends with a timestamp of the audit chain's head
and evidence records for its files, both checked by `eakte audit verify` and `eakte verify`."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.support.commands import ROOT, run_eakte, run_json
from tests.support.tsa import LocalTsa

SAMPLE = ROOT / "eakte" / "samples" / "03-hundesteuerbescheid.png"


@pytest.mark.slow
def test_a_batch_timestamps_its_audit_trail_and_seals_its_files(
    tmp_path: Path, prefect_api: str, tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EAKTE_TSA_URL", tsa.url)
    monkeypatch.setenv("EAKTE_TSA_CERTIFICATE", str(tsa.ca))
    inbox = tmp_path / "karton"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox)
    data = tmp_path / "data"
    report = run_json("ingest", str(inbox), "--data", str(data), api=prefect_api)
    (line,) = report["documents"]
    trusted = report["trusted_time"]
    with sqlite3.connect(data / "catalog.sqlite") as db:
        head = db.execute("SELECT last_id FROM audit_head").fetchone()[0]
    assert trusted["audit"]["event_id"] == head and "Test TSA" in trusted["audit"]["tsa"]
    assert trusted["evidence"]["records"] == 2 and trusted["problems"] == []
    assert (data / "timestamps" / "audit" / f"{head:012d}.tsr").is_file()

    audit = run_eakte("audit", "verify", "--data", str(data), api=prefect_api)
    assert "1 timestamp(s) verified" in audit.stdout
    verified = run_eakte("verify", "--data", str(data), api=prefect_api)
    assert "trusted time: 2 archived file(s) proven by evidence records" in verified.stdout

    record = tmp_path / "bescheid.ers"
    run_eakte("evidence", "export", line["document_id"], "--out", str(record),
              "--data", str(data), api=prefect_api)  # fmt: skip
    shown = run_json("show", line["document_id"], "--data", str(data), api=prefect_api)
    pdf = Path(shown["pdfa_path"])
    proved = run_eakte("evidence", "verify", str(record), "--data-file", str(pdf),
                       "--data", str(data), api=prefect_api)  # fmt: skip
    assert "proves" in proved.stdout
    original = run_eakte("evidence", "verify", str(record), "--data-file", str(SAMPLE),
                         "--data", str(data), api=prefect_api, check=False)  # fmt: skip
    assert original.returncode == 1 and "does not prove" in original.stderr
