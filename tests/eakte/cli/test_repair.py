"""`eakte verify --repair`: blobs no document refers to and scratch folders of a killed
ingest are removed, each named with its size, in one audit event; refused during an ingest."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from archive.store import Archive
from pipelines.ingest_lock import ingest_lock
from tests.support import catalogs
from tests.support.commands import invoke_eakte
from tests.support.documents import store_document


@pytest.fixture
def left_behind(data: Path, tmp_path: Path) -> tuple[str, int]:
    """One archived document, a blob stored for a document never catalogued, and a scratch
    folder: what a `kill -9` between storing and cataloguing leaves. The orphan's hash and size."""
    archive = Archive(data)
    archive.start_batch("karton-1", "Karton 1")
    store_document(archive, tmp_path, "eins", "bauantrag", "archived")
    orphan = tmp_path / "pdfa-never-catalogued.pdf"
    orphan.write_bytes(b"%PDF-1.7 a PDF/A made before the crash")
    sha = archive.blobs.put(orphan)
    _age(archive, sha, hours=2)  # the crash was a while ago
    archive.close()
    (data / "work" / "doc-3fa1" / "eakte-ocr-9x").mkdir(parents=True)
    (data / "work" / "doc-3fa1" / "eakte-ocr-9x" / "page-1.png").write_bytes(b"p" * 100)
    return sha, orphan.stat().st_size


def _age(archive: Archive, sha: str, *, hours: float) -> None:
    """Set the blob's time of storing `hours` back, as if stored that long ago."""
    stored = time.time() - hours * 3600
    os.utime(archive.blobs.path(sha), (stored, stored))


def _events(data: Path, name: str) -> list[dict]:
    rows = catalogs.query(data, "select detail from audit_events where event = ?", name)
    return [catalogs.from_json(row[0]) for row in rows]


def test_verify_names_the_orphan_and_the_repair(data: Path, left_behind: tuple[str, int]) -> None:
    sha, _ = left_behind
    result = invoke_eakte("verify", "--data", str(data))
    assert result.exit_code == 1
    assert f"blob {sha}: stored but no document refers to it" in result.output
    assert "eakte verify --repair" in result.output


def test_repair_removes_them_audits_exactly_that_and_verify_is_clean(
    data: Path, left_behind: tuple[str, int]
) -> None:
    sha, size = left_behind
    result = invoke_eakte("verify", "--repair", "--data", str(data))
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert f"removed blob {sha} ({size:,} bytes)" in output
    assert "removed scratch folder work/doc-3fa1 (100 bytes)" in output
    assert "archive verified" in output
    assert not Archive(data).blobs.exists(sha)
    assert not any((data / "work").iterdir())
    assert _events(data, "repaired") == [
        {
            "orphan_blobs": [{"sha256": sha, "bytes": size}],
            "work_folders": [{"name": "doc-3fa1", "bytes": 100}],
        }
    ]
    assert invoke_eakte("audit", "verify", "--data", str(data)).exit_code == 0
    again = invoke_eakte("verify", "--repair", "--data", str(data))
    assert again.exit_code == 0 and "nothing to repair" in again.output
    assert len(_events(data, "repaired")) == 1  # nothing removed, nothing recorded


def test_repair_is_refused_while_an_ingest_holds_the_data_directory(
    data: Path, left_behind: tuple[str, int]
) -> None:
    sha, _ = left_behind
    with ingest_lock(data, "batch karton-2"):
        result = invoke_eakte("verify", "--repair", "--data", str(data))
    assert result.exit_code == 2
    assert "nothing repaired" in result.output and "batch karton-2 (pid" in result.output
    assert Archive(data).blobs.exists(sha)  # a running batch's blobs are stored before it
    assert (data / "work" / "doc-3fa1").is_dir()  # catalogues them: nothing was touched
    assert _events(data, "repaired") == []


def test_repair_leaves_a_fresh_orphan_that_may_be_a_store_in_progress(
    data: Path, tmp_path: Path, left_behind: tuple[str, int]
) -> None:
    """On a blob store shared by several machines, a blob stored a moment ago and not yet
    catalogued may be another machine's document on its way in: only orphans older than the
    grace period are removed; a younger one is named and left."""
    old, old_size = left_behind
    archive = Archive(data)
    fresh_file = tmp_path / "pdfa-of-another-machine.pdf"
    fresh_file.write_bytes(b"%PDF-1.7 stored by station 2, its catalogue row still to come")
    fresh = archive.blobs.put(fresh_file)
    _age(archive, fresh, hours=0.5)
    archive.close()
    result = invoke_eakte("verify", "--repair", "--data", str(data))
    output = " ".join(result.output.split())
    assert f"removed blob {old} ({old_size:,} bytes)" in output
    assert f"left blob {fresh} ({fresh_file.stat().st_size:,} bytes)" in output
    assert "may belong to a store in progress" in output
    assert not Archive(data).blobs.exists(old) and Archive(data).blobs.exists(fresh)
    assert [b["sha256"] for b in _events(data, "repaired")[0]["orphan_blobs"]] == [old]
    _age(Archive(data), fresh, hours=1.5)  # still not catalogued an hour later: an orphan
    again = invoke_eakte("verify", "--repair", "--data", str(data))
    assert f"removed blob {fresh}" in " ".join(again.output.split())
    assert not Archive(data).blobs.exists(fresh)
