"""The context a batch's steps share, on a real archive, for tests that run steps directly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.store import Archive
from classifiers.fileplan import load_file_plan
from pipelines.item import Context
from scanners import OcrSettings


@contextmanager
def batch_context(folder: Path, *batches: str) -> Iterator[Context]:
    """A fresh archive in `folder/data` with `batches` started (the first is the context's),
    the bundled file plan, no model, and `folder/work` for the documents' scratch folders."""
    batches = batches or ("karton-1",)
    archive = Archive(folder / "data")
    for batch in batches:
        archive.start_batch(batch, batch.replace("karton-", "Karton "))
    plan = load_file_plan()
    (folder / "work").mkdir()
    try:
        yield Context(
            archive=archive,
            plan=plan,
            model=None,
            ocr=OcrSettings(),
            threshold=plan.review_threshold,
            batch_id=batches[0],
            workdir=folder / "work",
            batch_name=batches[0].replace("karton-", "Karton "),
        )
    finally:
        archive.close()
