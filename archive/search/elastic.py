"""The search index on a search server: OpenSearch 2.x or Elasticsearch 8, for archives that
outgrow one machine.

Same contract as the Tantivy index (tests/archive/search/test_search_contract.py), and the
same finding and ranking: the same tokens and German stemmer, the same compound parts (found
by archive.search.compounds when a document is indexed, a field of their own), the same
fixed scores per field (archive.search.syntax), no term statistics. The two servers differ
only in the client that speaks to them (the official `elasticsearch` client refuses
OpenSearch servers): `opensearch-py` for OpenSearch, `elasticsearch` 8 for Elasticsearch;
the index settings, the mapping, every query and the reading of answers are shared.

Any number of processes on any number of machines write the index at once: the server
serialises them, so there is no IndexBusyError. A server that cannot be reached (or
answers that it cannot serve) raises SearchUnavailableError; the archive then goes on
without the index and catches up later (Archive.reindex_missing).

A server whose certificate comes from a private CA (a town's own, or its TLS proxy's) is
trusted through `ca_certs`, a PEM bundle given to either client; certificates are always
verified.
"""

from __future__ import annotations

import contextlib
import re
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from archive.search import (
    FACETS,
    YEAR_BUCKET,
    Hit,
    IndexDoc,
    SearchFilters,
    SearchIndexError,
    SearchQueryError,
    SearchUnavailableError,
    compact_identifier,
    date_number,
    from_date_number,
    index_fields,
    query_words,
    snippet,
    split_query,
    year_counts,
)
from archive.search.compounds import known_stems, parts_of, stems_of
from archive.search.syntax import (
    BODY_SCORE,
    EXACT_SCORE,
    IDENTIFIER_SCORE,
    LABEL_SCORE,
    PART_SCORE,
    TITLE_SCORE,
    Term,
    alternatives,
    check_query,
)

# Raised when the mapping or the analysis changes in a way an existing index cannot take
# (adding a field can, changing one cannot): such an index is refused with the way out.
SCHEMA = 1
OPENSEARCH, ELASTICSEARCH = "opensearch", "elasticsearch"
# Index settings: Tantivy's "de_stem" (split at anything but letters and digits, drop tokens
# of 40 bytes and more, lower case, the Snowball German stemmer) and the compound parts,
# which arrive analysed (archive.search.compounds) and are split at spaces only.
ANALYSIS = {
    "tokenizer": {"eakte_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}},
    "filter": {
        "eakte_long": {"type": "length", "max": 39},
        "eakte_german": {"type": "stemmer", "language": "german"},
    },
    "analyzer": {
        "eakte_de": {
            "type": "custom",
            "tokenizer": "eakte_words",
            "filter": ["eakte_long", "lowercase", "eakte_german"],
        },
        "eakte_parts": {"type": "custom", "tokenizer": "whitespace"},
    },
}
_TEXT = {"type": "text", "analyzer": "eakte_de", "norms": False}  # norms: scores are fixed
MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"eakte_schema": SCHEMA},
    "properties": {
        "id": {"type": "keyword"},
        "title": _TEXT,
        "label": _TEXT,
        "body": _TEXT,
        "parts": {
            "type": "text",
            "analyzer": "eakte_parts",
            "norms": False,
            "index_options": "docs",
        },
        "doc_type": {"type": "keyword"},
        "unit": {"type": "keyword"},
        "unit_path": {"type": "keyword"},
        "status": {"type": "keyword"},
        "az": {"type": "keyword"},
        "ident": {"type": "keyword"},
        "date": {"type": "integer"},
        "tax": {"type": "boolean"},
        "order": {"type": "long"},
    },
}
# One primary shard (an operator who needs more creates the index beforehand: `index_body`,
# deploy/README.md); a replica wherever a second node exists.
INDEX_SETTINGS = {"number_of_shards": 1, "auto_expand_replicas": "0-1", "analysis": ANALYSIS}
_FIELDS = ["title", "label", "body"]
_SCORES = {"title": TITLE_SCORE, "label": LABEL_SCORE, "body": BODY_SCORE}
_HIT_SOURCE = ["id", "title", "label", "body", "doc_type", "az", "date"]
_TIMEOUT = 30.0  # seconds per request
_LONG_TIMEOUT = 3600.0  # a force merge of a large index
_BULK_CHUNK = 500  # documents per bulk request
_IDS_PAGE = 10_000


def index_body(shards: int = 1) -> dict[str, Any]:
    """The settings and mapping eakte creates its index with (`eakte index template`); an
    index made beforehand with more `shards` (and anything else of the operator's) is
    accepted as long as its mapping says this `_meta.eakte_schema`."""
    return {"settings": {"index": {**INDEX_SETTINGS, "number_of_shards": shards}},
            "mappings": MAPPING}  # fmt: skip


def server_fields(doc: IndexDoc) -> dict[str, object]:
    """What a document is indexed as: the common fields and its compound parts."""
    words = stems_of(f"{doc.title} {doc.doc_label} {doc.text}")
    return {**index_fields(doc), "parts": " ".join(sorted(parts_of(words)))}


@dataclass(frozen=True)
class _Flavour:
    """One server family: its client, and how its errors read."""

    name: str
    client: Any

    def long(self) -> Any:
        """The client for one long request (a force merge)."""
        if self.name == ELASTICSEARCH:
            return self.client.options(request_timeout=_LONG_TIMEOUT)
        return self.client

    def long_options(self) -> dict[str, Any]:
        return {"request_timeout": _LONG_TIMEOUT} if self.name == OPENSEARCH else {}

    def bulk(self, actions: Iterable[dict[str, Any]]) -> int:
        if self.name == OPENSEARCH:
            from opensearchpy.helpers import bulk
        else:
            from elasticsearch.helpers import bulk
        count, _ = bulk(self.client, actions, chunk_size=_BULK_CHUNK, refresh=True)
        return int(count)

    def errors(self) -> tuple[type[BaseException], ...]:
        if self.name == OPENSEARCH:  # connections and answers; not a bulk item's failure
            from opensearchpy.exceptions import TransportError as OpenSearchTransportError

            return (OpenSearchTransportError,)
        from elastic_transport import TransportError
        from elasticsearch import ApiError

        return (ApiError, TransportError)


def flavour_of(url: str) -> tuple[str | None, str]:
    """The server family a URL names and the URL to connect to: `opensearch+https://…`,
    `elasticsearch+https://…`, or a plain `http(s)://…` (None: asked of the server)."""
    parts = urlsplit(url)
    family, plus, scheme = parts.scheme.rpartition("+")
    if scheme in ("http", "https") and not plus:
        return None, url
    if family not in (OPENSEARCH, ELASTICSEARCH) or scheme not in ("http", "https"):
        raise SearchIndexError(
            f"{_masked(url)}: a search server URL is http(s)://…, opensearch+http(s)://… "
            "or elasticsearch+http(s)://…"
        )
    return family, urlunsplit((scheme, *parts[1:]))


def _masked(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, *parts[2:]))


_OS_ERROR = re.compile(r"\[Errno -?\d+\] [^)'\"]+|timed out|Read timed out")


def _cause(exc: BaseException, status: int | None) -> str:
    """Why the server did not answer, in a few words: what the system said (connection
    refused, a timeout) or the server's status and reason, not the clients' nested reprs."""
    if status is not None:
        return f"HTTP {status} {str(exc)[:160]}"
    found = _OS_ERROR.search(str(exc))
    return found.group(0).strip() if found else f"{type(exc).__name__}: {str(exc)[:160]}"


def _status(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    if isinstance(code, int):
        return code
    meta = getattr(exc, "meta", None)
    status = getattr(meta, "status", None)
    return status if isinstance(status, int) else None


class SearchServerIndex:
    """A SearchIndex on an OpenSearch or Elasticsearch server, in one index (`name`).

    Nothing is sent until the first call, so that an archive opens while its server is
    down (an ingest then archives and catalogues, and the index catches up later). The
    index is created at that first call if it does not exist.
    """

    def __init__(
        self, url: str, index_name: str = "eakte-documents", *, ca_certs: Path | None = None
    ) -> None:
        self.family, self._url = flavour_of(url)
        self.url = _masked(url)
        self._tls = _tls_options(ca_certs)
        self.name = index_name
        self._flavour: _Flavour | None = None
        self._ready = False

    # --- the connection ------------------------------------------------------------------

    @property
    def _server(self) -> _Flavour:
        if self._flavour is None:
            family = self.family or self._ask_family()
            self._flavour = _Flavour(family, _client(family, self._url, self._tls))
            self.family = family
        return self._flavour

    def _ask_family(self) -> str:
        """OpenSearch says so in `GET /` (version.distribution); Elasticsearch does not."""
        from opensearchpy import OpenSearch
        from opensearchpy.exceptions import OpenSearchException

        probe = OpenSearch(self._url, timeout=_TIMEOUT, **self._tls)
        try:
            info = probe.info()
        except OpenSearchException as exc:
            raise SearchUnavailableError(
                f"search server {self.url} is unavailable: {_cause(exc, _status(exc))}"
            ) from exc
        finally:
            probe.close()
        distribution = info.get("version", {}).get("distribution")
        return OPENSEARCH if distribution == OPENSEARCH else ELASTICSEARCH

    @contextlib.contextmanager
    def _call(self, query: str | None = None) -> Iterator[None]:
        """Server errors as the archive's: a query the server cannot read is the query's
        fault (SearchQueryError), a server that cannot answer SearchUnavailableError."""
        try:
            yield
        except SearchIndexError:
            raise
        except Exception as exc:
            if self._flavour is None or not isinstance(exc, self._flavour.errors()):
                raise
            status = _status(exc)
            if status == 400 and query is not None:
                raise SearchQueryError(f"cannot read the query {query!r}: {exc}") from exc
            if status is None or status >= 500 or status == 429:
                raise SearchUnavailableError(
                    f"search server {self.url} (index {self.name}) is unavailable: "
                    f"{_cause(exc, status)}"
                ) from exc
            raise

    @property
    def client(self) -> Any:
        """The server's client, the index made ready on first use."""
        server = self._server
        if not self._ready:
            with self._call():
                self._prepare(server.client)
            self._ready = True
        return server.client

    def _prepare(self, client: Any) -> None:
        """Create the index, or check that an existing one is of this schema."""
        if not client.indices.exists(index=self.name):
            try:
                client.indices.create(index=self.name, body=index_body())
            except self._server.errors() as exc:  # another process was quicker
                if "resource_already_exists" not in str(exc):
                    raise
        mapping = client.indices.get_mapping(index=self.name)
        meta = next(iter(mapping.values()))["mappings"].get("_meta", {})
        if meta.get("eakte_schema") != SCHEMA:
            raise SearchIndexError(
                f"search index {self.name} on {self.url} was not made by this version of eakte "
                f"(schema {meta.get('eakte_schema')}, needs {SCHEMA}): delete it, then "
                "`eakte index repair` fills a new one from the catalog"
            )

    # --- writing ---------------------------------------------------------------------------

    def add(self, doc: IndexDoc) -> None:
        """Durable (the server's translog) and searchable (a refresh) when it returns."""
        client = self.client
        with self._call():
            client.index(index=self.name, id=doc.document_id, body=server_fields(doc),
                         refresh="true")  # fmt: skip

    def add_many(self, docs: Iterable[IndexDoc]) -> int:
        self.client  # noqa: B018 - the index exists before the first request
        actions = (
            {"_index": self.name, "_id": d.document_id, "_source": server_fields(d)} for d in docs
        )
        with self._call():
            return self._server.bulk(actions)

    def delete(self, document_id: str) -> None:
        client = self.client
        with self._call():
            try:
                client.delete(index=self.name, id=document_id, refresh="true")
            except self._server.errors() as exc:
                if _status(exc) != 404:
                    raise

    def compact(self, progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """The server's force merge to one segment per shard (it merges on its own, too);
        other writers go on meanwhile."""
        before = self.segments()
        with self._call():
            self._server.long().indices.forcemerge(
                index=self.name, max_num_segments=1, **self._server.long_options()
            )
        return before, self.segments()

    # --- reading ---------------------------------------------------------------------------

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
        body: dict[str, Any] = {
            "query": es_query(query, filters),
            "size": max(1, limit),
            "from": offset,
            "track_total_hits": False,
            "_source": _HIT_SOURCE,
        }
        by_date = sort != "relevance"
        if by_date:
            body["sort"] = [{"order": {"order": "asc" if sort == "date_asc" else "desc"}}]
            if after is not None:
                body["search_after"] = [after]
        else:  # equal scores newest first: an order that merging segments does not change
            body["sort"] = ["_score", {"order": {"order": "desc"}}]
        client = self.client
        with self._call(query):
            response = client.search(index=self.name, body=body)
        stems = stems_of(" ".join(query_words(query)))  # none without words: no marks
        return [_hit(hit, stems, by_date) for hit in response["hits"]["hits"]]

    def facets(self, query: str, filters: SearchFilters) -> dict[str, dict[str, int]]:
        body = {
            "query": es_query(query, filters),
            "size": 0,
            "track_total_hits": False,
            "aggs": {
                **{f: {"terms": {"field": f, "size": 200}} for f in FACETS},
                "year": {"histogram": {"field": "date", "interval": YEAR_BUCKET}},
            },
        }
        client = self.client
        with self._call(query):
            aggregations = client.search(index=self.name, body=body)["aggregations"]
        return {
            **{
                f: {b["key"]: int(b["doc_count"]) for b in aggregations[f]["buckets"]}
                for f in FACETS
            },
            "year": year_counts(aggregations["year"]["buckets"]),
        }

    def count(self) -> int:
        client = self.client
        with self._call():
            return int(client.count(index=self.name)["count"])

    def document_ids(self) -> set[str]:
        """Every id, a page of 10,000 at a time in id order (search_after)."""
        client = self.client
        found: set[str] = set()
        after: list[str] | None = None
        with self._call():
            client.indices.refresh(index=self.name)
            while True:
                body: dict[str, Any] = {"size": _IDS_PAGE, "_source": False, "sort": [{"id": "asc"}],
                                        "track_total_hits": False}  # fmt: skip
                if after is not None:
                    body["search_after"] = after
                hits = client.search(index=self.name, body=body)["hits"]["hits"]
                found.update(hit["_id"] for hit in hits)
                if len(hits) < _IDS_PAGE:
                    return found
                after = hits[-1]["sort"]

    def segments(self) -> int:
        """The segments of the primary shards that searches walk (after a refresh)."""
        client = self.client
        with self._call():
            client.indices.refresh(index=self.name)
            stats = client.indices.stats(index=self.name, metric="segments")
        return int(stats["_all"]["primaries"]["segments"]["count"])

    def close(self) -> None:
        if self._flavour is not None:
            self._flavour.client.close()


def _tls_options(ca_certs: Path | None) -> dict[str, Any]:
    """The clients' TLS options: the private CA's bundle, checked now (not at the first
    request, deep in a batch), and certificates verified in any case."""
    if ca_certs is None:
        return {}
    try:
        ssl.create_default_context(cafile=str(ca_certs))
    except FileNotFoundError as exc:
        raise SearchIndexError(
            f"search_ca_certs {ca_certs}: no such file (the PEM bundle of the CA that "
            "signed the search server's certificate)"
        ) from exc
    except (OSError, ssl.SSLError) as exc:
        raise SearchIndexError(
            f"search_ca_certs {ca_certs}: no PEM bundle of CA certificates ({exc})"
        ) from exc
    return {"ca_certs": str(ca_certs), "verify_certs": True}


def _client(family: str, url: str, tls: dict[str, Any]) -> Any:
    if family == OPENSEARCH:
        from opensearchpy import OpenSearch

        return OpenSearch(url, timeout=_TIMEOUT, **tls)
    from elasticsearch import Elasticsearch

    return Elasticsearch(url, request_timeout=_TIMEOUT, **tls)


def _hit(hit: dict[str, Any], stems: list[str], by_date: bool) -> Hit:
    source = hit["_source"]
    return Hit(
        document_id=source["id"],
        score=0.0 if by_date else float(hit["_score"] or 0.0),
        doc_type=source["doc_type"],
        doc_label=source["label"],
        title=source["title"],
        aktenzeichen=tuple(source.get("az") or ()),
        document_date=from_date_number(source["date"]) if source.get("date") else None,
        snippet=snippet(source["body"], stems),
    )


# --- the query ------------------------------------------------------------------------------


def es_query(query: str, filters: SearchFilters) -> dict[str, Any]:
    """The query for the server: its words and identifiers score as in the Tantivy index
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


_NOTHING_ASKED = {"constant_score": {"filter": {"match_all": {}}, "boost": 0.0}}


def _text(query: str) -> dict[str, Any]:
    groups = alternatives(query)
    if groups is None:  # phrases, fields, brackets: the query_string syntax
        split = split_query(query)
        must = [_identifier(Term(typed, compact)) for compact, typed in split.identifiers]
        should: list[dict[str, Any]] = []
        if split.text:
            exact = {"query_string": {"query": split.text, "fields": _FIELDS,
                                      "default_operator": "AND",
                                      "allow_leading_wildcard": False}}  # fmt: skip
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
        must.append(_NOTHING_ASKED)
    return {"bool": {"must": must, "should": should, "must_not": must_not}}


def _word(word: str) -> dict[str, Any]:
    """A word in title, label or body, each field adding its fixed score; or, where the
    German word list knows its stem, as part of a compound ("Antrag" in "Bauantrag"), which
    adds half the text's. A word the list does not know finds whole words only."""
    stems = stems_of(word)
    if not stems:  # nothing the index could hold: the word asks for nothing
        return _NOTHING_ASKED
    choices = [
        _scored({"match": {f: {"query": word, "operator": "and"}}}, _SCORES[f]) for f in _FIELDS
    ]
    known = known_stems()
    if all(stem in known for stem in stems):
        parts = [{"term": {"parts": stem}} for stem in stems]
        choices.append(_scored({"bool": {"filter": parts}}, PART_SCORE))
    return {"bool": {"should": choices, "minimum_should_match": 1}}


def _identifier(term: Term) -> dict[str, Any]:
    """An identifier as indexed (compact) or as printed in the text."""
    either = [
        {"term": {"ident": term.compact}},
        {"multi_match": {"query": term.text, "type": "phrase", "fields": _FIELDS}},
    ]
    return _scored({"bool": {"should": either, "minimum_should_match": 1}}, IDENTIFIER_SCORE)
