"""Real-world oddities from OCRmyPDF's test resources: each file archived or quarantined with a reason."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.support.commands import ROOT, run_eakte, run_json

pytestmark = pytest.mark.slow

CORPUS = ROOT.parent / "shared" / "corpus" / "robustness" / "ocrmypdf-resources"
# Expected outcome per file; files whose outcome may vary by version are not listed.
EXPECTED = {
    "invalid.pdf": "quarantined",  # 44 bytes of garbage behind a PDF header
    "trivial.pdf": "quarantined",  # an empty page: nothing to read
    "blank.pdf": "quarantined",
    "skew.pdf": "archived_or_review",
    "ccitt.pdf": "archived_or_review",
    "jbig2.pdf": "archived_or_review",
    "baiona_alpha.png": "archived_or_review",  # alpha channel
    "linn.png": "archived_or_review",
    "epson.pdf": "archived_or_review",  # a real scanner's output
    "graph_ocred.pdf": "archived_or_review",  # an earlier OCR layer: OCR'd again
    "negzero.pdf": None,
    "missing_docinfo.pdf": None,
    "livecycle.pdf": None,
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_robustness_files_are_archived_or_quarantined_with_a_reason(
    tmp_path: Path, prefect_api: str
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in EXPECTED:
        shutil.copy(CORPUS / name, inbox / name)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}
    report = run_json("ingest", str(inbox), "--data", str(tmp_path / "data"), api=prefect_api)
    lines = {Path(d["source"]).name: d for d in report["documents"]}
    assert set(lines) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        line = lines[name]
        if line["status"] == "quarantined":
            assert line["reason"], name
            assert (
                hashlib.sha256(Path(line["quarantine_copy"]).read_bytes()).hexdigest()
                == before[name]
            )
        if expected == "quarantined":
            assert line["status"] == "quarantined", line
        elif expected == "archived_or_review":
            assert line["status"] in ("archived", "needs_review"), line
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}
    assert after == before
    assert run_eakte("verify", "--data", str(tmp_path / "data"), api=prefect_api).returncode == 0
