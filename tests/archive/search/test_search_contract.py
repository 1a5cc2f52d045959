"""One contract every search index passes: Tantivy and a real OpenSearch node always,
Elasticsearch 8 where EAKTE_ES_URL is set."""

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from archive.search import (
    IndexDoc,
    SearchFilters,
    SearchIndex,
    SearchQueryError,
    Visibility,
    split_query,
)
from archive.search.tantivy import TantivyIndex

BAU = IndexDoc(
    document_id="doc-bau",
    title="Baugenehmigung für den Neubau eines Einfamilienhauses",
    doc_type="baugenehmigung",
    doc_label="Baugenehmigung",
    unit="6.3.1",
    status="archived",
    text="Hiermit wird die Baugenehmigung erteilt. Gemarkung Musterdorf, Flur 3, Flurstück 127/4.",
    aktenzeichen=("63-BG-2024-0117",),
    identifiers=("Musterdorf/3/127/4",),
    document_date=date(2024, 3, 12),
)
STEUER = IndexDoc(
    document_id="doc-steuer",
    title="Grundsteuerbescheid für das Kalenderjahr 2024",
    doc_type="grundsteuerbescheid",
    doc_label="Grundsteuerbescheid",
    unit="2.1.1",
    status="archived",
    text="Die Grundsteuer wird festgesetzt. Steuer-IdNr. 86 095 742 719, Steuernummer 181/815/08155.",
    aktenzeichen=("22-GS-2024-00012",),
    identifiers=("86095742719", "86 095 742 719", "181/815/08155"),
    document_date=date(2023, 12, 1),
    tax_secret=True,
)


@pytest.fixture(params=["tantivy", "opensearch", "elasticsearch"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    """The embedded index; a fresh index on the session's real OpenSearch node; one on the
    Elasticsearch 8 server EAKTE_ES_URL names, where there is one."""
    name = f"eakte-test-{uuid.uuid4().hex[:8]}"
    if request.param == "tantivy":
        implementation: SearchIndex = TantivyIndex(tmp_path / "index")
    elif request.param == "opensearch":
        from archive.search.elastic import SearchServerIndex

        node = request.getfixturevalue("opensearch_node")
        implementation = SearchServerIndex(f"opensearch+{node.url}", name)
    else:
        url = os.environ.get("EAKTE_ES_URL")
        if not url:
            pytest.skip("EAKTE_ES_URL is not set: no Elasticsearch server to test against")
        from archive.search.elastic import SearchServerIndex

        implementation = SearchServerIndex(f"elasticsearch+{url}", name)
    implementation.add(BAU)
    implementation.add(STEUER)
    yield implementation
    if request.param != "tantivy":
        implementation.client.indices.delete(index=name)  # type: ignore[attr-defined]
    implementation.close()


def _ids(index: SearchIndex, query: str, **filters: object) -> list[str]:
    return [hit.document_id for hit in index.search(query, SearchFilters(**filters), 10)]  # type: ignore[arg-type]


def test_german_stemming_finds_inflected_forms(index: SearchIndex) -> None:
    assert _ids(index, "Baugenehmigungen") == ["doc-bau"]
    assert _ids(index, "Grundsteuerbescheide") == ["doc-steuer"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("63-BG-2024-0117", "doc-bau"),
        ("86 095 742 719", "doc-steuer"),
        ("86095742719", "doc-steuer"),
        ("Steuernummer 181/815/08155", "doc-steuer"),
        ("22-GS-2024-00012", "doc-steuer"),
    ],
)
def test_identifiers_typed_as_printed_find_their_document(
    index: SearchIndex, typed: str, expected: str
) -> None:
    assert _ids(index, typed) == [expected]


def test_hits_carry_metadata_and_highlighted_snippet(index: SearchIndex) -> None:
    (hit,) = index.search("Flurstück", SearchFilters(), 10)
    assert hit.doc_type == "baugenehmigung"
    assert hit.aktenzeichen == ("63-BG-2024-0117",)
    assert hit.document_date == date(2024, 3, 12)
    assert "<b>" in hit.snippet and "Flurst" in hit.snippet
    assert hit.score > 0


def test_filters_by_type_file_and_date(index: SearchIndex) -> None:
    assert _ids(index, "", doc_type="grundsteuerbescheid") == ["doc-steuer"]
    assert _ids(index, "", aktenzeichen="63-BG-2024-0117") == ["doc-bau"]
    assert _ids(index, "", date_from=date(2024, 1, 1)) == ["doc-bau"]
    assert _ids(index, "", date_to=date(2023, 12, 31)) == ["doc-steuer"]
    assert _ids(index, "Baugenehmigung", doc_type="grundsteuerbescheid") == []


def test_filters_by_status(index: SearchIndex) -> None:
    index.add(IndexDoc(**{**BAU.__dict__, "document_id": "doc-review", "status": "needs_review"}))
    assert _ids(index, "", status="needs_review") == ["doc-review"]
    assert sorted(_ids(index, "", status="archived")) == ["doc-bau", "doc-steuer"]
    assert _ids(index, "Baugenehmigung", status="needs_review") == ["doc-review"]
    # Re-adding under a new status replaces the entry: the document leaves the queue.
    index.add(IndexDoc(**{**BAU.__dict__, "document_id": "doc-review", "status": "archived"}))
    assert _ids(index, "", status="needs_review") == []


def test_replacing_and_deleting_a_document(index: SearchIndex) -> None:
    index.add(
        IndexDoc(**{**BAU.__dict__, "title": "Bauvorbescheid", "text": "Vorbescheid erteilt"})
    )
    assert _ids(index, "Einfamilienhauses") == []
    assert _ids(index, "Vorbescheid") == ["doc-bau"]
    assert index.document_ids() == {"doc-bau", "doc-steuer"}
    assert index.count() == 2
    index.delete("doc-bau")
    assert index.document_ids() == {"doc-steuer"}
    assert index.count() == 1


def test_malformed_query_is_a_clear_error(index: SearchIndex) -> None:
    with pytest.raises(SearchQueryError, match="cannot read the query"):
        index.search("Baugenehmigung AND (", SearchFilters(), 10)


def test_split_query_separates_identifiers_from_words() -> None:
    split = split_query("Steuernummer 181/815/08155 Grundsteuer")
    assert split.text == "Steuernummer Grundsteuer"
    assert split.identifiers == (("18181508155", "181/815/08155"),)
    assert split_query("Bescheid 2024").identifiers == ()


def test_words_are_found_inside_compounds_ranked_below_whole_words(index: SearchIndex) -> None:
    for doc_id, text in (
        ("doc-a", "Der Antrag wurde gestellt."),
        ("doc-b", "Der Bauantrag wurde gestellt."),
    ):
        index.add(
            IndexDoc(
                **{
                    **BAU.__dict__,
                    "document_id": doc_id,
                    "title": "Vorgang",
                    "doc_label": "Vorgang",
                    "text": text,
                }
            )
        )
    assert _ids(index, "Antrag") == ["doc-a", "doc-b"]  # the whole word ranks first
    (_, compound) = index.search("Antrag", SearchFilters(), 10)
    assert "<b>Bauantrag</b>" in compound.snippet
    assert _ids(index, "Genehmigung") == ["doc-bau"]
    assert _ids(index, "Steuerbescheid") == ["doc-steuer"]


# --- permission filter and facets -------------------------------------------------------


def test_visibility_is_part_of_the_query_hits_and_facets(index: SearchIndex) -> None:
    from archive.search import Visibility

    bau_only = Visibility(units=("6",), tax=False)
    assert _ids(index, "", visible=bau_only) == ["doc-bau"]
    assert _ids(index, "Grundsteuer", visible=bau_only) == []
    assert _ids(index, "181/815/08155", visible=bau_only) == []
    facets = index.facets("", SearchFilters(visible=bau_only))
    assert facets["doc_type"] == {"baugenehmigung": 1}
    assert "grundsteuerbescheid" not in str(facets)


def test_tax_documents_need_the_tax_scope_even_with_their_unit(index: SearchIndex) -> None:
    from archive.search import Visibility

    assert _ids(index, "", visible=Visibility(units=("2.1",), tax=False)) == []
    assert _ids(index, "", visible=Visibility(units=("2.1",), tax=True)) == ["doc-steuer"]
    assert _ids(index, "", visible=Visibility(units=(), tax=True)) == []
    assert index.facets("", SearchFilters(visible=Visibility(units=(), tax=True)))["unit"] == {}


def test_unit_covers_units_below_it_not_siblings_with_longer_numbers(index: SearchIndex) -> None:
    from archive.search import Visibility

    assert _ids(index, "", unit="6.3") == ["doc-bau"]
    assert _ids(index, "", unit="6.3.1") == ["doc-bau"]
    assert _ids(index, "", visible=Visibility(units=("6.3.10",), tax=True)) == []
    assert _ids(index, "", visible=Visibility(units=("6.31",), tax=True)) == []


def test_facets_count_matching_documents_per_field(index: SearchIndex) -> None:
    facets = index.facets("", SearchFilters())
    assert facets["doc_type"] == {"baugenehmigung": 1, "grundsteuerbescheid": 1}
    assert facets["unit"] == {"6.3.1": 1, "2.1.1": 1}
    assert facets["status"] == {"archived": 2}
    assert facets["year"] == {"2023": 1, "2024": 1}  # per year of the document date
    assert index.facets("Flurstück", SearchFilters())["doc_type"] == {"baugenehmigung": 1}


def test_index_of_an_older_schema_is_replaced(tmp_path: Path) -> None:
    import tantivy

    (tmp_path / "index").mkdir()
    old = tantivy.SchemaBuilder()
    old.add_text_field("id", stored=True)
    tantivy.Index(old.build(), path=str(tmp_path / "index"))
    replaced = TantivyIndex(tmp_path / "index")
    assert replaced.rebuilt and replaced.count() == 0
    replaced.add(BAU)
    assert not TantivyIndex(tmp_path / "index").rebuilt


def test_add_many_adds_and_replaces_with_one_call(index: SearchIndex) -> None:
    from dataclasses import replace

    renamed = replace(BAU, title="Abnahmeschein Rohbau")
    extra = replace(BAU, document_id="doc-extra", title="Bauvorbescheid Scheune")
    assert index.add_many([renamed, extra]) == 2
    assert index.count() == 3
    assert _ids(index, "Rohbau") == ["doc-bau"]
    assert _ids(index, "Scheune") == ["doc-extra"]


# --- order and deep paging --------------------------------------------------------------


def _dated(index: SearchIndex) -> list[str]:
    """Eight more building documents: two share a day, one has no date."""
    days = [date(2021, 5, 1), date(2024, 1, 31), date(2024, 1, 31), date(2019, 12, 31),
            None, date(2022, 7, 15), date(2020, 2, 29), date(2023, 3, 3)]  # fmt: skip
    for n, day in enumerate(days):
        index.add(IndexDoc(**{**BAU.__dict__, "document_id": f"doc-{n}", "document_date": day}))
    return [f"doc-{n}" for n in range(len(days))]


def test_date_orders_newest_or_oldest_first_undated_last_when_newest(
    index: SearchIndex,
) -> None:
    _dated(index)
    filters = SearchFilters(unit="6")
    newest = index.search("", filters, 20, sort="date_desc")
    dates = [h.document_date for h in newest]
    assert dates[-1] is None and all(d is not None for d in dates[:-1])
    assert dates[:-1] == sorted(dates[:-1], reverse=True)  # type: ignore[type-var]
    oldest = index.search("", filters, 20, sort="date_asc")
    assert [h.document_id for h in oldest] == [h.document_id for h in reversed(newest)]
    # a word query can be put in date order too
    assert [h.document_id for h in index.search("Flurstück", filters, 20, sort="date_desc")] == [
        h.document_id for h in newest
    ]


@pytest.mark.parametrize("sort", ["date_desc", "date_asc"])
def test_cursor_pages_visit_every_document_once_in_order(index: SearchIndex, sort: str) -> None:
    from archive.search import order_key

    ids = _dated(index)
    whole = [h.document_id for h in index.search("", SearchFilters(), 50, sort=sort)]
    assert sorted(whole) == sorted([*ids, "doc-bau", "doc-steuer"])
    seen: list[str] = []
    after = None
    while True:
        page = index.search("", SearchFilters(), 3, sort=sort, after=after)
        if not page:
            break
        seen.extend(h.document_id for h in page)
        after = order_key(page[-1].document_id, page[-1].document_date)
    assert seen == whole  # nothing skipped or repeated, also across the two of one day


def test_offset_pages_a_ranking_without_gaps(index: SearchIndex) -> None:
    _dated(index)
    whole = [h.document_id for h in index.search("", SearchFilters(), 50, sort="date_asc")]
    paged = [
        h.document_id
        for offset in range(0, len(whole), 4)
        for h in index.search("", SearchFilters(), 4, offset=offset, sort="date_asc")
    ]
    assert paged == whole
    assert index.search("", SearchFilters(), 4, offset=len(whole)) == []


def test_compacting_keeps_every_document_and_what_finds_it(index: SearchIndex) -> None:
    from dataclasses import replace

    for i in range(4):  # one commit each: segments to merge
        index.add(replace(BAU, document_id=f"doc-bau-{i}", title=f"Bauvorbescheid Scheune {i}",
                          identifiers=(f"4711-0815-{i}",)))  # fmt: skip
    queries = ["Baugenehmigungen", "Steuer", "Scheune", "86 095 742 719", "4711/0815/2"]
    found = {q: _ids(index, q) for q in queries}
    facets = index.facets("", SearchFilters())
    without_tax_scope = SearchFilters(visible=Visibility(("2",), tax=False))
    newest = [h.document_id for h in index.search("", SearchFilters(), 10, sort="date_desc")]
    assert found["Steuer"] == ["doc-steuer"]  # a part of "Grundsteuerbescheid"
    assert found["4711/0815/2"] == ["doc-bau-2"]

    before, after = index.compact()

    assert before > after == 1
    assert index.count() == 6
    assert {q: _ids(index, q) for q in queries} == found
    assert index.facets("", SearchFilters()) == facets
    assert index.facets("Steuer", without_tax_scope)["doc_type"] == {}  # still tax-secret
    assert [
        h.document_id for h in index.search("", SearchFilters(), 10, sort="date_desc")
    ] == newest
    index.add(replace(BAU, document_id="doc-after", title="Abrissgenehmigung"))
    assert _ids(index, "Abrissgenehmigung") == ["doc-after"]


# --- operators, field queries, scores ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Grundsteuer OR Baugenehmigung", ["doc-bau", "doc-steuer"]),
        ("Grundsteuer OR Bauantrag", ["doc-steuer"]),
        ("Flurstück OR 86 095 742 719", ["doc-bau", "doc-steuer"]),
        ("Baugenehmigung AND Musterdorf", ["doc-bau"]),
        ("Baugenehmigung AND Grundsteuer", []),
        ("Baugenehmigung NOT Musterdorf", []),
        ("Grundsteuer OR Baugenehmigung NOT Musterdorf", ["doc-steuer"]),
        ("NOT Grundsteuer", ["doc-bau"]),
        ("Grundsteuer -Kalenderjahr", []),
    ],
)
def test_or_and_not_combine_words(index: SearchIndex, query: str, expected: list[str]) -> None:
    """Upper-case AND, OR and NOT as the README documents them; NOT binds to the next word,
    words side by side must all occur, OR separates alternatives."""
    assert sorted(_ids(index, query)) == expected


def test_operators_without_words_are_a_clear_error(index: SearchIndex) -> None:
    for query in ("Grundsteuer OR", "OR", "Grundsteuer NOT", "AND Grundsteuer"):
        with pytest.raises(SearchQueryError, match="cannot read the query"):
            index.search(query, SearchFilters(), 10)


@pytest.mark.parametrize("query", ["title:*", "label:*", "body:*", "tax:*", "unit:*"])
def test_any_value_of_a_field_is_a_clear_error_not_a_crash(index: SearchIndex, query: str) -> None:
    with pytest.raises(SearchQueryError, match="cannot read the query"):
        index.search(query, SearchFilters(), 10)
    with pytest.raises(SearchQueryError, match="cannot read the query"):
        index.facets(query, SearchFilters())


_BAU_ONLY = SearchFilters(visible=Visibility(units=("6",), tax=False))
_SCORED = ["Baugenehmigung", "Neubau Musterdorf", "Genehmigung", "Grundsteuer OR Flurstück",
           '"Baugenehmigung erteilt"', "63-BG-2024-0117", "Baugenehmigung 63-BG-2024-0117"]  # fmt: skip


def test_a_hidden_document_changes_no_visible_hit(index: SearchIndex) -> None:
    """Term statistics of documents a caller may not see must not move the scores (or the
    order) of those he may: a tax document full of the caller's words changes nothing."""
    before = {q: index.search(q, _BAU_ONLY, 10) for q in _SCORED}
    assert all(before.values())
    hidden = IndexDoc(**{**STEUER.__dict__, "document_id": "doc-steuer-2",
                         "title": "Baugenehmigung Neubau Musterdorf Flurstück",
                         "text": "Baugenehmigung erteilt " * 20 + "63-BG-2024-0117"})  # fmt: skip
    index.add(hidden)
    assert "doc-steuer-2" in _ids(index, "Baugenehmigung")  # it does hold the words
    assert {q: index.search(q, _BAU_ONLY, 10) for q in _SCORED} == before


def test_the_permission_filter_changes_no_score(index: SearchIndex) -> None:
    for query in _SCORED:
        scoped = {h.document_id: h.score for h in index.search(query, _BAU_ONLY, 10)}
        everything = {h.document_id: h.score for h in index.search(query, SearchFilters(), 10)}
        assert scoped == {k: v for k, v in everything.items() if k in scoped}, query
        filtered = index.search(query, SearchFilters(doc_type="baugenehmigung", unit="6"), 10)
        assert {h.document_id: h.score for h in filtered} == scoped, query


def test_title_ranks_above_label_above_text(index: SearchIndex) -> None:
    from dataclasses import replace

    index.add(replace(BAU, document_id="doc-text", title="Vorgang", doc_label="Vorgang",
                      text="Die Scheune wird abgebrochen."))  # fmt: skip
    index.add(replace(BAU, document_id="doc-title", title="Abbruch der Scheune",
                      doc_label="Vorgang", text="Kein weiterer Text."))  # fmt: skip
    index.add(replace(BAU, document_id="doc-label", title="Vorgang", doc_label="Scheune",
                      text="Kein weiterer Text."))  # fmt: skip
    assert _ids(index, "Scheune") == ["doc-title", "doc-label", "doc-text"]
