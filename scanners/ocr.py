"""OCR: one document to PDF/A-2b with tesseract's own per-page text and word confidence.

Each document runs ocrmypdf in a process of its own (`scanners.ocr_worker`, forked from a
pre-loaded server, `scanners.ocr_launch`): ocrmypdf keeps process-wide state, a crash in
tesseract or Ghostscript must not take the batch down, and a hung document must be killable. Parallelism across documents is the caller's business; one
document uses one core (`jobs=1`, `OMP_THREAD_LIMIT=1`).

Each child is held to bounds (`OcrSettings`): a memory limit, CPU time, the wall-clock
time-out of its document, and it dies with this process (`scanners.confine`). Its scratch
files live in a folder beside the output, so the caller's clean-up of that folder covers them.
`stop_workers` ends every OCR child of this process at once, for a prompt stop on SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scanners import ocr_launch
from scanners.errors import RejectedInput, ScanError
from scanners.intake import DEFAULT_MAX_PAGES, PreparedInput, pdf_page_texts
from scanners.ocr_launch import OcrProcess
from scanners.ocr_profile import STAGE_NAMES
from scanners.ocr_routes import ROTATE_CONFIDENCE
from scanners.verify import verify_pdfa

# The exit status of an OCR process that refused its input before OCR (`scanners.ocr_worker`).
REFUSED_EXIT = 4
# Words in a failed OCR process's output that mean it ran out of memory.
_OUT_OF_MEMORY = (
    "MemoryError",
    "bad_alloc",
    "Cannot allocate memory",
    "out of memory",
    "failed to map segment",  # the dynamic loader could not map a library
    "VMerror",  # Ghostscript
)


# The stages of making a verified PDF/A, in order. `ocr_other` is the OCR process's time
# beyond the named stages: its start and imports, ocrmypdf's page analysis, the text file.
OCR_STEPS = (*(n for n in STAGE_NAMES if n != "other"), "ocr_other", "verification")


# Why an OCR process was run a second time (`ScanResult.reruns`), or failed.
SERVER_ENDED = "the OCR server ended while it ran, not the document's fault"


class OcrStopped(ScanError):
    """OCR was stopped from outside (`stop_workers`): the document is not at fault."""


@dataclass(frozen=True)
class OcrSettings:
    """How OCR runs; the pipeline builds this from its configuration."""

    languages: tuple[str, ...] = ("deu", "eng")
    deskew: bool = True
    rotate_pages: bool = True
    # Take a page's orientation from the OCR's own result where it shows the page upright, and
    # run tesseract's orientation detection only on the other pages (scanners.confidence_plugin);
    # False: orientation detection on every page before OCR, as ocrmypdf does.
    orientation_from_ocr: bool = True
    max_pixels: int = 250_000_000
    default_dpi: int = 300
    # tesseract's time per page (ocrmypdf's --tesseract-timeout): a page that runs out is kept
    # as an image without text and named for rescanning; the rest of the document goes on.
    page_timeout_s: float = 60.0
    # A generous bound on the whole document, only for a truly stuck process: the base plus,
    # per page, tesseract's time for reading it and for finding its orientation (each at most
    # `page_timeout_s`) and a minute for rasterising, cleaning and PDF/A (None: that sum).
    timeout_base_s: float = 300.0
    timeout_per_page_s: float | None = None
    # A document of more pages is refused before OCR (intake), so its time-out is bounded too.
    max_pages: int = DEFAULT_MAX_PAGES
    # Address space of the OCR process and of each tool it starts (RLIMIT_AS); None: no limit.
    memory_limit_mb: int | None = 2048
    # CPU seconds of the OCR process and of each tool it starts (RLIMIT_CPU), a backstop behind
    # the time-outs; None: the document's time-out.
    cpu_limit_s: float | None = None

    def document_timeout(self, pages: int) -> float:
        """Seconds the OCR of a document of `pages` pages may take, at most."""
        per_page = (
            self.timeout_per_page_s
            if self.timeout_per_page_s is not None
            else 2 * self.page_timeout_s + 60
        )
        return self.timeout_base_s + per_page * min(pages, self.max_pages)


@dataclass(frozen=True)
class PageText:
    number: int
    text: str
    confidence: float | None  # mean word confidence 0..100 from tesseract; None for a text layer
    source: Literal["ocr", "text_layer"]
    recognised: bool = True  # False: tesseract ran out of time; the page is an image only
    # The rotation (degrees, counter-clockwise) that straightens the page as shown, its image
    # unchanged (`scanners.direct_ocr`); None where ocrmypdf deskewed it and did not say.
    deskew_degrees: float | None = None
    # Read from a drawing of the page at this resolution (a scan in layers), its content kept
    # as it is; None where read from its own image or by ocrmypdf.
    drawn_dpi: float | None = None
    # Found on its side or upside down and shown upright by turning it this far clockwise
    # (/Rotate), its content unchanged (`scanners.direct_ocr`); 0 where not turned so.
    turned_degrees: int = 0


@dataclass(frozen=True)
class ScanResult:
    """A verified PDF/A and what the OCR engine read on each page.

    `ocr_applied` says whether the text comes from OCR. A born-digital PDF keeps its own text
    layer (`ocr_applied` False, `pdfa_changes` lists what making it PDF/A changed) unless that
    cannot become PDF/A: then `text_layer_dropped` gives the reason, and its pages were
    rasterised and OCR'd like a scan (`ocr_applied` True). A scan read from drawings of its
    pages may have `pdfa_changes` too (keys PDF does not define, removed from its images).
    """

    pdfa: Path
    pages: tuple[PageText, ...]
    ocr_applied: bool
    software: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    text_layer_dropped: str | None = None
    pdfa_changes: tuple[str, ...] = ()
    # Wall seconds per stage (`OCR_STEPS`), and CPU seconds of the OCR process's stages
    # (`scanners.ocr_profile`): where this document's time went.
    steps: dict[str, float] = field(default_factory=dict)
    step_cpu: dict[str, float] = field(default_factory=dict)
    # Why an OCR process of this document was run again (`SERVER_ENDED`), for its records.
    reruns: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n\f".join(page.text for page in self.pages)

    @property
    def unrecognised_pages(self) -> list[int]:
        """Pages the OCR engine gave up on (kept as images without text): rescan them."""
        return [page.number for page in self.pages if not page.recognised]

    def pages_to_check(self, low_confidence: float) -> list[int]:
        """Pages worth a look and perhaps a rescan: not recognised, or read with less mean
        word confidence than `low_confidence`."""
        return [
            page.number
            for page in self.pages
            if not page.recognised
            or (page.confidence is not None and page.confidence < low_confidence)
        ]

    @property
    def mean_confidence(self) -> float | None:
        scored = [p.confidence for p in self.pages if p.confidence is not None]
        return round(sum(scored) / len(scored), 1) if scored else None


def scan_to_pdfa(prepared: PreparedInput, out_pdf: Path, settings: OcrSettings) -> ScanResult:
    """OCR `prepared` into `out_pdf` (PDF/A-2b) and verify it; RejectedInput when it fails.

    A born-digital PDF is kept as it is where it can be (`scanners.pdfa_keep`, checked here
    against its own text layer); otherwise its pages are rasterised and OCR'd, and the result
    says why.
    """
    started = time.monotonic()
    dropped: str | None = None
    steps = dict.fromkeys(OCR_STEPS, 0.0)
    reruns: list[str] = []
    if prepared.text_layer is not None:
        try:
            return _keep_born_digital(prepared, out_pdf, settings, started, reruns)
        except RejectedInput as exc:
            dropped = exc.reason
            steps["pdfa"] = time.monotonic() - started  # the attempt to keep it as it is
    with tempfile.TemporaryDirectory(prefix="eakte-ocr-", dir=out_pdf.parent) as tmp:
        work = Path(tmp)
        # A born-digital page rasterised for OCR is upright and straight: no deskew, no rotation.
        rotate = settings.rotate_pages and dropped is None
        check_first = rotate and settings.orientation_from_ocr
        job = {
            **_job(prepared, out_pdf, work, settings),
            "deskew": settings.deskew and dropped is None,
            "rotate_pages": rotate and not check_first,
            "orientation_check": check_first,
            "mode": "force",
            "pdfa_backend": "auto",
            # a scan's page images are read straight (`scanners.direct_ocr`); a born-digital
            # page whose text layer could not be kept is drawn and read by ocrmypdf
            "ocrmypdf_because": None if dropped is None else "its text layer could not be kept",
        }
        try:
            cpu = _run_ocr(prepared, job, settings, steps, reruns)
            if check_first and _turned_pages(work):
                # A page is on its side or upside down: OCR the document again the way that
                # finds and corrects every page's orientation before reading it.
                for record in (work / "confidence").glob("*.json"):
                    record.unlink()
                again = {**job, "rotate_pages": True, "orientation_check": False}
                for stage, seconds in _run_ocr(prepared, again, settings, steps, reruns).items():
                    cpu[stage] = round(cpu.get(stage, 0.0) + seconds, 3)
        except RejectedInput as exc:
            if dropped is None:
                raise
            raise RejectedInput(
                prepared.source, f"{exc.reason} (after its text layer could not be kept: {dropped})"
            ) from exc
        software = _software(work)
        pages = _ocr_pages(work, prepared.pages)
        changes = _pdfa_changes(work)
    verifying = time.monotonic()
    problems = verify_pdfa(out_pdf, expected_pages=prepared.pages)
    steps["verification"] = time.monotonic() - verifying
    if not any(page.text.strip() for page in pages):
        problems.append("no text recognised on any page (blank or unreadable scan)")
    if problems:
        raise RejectedInput(prepared.source, "PDF/A verification failed: " + "; ".join(problems))
    return ScanResult(
        out_pdf,
        pages,
        True,
        software,
        time.monotonic() - started,
        text_layer_dropped=dropped,
        pdfa_changes=changes,
        steps=_rounded(steps),
        step_cpu=cpu,
        reruns=tuple(reruns),
    )


def _run_ocr(
    prepared: PreparedInput,
    job: dict[str, object],
    settings: OcrSettings,
    steps: dict[str, float],
    reruns: list[str],
) -> dict[str, float]:
    """One run of the OCR process; its stages are added to `steps`, its CPU returned."""
    started = time.monotonic()
    _run_worker(prepared.source, job, _timeout(prepared, settings), "OCR", reruns)
    work = Path(str(job["sidecar"])).parent
    return _add_worker_profile(steps, work, time.monotonic() - started)


def _turned_pages(work: Path) -> list[int]:
    """Pages tesseract's orientation detection found turned, with ocrmypdf's confidence for
    turning a page (`ROTATE_CONFIDENCE`), after the OCR's own result did not show them upright."""
    turned = []
    for item in (work / "confidence").glob("*.json"):
        data = json.loads(item.read_text())
        if data.get("rotate", 0) and data.get("rotate_confidence", 0.0) >= ROTATE_CONFIDENCE:
            turned.append(int(data["page"]))
    return sorted(turned)


def _add_worker_profile(
    steps: dict[str, float], work: Path, worker_seconds: float
) -> dict[str, float]:
    """Add the OCR process's stages (`scanners.ocr_profile`) to `steps`; its CPU seconds.

    What the process spent outside them, its start and imports included, is `ocr_other`.
    """
    path = work / "profile.json"
    profile = json.loads(path.read_text()) if path.exists() else {"wall": {}, "cpu": {}}
    named = 0.0
    for stage, seconds in profile["wall"].items():
        if stage != "other":
            steps[stage] += seconds
            named += seconds
    steps["ocr_other"] += max(worker_seconds - named, 0.0)
    return {stage: float(seconds) for stage, seconds in profile["cpu"].items()}


def _rounded(steps: dict[str, float]) -> dict[str, float]:
    return {stage: round(seconds, 3) for stage, seconds in steps.items()}


def _keep_born_digital(
    prepared: PreparedInput, out_pdf: Path, settings: OcrSettings, started: float, reruns: list[str]
) -> ScanResult:
    """PDF/A of a born-digital PDF with its pages untouched; RejectedInput says why it is not."""
    assert prepared.text_layer is not None
    with tempfile.TemporaryDirectory(prefix="eakte-pdfa-", dir=out_pdf.parent) as tmp:
        work = Path(tmp)
        job = {**_job(prepared, out_pdf, work, settings), "engine": "pikepdf"}
        what = "PDF/A conversion"
        _run_worker(prepared.source, job, _timeout(prepared, settings), what, reruns)
        software = _software(work)
        changes = _pdfa_changes(work)
    steps = dict.fromkeys(OCR_STEPS, 0.0)
    steps["pdfa"] = time.monotonic() - started
    verifying = time.monotonic()
    problems = verify_pdfa(out_pdf, expected_pages=prepared.pages)
    if not problems:
        kept = pdf_page_texts(out_pdf)
        changed = [
            n for n, (a, b) in enumerate(zip(prepared.text_layer, kept, strict=True), 1) if a != b
        ]
        if changed:
            problems.append(f"the PDF/A's text differs from the original's on page(s) {changed}")
    steps["verification"] = time.monotonic() - verifying
    if problems:
        out_pdf.unlink(missing_ok=True)
        raise RejectedInput(prepared.source, "; ".join(problems))
    pages = tuple(
        PageText(number, text, None, "text_layer")
        for number, text in enumerate(prepared.text_layer, start=1)
    )
    return ScanResult(
        out_pdf,
        pages,
        False,
        software,
        time.monotonic() - started,
        pdfa_changes=changes,
        steps=_rounded(steps),
        reruns=tuple(reruns),
    )


def _job(
    prepared: PreparedInput, out_pdf: Path, work: Path, settings: OcrSettings
) -> dict[str, object]:
    (work / "confidence").mkdir()
    return {
        "input": str(prepared.pdf),
        "output": str(out_pdf),
        "sidecar": str(work / "sidecar.txt"),
        "confidence_dir": str(work / "confidence"),
        "languages": list(settings.languages),
        "max_image_mpixels": settings.max_pixels / 1e6,
        "page_timeout": settings.page_timeout_s,
        "memory_limit_mb": settings.memory_limit_mb,
        "cpu_limit_s": settings.cpu_limit_s or settings.document_timeout(prepared.pages),
        "parent_pid": os.getpid(),
    }


def _timeout(prepared: PreparedInput, settings: OcrSettings) -> float:
    return settings.document_timeout(prepared.pages)


def _software(work: Path) -> dict[str, str]:
    path = work / "software.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


class _Workers:
    """The OCR children of this process, so that a stop can end them all at once."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a signal handler may stop while start() runs
        self._running: set[OcrProcess] = set()
        self.stopping = False

    def start(self, job_file: str, env: dict[str, str]) -> OcrProcess:
        ocr_launch.prepare()  # the OCR server's start, outside the lock a stop needs
        with self._lock:
            if self.stopping:
                raise OcrStopped("OCR is being stopped")
            # A process group of its own, so that a time-out ends tesseract and Ghostscript too.
            process = ocr_launch.start(job_file, env)
            self._running.add(process)
            return process

    def done(self, process: OcrProcess) -> None:
        with self._lock:
            self._running.discard(process)

    def stop(self) -> int:
        with self._lock:
            self.stopping = True
            running = list(self._running)
        for process in running:
            _kill_group(process)
        return len(running)


_workers = _Workers()


def stop_workers() -> int:
    """End every OCR child of this process (and the tools they started) now, and refuse new
    ones; the documents they were working on raise OcrStopped. Returns how many were ended.
    Safe to call from a signal handler."""
    return _workers.stop()


def _kill_group(process: OcrProcess) -> None:
    """End the process's group, and the process itself should it not lead a group yet."""
    if process.returncode is not None:
        return  # reaped: its pid may be another process's by now
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(process.pid, signal.SIGKILL)


def _run_worker(
    source: Path, job: dict[str, object], timeout: float, what: str, reruns: list[str]
) -> None:
    """Run the job's OCR process; RejectedInput with the reason when it fails. An OCR process
    whose server ended under it (`scanners.ocr_launch`, not the document's fault) is run once
    more, from a server started anew, and `reruns` says so; a second such end rejects it."""
    process, stdout, stderr = _run_once(source, job, timeout, what)
    if ocr_launch.server_ended(process) and not _workers.stopping:
        reruns.append(f"{what} run again: {SERVER_ENDED}")
        for record in Path(str(job["confidence_dir"])).glob("*.json"):  # the first run's
            record.unlink()
        process, stdout, stderr = _run_once(source, job, timeout, what)
        if ocr_launch.server_ended(process) and not _workers.stopping:
            raise RejectedInput(source, f"{what} failed: {SERVER_ENDED}, twice (run again once)")
    if _workers.stopping:
        raise OcrStopped(f"{source}: {what} stopped")
    if process.returncode == REFUSED_EXIT:
        raise RejectedInput(source, _worker_reason(stdout, stderr, process.returncode))
    if process.returncode:
        _raise_os_error(stdout, job)
        reason = _worker_reason(stdout, stderr, process.returncode)
        memory_limit = job.get("memory_limit_mb")
        if process.returncode == -signal.SIGXCPU:
            reason = f"used up its CPU time limit of {float(str(job['cpu_limit_s'])):.0f} s"
        elif memory_limit and any(word in stdout + stderr for word in _OUT_OF_MEMORY):
            reason = f"ran out of its memory limit of {memory_limit} MiB (ocr_memory_mb; {reason})"
        raise RejectedInput(source, f"{what} failed: {reason}")


def _run_once(
    source: Path, job: dict[str, object], timeout: float, what: str
) -> tuple[OcrProcess, str, str]:
    """One OCR process of the job, waited for: it, its output and its error output."""
    work = Path(str(job["sidecar"])).parent
    # tesseract, Ghostscript and ocrmypdf put their scratch files beside ours
    env = dict(os.environ, OMP_THREAD_LIMIT="1", TMPDIR=str(work))
    job_file = work / "job.json"
    job_file.write_text(json.dumps(job))
    process = _workers.start(str(job_file), env)
    try:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except BaseException as exc:  # time-out or interruption: leave no OCR processes behind
            _kill_group(process)
            process.communicate()
            if isinstance(exc, subprocess.TimeoutExpired):
                raise RejectedInput(
                    source, f"{what} did not finish within {timeout:.0f} s"
                ) from exc
            raise
    finally:
        _workers.done(process)
    return process, stdout, stderr


def _raise_os_error(stdout: str, job: dict[str, object]) -> None:
    """A full disk in the worker is raised here as the OSError it was, not as a rejection:
    the input is not at fault, and the caller must stop writing, not quarantine it."""
    for line in stdout.splitlines():
        if line.startswith("EAKTE-OSERROR "):
            number, _, message = line.removeprefix("EAKTE-OSERROR ").partition(" ")
            raise OSError(int(number), message, str(job["output"]))


def _worker_reason(stdout: str, stderr: str, returncode: int) -> str:
    for line in reversed(stdout.splitlines()):
        for prefix in ("EAKTE-ERROR ", "EAKTE-REJECT "):
            if line.startswith(prefix):
                return line.removeprefix(prefix).strip()
    tail = [line for line in stderr.strip().splitlines() if line.strip()]
    return tail[-1][:300] if tail else f"OCR process ended with status {returncode}"


def _pdfa_changes(work: Path) -> tuple[str, ...]:
    """What making the document PDF/A changed beyond pikepdf's usual repairs, as the OCR
    process wrote it (born-digital, or a drawn page's undefined keys)."""
    path = work / "pdfa_changes.json"
    return tuple(json.loads(path.read_text())) if path.exists() else ()


def _ocr_pages(work: Path, page_count: int) -> tuple[PageText, ...]:
    """Split tesseract's sidecar text by page and join each page with its word confidence."""
    sidecar = (
        (work / "sidecar.txt").read_text(encoding="utf-8")
        if (work / "sidecar.txt").exists()
        else ""
    )
    texts = sidecar.split("\f")
    confidences: dict[int, float] = {}
    deskews: dict[int, float] = {}
    drawn: dict[int, float] = {}
    turned: dict[int, int] = {}
    unrecognised: set[int] = set()
    for item in (work / "confidence").glob("*.json"):
        data = json.loads(item.read_text())
        confidences[int(data["page"])] = float(data["confidence"])
        if "deskew_degrees" in data:
            deskews[int(data["page"])] = float(data["deskew_degrees"])
        if "drawn_dpi" in data:
            drawn[int(data["page"])] = float(data["drawn_dpi"])
        if data.get("turned_degrees"):
            turned[int(data["page"])] = int(data["turned_degrees"])
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
            deskew_degrees=deskews.get(number),
            drawn_dpi=drawn.get(number),
            turned_degrees=turned.get(number, 0),
        )
        for number in range(1, page_count + 1)
    )
