"""The declared steps are the ingest of one document: each writes its own audit events, in order.

The steps run here as `pipelines.flow.run_steps` runs them, through their plain functions
instead of Prefect task runs, on a real archive; only the OCR engine is stood in for.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.catalog.models import AuditEvent
from archive.store import Archive
from pipelines.flow import INGEST_STEPS
from pipelines.item import Context, Item
from pipelines.profile import PROFILE_STEPS, TimedIndex
from pipelines.report import REPORT_FIELDS, document_line
from scanmaker import sample_documents, write_scan
from scanners import OcrSettings, PageText, PreparedInput, ScanResult
from tests.support.batch_context import batch_context

GRUNDSTEUER = next(s for s in sample_documents() if s.doc_type == "grundsteuerbescheid")


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    def read(prepared: PreparedInput, out_pdf: Path, settings: OcrSettings) -> ScanResult:
        shutil.copyfile(prepared.pdf, out_pdf)
        text = "\n".join(GRUNDSTEUER.pages[0])
        return ScanResult(out_pdf, (PageText(1, text, 91.5, "ocr"),), True, {"ocrmypdf": "x"})

    monkeypatch.setattr("pipelines.steps.scan_to_pdfa", read)
    with batch_context(tmp_path, "karton-1", "karton-2") as context:
        yield context


@pytest.fixture
def scan(tmp_path: Path) -> Path:
    return write_scan(GRUNDSTEUER.pages[:1], tmp_path / "inbox" / "grundsteuer.png", "png")


def _events(archive: Archive) -> list[tuple[str, str]]:
    """The audit events of documents (`eakte show` lists them), not those of batches or Akten."""
    with archive.transaction() as session:
        rows = session.execute(
            select(AuditEvent.document_id, AuditEvent.event)
            .where(AuditEvent.document_id.is_not(None))
            .order_by(AuditEvent.id)
        )
        return [(document_id, event) for document_id, event in rows]


def _run(scan: Path, ctx: Context, tmp_path: Path) -> tuple[Item, list[tuple[str, list[str]]]]:
    """The loop of `run_steps`; each step that ran, with the audit events it wrote."""
    workdir = tmp_path / "doc"
    workdir.mkdir(exist_ok=True)
    item, ran = Item(scan, workdir), []
    for step in INGEST_STEPS:
        before = len(_events(ctx.archive))
        item = step.run(item, ctx)
        ran.append((step.name, [event for _, event in _events(ctx.archive)[before:]]))
        if item.finished:
            break
    return item, ran


def test_a_new_document_runs_every_declared_step_each_writing_its_own_events(
    scan: Path, ctx: Context, tmp_path: Path
) -> None:
    item, ran = _run(scan, ctx, tmp_path)
    assert ran == [(step.name, list(step.writes)) for step in INGEST_STEPS]
    assert _events(ctx.archive) == [
        (item.document_id, event) for event in ("received", "ocr", "classified", "archived")
    ]
    line = document_line(item)
    assert tuple(line) == REPORT_FIELDS
    assert line["status"] == "archived" and line["doc_type"] == "grundsteuerbescheid"
    assert line["pages"] == 1 and line["low_confidence_pages"] == [] and line["reason"] is None


def test_a_known_original_ends_at_deduplicate_and_writes_no_event(
    scan: Path, ctx: Context, tmp_path: Path
) -> None:
    first, _ = _run(scan, ctx, tmp_path)
    events = _events(ctx.archive)
    resumed, ran = _run(scan, ctx, tmp_path)  # the same batch again, as after a crash
    assert ran == [("hash", []), ("deduplicate", [])]
    assert (resumed.status, resumed.document_id, resumed.reason) == (
        "archived",
        first.document_id,
        None,
    )
    again, _ = _run(scan, replace(ctx, batch_id="karton-2"), tmp_path)
    assert (again.status, again.reason) == ("duplicate", "already archived in batch karton-1")
    assert _events(ctx.archive) == events
    line = document_line(again)
    assert tuple(line) == REPORT_FIELDS and line["document_id"] == first.document_id
    assert line["doc_type"] is None and line["sha256"] == first.sha256


def test_the_report_line_says_how_long_each_step_took_and_the_steps_add_up(
    scan: Path, ctx: Context, tmp_path: Path
) -> None:
    ctx.archive.index = TimedIndex(ctx.archive.index)
    started = time.perf_counter()
    item, _ = _run(scan, ctx, tmp_path)
    seconds = time.perf_counter() - started
    profile = document_line(item, seconds)["profile"]
    assert tuple(profile["steps"]) == PROFILE_STEPS
    for step in ("intake", "classification", "archive", "index"):
        assert profile["steps"][step] > 0, (step, profile)
    assert profile["steps"]["ocr"] == 0.0  # the stand-in OCR reported no stages of its own
    assert profile["seconds"] == round(seconds, 3)
    assert sum(profile["steps"].values()) == pytest.approx(seconds, abs=0.01)
