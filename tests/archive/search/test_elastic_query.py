"""The Elasticsearch query as sent, checked without a server (the contract tests need one):
OR, AND and NOT read as in the Tantivy index, no score from term statistics, filters that
score nothing, and `field:*` refused before it is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from archive.search import SearchFilters, SearchQueryError, Visibility
from archive.search.elastic import es_query

_LEAVES = {"match", "term", "terms", "multi_match", "query_string", "match_phrase", "range"}


def _statistics_scored(query: Any, path: str = "") -> Iterator[str]:
    """Where a leaf query scores by term statistics: outside constant_score, filter and
    must_not (both score nothing)."""
    if isinstance(query, list):
        for i, q in enumerate(query):
            yield from _statistics_scored(q, f"{path}[{i}]")
    elif isinstance(query, dict):
        for key, value in query.items():
            if key in ("constant_score", "filter", "must_not"):
                continue
            if key in _LEAVES:
                yield f"{path}.{key}"
            else:
                yield from _statistics_scored(value, f"{path}.{key}")


@pytest.mark.parametrize(
    "query",
    ["Grundsteuer", "Grundsteuer OR Bauantrag", "Bauantrag NOT Grundsteuer",
     "Steuernummer 181/815/08155", '"Bescheid vom" Grundsteuer', "title:Bauantrag", ""],
)  # fmt: skip
def test_no_score_comes_from_term_statistics(query: str) -> None:
    scoped = SearchFilters(doc_type="bauantrag", visible=Visibility(units=("6",), tax=False))
    assert list(_statistics_scored(es_query(query, scoped))) == []


def test_or_makes_alternatives_and_not_excludes() -> None:
    body = es_query("Grundsteuer OR Bauantrag NOT Hund", SearchFilters())
    (text,) = body["bool"]["must"]
    first, second = text["bool"]["should"]
    assert text["bool"]["minimum_should_match"] == 1
    assert "Grundsteuer" in str(first) and "Bauantrag" in str(second["bool"]["must"])
    assert "Hund" in str(second["bool"]["must_not"]) and "Hund" not in str(first)


def test_the_permission_is_a_filter() -> None:
    body = es_query("Grundsteuer", SearchFilters(visible=Visibility(units=("6",), tax=False)))
    assert {"terms": {"unit_path": ["6"]}} in body["bool"]["filter"]
    assert {"term": {"tax": False}} in body["bool"]["filter"]


@pytest.mark.parametrize("query", ["title:*", "label:*", "body:*", "tax:*"])
def test_any_value_of_a_field_is_refused_before_it_is_sent(query: str) -> None:
    with pytest.raises(SearchQueryError, match="any value"):
        es_query(query, SearchFilters())
