"""Tantivy specifics: what a reader sees of another process's writes, and when."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import archive.tantivy_index as tantivy_index
from archive.search import IndexDoc, SearchFilters
from archive.tantivy_index import TantivyIndex


def _doc(doc_id: str, text: str) -> IndexDoc:
    return IndexDoc(
        document_id=doc_id, title="Vorgang", doc_type="schriftverkehr", doc_label="Schriftverkehr",
        unit="6.1.3", status="archived", text=text,
    )  # fmt: skip


def _ids(index: TantivyIndex, query: str) -> list[str]:
    return [h.document_id for h in index.search(query, SearchFilters(), 10)]


def test_another_writers_documents_are_found_at_once_and_as_compound_parts_soon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = TantivyIndex(tmp_path / "index")
    writer.add(_doc("alt", "Antrag auf Abbruch"))
    reader = TantivyIndex(tmp_path / "index")  # e.g. `eakte serve` beside an ingest
    assert _ids(reader, "Abbruch") == ["alt"]

    writer.add(_doc("neu", "Der Abbruchantrag wurde gestellt. Ein Dachgeschossausbau."))
    time.sleep(tantivy_index._RELOAD_EVERY)
    # whole words of the new document at once, though the term list is not read yet
    assert _ids(reader, "Dachgeschossausbau") == ["neu"]
    assert _ids(reader, "Dachgeschoss") == []  # compound part: not before the term list
    monkeypatch.setattr(tantivy_index, "_VOCABULARY_EVERY", 0.0)
    deadline = time.monotonic() + 10
    while _ids(reader, "Dachgeschoss") != ["neu"]:  # read in the background, then used
        assert time.monotonic() < deadline, "the term list was not read again"
        time.sleep(0.05)


def test_own_writes_are_searchable_as_compound_parts_at_once(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "index")
    index.add(_doc("a", "Antrag"))
    assert _ids(index, "Antrag") == ["a"]
    index.add(_doc("b", "Bauantrag"))
    assert _ids(index, "Antrag") == ["a", "b"]


def test_a_word_stands_for_at_most_the_most_frequent_compounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tantivy_index, "_MAX_PARTS", 2)
    index = TantivyIndex(tmp_path / "index")
    index.add_many(
        [_doc(f"bau-{n}", "Bauantrag") for n in range(3)]
        + [_doc(f"abbruch-{n}", "Abbruchantrag") for n in range(2)]
        + [_doc("selten", "Nutzungsänderungsantrag")]
    )
    found = _ids(index, "Antrag")
    assert set(found) == {"bau-0", "bau-1", "bau-2", "abbruch-0", "abbruch-1"}
    assert _ids(index, "Nutzungsänderungsantrag") == ["selten"]  # as a whole word, always
