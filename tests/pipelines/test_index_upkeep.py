"""When a batch ends with the search index compacted, on a real Tantivy index."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.search import IndexDoc, SearchFilters
from archive.search.tantivy import TantivyIndex
from pipelines.index_upkeep import tidy


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
    other = TantivyIndex(index.path)  # e.g. `eakte review` or a second ingest, not yet writing
    index.add(IndexDoc(document_id="d5", title="Bauantrag", doc_type="bauantrag",
                       doc_label="Bauantrag", unit="6.3.1", status="archived", text="neu"))  # fmt: skip
    outcome = tidy(other, above=4)
    assert outcome["segments"] == 6
    assert "being written by another process" in outcome["compaction_skipped"]
    assert index.segments() == 6
