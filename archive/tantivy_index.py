"""Tantivy search index with German stemming; one writer, serialised by a lock."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import tantivy

from archive.search import (
    FACETS,
    Hit,
    IndexBusyError,
    IndexDoc,
    SearchFilters,
    SearchQueryError,
    compact_identifier,
    date_number,
    from_date_number,
    index_fields,
    part_snippet,
    split_query,
)

_TEXT_FIELDS = ["title", "label", "body"]
_BOOSTS = {"title": 3.0, "label": 2.0, "body": 1.0}
_WRITER_HEAP = 64 * 1024 * 1024
# The same analysis as the built-in "de_stem" tokenizer, to stem query words ourselves.
_ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("german"))
    .build()
)
_PLAIN_WORDS = re.compile(r"[\w\s]+")
_MIN_PART = 4  # shorter parts ("bau") would match half the dictionary
_PART_BOOST = 0.5
_CACHED_STEMS = 10_000


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="de_stem")
    builder.add_text_field("label", stored=True, tokenizer_name="de_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="de_stem")
    builder.add_text_field("doc_type", stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("unit", stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("unit_path", stored=False, tokenizer_name="raw")
    builder.add_text_field("status", stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("az", stored=True, tokenizer_name="raw")
    builder.add_text_field("ident", stored=False, tokenizer_name="raw")
    builder.add_integer_field("date", stored=True, indexed=True, fast=True)
    builder.add_boolean_field("tax", stored=True, indexed=True)
    return builder.build()


class TantivyIndex:
    """A SearchIndex in a local directory. Readers in other processes see committed writes."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.schema = _schema()
        # True when an index of an older eakte was replaced: the archive then fills it again.
        self.rebuilt = False
        try:
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        except ValueError as exc:
            if "schema does not match" not in str(exc):
                raise
            shutil.rmtree(path)  # derived data: the catalog is the source of truth
            path.mkdir(parents=True)
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
            self.rebuilt = True
        self._writer: tantivy.IndexWriter | None = None
        self._lock = threading.Lock()
        # compound parts: the terms of each text field, and the terms each stem occurs in
        self._terms_lock = threading.Lock()
        self._terms_state: tuple[int, int] | None = None
        self._vocabulary: dict[str, list[str]] = {}
        self._containing: dict[str, dict[str, list[str]]] = {}

    def _writer_(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self.index.writer(heap_size=_WRITER_HEAP, num_threads=1)
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise
                # Tantivy allows one writer per index; an ingest holds it until its batch ends.
                raise IndexBusyError(
                    f"{self.path}: the search index is being written by another process "
                    "(is an ingest running?); try again when it has finished"
                ) from exc
        return self._writer

    def add(self, doc: IndexDoc) -> None:
        self.add_many([doc])

    def add_many(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace many documents with one commit: a rebuild, not a batch's pace."""
        count = 0
        with self._lock:
            writer = self._writer_()
            for doc in docs:
                fields = {k: v for k, v in index_fields(doc).items() if v is not None}
                writer.delete_documents_by_term("id", doc.document_id)
                writer.add_document(tantivy.Document(**fields))
                count += 1
            writer.commit()
        self.index.reload()
        return count

    def delete(self, document_id: str) -> None:
        with self._lock:
            writer = self._writer_()
            writer.delete_documents_by_term("id", document_id)
            writer.commit()
        self.index.reload()

    def search(self, query: str, filters: SearchFilters, limit: int = 10) -> list[Hit]:
        self.index.reload()
        searcher = self.index.searcher()
        text_query, parts = self._build(query, filters, searcher)
        result = searcher.search(parts, limit=max(1, limit))
        snippets = (
            tantivy.SnippetGenerator.create(searcher, text_query, self.schema, "body")
            if text_query is not None
            else None
        )
        if snippets is not None:
            snippets.set_max_num_chars(240)
        hits = []
        for score, address in result.hits:
            stored = searcher.doc(address)
            snippet = snippets.snippet_from_doc(stored).to_html() if snippets else ""
            if "<b>" not in snippet:
                snippet = part_snippet(stored.get_first("body") or "", query)
            number = stored.get_first("date")
            hits.append(
                Hit(
                    document_id=stored.get_first("id"),
                    score=float(score),
                    doc_type=stored.get_first("doc_type") or "",
                    doc_label=stored.get_first("label") or "",
                    title=stored.get_first("title") or "",
                    aktenzeichen=tuple(stored.get_all("az")),
                    document_date=from_date_number(number) if number else None,
                    snippet=snippet.replace("\n", " "),
                )
            )
        return hits

    def _build(
        self, query: str, filters: SearchFilters, searcher: tantivy.Searcher
    ) -> tuple[tantivy.Query | None, tantivy.Query]:
        split = split_query(query)
        must: list[tuple[tantivy.Occur, tantivy.Query]] = []
        text_query = None
        if split.text:
            text_query = self._with_compound_parts(self._parse(split.text), split.text, searcher)
            # Words beside an identifier ("Steuernummer 181/815/08155") only rank the hits.
            occur = tantivy.Occur.Should if split.identifiers else tantivy.Occur.Must
            must.append((occur, text_query))
        for compact, typed in split.identifiers:
            phrase = self._parse('"' + typed.replace('"', " ") + '"')
            either = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, self._term("ident", compact)),
                    (tantivy.Occur.Should, phrase),
                ]
            )
            must.append((tantivy.Occur.Must, either))
            text_query = text_query or phrase
        if filters.doc_type:
            must.append((tantivy.Occur.Must, self._term("doc_type", filters.doc_type)))
        if filters.aktenzeichen:
            must.append(
                (tantivy.Occur.Must, self._term("ident", compact_identifier(filters.aktenzeichen)))
            )
        if filters.status:
            must.append((tantivy.Occur.Must, self._term("status", filters.status)))
        if filters.unit:
            must.append((tantivy.Occur.Must, self._term("unit_path", filters.unit)))
        must.extend((tantivy.Occur.Must, q) for q in self._visibility(filters))
        if filters.date_from or filters.date_to:
            must.append(
                (
                    tantivy.Occur.Must,
                    tantivy.Query.range_query(
                        self.schema,
                        "date",
                        tantivy.FieldType.Integer,
                        date_number(filters.date_from) if filters.date_from else None,
                        date_number(filters.date_to) if filters.date_to else None,
                    ),
                )
            )
        if not must:
            must.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return text_query, tantivy.Query.boolean_query(must)

    def _visibility(self, filters: SearchFilters) -> list[tantivy.Query]:
        """The permission filter, as clauses of the query itself."""
        visible, clauses = filters.visible, []
        if visible.units is not None:
            clauses.append(
                tantivy.Query.boolean_query(
                    [(tantivy.Occur.Should, self._term("unit_path", u)) for u in visible.units]
                    or [(tantivy.Occur.MustNot, tantivy.Query.all_query())]
                )
            )
        if not visible.tax:
            clauses.append(tantivy.Query.term_query(self.schema, "tax", False))
        return clauses

    def facets(self, query: str, filters: SearchFilters) -> dict[str, dict[str, int]]:
        self.index.reload()
        searcher = self.index.searcher()
        _, parts = self._build(query, filters, searcher)
        spec = {f: {"terms": {"field": f, "size": 200}} for f in FACETS}
        result = searcher.aggregate(parts, spec)
        return {
            f: {b["key"]: int(b["doc_count"]) for b in result.get(f, {}).get("buckets", [])}
            for f in FACETS
        }

    def _with_compound_parts(
        self, parsed: tantivy.Query, text: str, searcher: tantivy.Searcher
    ) -> tantivy.Query:
        """Also match words as parts of compounds: "Antrag" finds "Bauantrag".

        German glues nouns together and the stemmer does not split them, so each plain query
        word (stemmed like the index) is looked for inside indexed terms as well; such hits
        rank below whole-word hits.
        """
        if not _PLAIN_WORDS.fullmatch(text):
            return parsed  # operators, phrases, fields: the user asked for exact syntax
        stems = [s for s in _ANALYZER.analyze(text) if len(s) >= _MIN_PART]
        if not stems:
            return parsed
        parts = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, self._contains(stem, searcher)) for stem in stems]
        )
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, parsed),
                (tantivy.Occur.Should, tantivy.Query.boost_query(parts, _PART_BOOST)),
            ]
        )

    def _contains(self, stem: str, searcher: tantivy.Searcher) -> tantivy.Query:
        """Documents with an indexed term that holds `stem`, as a set of exact terms.

        A regex query (".*stem.*") walks the whole term dictionary on every search, which
        grows with OCR noise and costs tens of milliseconds at 100,000 documents. The terms
        each stem occurs in are found once per index state, in memory, and reused.
        """
        terms = self._terms_containing(stem, searcher)
        clauses = [
            (tantivy.Occur.Should, tantivy.Query.term_set_query(self.schema, f, found))
            for f, found in terms.items()
            if found
        ]
        return tantivy.Query.boolean_query(
            clauses or [(tantivy.Occur.MustNot, tantivy.Query.all_query())]
        )

    def _terms_containing(self, stem: str, searcher: tantivy.Searcher) -> dict[str, list[str]]:
        state = (searcher.num_docs, searcher.num_segments)
        with self._terms_lock:
            if state != self._terms_state:
                self._vocabulary = {
                    f: [term for term, _ in searcher.terms_with_prefix(f, "")] for f in _TEXT_FIELDS
                }
                self._containing = {}
                self._terms_state = state
            if stem not in self._containing:
                if len(self._containing) >= _CACHED_STEMS:
                    self._containing.clear()
                self._containing[stem] = {
                    f: [term for term in terms if stem in term]
                    for f, terms in self._vocabulary.items()
                }
            return self._containing[stem]

    def _parse(self, text: str) -> tantivy.Query:
        try:
            return self.index.parse_query(
                text, _TEXT_FIELDS, field_boosts=_BOOSTS, conjunction_by_default=True
            )
        except ValueError as exc:
            raise SearchQueryError(f"cannot read the query {text!r}: {exc}") from exc

    def _term(self, field_name: str, value: str) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, field_name, value)

    def count(self) -> int:
        self.index.reload()
        return int(self.index.searcher().num_docs)

    def document_ids(self) -> set[str]:
        self.index.reload()
        searcher = self.index.searcher()
        total = searcher.num_docs
        if total == 0:
            return set()
        result = searcher.search(tantivy.Query.all_query(), limit=total)
        return {searcher.doc(address).get_first("id") for _, address in result.hits}

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()
                self._writer = None
