"""The transfer note (Transfervermerk): built from what the pipeline knows, stored with the scan."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from pipelines.manifest import BatchManifest, ScanProfile
from pipelines.transfer_note import (
    STANDARD,
    TransferNote,
    build_transfer_note,
    toolchain_versions,
)
from scanmaker import write_scan
from scanners import PageText, ScanResult
from tests.support.commands import invoke_eakte, run_eakte, run_json

CET = timezone(timedelta(hours=1))
MANIFEST = BatchManifest(
    operator="M. Muster",
    organisation_unit="63",
    scanner="Fujitsu fi-7160",
    box="Karton 17",
    shelf="Regal B-04",
    default_aktenzeichen="63-BG-2019-0042",
    protection_need="high",
    profile=ScanProfile(dpi=300, colour="grey", duplex=True),
    source="/scans/karton-17/batch.toml",
)


def _scan(*pages: PageText, ocr_applied: bool = True) -> ScanResult:
    return ScanResult(
        pdfa=Path("/work/pdfa.pdf"),
        pages=pages,
        ocr_applied=ocr_applied,
        software={"ocrmypdf": "17.0.0", "tesseract": "5.3.0"},
    )


def _note(scan: ScanResult, manifest: BatchManifest | None = MANIFEST, **kw: Any) -> TransferNote:
    args: dict[str, Any] = {
        "document_id": "d" * 16,
        "batch_id": "Karton-17",
        "batch_name": "Karton 17",
        "manifest": manifest,
        "source_name": "/scans/karton-17/a.tif",
        "source_kind": "tiff",
        "captured_at": datetime(2026, 11, 20, 9, 15, 3, 500, tzinfo=CET),
        "ingested_at": datetime(2026, 11, 23, 13, 0, tzinfo=UTC),
        "scan": scan,
        "expected_pages": len(scan.pages),
        "languages": ("deu", "eng"),
        "deskew": True,
        "rotate_pages": True,
        "low_confidence": 70.0,
        "software": {"eakte": "0.1.0", "img2pdf": "0.6.0"},
        "converter": "img2pdf",
        "sha256_original": "a" * 64,
        "sha256_pdfa": "b" * 64,
    }
    return build_transfer_note(**{**args, **kw})


def test_note_holds_every_field_from_manifest_scan_and_hashes() -> None:
    note = _note(
        _scan(PageText(1, "Baugenehmigung", 91.0, "ocr"), PageText(2, "Seite 2", 88.5, "ocr"))
    )
    assert note.standard == STANDARD
    assert (note.document_id, note.batch_id, note.batch_name) == (
        "d" * 16,
        "Karton-17",
        "Karton 17",
    )
    assert note.manifest_file == "/scans/karton-17/batch.toml"
    assert (note.operator, note.organisation_unit, note.scanner) == (
        "M. Muster",
        "63",
        "Fujitsu fi-7160",
    )
    assert (note.dpi, note.colour, note.duplex) == (300, "grey", True)
    assert (note.box, note.shelf, note.protection_need) == ("Karton 17", "Regal B-04", "high")
    assert note.software == {
        "eakte": "0.1.0",
        "img2pdf": "0.6.0",
        "ocrmypdf": "17.0.0",
        "tesseract": "5.3.0",
    }
    assert (note.sha256_original, note.sha256_pdfa) == ("a" * 64, "b" * 64)
    assert note.pages == 2 and note.anomalies == []
    assert note.quality_check.result == "passed" and note.quality_check.remarks == []
    assert "page count: 2 of 2 input page(s)" in note.quality_check.checks
    assert note.processing[0] == (
        "TIFF image(s) converted to PDF by img2pdf, the image data as scanned"
    )
    assert "deskew on; automatic page rotation on" in note.processing[1]
    assert note.processing[-1] == "converted to PDF/A-2b"


def test_an_image_pillow_converted_says_its_pixels_were_encoded_again() -> None:
    note = _note(_scan(PageText(1, "Text", 90.0, "ocr")), converter="pillow")
    assert note.processing[0] == (
        "TIFF image(s) converted to PDF by Pillow, decoded and encoded again "
        "(img2pdf cannot embed such an image as it is)"
    )


def test_the_toolchain_names_only_what_ran() -> None:
    """pikepdf makes and checks every PDF/A; the converter only where an image was converted;
    Ghostscript only where the OCR worker reports that it ran."""
    for_a_pdf = toolchain_versions(None)
    assert set(for_a_pdf) == {"eakte", "pikepdf"}
    assert toolchain_versions("img2pdf")["img2pdf"] == importlib.metadata.version("img2pdf")
    assert toolchain_versions("pillow")["pillow"] == importlib.metadata.version("pillow")


def test_times_are_iso_8601_with_their_zone() -> None:
    note = _note(_scan(PageText(1, "Text", 90.0, "ocr")))
    assert note.captured_at == "2026-11-20T09:15:03+01:00"
    assert note.ingested_at == "2026-11-23T13:00:00+00:00"
    assert datetime.fromisoformat(note.captured_at).utcoffset() == timedelta(hours=1)
    assert "modification time" in note.captured_at_basis
    with pytest.raises(ValueError, match="captured_at must carry a time zone"):
        _note(_scan(PageText(1, "Text", 90.0, "ocr")), captured_at=datetime(2026, 11, 20))


def test_anomalies_name_blank_and_badly_read_pages() -> None:
    scan = _scan(
        PageText(1, "Baugenehmigung", 93.0, "ocr"),
        PageText(2, "  \n", None, "ocr"),
        PageText(3, "verschmiert", 41.25, "ocr"),
        PageText(4, "ohne Wert", None, "ocr"),
        PageText(5, "", None, "ocr", recognised=False),
    )
    note = _note(scan)
    assert [(a.page, a.kind) for a in note.anomalies] == [
        (2, "blank"),
        (3, "low_ocr_confidence"),
        (4, "no_ocr_confidence"),
        (5, "not_recognised"),
    ]
    assert "rescanned" in note.anomalies[3].detail
    assert "41.2 below 70" in note.anomalies[1].detail
    assert note.quality_check.result == "passed with remarks"
    assert note.quality_check.remarks[1].startswith("page 3: mean word confidence")


def test_without_manifest_nothing_is_invented() -> None:
    note = _note(
        _scan(PageText(1, "Brief", None, "text_layer"), ocr_applied=False),
        manifest=None,
        source_kind="pdf",
    )
    stated = note.model_dump(
        include={"manifest_file", "operator", "scanner", "dpi", "colour", "duplex", "box"}
    )
    assert set(stated.values()) == {None}
    assert note.protection_need is None and note.organisation_unit is None
    assert note.processing == [
        "born-digital PDF: its text layer, fonts and vector graphics were kept; no OCR, "
        "no rasterisation",
        "converted to PDF/A-2b by pikepdf, structure and metadata only",
    ]
    assert note.anomalies == []  # a text layer has no OCR confidence to miss
    assert "text layer present on at least one page" in note.quality_check.checks


def test_a_born_digital_pdf_rasterised_for_ocr_says_why_and_claims_no_kept_text() -> None:
    scan = ScanResult(
        pdfa=Path("/work/pdfa.pdf"),
        pages=(PageText(1, "Brief", 93.0, "ocr"),),
        ocr_applied=True,
        text_layer_dropped="PDF/A conversion failed: font(s) Helvetica not embedded",
    )
    note = _note(scan, source_kind="pdf")
    assert note.processing[0].startswith("born-digital PDF: its text layer could not be kept")
    assert "Helvetica not embedded" in note.processing[0]
    assert "rasterised and OCR'd" in note.processing[0]
    # the worker ran with deskew and rotation off for it, whatever the settings say
    assert note.processing[1].endswith("deskew off; automatic page rotation off")
    assert not any("kept;" in step for step in note.processing)


def test_note_carries_the_tr_03138_statements_and_places() -> None:
    """Where and under which procedure the batch was scanned, what the agreement with the
    original rests on (no more than eakte checks), how the note is protected, and where the
    capture time came from."""
    manifest = MANIFEST.model_copy(update={
        "scan_place": "Rathaus, Raum 1.12", "workstation": "Scan-PC 2",
        "procedure_documentation": "VD Ersetzendes Scannen 2.1",
    })  # fmt: skip
    note = _note(
        _scan(PageText(1, "Text", 90.0, "ocr"), PageText(2, "Text", 90.0, "ocr")),
        manifest=manifest,
        captured_at_basis="TIFF DateTime of the scan",
    )
    assert (note.scan_place, note.workstation) == ("Rathaus, Raum 1.12", "Scan-PC 2")
    assert note.procedure_documentation == "VD Ersetzendes Scannen 2.1"
    assert note.captured_at_basis == "TIFF DateTime of the scan"
    assert "image and content" in note.conformity and "2 page(s)" in note.conformity
    assert "does not compare the scan with the paper" in note.conformity
    assert "audit trail" in note.seal and "Not signed" in note.seal
    assert "No Time-Stamp Authority is configured" in note.seal
    stamped = _note(_scan(PageText(1, "Text", 90.0, "ocr")), tsa_url="http://tsa.example/")
    assert "timestamped (RFC 3161)" in stamped.seal and "http://tsa.example/" in stamped.seal
    assert "eakte qa record" in note.quality_check.human_check
    unstated = _note(_scan(PageText(1, "Text", 90.0, "ocr")), manifest=None)
    assert (unstated.scan_place, unstated.workstation, unstated.procedure_documentation) == (
        None, None, None,
    )  # fmt: skip


def test_note_is_plain_json_for_the_facts() -> None:
    dumped = _note(_scan(PageText(1, "", None, "ocr"))).model_dump(mode="json")
    assert dumped["anomalies"] == [{"page": 1, "kind": "blank", "detail": "no text on the page"}]
    assert TransferNote.model_validate(dumped).anomalies[0].page == 1


# --------------------------------------------------------------------------- end to end

BATCH_TOML = """
operator = "M. Muster"
scan_place = "Rathaus Musterstadt, Raum 1.12"
workstation = "Scan-PC 2"
procedure_documentation = "Verfahrensdokumentation Ersetzendes Scannen, Version 2.1"
organisation_unit = "63"
scanner = "Fujitsu fi-7160"
box = "Karton 17"
default_aktenzeichen = "63-BG-2019-0042"
protection_need = "high"

[profile]
dpi = 300
colour = "grey"
duplex = true
"""

HEAD = [
    "Stadt Musterstadt, Der Bürgermeister, Bauordnungsamt",
    "Rathausplatz 1, 12345 Musterstadt",
    "",
    "Herrn Max Mustermann, Lindenstraße 7, 12345 Musterstadt",
    "",
    "Musterstadt, den 04.06.2024",
]
WITH_AKZ = [
    *HEAD,
    "Aktenzeichen: 63-BG-2024-0117",
    "",
    "Baugenehmigung",
    "",
    "Auf Ihren Bauantrag vom 12.02.2024 wird die Baugenehmigung für die Errichtung",
    "eines Einfamilienhauses mit Garage erteilt. Die Nebenbestimmungen sind zu beachten.",
]
WITHOUT_AKZ = [
    *HEAD,
    "",
    "Eingangsbestätigung",
    "",
    "wir bestätigen den Eingang Ihres Schreibens vom 28.05.2024 zu Ihrem Vorhaben.",
    "Wir werden Ihr Anliegen prüfen und Ihnen so bald wie möglich antworten.",
]


@pytest.mark.slow
def test_ingested_batch_carries_its_manifest_into_each_transfer_note(
    tmp_path: Path, prefect_api: str
) -> None:
    inbox = tmp_path / "karton-17"
    tiff = write_scan([WITH_AKZ], inbox / "genehmigung.tif", "tiff", seed=3)
    with Image.open(tiff) as image:  # the scanner wrote when it scanned; the copy came later
        image.load()
        image.save(tiff, compression="group4", dpi=(300, 300),
                   tiffinfo={306: "2026:11:20 09:15:00"})  # fmt: skip
    write_scan([WITHOUT_AKZ], inbox / "eingang.png", "png", seed=5)
    (inbox / "batch.toml").write_text(BATCH_TOML, encoding="utf-8")
    copied = datetime(2026, 11, 25, 16, 0, tzinfo=UTC).timestamp()
    for name in ("genehmigung.tif", "eingang.png"):
        os.utime(inbox / name, (copied, copied))
    data = tmp_path / "data"

    report = run_json(
        "ingest", str(inbox), "--data", str(data), "--batch", "Karton 17", api=prefect_api
    )

    assert [Path(line["source"]).name for line in report["documents"]] == [
        "eingang.png",
        "genehmigung.tif",
    ]  # the manifest is no input
    by_name = {Path(line["source"]).name: line for line in report["documents"]}
    assert all(line["status"] in ("archived", "needs_review") for line in by_name.values())
    docs = {
        name: run_json("show", line["document_id"], "--data", str(data), api=prefect_api)
        for name, line in by_name.items()
    }
    for name, doc in docs.items():
        note = doc["facts"]["transfer_note"]
        assert note["operator"] == "M. Muster" and note["scanner"] == "Fujitsu fi-7160"
        assert (note["dpi"], note["colour"], note["duplex"]) == (300, "grey", True)
        assert note["protection_need"] == "high" and note["organisation_unit"] == "63"
        assert (note["batch_id"], note["batch_name"]) == ("Karton-17", "Karton 17")
        assert note["manifest_file"] == str((inbox / "batch.toml").resolve())
        assert note["sha256_original"] == doc["sha256_original"]
        assert note["sha256_pdfa"] == doc["sha256_pdfa"]
        assert doc["sha256_original"] == hashlib.sha256((inbox / name).read_bytes()).hexdigest()
        assert note["quality_check"]["result"] in ("passed", "passed with remarks")
        assert {"eakte", "pikepdf", "tesseract"} <= set(note["software"])
        # scanned images are read straight; the note names ocrmypdf only where it ran
        assert note["software"]["route"] == "tesseract on the page images"
        assert "ocrmypdf" not in note["software"]
        # no Ghostscript ran on them; img2pdf made the PDF of each image
        assert "ghostscript" not in note["software"]
        assert note["software"]["img2pdf"] == importlib.metadata.version("img2pdf")
        assert note["processing"][0].endswith(
            "converted to PDF by img2pdf, the image data as scanned"
        )
        assert datetime.fromisoformat(note["captured_at"]).tzinfo is not None
    genehmigung, eingang = docs["genehmigung.tif"], docs["eingang.png"]
    tiff_note, png_note = genehmigung["facts"]["transfer_note"], eingang["facts"]["transfer_note"]
    captured = datetime.fromisoformat(tiff_note["captured_at"])
    assert captured == datetime(2026, 11, 20, 9, 15).astimezone()  # the TIFF's own DateTime
    assert tiff_note["captured_at_basis"].startswith("TIFF DateTime of the scan")
    assert datetime.fromisoformat(png_note["captured_at"]).timestamp() == copied
    assert png_note["captured_at_basis"].startswith("modification time")
    assert "fallback" in png_note["captured_at_basis"]
    for note in (tiff_note, png_note):
        assert note["scan_place"] == "Rathaus Musterstadt, Raum 1.12"
        assert note["workstation"] == "Scan-PC 2"
        assert note["procedure_documentation"].endswith("Version 2.1")
        assert "image and content" in note["conformity"] and "audit trail" in note["seal"]
    assert genehmigung["aktenzeichen"] == "63-BG-2024-0117"  # read, not the default
    assert "aktenzeichen_source" not in genehmigung["facts"]
    assert eingang["aktenzeichen"] == "63-BG-2019-0042"
    assert eingang["facts"]["aktenzeichen"] == ["63-BG-2019-0042"]
    assert eingang["facts"]["aktenzeichen_source"].startswith("batch manifest")

    shown = run_eakte(
        "show", by_name["genehmigung.tif"]["document_id"], "--data", str(data), api=prefect_api
    )
    assert "Transfervermerk" in shown.stdout and "Fujitsu fi-7160" in shown.stdout
    assert "none recorded for this batch" in shown.stdout

    # the visual check by a person, on a stored sample of the batch's pages
    sample = run_json("qa", "sample", "--batch", "Karton-17", "--rate", "50%", "--data",
                      str(data), api=prefect_api)  # fmt: skip
    assert sample["population"] == 2 and len(sample["pages"]) == 1
    run_eakte("qa", "record", "--batch", "Karton-17", "--by", "P. Prüfer", "--result", "passed",
              "--data", str(data), api=prefect_api)  # fmt: skip
    checked = sample["pages"][0]["document_id"]
    shown = run_eakte("show", checked, "--data", str(data), api=prefect_api)
    assert "passed by P. Prüfer" in " ".join(shown.stdout.split())
    assert run_eakte("verify", "--data", str(data), api=prefect_api).returncode == 0


@pytest.mark.slow
def test_broken_manifest_refuses_the_batch_before_any_work(
    tmp_path: Path, prefect_api: str
) -> None:
    inbox = tmp_path / "karton-18"
    write_scan([WITHOUT_AKZ], inbox / "eingang.png", "png", seed=5)
    (inbox / "batch.toml").write_text('operator = "M. Muster"\ncolour = "grey"\n')
    data = tmp_path / "data"
    result = run_eakte("ingest", str(inbox), "--data", str(data), api=prefect_api, check=False)
    assert result.returncode == 2, result.stderr
    assert "batch.toml" in result.stderr and "colour" in result.stderr
    assert not (data / "catalog.sqlite").exists() or not list((data / "blobs").rglob("*"))


def test_a_manifest_at_high_protection_need_without_operator_refuses_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 2 naming the file and the field, before any scan is touched (no Prefect here)."""
    monkeypatch.chdir(tmp_path)
    inbox = tmp_path / "karton-19"
    write_scan([WITHOUT_AKZ], inbox / "eingang.png", "png", seed=5)
    (inbox / "batch.toml").write_text(BATCH_TOML.replace('operator = "M. Muster"\n', ""))
    data = tmp_path / "data"
    result = invoke_eakte("ingest", str(inbox), "--data", str(data))
    assert result.exit_code == 2, result.output
    said = "".join(result.output.split())  # the console wraps long paths anywhere
    assert f"{inbox / 'batch.toml'}:operator:requiredatprotectionneed'high'" in said
    assert not (data / "blobs").exists() or not list((data / "blobs").rglob("*"))


def test_pages_read_straight_from_their_images_say_how_far_each_was_turned() -> None:
    scan = ScanResult(
        pdfa=Path("/work/pdfa.pdf"),
        pages=(
            PageText(1, "Brief", 93.0, "ocr", deskew_degrees=-1.25),
            PageText(2, "Anlage", 91.0, "ocr", deskew_degrees=0.0),
        ),
        ocr_applied=True,
        software={"tesseract": "5.3.0", "route": "tesseract on the page images"},
    )
    note = _note(scan)
    assert "on every page's own image" in note.processing[1]
    assert "the scanned content itself unchanged (page 1: -1.25°)" in note.processing[1]
    assert "page 2" not in note.processing[1]
    assert note.processing[-1] == "text layer laid over the pages, converted to PDF/A-2b by pikepdf"


def test_pages_read_from_a_drawing_say_so_and_what_making_pdfa_removed() -> None:
    scan = ScanResult(
        pdfa=Path("/work/pdfa.pdf"),
        pages=(
            PageText(1, "Brief", 93.0, "ocr", deskew_degrees=0.0),
            PageText(2, "Anlage", 91.0, "ocr", deskew_degrees=0.5, drawn_dpi=295.0),
        ),
        ocr_applied=True,
        software={"tesseract": "5.3.0", "route": "tesseract on the page images"},
        pdfa_changes=("removed /BlackIs1, which PDF does not define, from an image on page 2",),
    )
    note = _note(scan)
    assert (
        "its content kept as it is (page 2 at 295 dpi), and every other page's own image"
        in (note.processing[1])
    )
    assert "page 1 at" not in note.processing[1]
    assert "no page was found turned" in note.processing[1]
    assert note.processing[-1].endswith(
        "by pikepdf: removed /BlackIs1, which PDF does not define, from an image on page 2"
    )


def test_a_page_read_again_upright_says_how_far_it_was_turned() -> None:
    scan = ScanResult(
        pdfa=Path("/work/pdfa.pdf"),
        pages=(
            PageText(1, "Brief", 93.0, "ocr"),
            PageText(2, "Anlage", 91.0, "ocr", turned_degrees=180),
        ),
        ocr_applied=True,
        software={"tesseract": "5.3.0", "route": "tesseract on the page images"},
    )
    note = _note(scan)
    assert (
        "automatic page rotation on: found on its side or upside down, read again upright and "
        "shown so by /Rotate, clockwise, its content unchanged (page 2: 180°)"
    ) in note.processing[1]
    assert "page 1:" not in note.processing[1]


def test_a_document_ocrmypdf_drew_again_says_why() -> None:
    scan = ScanResult(
        pdfa=Path("/work/pdfa.pdf"),
        pages=(PageText(1, "Brief", 93.0, "ocr"),),
        ocr_applied=True,
        software={
            "route": "ocrmypdf",
            "route_reason": "page 1 has 2 images or drawings, not one image",
        },
    )
    note = _note(scan)
    assert note.processing[1].endswith(
        "pages drawn again for OCR by ocrmypdf, because page 1 has 2 images or drawings, not one image"
    )
    assert note.processing[-1] == "converted to PDF/A-2b"
