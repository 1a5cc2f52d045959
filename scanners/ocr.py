"""OCR: one document to PDF/A-2b with tesseract's own per-page text and word confidence.

Each document runs ocrmypdf in a child process (`scanners.ocr_worker`): ocrmypdf keeps
process-wide state, a crash in tesseract or Ghostscript must not take the batch down, and a
hung document must be killable. Parallelism across documents is the caller's business; one
document uses one core (`jobs=1`, `OMP_THREAD_LIMIT=1`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scanners.errors import RejectedInput
from scanners.intake import PreparedInput
from scanners.verify import verify_pdfa


@dataclass(frozen=True)
class OcrSettings:
    """How OCR runs; the pipeline builds this from its configuration."""

    languages: tuple[str, ...] = ("deu", "eng")
    deskew: bool = True
    rotate_pages: bool = True
    max_pixels: int = 250_000_000
    default_dpi: int = 300
    # tesseract's time per page (ocrmypdf's --tesseract-timeout): a page that runs out is kept
    # as an image without text and named for rescanning; the rest of the document goes on.
    page_timeout_s: float = 60.0
    # A generous bound on the whole document, only for a truly stuck process.
    timeout_base_s: float = 300.0
    timeout_per_page_s: float = 180.0


@dataclass(frozen=True)
class PageText:
    number: int
    text: str
    confidence: float | None  # mean word confidence 0..100 from tesseract; None for a text layer
    source: Literal["ocr", "text_layer"]
    recognised: bool = True  # False: tesseract ran out of time; the page is an image only


@dataclass(frozen=True)
class ScanResult:
    """A verified PDF/A and what the OCR engine read on each page."""

    pdfa: Path
    pages: tuple[PageText, ...]
    ocr_applied: bool
    software: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n\f".join(page.text for page in self.pages)

    @property
    def unrecognised_pages(self) -> list[int]:
        """Pages the OCR engine gave up on (kept as images without text): rescan them."""
        return [page.number for page in self.pages if not page.recognised]

    @property
    def mean_confidence(self) -> float | None:
        scored = [p.confidence for p in self.pages if p.confidence is not None]
        return round(sum(scored) / len(scored), 1) if scored else None


def scan_to_pdfa(prepared: PreparedInput, out_pdf: Path, settings: OcrSettings) -> ScanResult:
    """OCR `prepared` into `out_pdf` (PDF/A-2b) and verify it; RejectedInput when it fails."""
    started = time.monotonic()
    born_digital = prepared.text_layer is not None
    with tempfile.TemporaryDirectory(prefix="eakte-ocr-") as tmp:
        work = Path(tmp)
        job = {
            "input": str(prepared.pdf),
            "output": str(out_pdf),
            "sidecar": str(work / "sidecar.txt"),
            "confidence_dir": str(work / "confidence"),
            "languages": list(settings.languages),
            "deskew": settings.deskew and not born_digital,
            "rotate_pages": settings.rotate_pages and not born_digital,
            "mode": "skip" if born_digital else "force",
            "max_image_mpixels": settings.max_pixels / 1e6,
            "pdfa_backend": "auto",
            "page_timeout": settings.page_timeout_s,
        }
        (work / "confidence").mkdir()
        timeout = settings.timeout_base_s + settings.timeout_per_page_s * prepared.pages
        if born_digital:
            # Keep the text layer: PDF/A by pikepdf, since Debian's Ghostscript 10.0 corrupts
            # existing text. If that cannot make PDF/A, rasterise as for a scan.
            try:
                _run_worker(prepared.source, {**job, "pdfa_backend": "internal"}, timeout)
            except RejectedInput:
                _run_worker(prepared.source, {**job, "mode": "force"}, timeout)
        else:
            _run_worker(prepared.source, job, timeout)
        software = (
            json.loads((work / "software.json").read_text())
            if (work / "software.json").exists()
            else {}
        )
        if born_digital:
            assert prepared.text_layer is not None
            pages = tuple(
                PageText(number, text, None, "text_layer")
                for number, text in enumerate(prepared.text_layer, start=1)
            )
        else:
            pages = _ocr_pages(work, prepared.pages)
    problems = verify_pdfa(out_pdf, expected_pages=prepared.pages)
    if not any(page.text.strip() for page in pages):
        problems.append("no text recognised on any page (blank or unreadable scan)")
    if problems:
        raise RejectedInput(prepared.source, "PDF/A verification failed: " + "; ".join(problems))
    return ScanResult(out_pdf, pages, not born_digital, software, time.monotonic() - started)


def _run_worker(source: Path, job: dict[str, object], timeout: float) -> None:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    job_file = Path(str(job["sidecar"])).with_name("job.json")
    job_file.write_text(json.dumps(job))
    # A session of its own, so that a time-out ends tesseract and Ghostscript too.
    process = subprocess.Popen(
        [sys.executable, "-m", "scanners.ocr_worker", str(job_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException as exc:  # time-out or interruption: leave no OCR processes behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        if isinstance(exc, subprocess.TimeoutExpired):
            raise RejectedInput(source, f"OCR did not finish within {timeout:.0f} s") from exc
        raise
    if process.returncode != 0:
        reason = _worker_reason(stdout, stderr, process.returncode)
        raise RejectedInput(source, f"OCR failed: {reason}")


def _worker_reason(stdout: str, stderr: str, returncode: int) -> str:
    for line in reversed(stdout.splitlines()):
        if line.startswith("EAKTE-ERROR "):
            return line.removeprefix("EAKTE-ERROR ").strip()
    tail = [line for line in stderr.strip().splitlines() if line.strip()]
    return tail[-1][:300] if tail else f"OCR process ended with status {returncode}"


def _ocr_pages(work: Path, page_count: int) -> tuple[PageText, ...]:
    """Split tesseract's sidecar text by page and join each page with its word confidence."""
    sidecar = (
        (work / "sidecar.txt").read_text(encoding="utf-8")
        if (work / "sidecar.txt").exists()
        else ""
    )
    texts = sidecar.split("\f")
    confidences: dict[int, float] = {}
    unrecognised: set[int] = set()
    for item in (work / "confidence").glob("*.json"):
        data = json.loads(item.read_text())
        confidences[int(data["page"])] = float(data["confidence"])
        if not data.get("recognised", True):
            unrecognised.add(int(data["page"]))
    return tuple(
        PageText(number, "", None, "ocr", recognised=False)
        if number in unrecognised
        else PageText(
            number,
            texts[number - 1].strip() if number - 1 < len(texts) else "",
            confidences.get(number),
            "ocr",
        )
        for number in range(1, page_count + 1)
    )
