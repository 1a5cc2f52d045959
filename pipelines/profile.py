"""Seconds per step of each document and of the batch, for the batch report's `profile`.

Cost per page is what archive-scale ingest is judged by, so the report says where each
document's time went, in the same steps as `benchmarks.cost_per_page`. Each step is timed
inside its task (`timed`); the OCR's own stages come from `scanners` (`ScanResult.steps`);
the search index's writes are timed where the archive makes them (`TimedIndex`), per thread,
and taken out of the archive step. `orchestration` is the rest of the document's time: Prefect
creating and recording each task run, scratch folders, waiting for the archive's lock.

Seconds are wall seconds of one document; the batch's figures add them over its documents,
which run side by side, so they exceed the batch's wall time.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pipelines.item import Context, Item
from scanners.ocr import OCR_STEPS

PROFILE_STEPS: tuple[str, ...] = (
    "intake",
    *OCR_STEPS,
    "classification",
    "archive",
    "index",
    "orchestration",
)

_index_seconds = threading.local()


def _index_so_far() -> float:
    return float(getattr(_index_seconds, "value", 0.0))


class TimedIndex:
    """The archive's search index, timing each `add` for the thread that makes it."""

    def __init__(self, index: Any) -> None:
        self._index = index

    def add(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._index.add(*args, **kwargs)
        finally:
            _index_seconds.value = _index_so_far() + time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)


def timed(
    step: str,
) -> Callable[[Callable[[Item, Context], Item]], Callable[[Item, Context], Item]]:
    """Add the wall seconds of the step function to the document's `steps[step]`.

    Index writes made meanwhile go to `index`; for the OCR step, the stages `scanners`
    measured go to their own names and the rest of the step to `ocr_other`.
    """

    def decorate(function: Callable[[Item, Context], Item]) -> Callable[[Item, Context], Item]:
        @functools.wraps(function)
        def run(item: Item, ctx: Context) -> Item:
            started, index_before = time.perf_counter(), _index_so_far()
            result = function(item, ctx)
            elapsed = time.perf_counter() - started
            index = _index_so_far() - index_before
            steps = dict(result.steps)
            own = elapsed - index
            if step == "ocr" and result.scan is not None:
                for stage, seconds in result.scan.steps.items():
                    steps[stage] = steps.get(stage, 0.0) + seconds
                own -= sum(result.scan.steps.values())
                _add(steps, "ocr_other", own)
            else:
                _add(steps, step, own)
            if index:
                _add(steps, "index", index)
            return replace(result, steps=steps)

        return run

    return decorate


def _add(steps: dict[str, float], step: str, seconds: float) -> None:
    steps[step] = steps.get(step, 0.0) + max(seconds, 0.0)


def document_profile(item: Item, seconds: float) -> dict[str, Any]:
    """The document's profile: its total and every step; the steps add up to the total."""
    steps = {step: round(item.steps.get(step, 0.0), 3) for step in PROFILE_STEPS}
    steps["orchestration"] = round(max(seconds - sum(steps.values()), 0.0), 3)
    cpu = item.scan.step_cpu if item.scan is not None else {}
    return {"seconds": round(seconds, 3), "steps": steps, "ocr_process_cpu": cpu}


def batch_profile(
    lines: list[dict[str, Any]], seconds: float, batch_steps: dict[str, float]
) -> dict[str, Any]:
    """The batch's profile: its wall seconds, and each step added over its documents.

    `batch_steps`: work of the batch itself, not of a document (its start and end).
    """
    profiles = [line["profile"] for line in lines if line.get("profile")]
    steps = dict.fromkeys(PROFILE_STEPS, 0.0)
    for profile in profiles:
        for step, value in profile["steps"].items():
            steps[step] += value
    pages = sum(line.get("pages") or 0 for line in lines if line.get("profile"))
    return {
        "seconds": round(seconds, 3),
        "documents": len(profiles),
        "pages": pages,
        "document_seconds": round(sum(p["seconds"] for p in profiles), 3),
        "steps": {step: round(value, 3) for step, value in steps.items()},
        "batch_steps": {step: round(value, 3) for step, value in batch_steps.items()},
    }
