"""When a scan was made, as the scan file itself says (BSI TR-03138 asks for the capture time).

A file's modification time is the time of the last copy, not of the scan, so the scanner's own
record comes first: the PDF's XMP `xmp:CreateDate` or its document info `/CreationDate`, an
image's EXIF `DateTimeOriginal` or TIFF `DateTime`. Each answer names where it came from; a
time written without a zone is read as local time of this machine, and the basis says so.
A file that records none gets None here, and the caller labels its fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pikepdf
from PIL import Image, UnidentifiedImageError

from scanners.errors import RejectedInput
from scanners.intake import sniff_kind

__all__ = ["CaptureTime", "capture_time"]

_NO_ZONE = " (no time zone in the file: read as local time)"
_EXIF_IFD = 0x8769
_TIFF_DATETIME = 0x0132
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_OFFSET_ORIGINAL = 0x9011
_PDF_DATE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?"
)


@dataclass(frozen=True)
class CaptureTime:
    """A capture time and what it was read from."""

    at: datetime  # always zone-aware
    basis: str


def capture_time(path: Path) -> CaptureTime | None:
    """The capture time the scan file records, or None if it records none (or is unreadable:
    intake reports unreadable files; this is only about the note's time)."""
    try:
        kind = sniff_kind(path)
        if kind == "pdf":
            return _from_pdf(path)
        if kind in ("tiff", "jpeg", "png"):
            return _from_image(path)
    except (RejectedInput, OSError, ValueError, pikepdf.PdfError, UnidentifiedImageError):
        return None
    return None


def _from_pdf(path: Path) -> CaptureTime | None:
    with pikepdf.open(path) as pdf:
        info = pdf.trailer.get("/Info")
        raw = str(info["/CreationDate"]) if info is not None and "/CreationDate" in info else None
        # read only: neither the editor nor the document info is touched
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            created = xmp.get("xmp:CreateDate")
    if created:
        at = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
        return _aware(at, "XMP xmp:CreateDate of the scanned PDF")
    return _pdf_date(raw) if raw is not None else None


def _pdf_date(text: str) -> CaptureTime | None:
    m = _PDF_DATE.match(text.strip())
    if m is None:
        return None
    y, mo, d, h, mi, s, zulu, sign, zh, zm = m.groups()
    at = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0))
    if zulu:
        at = at.replace(tzinfo=UTC)
    elif sign:
        offset = timedelta(hours=int(zh), minutes=int(zm or 0))
        at = at.replace(tzinfo=timezone(offset if sign == "+" else -offset))
    return _aware(at, "document info /CreationDate of the scanned PDF")


def _from_image(path: Path) -> CaptureTime | None:
    with Image.open(path) as image:
        exif = image.getexif()
        original = exif.get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL)
        if original:
            offset = exif.get_ifd(_EXIF_IFD).get(_EXIF_OFFSET_ORIGINAL)
            return _exif_time(str(original), offset, "EXIF DateTimeOriginal")
        written = exif.get(_TIFF_DATETIME)
        if written:
            return _exif_time(str(written), None, "TIFF DateTime")
    return None


def _exif_time(text: str, offset: object, tag: str) -> CaptureTime:
    at = datetime.strptime(text.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
    if isinstance(offset, str) and re.fullmatch(r"[+-]\d{2}:\d{2}", offset.strip()):
        at = datetime.fromisoformat(f"{at.isoformat()}{offset.strip()}")
        return _aware(at, f"{tag} of the scan, with EXIF OffsetTimeOriginal")
    return _aware(at, f"{tag} of the scan")


def _aware(at: datetime, basis: str) -> CaptureTime:
    if at.tzinfo is None:
        return CaptureTime(at.astimezone(), basis + _NO_ZONE)
    return CaptureTime(at, basis)
