"""When a batch ends with the search index compacted, on a real Tantivy index."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.search import IndexDoc, SearchFilters
from archive.search.tantivy import TantivyIndex
from archive.store import Archive
from pipelines.index_upkeep import index_the_rest, tidy
from tests.support.documents import store_document


@pytest.fixture
def index(tmp_path: Path) -> TantivyIndex:
    """Five documents, a commit each, as an ingest writes them."""
    index = TantivyIndex(tmp_path / "index")
    for i in range(5):
        index.add(
            IndexDoc(document_id=f"d{i}", title="Bauantrag", doc_type="bauantrag",
                     doc_label="Bauantrag", unit="6.3.1", status="archived", text=f"Seite {i}")
        )  # fmt: skip
    return index


def test_few_segments_are_left_alone(index: TantivyIndex) -> None:
    assert tidy(index, above=5) == {"segments": 5}
    assert index.segments() == 5


def test_more_segments_than_allowed_are_compacted(index: TantivyIndex) -> None:
    assert tidy(index, above=4) == {"segments": 1, "compacted_from": 5}
    assert len(index.search("Bauantrag", SearchFilters(), 10)) == 5


def test_another_writer_defers_the_compaction_to_later(index: TantivyIndex) -> None:
    other = TantivyIndex(
        index.path, wait_for_writer=0
    )  # e.g. `eakte review` or a second ingest, not yet writing
    index.add(IndexDoc(document_id="d5", title="Bauantrag", doc_type="bauantrag",
                       doc_label="Bauantrag", unit="6.3.1", status="archived", text="neu"))  # fmt: skip
    outcome = tidy(other, above=4)
    assert outcome["segments"] == 6
    assert "being written by another process" in outcome["compaction_skipped"]
    assert index.segments() == 6


def test_documents_catalogued_while_the_index_was_busy_are_indexed_at_the_batch_end(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    holder = Archive(data)
    holder.start_batch("karton-1", "Karton 1")
    first = store_document(holder, tmp_path, "erster", "bauantrag", "archived")  # holds the writer
    archive = Archive(data, index=TantivyIndex(data / "index", wait_for_writer=0))
    second = store_document(archive, tmp_path, "zweiter", "bauantrag", "archived")
    assert archive.unindexed == {second}
    warning = index_the_rest(archive)  # the writer is still held
    assert (
        len(warning) == 1 and "1 archived document(s) are not yet in the search index" in warning[0]
    )
    holder.close()
    assert index_the_rest(archive) == []
    assert archive.index.document_ids() == {first, second}
    assert archive.verify() == []
