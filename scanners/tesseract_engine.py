"""tesseract's engine inside the OCR process, its language models loaded once.

The `tesseract` command loads its models each time it starts: about 0.17 core-seconds for
deu+eng and 0.08 for orientation detection, paid again for every page (on the 17 pages of
`benchmarks/cost_per_page.py`, 0.16 of 1.1 core-seconds per page). Here the models stay loaded
in the process, and the pre-loaded OCR server (`scanners.ocr_server`) loads them before it
forks, so each document's process starts with them in memory, shared copy-on-write.

The engine is the distribution's libtesseract, the one the `tesseract` command and ocrmypdf
run: tesserocr is built against it (`no-binary-package` in pyproject.toml). A page is read as
`tesseract IMAGE BASE -l LANGS --dpi N -c textonly_pdf=1 hocr txt pdf` reads it, through the
same calls (`ProcessPages` with the same renderers), and writes the same three files; a test
holds the two to byte-equal text and hOCR.

The process's own limits hold for the engine as they held for the command it started: the
memory limit (`RLIMIT_AS`, a failed allocation ends the process with tesseract's words), and
the document's CPU limit (`RLIMIT_CPU`, SIGXCPU ends it). The OCR processes are started with
OMP_THREAD_LIMIT=1 (`scanners.ocr_launch`, `scanners.ocr`), as the command ran: libtesseract's
OpenMP reads it once, when it is loaded, and then reads on one thread per process, with no
thread pool that a fork of the OCR server would inherit half of.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tesserocr

from scanners.errors import ScanError

# what each page's reading writes beside its text: the configs `hocr`, `txt` and `pdf` of the
# command, and its `-c textonly_pdf=1` (the layer goes over the scan, not a picture of it)
_RENDERERS = {
    "tessedit_create_hocr": "1",
    "hocr_font_info": "0",
    "tessedit_create_txt": "1",
    "tessedit_create_pdf": "1",
    "textonly_pdf": "1",
}
# orientation detection's answer as a clockwise turn that stands the page upright, as the
# command's "Rotate:" line gives it (tesseract's OrientationIdToValue)
_TURN = {0: 0, 90: 270, 180: 180, 270: 90}

_engines: dict[str, tesserocr.PyTessBaseAPI] = {}


class EngineError(ScanError):
    """tesseract could not load a language's model, or read an image it was given (its own
    words went to stderr)."""


@dataclass(frozen=True)
class Orientation:
    """What orientation detection found: the clockwise turn that stands the page upright, and
    how sure it is (the command's "Rotate:" and "Orientation confidence:")."""

    turn: int
    confidence: float


def preload(languages: Sequence[str]) -> None:
    """Load the models for `languages` and for orientation detection now."""
    _engine("+".join(languages))
    _engine("osd")


def loaded() -> frozenset[str]:
    """The language sets ("deu+eng", "osd") whose models this process holds."""
    return frozenset(_engines)


def read(image: Path, base: Path, languages: Sequence[str], dpi: int, timeout_s: float) -> bool:
    """Read `image`, writing BASE.txt, BASE.hocr and BASE.pdf (an invisible text layer);
    False, and none of them, when the page was not read within `timeout_s` (0: no limit).
    EngineError when tesseract cannot read the image or has no model for a language."""
    engine = _engine("+".join(languages))
    engine.SetVariable("user_defined_dpi", str(dpi))
    timeout_ms = round(timeout_s * 1000)
    started = time.monotonic()
    if engine.ProcessPages(str(base), str(image), timeout=timeout_ms):
        return True
    for suffix in (".txt", ".hocr", ".pdf"):  # the beginnings each renderer wrote
        base.with_suffix(suffix).unlink(missing_ok=True)
    if timeout_ms and time.monotonic() - started >= timeout_s:
        return False
    raise EngineError(f"tesseract could not read {image.name}")


def orientation(image: Path, dpi: int) -> Orientation:
    """Orientation detection on `image` (`tesseract IMAGE - -l osd --psm 0 --dpi N`)."""
    engine = _engine("osd")
    engine.SetVariable("user_defined_dpi", str(dpi))
    engine.SetImageFile(str(image))
    try:
        found = engine.DetectOrientationScript()
    finally:
        engine.Clear()
    if not found:  # too little on the page to tell
        return Orientation(0, 0.0)
    return Orientation(_TURN[int(found["orient_deg"]) % 360], float(found["orient_conf"]))


def _engine(languages: str) -> tesserocr.PyTessBaseAPI:
    engine = _engines.get(languages)
    if engine is None:
        try:
            if languages == "osd":
                engine = tesserocr.PyTessBaseAPI(lang="osd", psm=tesserocr.PSM.OSD_ONLY)
            else:
                engine = tesserocr.PyTessBaseAPI(lang=languages)
        except RuntimeError as exc:  # a language whose model is not installed
            raise EngineError(f"tesseract could not load its models for {languages}") from exc
        if languages != "osd":
            for name, value in _RENDERERS.items():
                engine.SetVariable(name, value)
        _engines[languages] = engine
    return engine
