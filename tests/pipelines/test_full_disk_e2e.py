"""A full disk in the middle of a batch, for real: the data directory on a small tmpfs.

A ballast file leaves 4 MiB free, so the third input of the batch (8 MiB: a letter with 8 MiB
of trailing bytes, or 8 MiB that are no document at all) cannot be stored or copied to
quarantine. The batch then stops with one line on stderr and exit status 2, its report names
what was archived, the input that met the full disk and those not reached, nothing is left
half-written, and once the ballast is gone the same command archives the rest and `eakte
verify` is clean.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanmaker import write_scan
from tests.support.commands import run_eakte
from tests.support.tmpfs import leave_free, small_tmpfs

pytestmark = pytest.mark.slow

MIB = 1024 * 1024


def _letter(number: int) -> list[str]:
    return [
        "Stadt Musterstadt, Der Bürgermeister, Bauordnungsamt",
        f"Aktenzeichen: 63-BG-2024-{number:04d}",
        "Baugenehmigung",
        f"Auf Ihren Bauantrag vom 12.02.2024 wird die Baugenehmigung für das Haus Nr. {number}",
        "an der Lindenstraße erteilt. Die Gebühr beträgt 412,50 €.",
    ]


def _big_scan(path: Path) -> Path:
    """A born-digital letter followed by 8 MiB of bytes after its end (readers ignore them)."""
    write_scan([_letter(3)], path, "born_digital_pdf", font="DejaVuSerif")
    junk = os.urandom(8 * MIB).replace(b"\n", b"x").replace(b"\r", b"x")
    path.write_bytes(path.read_bytes() + b"%" + junk)
    return path


def _big_junk(path: Path) -> Path:
    path.write_bytes(os.urandom(8 * MIB))  # not a document: rejected, its copy does not fit
    return path


def _ingest(inbox: Path, data: Path, api: str) -> tuple[int, str, dict]:
    result = run_eakte(
        "ingest", str(inbox), "--data", str(data), "--batch", "Karton 2", "--json",
        api=api, check=False,
    )  # fmt: skip
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.returncode, result.stderr, report


def _statuses(report: dict) -> dict[str, str]:
    return {Path(line["source"]).name: line["status"] for line in report["documents"]}


@pytest.mark.parametrize("big", [_big_scan, _big_junk], ids=["scan", "junk"])
def test_a_full_disk_stops_the_batch_cleanly_and_a_rerun_finishes_it(
    tmp_path: Path, prefect_api: str, monkeypatch: pytest.MonkeyPatch, big
) -> None:
    monkeypatch.setenv("EAKTE_WORKERS", "1")  # one document after the other, in name order
    first, inbox = tmp_path / "vorlauf", tmp_path / "karton"
    first.mkdir(), inbox.mkdir()
    write_scan([_letter(1)], first / "a-brief.pdf", "born_digital_pdf", font="DejaVuSerif")
    write_scan([_letter(2)], inbox / "b-brief.pdf", "born_digital_pdf", font="DejaVuSerif")
    gross = big(inbox / ("c-gross.pdf" if big is _big_scan else "c-gross.bin"))
    write_scan([_letter(4)], inbox / "d-brief.pdf", "born_digital_pdf", font="DejaVuSerif")
    (inbox / "e-notiz.txt").write_text("Notiz, kein Dokument\n")
    with small_tmpfs(tmp_path / "disk", size_mb=30) as disk:
        data = disk / "data"
        run_eakte("ingest", str(first), "--data", str(data), api=prefect_api)  # catalog, index
        ballast = leave_free(disk, 4 * MIB)

        status, stderr, report = _ingest(inbox, data, prefect_api)
        assert status == 2, stderr[-3000:]
        assert "Traceback" not in stderr
        [message] = [line for line in stderr.splitlines() if "stopped" in line]
        assert "No space left on device" in message and "--batch Karton-2" in message
        assert _statuses(report) == {
            "b-brief.pdf": "archived",
            gross.name: "interrupted",
            "d-brief.pdf": "not_reached",
            "e-notiz.txt": "not_reached",
        }
        assert "No space left on device" in report["stopped"]
        assert all(line["reason"] for line in report["documents"][1:])
        assert report["counts"]["interrupted"] == 1 and report["counts"]["not_reached"] == 2

        # nothing half-written: no temporary file, no work folder, no copy of what was stopped
        leftovers = [p for p in disk.rglob("*") if p.name.endswith(".tmp")]
        assert leftovers == []
        assert list((data / "work").iterdir()) == []
        assert not list((data / "quarantine").rglob(f"*{gross.name}*"))

        ballast.unlink()  # space freed
        assert run_eakte("verify", "--data", str(data), api=prefect_api).returncode == 0
        status, stderr, again = _ingest(inbox, data, prefect_api)
        assert status == 0, stderr[-3000:]
        assert _statuses(again) == {
            "b-brief.pdf": "archived",  # resumed: archived by this batch before
            gross.name: "archived" if big is _big_scan else "quarantined",
            "d-brief.pdf": "archived",
            "e-notiz.txt": "quarantined",
        }
        assert "stopped" not in again
        assert run_eakte("verify", "--data", str(data), api=prefect_api).returncode == 0


def test_a_disk_full_before_the_first_document_stops_the_batch_the_same_way(
    tmp_path: Path, prefect_api: str
) -> None:
    first, inbox = tmp_path / "vorlauf", tmp_path / "karton"
    first.mkdir(), inbox.mkdir()
    write_scan([_letter(1)], first / "a-brief.pdf", "born_digital_pdf", font="DejaVuSerif")
    write_scan([_letter(2)], inbox / "b-brief.pdf", "born_digital_pdf", font="DejaVuSerif")
    (inbox / "c-notiz.txt").write_text("Notiz, kein Dokument\n")
    with small_tmpfs(tmp_path / "disk", size_mb=30) as disk:
        data = disk / "data"
        run_eakte("ingest", str(first), "--data", str(data), api=prefect_api)
        ballast = leave_free(disk, 0)  # not a byte left

        status, stderr, report = _ingest(inbox, data, prefect_api)
        assert status == 2, stderr[-3000:]
        assert "Traceback" not in stderr
        assert len([line for line in stderr.splitlines() if "stopped" in line]) == 1
        assert set(_statuses(report)) == {"b-brief.pdf", "c-notiz.txt"}
        assert set(_statuses(report).values()) <= {"interrupted", "not_reached"}
        assert not list((data / "quarantine").rglob("*"))

        ballast.unlink()
        status, stderr, again = _ingest(inbox, data, prefect_api)
        assert status == 0, stderr[-3000:]
        assert _statuses(again) == {"b-brief.pdf": "archived", "c-notiz.txt": "quarantined"}
        assert run_eakte("verify", "--data", str(data), api=prefect_api).returncode == 0
