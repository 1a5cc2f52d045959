"""Elasticsearch search index (8.x server) for archives that outgrow one machine.

Same contract as the Tantivy index (tests/archive/test_search_contract.py); chosen by
setting EAKTE_ES_URL. The client is pinned to major version 8, as servers refuse other majors.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError
from elasticsearch.helpers import bulk, scan

from archive.search import (
    FACETS,
    YEAR_BUCKET,
    Hit,
    IndexDoc,
    SearchFilters,
    SearchQueryError,
    compact_identifier,
    date_number,
    from_date_number,
    index_fields,
    query_words,
    snippet,
    split_query,
    year_counts,
)
from archive.search.syntax import (
    BODY_SCORE,
    EXACT_SCORE,
    IDENTIFIER_SCORE,
    LABEL_SCORE,
    TITLE_SCORE,
    Term,
    alternatives,
    check_query,
)

_MAPPING = {
    "properties": {
        "id": {"type": "keyword"},
        "title": {"type": "text", "analyzer": "german"},
        "label": {"type": "text", "analyzer": "german"},
        "body": {"type": "text", "analyzer": "german"},
        "doc_type": {"type": "keyword"},
        "unit": {"type": "keyword"},
        "unit_path": {"type": "keyword"},
        "status": {"type": "keyword"},
        "az": {"type": "keyword"},
        "ident": {"type": "keyword"},
        "date": {"type": "integer"},
        "tax": {"type": "boolean"},
        "order": {"type": "long"},
    }
}
_FIELDS = ["title", "label", "body"]
_SCORES = {"title": TITLE_SCORE, "label": LABEL_SCORE, "body": BODY_SCORE}
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def _fold(word: str) -> str:
    """Wildcards are not analysed: fold them as the german analyzer folds indexed terms."""
    return word.lower().translate(_FOLD)


class ElasticsearchIndex:
    def __init__(self, url: str, index_name: str = "eakte-documents") -> None:
        self.client = Elasticsearch(url, request_timeout=30)
        self.name = index_name
        if not self.client.indices.exists(index=index_name):
            self.client.indices.create(index=index_name, mappings=_MAPPING)
        else:  # fields added since the index was made (adding is allowed, changing is not)
            self.client.indices.put_mapping(index=index_name, properties=_MAPPING["properties"])

    def add(self, doc: IndexDoc) -> None:
        body = index_fields(doc)
        self.client.index(index=self.name, id=doc.document_id, document=body, refresh="wait_for")

    def add_many(self, docs: Iterable[IndexDoc]) -> int:
        actions = (
            {"_index": self.name, "_id": d.document_id, "_source": index_fields(d)} for d in docs
        )
        count, _ = bulk(self.client, actions, refresh="wait_for")
        return int(count)

    def delete(self, document_id: str) -> None:
        with contextlib.suppress(NotFoundError):
            self.client.delete(index=self.name, id=document_id, refresh="wait_for")

    def search(
        self,
        query: str,
        filters: SearchFilters,
        limit: int = 10,
        *,
        offset: int = 0,
        sort: str = "relevance",
        after: int | None = None,
    ) -> list[Hit]:
        body = self._query(query, filters)
        ordered: dict[str, Any] = {}
        if sort != "relevance":
            direction = "asc" if sort == "date_asc" else "desc"
            ordered["sort"] = [{"order": {"order": direction}}]
            if after is not None:
                ordered["search_after"] = [after]
        try:
            response = self.client.search(
                index=self.name,
                query=body,
                size=max(1, limit),
                from_=offset,
                **ordered,
                highlight={
                    "fields": {"body": {"fragment_size": 240, "number_of_fragments": 1}},
                    "pre_tags": ["<b>"],
                    "post_tags": ["</b>"],
                },
            )
        except BadRequestError as exc:
            raise SearchQueryError(f"cannot read the query {query!r}: {exc.message}") from exc
        return [self._hit(hit, query) for hit in response["hits"]["hits"]]

    def facets(self, query: str, filters: SearchFilters) -> dict[str, dict[str, int]]:
        try:
            response = self.client.search(
                index=self.name,
                query=self._query(query, filters),
                size=0,
                aggs={
                    **{f: {"terms": {"field": f, "size": 200}} for f in FACETS},
                    "year": {"histogram": {"field": "date", "interval": YEAR_BUCKET}},
                },
            )
        except BadRequestError as exc:
            raise SearchQueryError(f"cannot read the query {query!r}: {exc.message}") from exc
        aggregations = response["aggregations"]
        return {
            **{
                f: {b["key"]: int(b["doc_count"]) for b in aggregations[f]["buckets"]}
                for f in FACETS
            },
            "year": year_counts(aggregations["year"]["buckets"]),
        }

    def _query(self, query: str, filters: SearchFilters) -> dict[str, Any]:
        return es_query(query, filters)

    @staticmethod
    def _hit(hit: dict[str, Any], query: str) -> Hit:
        source = hit["_source"]
        fragments = hit.get("highlight", {}).get("body") or [
            snippet(source["body"], [_fold(w) for w in query_words(query)])
        ]
        return Hit(
            document_id=source["id"],
            score=float(hit["_score"] or 0.0),
            doc_type=source["doc_type"],
            doc_label=source["label"],
            title=source["title"],
            aktenzeichen=tuple(source.get("az") or ()),
            document_date=from_date_number(source["date"]) if source.get("date") else None,
            snippet=fragments[0].replace("\n", " "),
        )

    def count(self) -> int:
        self.client.indices.refresh(index=self.name)
        return int(self.client.count(index=self.name)["count"])

    def document_ids(self) -> set[str]:
        self.client.indices.refresh(index=self.name)
        return {
            hit["_id"]
            for hit in scan(
                self.client, index=self.name, query={"query": {"match_all": {}}}, _source=False
            )
        }

    def compact(self, progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """Elasticsearch's force merge to one segment per shard; it merges on its own."""
        before = self.segments()
        self.client.indices.forcemerge(
            index=self.name, max_num_segments=1, wait_for_completion=True
        )
        return before, self.segments()

    def segments(self) -> int:
        self.client.indices.refresh(index=self.name)  # count what searches see
        stats = self.client.indices.stats(index=self.name, metric="segments")
        return int(stats["_all"]["primaries"]["segments"]["count"])

    def close(self) -> None:
        self.client.close()


def es_query(query: str, filters: SearchFilters) -> dict[str, Any]:
    """The query for Elasticsearch: its words and identifiers score as in the Tantivy index
    (fixed amounts, archive.search.syntax), the filters and the permission in filter
    context, which scores nothing."""
    check_query(query)
    filter_: list[dict[str, Any]] = [{"match_all": {}}]
    if filters.doc_type:
        filter_.append({"term": {"doc_type": filters.doc_type}})
    if filters.aktenzeichen:
        filter_.append({"term": {"ident": compact_identifier(filters.aktenzeichen)}})
    if filters.status:
        filter_.append({"term": {"status": filters.status}})
    if filters.unit:
        filter_.append({"term": {"unit_path": filters.unit}})
    if filters.visible.units is not None:  # the permission filter, inside the query
        filter_.append({"terms": {"unit_path": list(filters.visible.units)}})
    if not filters.visible.tax:
        filter_.append({"term": {"tax": False}})
    if filters.date_from or filters.date_to:
        bounds: dict[str, int] = {}
        if filters.date_from:
            bounds["gte"] = date_number(filters.date_from)
        if filters.date_to:
            bounds["lte"] = date_number(filters.date_to)
        filter_.append({"range": {"date": bounds}})
    must = [_text(query)] if query.strip() else []
    return {"bool": {"must": must, "filter": filter_}}


def _scored(query: dict[str, Any], score: float) -> dict[str, Any]:
    """`query`, adding `score` to a hit whatever the index holds besides."""
    return {"constant_score": {"filter": query, "boost": score}}


def _text(query: str) -> dict[str, Any]:
    groups = alternatives(query)
    if groups is None:  # phrases, fields, brackets: the query_string syntax
        split = split_query(query)
        must = [_identifier(Term(typed, compact)) for compact, typed in split.identifiers]
        should: list[dict[str, Any]] = []
        if split.text:
            exact = {"query_string": {"query": split.text, "fields": _FIELDS,
                                      "default_operator": "AND"}}  # fmt: skip
            # Words beside an identifier only rank the hits
            (should if must else must).append(_scored(exact, EXACT_SCORE))
        return {"bool": {"must": must, "should": should}}
    branches = [_conjunction(group) for group in groups]
    if len(branches) == 1:
        return branches[0]
    return {"bool": {"should": branches, "minimum_should_match": 1}}


def _conjunction(terms: tuple[Term, ...]) -> dict[str, Any]:
    anchored = any(t.compact and not t.negated for t in terms)
    must: list[dict[str, Any]] = []
    should: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    for term in terms:
        query = _identifier(term) if term.compact else _word(term.text)
        if term.negated:
            must_not.append(query)
        elif term.compact or not anchored:
            must.append(query)
        else:
            should.append(query)
    if not must:  # "NOT Hund": everything else
        must.append(_scored({"match_all": {}}, 0.0))
    return {"bool": {"must": must, "should": should, "must_not": must_not}}


def _word(word: str) -> dict[str, Any]:
    """A word in title, label or body; each field it occurs in adds its fixed score."""
    fields = [
        _scored({"match": {f: {"query": word, "operator": "and"}}}, _SCORES[f]) for f in _FIELDS
    ]
    return {"bool": {"should": fields, "minimum_should_match": 1}}


def _identifier(term: Term) -> dict[str, Any]:
    """An identifier as indexed (compact) or as printed in the text."""
    either = [
        {"term": {"ident": term.compact}},
        {"multi_match": {"query": term.text, "type": "phrase", "fields": _FIELDS}},
    ]
    return _scored({"bool": {"should": either, "minimum_should_match": 1}}, IDENTIFIER_SCORE)
