"""The capture time of a scan is read from the scan file's own metadata, with its basis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pikepdf
from PIL import Image

from scanmaker import write_scan
from scanners.capture_time import capture_time

LINES = [["Stadt Musterstadt", "Baugenehmigung", "Aktenzeichen: 63-BG-2024-0117"]]
CET = timezone(timedelta(hours=1))


def test_a_scanned_pdf_says_when_it_was_made_in_its_xmp(tmp_path: Path) -> None:
    path = write_scan(LINES, tmp_path / "scan.pdf", "pdf", seed=1)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
            xmp["xmp:CreateDate"] = "2019-03-04T08:15:30+01:00"
        pdf.save(path)
    found = capture_time(path)
    assert found is not None
    assert found.at == datetime(2019, 3, 4, 8, 15, 30, tzinfo=CET)
    assert found.basis == "XMP xmp:CreateDate of the scanned PDF"


def test_without_xmp_the_pdf_document_info_creation_date_counts(tmp_path: Path) -> None:
    path = write_scan(LINES, tmp_path / "scan.pdf", "pdf", seed=1)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        if "/Metadata" in pdf.Root:
            del pdf.Root.Metadata
        pdf.docinfo["/CreationDate"] = "D:20180102030405+02'00'"
        pdf.save(path)
    found = capture_time(path)
    assert found is not None and found.basis.startswith("document info /CreationDate")
    assert found.at == datetime(2018, 1, 2, 1, 4, 5, tzinfo=UTC)


def test_a_tiff_gives_its_datetime_tag_read_as_local_time(tmp_path: Path) -> None:
    path = write_scan(LINES, tmp_path / "scan.tif", "tiff", seed=2)
    with Image.open(path) as image:
        image.load()
        image.save(path, compression="group4", tiffinfo={306: "2017:05:06 07:08:09"})
    found = capture_time(path)
    assert found is not None
    assert found.at == datetime(2017, 5, 6, 7, 8, 9).astimezone()
    assert found.basis == "TIFF DateTime of the scan (no time zone in the file: read as local time)"


def test_a_jpeg_gives_exif_datetime_original_with_its_offset(tmp_path: Path) -> None:
    path = write_scan(LINES, tmp_path / "scan.jpg", "jpeg", seed=3)
    with Image.open(path) as image:
        exif = image.getexif()
        exif.get_ifd(0x8769).update({0x9003: "2016:07:08 09:10:11", 0x9011: "+02:00"})
        exif[306] = "2020:01:01 00:00:00"  # written later (e.g. edited): not the capture
        image.save(path, exif=exif)
    found = capture_time(path)
    assert found is not None
    assert found.at == datetime(2016, 7, 8, 7, 10, 11, tzinfo=UTC)
    assert found.basis.startswith("EXIF DateTimeOriginal")


def test_a_file_without_a_recorded_time_gives_none(tmp_path: Path) -> None:
    assert capture_time(write_scan(LINES, tmp_path / "scan.png", "png", seed=4)) is None
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 nothing else")
    assert capture_time(broken) is None
