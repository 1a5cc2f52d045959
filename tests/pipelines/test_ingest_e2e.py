"""The whole path on real OCR: scans in, searchable verified PDF/A out, bad input quarantined."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from scanmaker import render_page, sample_documents
from scanners import verify_pdfa
from tests.support.commands import copy_samples, run_eakte, run_json

pytestmark = pytest.mark.slow


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, prefect_api: str) -> dict:
    """One real batch: the bundled samples plus every kind of bad input."""
    root = tmp_path_factory.mktemp("batch")
    inbox = copy_samples(root / "inbox")
    (inbox / "leer.pdf").write_bytes(b"")
    (inbox / "notiz.txt").write_text("Bitte Akte 63-BG-2024-0117 vorlegen.\n")
    Image.new("1", (20_000, 20_000), 1).save(inbox / "bombe.png")
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(inbox / "geschuetzt.pdf", encryption=pikepdf.Encryption(owner="a", user="b"))
    bad_page = ["Hundesteuerbescheid 2024", "Die Hundesteuer wird auf 120,00 Euro festgesetzt."] * 3
    clean, smudged = render_page(bad_page, seed=1), render_page(bad_page, noise=0.42, seed=1)
    clean.save(inbox / "verschmiert.tif", save_all=True, append_images=[smudged], dpi=(300, 300))
    hashes = {p.name: _sha(p) for p in inbox.iterdir()}
    data = root / "data"
    report = run_json(
        "ingest", str(inbox), "--data", str(data), "--batch", "Karton 7", api=prefect_api
    )
    return {"inbox": inbox, "data": data, "report": report, "hashes": hashes}


def _line(batch: dict, name: str) -> dict:
    """The report line of an input, by file name or, for samples, by stem."""
    return next(
        d
        for d in batch["report"]["documents"]
        if name in (Path(d["source"]).name, Path(d["source"]).stem)
    )


def _show(batch: dict, document_id: str, api: str) -> dict:
    return run_json("show", document_id, "--data", str(batch["data"]), api=api)


def test_every_report_line_has_the_same_fields(batch: dict) -> None:
    from pipelines.report import REPORT_FIELDS

    assert all(tuple(line) == REPORT_FIELDS for line in batch["report"]["documents"])
    assert sum(batch["report"]["counts"].values()) == len(batch["report"]["documents"])


def test_every_sample_is_archived_with_its_type(batch: dict) -> None:
    for sample in sample_documents():
        line = _line(batch, sample.name)
        assert line["status"] == "archived", line
        assert line["doc_type"] == sample.doc_type, line
        assert line["pages"] == len(sample.pages)
        assert line["sha256"] == batch["hashes"][Path(line["source"]).name]
    assert batch["report"]["batch_id"] == "Karton-7"


def test_identifiers_dates_and_pages_are_stored(batch: dict, prefect_api: str) -> None:
    for sample in sample_documents():
        doc = _show(batch, _line(batch, sample.name)["document_id"], prefect_api)
        found = {(i["kind"], i["value"]) for i in doc["identifiers"]}
        for kind, value in sample.identifiers.items():
            if kind == "aktenzeichen":
                assert doc["aktenzeichen"] == value
            else:
                assert (kind, value) in found, (sample.name, kind, value, found)
        assert len(doc["pages"]) == len(sample.pages)
        assert doc["document_date"] is not None
        assert [e["event"] for e in doc["audit"]] == ["received", "ocr", "classified", "archived"]
        words = {w for line in sample.pages[0] for w in re.findall(r"\w{6,}", line)}
        recall = sum(w in doc["text"] for w in words) / len(words)
        assert recall >= 0.9, (sample.name, recall)


def test_audit_events_follow_the_declared_steps(batch: dict, prefect_api: str) -> None:
    from pipelines.flow import INGEST_STEPS

    doc = _show(batch, _line(batch, sample_documents()[0].name)["document_id"], prefect_api)
    declared = [event for step in INGEST_STEPS for event in step.writes]
    assert [e["event"] for e in doc["audit"]] == declared


def test_archived_pdfa_is_valid_and_originals_are_byte_identical(
    batch: dict, prefect_api: str
) -> None:
    for sample in sample_documents():
        doc = _show(batch, _line(batch, sample.name)["document_id"], prefect_api)
        assert verify_pdfa(Path(doc["pdfa_path"]), expected_pages=len(sample.pages)) == []
        assert _sha(Path(doc["original_path"])) == batch["hashes"][Path(doc["source_name"]).name]
        ocr_pages = [p for p in doc["pages"] if p["source"] == "ocr"]
        assert all(p["confidence"] > 75 for p in ocr_pages), doc["pages"]


def test_badly_read_pages_are_named_for_rescanning(batch: dict, prefect_api: str) -> None:
    line = _line(batch, "verschmiert.tif")
    assert line["status"] in ("archived", "needs_review")
    assert line["low_confidence_pages"] == [2]
    # Whether tesseract finishes the smudged page within its time depends on the CPU; either
    # way the page is named, and the transfer note says which of the two happened.
    assert line["unrecognised_pages"] in ([], [2])
    note = _show(batch, line["document_id"], prefect_api)["facts"]["transfer_note"]
    kinds = {a["page"]: a["kind"] for a in note["anomalies"]}
    assert kinds[2] == ("not_recognised" if line["unrecognised_pages"] else "low_ocr_confidence")
    assert all(not _line(batch, s.name)["low_confidence_pages"] for s in sample_documents())


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("99-defekt.pdf", "damaged"),
        ("leer.pdf", "empty file"),
        ("notiz.txt", "not a document"),
        ("bombe.png", "decompression bomb"),
        ("geschuetzt.pdf", "password"),
    ],
)
def test_bad_inputs_are_quarantined_untouched(batch: dict, name: str, reason: str) -> None:
    line = _line(batch, name)
    assert line["status"] == "quarantined"
    assert reason in line["reason"]
    assert _sha(batch["inbox"] / name) == batch["hashes"][name]  # the original is untouched
    copy = Path(line["quarantine_copy"])
    assert _sha(copy) == batch["hashes"][name]
    assert reason in copy.with_name(copy.name + ".reason.txt").read_text()
    assert batch["report"]["counts"]["quarantined"] == 5


@pytest.mark.parametrize(
    ("query", "expected_type"),
    [
        ("Baugenehmigungen", "baugenehmigung"),
        ("Hundesteuer", "hundesteuerbescheid"),
        ("Schlussabnahme", "abnahmeschein"),
    ],
)
def test_search_finds_by_german_words(
    batch: dict, prefect_api: str, query: str, expected_type: str
) -> None:
    hits = run_json("search", query, "--data", str(batch["data"]), api=prefect_api)["hits"]
    assert hits and hits[0]["doc_type"] == expected_type
    assert "<b>" in hits[0]["snippet"]


def test_search_finds_identifiers_typed_as_printed(batch: dict, prefect_api: str) -> None:
    for sample in sample_documents():
        idnr = sample.identifiers.get("steuer_idnr")
        if not idnr:
            continue
        printed = f"{idnr[:2]} {idnr[2:5]} {idnr[5:8]} {idnr[8:]}"
        hits = run_json("search", printed, "--data", str(batch["data"]), api=prefect_api)["hits"]
        assert [h["document_id"] for h in hits][:1] == [_line(batch, sample.name)["document_id"]]
    hits = run_json(
        "search",
        "",
        "--aktenzeichen",
        "63-BG-2024-0117",
        "--type",
        "baugenehmigung",
        "--data",
        str(batch["data"]),
        api=prefect_api,
    )["hits"]
    assert [h["doc_type"] for h in hits] == ["baugenehmigung"]


def test_malformed_search_is_a_clear_error(batch: dict, prefect_api: str) -> None:
    result = run_eakte(
        "search", "Bau AND (", "--data", str(batch["data"]), api=prefect_api, check=False
    )
    assert result.returncode == 2
    assert "cannot read the query" in result.stderr


def test_reingest_archives_nothing_twice(batch: dict, prefect_api: str) -> None:
    again = run_json("ingest", str(batch["inbox"]), "--data", str(batch["data"]), api=prefect_api)
    statuses = {Path(d["source"]).name: d["status"] for d in again["documents"]}
    for sample in sample_documents():
        assert statuses[Path(_line(batch, sample.name)["source"]).name] == "duplicate"
    assert again["counts"]["archived"] == 0
    assert run_eakte("verify", "--data", str(batch["data"]), api=prefect_api).returncode == 0


def test_verify_detects_a_flipped_byte(batch: dict, prefect_api: str, tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "copy"
    shutil.copytree(batch["data"], data, ignore=shutil.ignore_patterns("*.lock"))
    doc = _show(batch, _line(batch, "03-hundesteuerbescheid")["document_id"], prefect_api)
    blob = data / Path(doc["pdfa_path"]).relative_to(batch["data"])
    blob.chmod(0o644)
    content = bytearray(blob.read_bytes())
    content[len(content) // 2] ^= 0xFF
    blob.write_bytes(bytes(content))
    result = run_eakte("verify", "--data", str(data), api=prefect_api, check=False)
    assert result.returncode == 1
    assert f"{doc['document_id']}: PDF/A blob" in result.stdout


def test_the_batch_leaves_the_search_index_with_few_segments(batch: dict) -> None:
    from archive.search.tantivy import TantivyIndex
    from pipelines.index_upkeep import COMPACT_ABOVE

    search_index = batch["report"]["search_index"]
    assert 1 <= search_index["segments"] <= COMPACT_ABOVE
    assert TantivyIndex(batch["data"] / "index").segments() == search_index["segments"]


def test_the_report_says_where_each_documents_time_went(batch: dict) -> None:
    from pipelines.profile import PROFILE_STEPS

    report = batch["report"]
    archived = [d for d in report["documents"] if d["status"] in ("archived", "needs_review")]
    for line in archived:
        profile = line["profile"]
        assert tuple(profile["steps"]) == PROFILE_STEPS
        # a born-digital PDF kept as it is was made PDF/A without OCR
        made = ("rasterise", "ocr") if line["ocr_applied"] else ("pdfa",)
        for step in ("intake", *made, "verification", "classification", "archive", "index"):
            assert profile["steps"][step] > 0, (line["source"], step, profile)
        # the steps divide the document's time: together no more than it (rounding aside)
        assert sum(profile["steps"].values()) <= profile["seconds"] + 0.01
    batch_profile = report["profile"]
    assert batch_profile["pages"] == sum(d["pages"] or 0 for d in report["documents"])
    for step in PROFILE_STEPS:
        total = sum(d["profile"]["steps"][step] for d in report["documents"] if d["profile"])
        assert batch_profile["steps"][step] == pytest.approx(total, abs=0.01)
    assert batch_profile["seconds"] >= max(d["profile"]["seconds"] for d in archived)
