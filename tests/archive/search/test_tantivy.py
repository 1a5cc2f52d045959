"""Tantivy specifics: what a reader sees of another process's writes, and when."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import archive.search.tantivy as tantivy_index
from archive.search import IndexBusyError, IndexDoc, SearchFilters
from archive.search.tantivy import TantivyIndex


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
    assert _ids(reader, "Bewehrung") == []  # reads the term list

    writer.add(_doc("neu", "Der Dachgeschossausbau. Der Bewehrungsplan liegt bei."))
    time.sleep(tantivy_index._RELOAD_EVERY)
    # whole words and parts that are words of the list, at once
    assert _ids(reader, "Dachgeschossausbau") == ["neu"]
    assert _ids(reader, "Dachgeschoss") == ["neu"]
    # a part outside the word list ("Bewehrung"): once the term list is read again
    assert _ids(reader, "Bewehrung") == []
    monkeypatch.setattr(tantivy_index, "_VOCABULARY_EVERY", 0.0)
    deadline = time.monotonic() + 10
    while _ids(reader, "Bewehrung") != ["neu"]:  # read in the background, then used
        assert time.monotonic() < deadline, "the term list was not read again"
        time.sleep(0.05)


def test_own_writes_are_searchable_as_compound_parts_at_once(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "index")
    index.add(_doc("a", "Antrag Bewehrung"))
    assert _ids(index, "Antrag") == ["a"]
    assert _ids(index, "Bewehrung") == ["a"]
    index.add(_doc("b", "Bauantrag Bewehrungsplan"))
    assert _ids(index, "Antrag") == ["a", "b"]
    assert _ids(index, "Bewehrung") == ["a", "b"]


def test_a_listed_word_finds_every_compound_another_the_most_frequent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tantivy_index, "_MAX_PARTS", 2)
    index = TantivyIndex(tmp_path / "index")
    index.add_many(
        [_doc(f"bau-{n}", "Bauantrag Bewehrungsplan") for n in range(3)]
        + [_doc(f"abbruch-{n}", "Abbruchantrag Bewehrungsstahl") for n in range(2)]
        + [_doc("selten", "Nutzungsänderungsantrag Bewehrungsskizze")]
    )
    everyone = {"bau-0", "bau-1", "bau-2", "abbruch-0", "abbruch-1", "selten"}
    assert set(_ids(index, "Antrag")) == everyone  # "antrag" is in the word list
    assert set(_ids(index, "Bewehrung")) == everyone - {"selten"}  # the two most frequent
    assert _ids(index, "Bewehrungsskizze") == ["selten"]  # as a whole word, always


def _segmented(path: Path, documents: int) -> TantivyIndex:
    """An index written a document per commit, as an ingest writes it."""
    index = TantivyIndex(path)
    for i in range(documents):
        index.add(_doc(f"d{i}", f"Bauantrag Nummer {i} Bewehrungsplan"))
    return index


def test_compaction_is_seen_by_readers_in_other_processes(tmp_path: Path) -> None:
    writer = _segmented(tmp_path / "index", 5)
    reader = TantivyIndex(tmp_path / "index")  # e.g. a worker of `eakte serve`
    assert len(_ids(reader, "Antrag")) == 5
    seen: list[tuple[int, int]] = []

    before, after = writer.compact(lambda done, total: seen.append((done, total)))

    assert (before, after) == (5, 1)
    assert seen == [(i, 5) for i in range(1, 6)]
    time.sleep(tantivy_index._RELOAD_EVERY)
    assert reader.segments() == 1
    assert sorted(_ids(reader, "Antrag")) == [f"d{i}" for i in range(5)]
    assert len(_ids(reader, "Bewehrung")) == 5  # a part outside the word list, too


def test_a_failed_compaction_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    index = _segmented(tmp_path / "index", 4)

    def interrupted(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index.compact(interrupted)
    assert index.count() == 4 and index.segments() == 4
    index.add(_doc("d4", "Bauantrag"))  # the index can still be written
    assert len(_ids(index, "Bauantrag")) == 5


def test_compaction_is_refused_while_an_ingest_writes(tmp_path: Path) -> None:
    ingest = _segmented(tmp_path / "index", 2)  # holds the writer until its batch ends
    with pytest.raises(IndexBusyError, match="ingest or a compaction"):
        TantivyIndex(tmp_path / "index", wait_for_writer=0).compact()
    ingest.close()
    assert TantivyIndex(tmp_path / "index").compact() == (2, 1)


def test_a_writer_waits_for_a_compaction_instead_of_failing(tmp_path: Path) -> None:
    import threading

    index = _segmented(tmp_path / "index", 3)
    halfway, go_on = threading.Event(), threading.Event()

    def slow(done: int, total: int) -> None:
        halfway.set()
        assert go_on.wait(10)

    compaction = threading.Thread(target=index.compact, args=(slow,))
    compaction.start()
    assert halfway.wait(10)
    ingest = TantivyIndex(tmp_path / "index")  # the next document of a running ingest
    added = threading.Thread(target=ingest.add, args=(_doc("later", "Bauantrag"),))
    added.start()
    time.sleep(0.5)
    assert added.is_alive()  # waiting, not failed
    go_on.set()
    compaction.join(10)
    added.join(10)
    assert not added.is_alive()
    assert len(_ids(ingest, "Bauantrag")) == 4
    assert not (tmp_path / "index" / tantivy_index._COMPACTING).exists()


def test_a_writer_held_for_a_moment_is_waited_for_instead_of_failing(tmp_path: Path) -> None:
    """A review commits in milliseconds; a batch that meets its writer waits for it."""
    import threading

    holder = TantivyIndex(tmp_path / "index")
    holder.add(_doc("erst", "Bauantrag"))  # holds the writer from now on
    waiting = TantivyIndex(tmp_path / "index", wait_for_writer=30)
    released = threading.Timer(0.5, holder.close)  # gives the writer up half a second later
    released.start()
    waiting.add(_doc("dann", "Bauantrag"))
    released.join()
    assert sorted(_ids(waiting, "Bauantrag")) == ["dann", "erst"]


def test_a_writer_held_longer_than_the_wait_is_reported_busy(tmp_path: Path) -> None:
    holder = TantivyIndex(tmp_path / "index")
    holder.add(_doc("erst", "Bauantrag"))
    with pytest.raises(IndexBusyError, match="being written by another process"):
        TantivyIndex(tmp_path / "index", wait_for_writer=0.3).add(_doc("dann", "Bauantrag"))
    holder.close()
