"""Where the OCR process spends its time: wall and CPU seconds per stage of ocrmypdf.

ocrmypdf's plugin hooks cover only some of its stages (rasterising, the OCR engine, the
Ghostscript PDF/A path, the optimiser), not the rotation of a deskewed image, pikepdf's own
PDF/A conversion or the grafting of the text layer. So the OCR process (`scanners.ocr_worker`)
wraps ocrmypdf's stage functions where its pipeline looks them up, and times each call. Time
is exclusive: a stage called inside another is counted once, in the inner one. CPU seconds
are this process's and its reaped children's (tesseract, Ghostscript): the process runs one
page at a time (`jobs=1`), so the difference across a call is that call's.

A stage this ocrmypdf version does not have is left unwrapped and its time stays in
`other` (start-up, page analysis, text extraction, writing the result), which is whatever
the process spent beyond the named stages.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import resource
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

# (module, attribute, stage): where ocrmypdf's pipeline looks the function up.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("ocrmypdf._pipelines._common", "rasterize_preview", "rasterise"),
    ("ocrmypdf._pipelines._common", "rasterize", "rasterise"),
    ("ocrmypdf._pipelines._common", "get_orientation_correction", "orientation"),
    ("ocrmypdf._pipelines._common", "preprocess_deskew", "deskew"),
    ("ocrmypdf._pipelines.ocr", "_image_to_ocr_text", "ocr"),
    ("ocrmypdf._pipelines._common", "create_ocr_image", "assemble"),
    ("ocrmypdf._pipelines._common", "create_visible_page_jpg", "assemble"),
    ("ocrmypdf._pipelines._common", "create_pdf_page_from_image", "assemble"),
    ("ocrmypdf._graft", "OcrGrafter.graft_page", "assemble"),
    ("ocrmypdf._graft", "OcrGrafter.finalize", "assemble"),
    ("ocrmypdf._pipeline", "try_speculative_pdfa", "pdfa"),
    ("ocrmypdf._pipeline", "_pdfa_without_speculation", "pdfa"),
    ("ocrmypdf._pipeline", "_final_speculative_pdfa_passes", "pdfa"),
    ("ocrmypdf._pipeline", "metadata_fixup", "pdfa"),
    ("ocrmypdf._pipeline", "optimize_pdf", "optimise"),
)
# The stages in the order a page meets them, `other` last.
STAGE_NAMES = (
    "rasterise",
    "orientation",
    "deskew",
    "ocr",
    "assemble",
    "pdfa",
    "optimise",
    "other",
)


def cpu_seconds() -> float:
    """CPU seconds of this process and of its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class StageClock:
    """Exclusive wall and CPU seconds per stage, from the moment it is created."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = dict.fromkeys(STAGE_NAMES, 0.0)
        self.cpu: dict[str, float] = dict.fromkeys(STAGE_NAMES, 0.0)
        self._lock = threading.Lock()
        self._stack: list[str] = []
        self._mark = (time.perf_counter(), cpu_seconds())
        self._start = self._mark

    def _switch(self, to: str | None) -> None:
        """Charge the time since the last switch to the running stage (or `other`)."""
        now = (time.perf_counter(), cpu_seconds())
        running = self._stack[-1] if self._stack else "other"
        self.wall[running] += now[0] - self._mark[0]
        self.cpu[running] += now[1] - self._mark[1]
        self._mark = now
        if to is None:
            self._stack.pop()
        else:
            self._stack.append(to)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Charge what runs inside to stage `name`."""
        with self._lock:
            self._switch(name)
        try:
            yield
        finally:
            with self._lock:
                self._switch(None)

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(stage):
                return function(*args, **kwargs)

        return timed

    def install(self) -> list[str]:
        """Wrap every stage function this ocrmypdf has; the stages it lacks, for the record."""
        missing = []
        for module_name, attribute, stage in STAGES:
            owner: Any = importlib.import_module(module_name)
            *path, name = attribute.split(".")
            for part in path:
                owner = getattr(owner, part, None)
            if owner is None or not callable(getattr(owner, name, None)):
                missing.append(f"{module_name}.{attribute}")
                continue
            setattr(owner, name, self.wrap(stage, getattr(owner, name)))
        return missing

    def wall_since_start(self) -> float:
        return time.perf_counter() - self._start[0]

    def totals(self) -> dict[str, dict[str, float]]:
        """{"wall": {stage: s}, "cpu": {stage: s}} up to now, the rest in `other`."""
        with self._lock:
            self._switch("other")
            self._stack.pop()
            return {
                "wall": {k: round(v, 3) for k, v in self.wall.items()},
                "cpu": {k: round(v, 3) for k, v in self.cpu.items()},
            }
