"""`eakte index compact` through the command line, on an archive written a document at a time."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from archive.search import SearchFilters
from archive.store import Archive
from eakte.cli.app import app
from tests.support.documents import store_document

runner = CliRunner()


def _found(folder: Path, query: str) -> list[str]:
    archive = Archive(folder)
    try:
        return sorted(h.document_id for h in archive.index.search(query, SearchFilters(), 10))
    finally:
        archive.close()


def test_compact_leaves_one_segment_and_every_document_findable(
    review_queue: tuple[Path, list[str]],
) -> None:
    folder, ids = review_queue
    before = _found(folder, "Schreibens")
    assert sorted(ids) == before

    result = runner.invoke(app, ["index", "compact", "--data", str(folder)])

    assert result.exit_code == 0, result.output
    assert "3 documents; segments: 3 before, 1 after" in result.stdout
    assert _found(folder, "Schreibens") == before
    assert _found(folder, "drei") == [ids[2]]


def test_compact_is_refused_while_an_ingest_writes(review_queue: tuple[Path, list[str]]) -> None:
    folder, _ = review_queue
    ingest = Archive(folder)  # holds the index writer until its batch ends
    ingest.start_batch("karton-2", "Karton 2")
    store_document(ingest, folder.parent / "scans", "vier", "bauantrag", "archived")
    try:
        result = runner.invoke(app, ["index", "compact", "--data", str(folder)])
    finally:
        ingest.close()
    assert result.exit_code == 1
    assert (
        "nothing changed" in result.output and "being written by another process" in result.output
    )
    assert len(_found(folder, "Schreibens")) == 4


def test_compact_needs_an_archive(tmp_path: Path) -> None:
    result = runner.invoke(app, ["index", "compact", "--data", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "no archive here" in " ".join(result.output.split())
