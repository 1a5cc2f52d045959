"""What the search-server index does beyond the shared contract, on the session's real
OpenSearch node: which server a URL names, many writer processes at once, a server that
cannot be reached, and an index made by something else."""

from __future__ import annotations

import multiprocessing
import socket
from pathlib import Path

import pytest

from archive.search import (
    IndexDoc,
    SearchFilters,
    SearchIndexError,
    SearchUnavailableError,
)
from archive.search.elastic import SearchServerIndex, flavour_of
from tests.support.opensearch import OpenSearchNode

_DOC = IndexDoc(document_id="d", title="Bauantrag Scheune", doc_type="bauantrag",
                doc_label="Bauantrag", unit="6.3.1", status="archived", text="Ein Bauantrag.")  # fmt: skip


def _closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("opensearch+https://search.example:9200", ("opensearch", "https://search.example:9200")),
        ("elasticsearch+http://es:9200/", ("elasticsearch", "http://es:9200/")),
        ("https://search.example:9200", (None, "https://search.example:9200")),
    ],
)
def test_the_url_names_the_server_family(url: str, expected: tuple[str | None, str]) -> None:
    assert flavour_of(url) == expected


@pytest.mark.parametrize("url", ["solr+http://eakte:geheim@solr:8983", "ftp://eakte:geheim@solr:8983",
                                 "opensearch+ftp://eakte:geheim@solr:8983"])  # fmt: skip
def test_an_unknown_family_or_scheme_is_refused_without_the_password(url: str) -> None:
    with pytest.raises(
        SearchIndexError, match=r"://eakte:\*\*\*@solr:8983: a search server"
    ) as err:
        flavour_of(url)
    assert "geheim" not in str(err.value)


def test_a_plain_url_asks_the_server_which_it_is(
    opensearch_node: OpenSearchNode, index_name: str
) -> None:
    index = SearchServerIndex(opensearch_node.url, index_name)
    index.add(_DOC)
    assert index.family == "opensearch"
    assert [h.document_id for h in index.search("Bauantrag", SearchFilters(), 10)] == ["d"]
    index.close()


@pytest.mark.parametrize("prefix", ["opensearch+", "elasticsearch+", ""])
def test_an_unreachable_server_is_unavailable_not_a_crash_and_opening_needs_none(
    prefix: str,
) -> None:
    url = f"{prefix}http://eakte:geheim@127.0.0.1:{_closed_port()}"
    index = SearchServerIndex(url, "eakte-documents")  # nothing is sent yet
    for attempt in (
        lambda: index.add(_DOC),
        index.count,
        lambda: index.search("x", SearchFilters()),
    ):
        with pytest.raises(SearchUnavailableError, match=r"eakte:\*\*\*@127\.0\.0\.1") as err:
            attempt()
        assert "geheim" not in str(err.value)
    index.close()


def _write(url: str, name: str, writer: int, count: int) -> None:
    index = SearchServerIndex(url, name)
    for n in range(count):
        index.add(IndexDoc(**{**_DOC.__dict__, "document_id": f"w{writer}-{n}"}))
    index.close()


@pytest.mark.slow  # four Python processes start: about 15 s
def test_several_processes_write_one_index_at_once(
    opensearch_node: OpenSearchNode, index_name: str
) -> None:
    """Four writer processes, each adding one document after another, as four ingests on
    four machines would: every document arrives, and none is refused as busy."""
    url = f"opensearch+{opensearch_node.url}"
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write, args=(url, index_name, w, 15)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(300)
    assert [p.exitcode for p in writers] == [0, 0, 0, 0]
    index = SearchServerIndex(url, index_name)
    assert index.count() == 60
    assert index.document_ids() == {f"w{w}-{n}" for w in range(4) for n in range(15)}
    assert len(index.search("Scheune", SearchFilters(), 100)) == 60
    index.close()


def test_an_index_made_by_something_else_is_refused_with_the_way_out(
    opensearch_node: OpenSearchNode, index_name: str
) -> None:
    other = SearchServerIndex(f"opensearch+{opensearch_node.url}", index_name)
    other._server.client.indices.create(index=index_name, body={"mappings": {"properties": {}}})
    other.close()
    index = SearchServerIndex(f"opensearch+{opensearch_node.url}", index_name)
    with pytest.raises(SearchIndexError, match="eakte index repair"):
        index.count()
    index.close()


def test_document_ids_pages_through_more_than_one_page(
    opensearch_node: OpenSearchNode, index_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive.search.elastic as elastic

    monkeypatch.setattr(elastic, "_IDS_PAGE", 7)
    index = SearchServerIndex(f"opensearch+{opensearch_node.url}", index_name)
    docs = [IndexDoc(**{**_DOC.__dict__, "document_id": f"p{n:02}"}) for n in range(23)]
    assert index.add_many(docs) == 23
    assert index.document_ids() == {d.document_id for d in docs}
    index.close()


def test_a_query_scores_every_hit_as_the_tantivy_index_does(
    opensearch_node: OpenSearchNode, index_name: str, tmp_path: Path
) -> None:
    """The same documents in both backends: the same hits with the same scores, compound
    parts and identifiers included (the scores are fixed amounts, syntax.py)."""
    from archive.search.tantivy import TantivyIndex

    bau = IndexDoc(document_id="bau", title="Baugenehmigung Scheune", doc_type="baugenehmigung",
                   doc_label="Baugenehmigung", unit="6.3.1", status="archived",
                   text="Die Baugenehmigung wird erteilt. Flurstück 127/4.",
                   aktenzeichen=("63-BG-2024-0117",))  # fmt: skip
    steuer = IndexDoc(document_id="steuer", title="Grundsteuerbescheid 2024", unit="2.1.1",
                      doc_type="grundsteuerbescheid", doc_label="Grundsteuerbescheid",
                      status="archived", text="Steuer-IdNr. 86 095 742 719, Kalenderjahr 2024.",
                      identifiers=("86095742719",), tax_secret=True)  # fmt: skip
    antrag = IndexDoc(document_id="antrag", title="Vorgang", doc_type="bauantrag",
                      doc_label="Bauantrag", unit="6.3.1", status="archived",
                      text="Der Antrag zur Scheune.")  # fmt: skip
    docs = [bau, steuer, antrag]
    server = SearchServerIndex(f"opensearch+{opensearch_node.url}", index_name)
    embedded = TantivyIndex(tmp_path / "index")
    for index in (server, embedded):
        index.add_many(docs)
    for query in ("Antrag", "Baugenehmigung", "Steuer", "Grundsteuer OR Flurstück",
                  "Baugenehmigung 63-BG-2024-0117", "86 095 742 719", "Scheune NOT Kalenderjahr",
                  '"Baugenehmigung wird erteilt"', "title:Grundsteuerbescheid"):  # fmt: skip
        scores = [
            {h.document_id: h.score for h in index.search(query, SearchFilters(), 10)}
            for index in (server, embedded)
        ]
        assert scores[0] == scores[1] and scores[0], query
    server.close()
    embedded.close()
