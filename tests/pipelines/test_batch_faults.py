"""A batch never dies from one input: a hostile scan folder through a real `eakte ingest`.

One batch, named "..", of a folder holding a legal 247-byte name, links out of the folder (to
/etc/passwd, to a PDF, to a folder of PDFs), hidden files, and a 512 MiB sparse file; and one
real letter. Every entry gets its line with a reason, nothing leaves DATA/quarantine/<batch>,
nothing outside the folder is read, and `eakte verify` is clean afterwards.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanmaker import write_scan
from tests.support.commands import run_eakte

pytestmark = pytest.mark.slow

LONG_NAME = "16-" + "x" * 240 + ".pdf"  # 247 bytes, legal; "<12 hex>-" + it is not
SPARSE_BYTES = 512 * 1024 * 1024  # over the default input limit of 500 MiB
LETTER = [
    "Stadt Musterstadt, Der Bürgermeister, Bauordnungsamt",
    "Aktenzeichen: 63-BG-2024-0117",
    "Baugenehmigung",
    "Auf Ihren Bauantrag vom 12.02.2024 wird die Baugenehmigung für die Errichtung eines",
    "Einfamilienhauses mit Garage an der Lindenstraße 7 erteilt.",
]
OUTSIDE_WORD = "Geheimvermerk"  # only in the PDFs outside the scan folder
LINKS = ("passwort", "fremd.pdf", "akten")
HIDDEN = (".versteckter-scan.pdf", ".DS_Store")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, prefect_api: str) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    outside, inbox, data = root / "anderswo", root / "karton", root / "data"
    (outside / "akten").mkdir(parents=True)
    inbox.mkdir()
    secret = [*LETTER[:3], f"{OUTSIDE_WORD}: nicht für die Akte bestimmt, Lindenstraße 9."]
    write_scan([secret], outside / "fremd.pdf", "born_digital_pdf", font="DejaVuSerif")
    write_scan([secret], outside / "akten" / "drin.pdf", "born_digital_pdf", font="DejaVuSans")
    write_scan([LETTER], inbox / "z-brief.pdf", "born_digital_pdf", font="DejaVuSerif")
    write_scan([secret], inbox / ".versteckter-scan.pdf", "born_digital_pdf", font="DejaVuSans")
    (inbox / LONG_NAME).write_bytes(b"Kein Dokument, nur eine Notiz.\n")
    (inbox / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (inbox / "passwort").symlink_to("/etc/passwd")
    (inbox / "fremd.pdf").symlink_to(outside / "fremd.pdf")
    (inbox / "akten").symlink_to(outside / "akten")
    sparse = inbox / "riesig.pdf"
    with sparse.open("wb") as handle:
        handle.truncate(SPARSE_BYTES)  # a hole: no block of it is allocated
    result = run_eakte(
        "ingest", str(inbox), "--data", str(data), "--batch", "..", "--json",
        api=prefect_api, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    lines = {Path(line["source"]).name: line for line in report["documents"]}
    return {"inbox": inbox, "data": data, "outside": outside, "report": report, "lines": lines}


def test_every_entry_of_the_folder_has_its_line(batch: dict) -> None:
    assert set(batch["lines"]) == {LONG_NAME, "riesig.pdf", "z-brief.pdf", *LINKS, *HIDDEN}
    assert all(line["reason"] for name, line in batch["lines"].items() if name != "z-brief.pdf")
    counts = batch["report"]["counts"]
    assert sum(counts.values()) == len(batch["lines"])
    assert counts["skipped"] == len(LINKS) + len(HIDDEN)


def test_a_247_byte_name_is_quarantined_and_the_batch_goes_on(batch: dict) -> None:
    line = batch["lines"][LONG_NAME]
    assert line["status"] == "quarantined" and "not a document" in line["reason"]
    copy = Path(line["quarantine_copy"])
    assert copy.read_bytes() == (batch["inbox"] / LONG_NAME).read_bytes()
    assert copy.name.endswith(".pdf") and len(os.fsencode(copy.name)) <= 200
    note = copy.with_name(copy.name + ".reason.txt").read_text("utf-8")
    assert str(batch["inbox"] / LONG_NAME) in note  # the full name stays in the note
    assert batch["lines"]["z-brief.pdf"]["status"] in ("archived", "needs_review")


def test_links_are_not_followed(batch: dict, prefect_api: str) -> None:
    for name in LINKS:
        line = batch["lines"][name]
        assert line["status"] == "skipped" and "symbolic link, not followed" in line["reason"]
        assert line["sha256"] is None and line["quarantine_copy"] is None
    passwd = Path("/etc/passwd").read_bytes()
    for path in batch["data"].rglob("*"):
        assert not (path.is_file() and passwd in path.read_bytes()), path
    hits = json.loads(
        run_eakte(
            "search", OUTSIDE_WORD, "--data", str(batch["data"]), "--json", api=prefect_api
        ).stdout
    )["hits"]
    assert hits == []


def test_hidden_files_are_named_not_ingested(batch: dict) -> None:
    for name in HIDDEN:
        line = batch["lines"][name]
        assert line["status"] == "skipped" and line["reason"].startswith("hidden file"), line


def test_an_input_over_the_size_limit_is_neither_read_nor_copied(batch: dict) -> None:
    line = batch["lines"]["riesig.pdf"]
    assert line["status"] == "quarantined" and "max_input_bytes" in line["reason"]
    assert line["sha256"] is None  # never hashed: nothing read it
    assert line["quarantine_copy"] is None
    quarantine = batch["data"] / "quarantine"
    allocated = sum(p.stat().st_blocks * 512 for p in quarantine.rglob("*") if p.is_file())
    assert allocated < 1024 * 1024
    sparse = (batch["inbox"] / "riesig.pdf").stat()
    assert sparse.st_size == SPARSE_BYTES and sparse.st_blocks == 0  # untouched
    notes = [p.read_text("utf-8") for p in quarantine.rglob("*riesig.pdf.reason.txt")]
    assert len(notes) == 1 and str(batch["inbox"] / "riesig.pdf") in notes[0]


def test_a_batch_called_dot_dot_stays_inside_its_quarantine_folder(batch: dict) -> None:
    quarantine = batch["data"] / "quarantine"
    [folder] = list(quarantine.iterdir())
    assert folder.is_dir() and folder.name not in (".", "..")
    assert not list(batch["data"].glob("*.reason.txt"))
    assert not list(batch["data"].glob(f"*{LONG_NAME[:20]}*"))
    for line in batch["report"]["documents"]:
        if line["quarantine_copy"]:
            assert Path(line["quarantine_copy"]).parent == folder


def test_the_archive_verifies_clean(batch: dict, prefect_api: str) -> None:
    assert run_eakte("verify", "--data", str(batch["data"]), api=prefect_api).returncode == 0
