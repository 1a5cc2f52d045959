"""Tantivy search index with German stemming; one writer, serialised by a lock."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import tantivy

from archive.search import (
    FACETS,
    MIN_PART,
    Hit,
    IndexBusyError,
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

_TEXT_FIELDS = ["title", "label", "body"]
# What a word adds to a hit's score where it occurs (SCORES in archive.search.syntax)
_BOOSTS = {"title": TITLE_SCORE, "label": LABEL_SCORE, "body": BODY_SCORE}
_WRITER_HEAP = 64 * 1024 * 1024
# A compaction writes one segment until this much memory is used: about 100,000 documents
_COMPACT_HEAP = 512 * 1024 * 1024
_CACHED_STEMS = 10_000
_MAX_PARTS = 16
_RELOAD_EVERY = 0.1  # seconds
# In the index directory while a compaction holds the writer: other writers wait for it
_COMPACTING = "eakte-compacting"
_WAIT_FOR_COMPACTION = 1800.0  # seconds
# Another writer that holds the index for a moment (a review, the last commit of a batch) is
# waited for this long before the index counts as busy.
WAIT_FOR_WRITER = 10.0  # seconds
_VOCABULARY_EVERY = 30.0  # seconds


@contextmanager
def _readable(query: str) -> Iterator[None]:
    """A query the parser took but Tantivy refuses to run (a set of values of a field that
    is not indexed, "year: IN [2024]") is the query's fault: SearchQueryError, not a crash."""
    try:
        yield
    except ValueError as exc:
        if not str(exc).startswith("Schema error"):
            raise
        raise SearchQueryError(f"cannot read the query {query!r}: {exc}") from exc


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="de_stem")
    builder.add_text_field("label", stored=True, tokenizer_name="de_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="de_stem")
    builder.add_text_field("parts", stored=False, tokenizer_name="whitespace")  # compounds
    builder.add_text_field("doc_type", stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("unit", stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("unit_path", stored=False, tokenizer_name="raw")
    builder.add_text_field("status", stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("az", stored=True, tokenizer_name="raw")
    builder.add_text_field("ident", stored=True, tokenizer_name="raw")  # stored: compaction
    builder.add_integer_field("date", stored=True, indexed=True, fast=True)
    builder.add_boolean_field("tax", stored=True, indexed=True)
    builder.add_integer_field("order", stored=False, indexed=False, fast=True)
    # the year facet: counting a small column is cheaper than a histogram over `date`
    builder.add_integer_field("year", stored=False, indexed=False, fast=True)
    return builder.build()


def _document(doc: IndexDoc) -> tantivy.Document:
    """The fields of `index_fields`, with the compound parts and the year facet."""
    fields = {k: v for k, v in index_fields(doc).items() if v is not None}
    words = stems_of(f"{doc.title} {doc.doc_label} {doc.text}")
    fields["parts"] = " ".join(sorted(parts_of(words)))
    if doc.document_date is not None:
        fields["year"] = doc.document_date.year
    return tantivy.Document(**fields)


def _stored(stored: tantivy.Document) -> IndexDoc:
    """A document as it was indexed, from its stored fields (for hits and compaction)."""
    number = stored.get_first("date")
    return IndexDoc(
        document_id=str(stored.get_first("id")),
        title=stored.get_first("title") or "",
        doc_type=stored.get_first("doc_type") or "",
        doc_label=stored.get_first("label") or "",
        unit=stored.get_first("unit") or "",
        status=stored.get_first("status") or "",
        text=stored.get_first("body") or "",
        aktenzeichen=tuple(stored.get_all("az")),
        identifiers=tuple(stored.get_all("ident")),
        document_date=from_date_number(number) if number else None,
        tax_secret=bool(stored.get_first("tax")),
    )


class TantivyIndex:
    """A SearchIndex in a local directory. Readers in other processes see committed writes."""

    def __init__(self, path: Path, *, wait_for_writer: float = WAIT_FOR_WRITER) -> None:
        """`wait_for_writer`: seconds to wait for another process's writer before a write
        raises IndexBusyError (a compaction is waited for much longer)."""
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.wait_for_writer = wait_for_writer
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
        self._reloaded = -_RELOAD_EVERY
        self._lock = threading.Lock()
        # compound parts: the terms of each text field, and the terms each stem occurs in
        self._terms_lock = threading.Lock()
        self._terms_state: tuple[int, int] | None = None
        self._vocabulary_read = 0.0
        self._vocabulary_stale = False  # this process wrote: read again before searching
        self._vocabulary_refreshing = False
        self._vocabulary: dict[str, list[tuple[str, int]]] = {}
        self._containing: dict[str, list[str]] = {}

    def _writer_(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._open_writer(_WRITER_HEAP)
        return self._writer

    def _open_writer(self, heap: int) -> tantivy.IndexWriter:
        """Tantivy allows one writer per index. An ingest holds it until its batch ends:
        another writer is refused after `wait_for_writer` seconds (a writer held for a moment,
        by a review say, is waited for). A compaction holds it for a bounded time: another
        writer (the next document of an ingest) waits for it to finish."""
        started = time.monotonic()
        while True:
            try:
                return self.index.writer(heap_size=heap, num_threads=1)
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise
                waited = time.monotonic() - started
                compacting = (self.path / _COMPACTING).exists()
                if waited > (_WAIT_FOR_COMPACTION if compacting else self.wait_for_writer):
                    raise IndexBusyError(
                        f"{self.path}: the search index is being written by another process "
                        "(is an ingest or a compaction running?); try again when it has finished"
                    ) from exc
            time.sleep(0.2)

    def add(self, doc: IndexDoc) -> None:
        self.add_many([doc])

    def add_many(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace many documents with one commit: a rebuild, not a batch's pace."""
        count = 0
        with self._lock:
            writer = self._writer_()
            for doc in docs:
                writer.delete_documents_by_term("id", doc.document_id)
                writer.add_document(_document(doc))
                count += 1
            writer.commit()
        self._wrote()
        return count

    def compact(self, progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """Rewrite every document into one segment; returns the segments before and after.

        Tantivy merges small segments as commits add them, but an archive that grows a
        document at a time keeps a dozen or more, and every search and facet count pays for
        each: one segment answers in about three quarters of the time of six. The rewrite
        reads one snapshot, derives again what is not stored (compound parts, from this
        version's word list) and commits once, so searches in any process see the old
        segments or the new one, never a mix. `progress(done, total)` follows the documents.
        Beyond about 100,000 documents (`_COMPACT_HEAP`) the result is a few large segments.
        """
        with self._lock:
            self._settle_writer()  # one writer per index: compaction needs a larger one
            self._reload()
            searcher = self.index.searcher()
            before, total = searcher.num_segments, searcher.num_docs
            writer = self._open_writer(_COMPACT_HEAP)
            marker = self.path / _COMPACTING
            marker.touch()
            try:
                writer.delete_all_documents()
                if total:
                    everything = searcher.search(tantivy.Query.all_query(), limit=total)
                    for done, (_, address) in enumerate(everything.hits, 1):
                        writer.add_document(_document(_stored(searcher.doc(address))))
                        if progress is not None:
                            progress(done, total)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
                marker.unlink(missing_ok=True)
        self._wrote()
        return before, self.index.searcher().num_segments

    def delete(self, document_id: str) -> None:
        with self._lock:
            writer = self._writer_()
            writer.delete_documents_by_term("id", document_id)
            writer.commit()
        self._wrote()

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
        searcher = self._searcher()
        full = self._build(query, filters, searcher, sort, after)
        by_date = sort != "relevance"
        with _readable(query):
            result = searcher.search(
                full,
                limit=max(1, limit),
                count=False,
                offset=offset,
                order_by_field="order" if by_date else None,
                order=tantivy.Order.Desc if sort == "date_desc" else tantivy.Order.Asc,
            )
        stems = stems_of(" ".join(query_words(query)))  # none without words: no marks
        hits = []
        for key, address in result.hits:
            doc = _stored(searcher.doc(address))
            hits.append(
                Hit(
                    document_id=doc.document_id,
                    score=float(key) if sort == "relevance" else 0.0,
                    doc_type=doc.doc_type,
                    doc_label=doc.doc_label,
                    title=doc.title,
                    aktenzeichen=doc.aktenzeichen,
                    document_date=doc.document_date,
                    snippet=snippet(doc.text, stems),
                )
            )
        return hits

    def _build(
        self,
        query: str,
        filters: SearchFilters,
        searcher: tantivy.Searcher,
        sort: str = "relevance",
        after: int | None = None,
    ) -> tantivy.Query:
        """The whole query: its words and identifiers, which score, with every filter, which
        scores nothing (a filter decides what is found, not how it ranks)."""
        check_query(query)
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if query.strip():
            clauses.append((tantivy.Occur.Must, self._text(query, searcher)))
        clauses.extend(
            (tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0))
            for q in self._filters(filters, sort, after)
        )
        if not clauses:  # everything, scoring nothing (as with Elasticsearch)
            everything = tantivy.Query.const_score_query(tantivy.Query.all_query(), 0.0)
            clauses.append((tantivy.Occur.Must, everything))
        return tantivy.Query.boolean_query(clauses)

    def _text(self, query: str, searcher: tantivy.Searcher) -> tantivy.Query:
        """What the query's words and identifiers ask for (archive.search.syntax)."""
        groups = alternatives(query)
        if groups is None:  # phrases, fields, brackets: Tantivy's own syntax
            split = split_query(query)
            clauses = [(tantivy.Occur.Must, self._identifier(Term(typed, compact)))
                       for compact, typed in split.identifiers]  # fmt: skip
            if split.text:
                exact = tantivy.Query.const_score_query(self._parse(split.text), EXACT_SCORE)
                # Words beside an identifier only rank the hits
                clauses.append((tantivy.Occur.Should if clauses else tantivy.Occur.Must, exact))
            return tantivy.Query.boolean_query(clauses)
        branches = [self._conjunction(group, searcher) for group in groups]
        if len(branches) == 1:
            return branches[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, b) for b in branches])

    def _conjunction(self, terms: tuple[Term, ...], searcher: tantivy.Searcher) -> tantivy.Query:
        """Terms that must all occur, but the excluded ones; beside an identifier, words
        only rank the hits."""
        anchored = any(t.compact and not t.negated for t in terms)
        clauses = []
        for term in terms:
            query = self._identifier(term) if term.compact else self._word(term.text, searcher)
            if term.negated:
                occur = tantivy.Occur.MustNot
            elif term.compact or not anchored:
                occur = tantivy.Occur.Must
            else:
                occur = tantivy.Occur.Should
            clauses.append((occur, query))
        if all(occur == tantivy.Occur.MustNot for occur, _ in clauses):  # "NOT Hund"
            everything = tantivy.Query.const_score_query(tantivy.Query.all_query(), 0.0)
            clauses.append((tantivy.Occur.Must, everything))
        return tantivy.Query.boolean_query(clauses)

    def _identifier(self, term: Term) -> tantivy.Query:
        """An identifier as indexed (compact) or as printed in the text."""
        phrase = self._parse('"' + term.text.replace('"', " ") + '"')
        either = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, self._term("ident", term.compact or "")),
                (tantivy.Occur.Should, phrase),
            ]
        )
        return tantivy.Query.const_score_query(either, IDENTIFIER_SCORE)

    def _filters(self, filters: SearchFilters, sort: str, after: int | None) -> list[tantivy.Query]:
        """The filters and the permission, as clauses of the query itself."""
        found: list[tantivy.Query] = []
        if filters.doc_type:
            found.append(self._term("doc_type", filters.doc_type))
        if filters.aktenzeichen:
            found.append(self._term("ident", compact_identifier(filters.aktenzeichen)))
        if filters.status:
            found.append(self._term("status", filters.status))
        if filters.unit:
            found.append(self._term("unit_path", filters.unit))
        found.extend(self._visibility(filters))
        integer = tantivy.FieldType.Integer
        if filters.date_from or filters.date_to:
            found.append(
                tantivy.Query.range_query(
                    self.schema,
                    "date",
                    integer,
                    date_number(filters.date_from) if filters.date_from else None,
                    date_number(filters.date_to) if filters.date_to else None,
                )
            )
        if after is not None and sort != "relevance":
            # search-after: only what comes after the cursor's place in the order
            found.append(
                tantivy.Query.range_query(
                    self.schema, "order", integer, lower_bound=after, include_lower=False
                )
                if sort == "date_asc"
                else tantivy.Query.range_query(
                    self.schema, "order", integer, upper_bound=after, include_upper=False
                )
            )
        return found

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
        searcher = self._searcher()
        full = self._build(query, filters, searcher)
        spec: dict[str, object] = {f: {"terms": {"field": f, "size": 200}} for f in FACETS}
        spec["year"] = {"terms": {"field": "year", "size": 1000, "order": {"_key": "asc"}}}
        with _readable(query):
            result = searcher.aggregate(full, spec)
        counts = {
            f: {b["key"]: int(b["doc_count"]) for b in result.get(f, {}).get("buckets", [])}
            for f in (*FACETS, "year")
        }
        counts["year"] = {str(int(year)): count for year, count in counts["year"].items()}
        return counts

    def _word(self, word: str, searcher: tantivy.Searcher) -> tantivy.Query:
        """A word, in title, label or body, as a whole word or as part of a compound.

        "Antrag" also finds "Bauantrag", ranked below whole words. A word of the German
        word list is one term of the `parts` field, filled at indexing (`archive.search.compounds`);
        any other word becomes a choice of the indexed terms that hold it. Each field the
        word occurs in adds its fixed score (archive.search.syntax).
        """
        stems, known = stems_of(word), known_stems()
        if not stems:  # nothing the index could hold: the word asks for nothing
            return tantivy.Query.const_score_query(tantivy.Query.all_query(), 0.0)
        every = []
        for stem in stems:
            choices = [
                (tantivy.Occur.Should, self._scored(self._term(f, stem), _BOOSTS[f]))
                for f in _TEXT_FIELDS
            ]
            if stem in known:
                choices.append(
                    (tantivy.Occur.Should, self._scored(self._term("parts", stem), PART_SCORE))
                )
            elif len(stem) >= MIN_PART:
                self._refresh_vocabulary(searcher)
                for f in _TEXT_FIELDS:
                    if holding := self._terms_holding(stem, f):
                        compounds = tantivy.Query.boolean_query(
                            [(tantivy.Occur.Should, self._term(f, t)) for t in holding]
                        )
                        part = self._scored(compounds, _BOOSTS[f] * PART_SCORE)
                        choices.append((tantivy.Occur.Should, part))
            every.append((tantivy.Occur.Must, tantivy.Query.boolean_query(choices)))
        return tantivy.Query.boolean_query(every)

    @staticmethod
    def _scored(query: tantivy.Query, score: float) -> tantivy.Query:
        """`query`, adding `score` to a hit whatever the index holds besides."""
        return tantivy.Query.const_score_query(query, score)

    def _terms_holding(self, stem: str, field_name: str) -> list[str]:
        """The most frequent indexed terms that hold a stem outside the word list.

        Walking the term dictionary per query costs tens of milliseconds at 100,000
        documents; the union of hundreds of rare terms (mostly OCR misreadings such as
        "grundsteucr") costs milliseconds more and adds few hits, so a stem stands for at
        most `_MAX_PARTS` compounds per field, the most frequent first. The terms come from a
        copy of the term dictionary (0.35 s to read at 100,000 documents). It is read again
        when this process wrote, before the next search; when another process wrote (an
        ingest), in the background at most every `_VOCABULARY_EVERY` seconds, so searches
        never wait for it: meanwhile new compounds match as whole words only.
        """
        key = f"{field_name}\0{stem}"
        with self._terms_lock:
            if key not in self._containing:
                if len(self._containing) >= _CACHED_STEMS:
                    self._containing.clear()
                vocabulary = self._vocabulary.get(field_name, [])
                holding = [t for t, _ in vocabulary if stem in t and t != stem]
                self._containing[key] = holding[:_MAX_PARTS]
            return self._containing[key]

    def _refresh_vocabulary(self, searcher: tantivy.Searcher) -> None:
        state = (searcher.num_docs, searcher.num_segments)
        with self._terms_lock:
            fresh = state == self._terms_state and not self._vocabulary_stale
            if fresh or self._vocabulary_refreshing:
                return
            if self._terms_state is not None and not self._vocabulary_stale:
                if time.monotonic() - self._vocabulary_read < _VOCABULARY_EVERY:
                    return
                self._vocabulary_refreshing = True
                threading.Thread(
                    target=self._read_vocabulary, args=(searcher,), daemon=True
                ).start()
                return
        self._read_vocabulary(searcher)  # first search, or after this process wrote

    def _read_vocabulary(self, searcher: tantivy.Searcher) -> None:
        state = (searcher.num_docs, searcher.num_segments)
        vocabulary = {
            f: sorted(searcher.terms_with_prefix(f, ""), key=lambda t: -t[1]) for f in _TEXT_FIELDS
        }
        with self._terms_lock:
            self._vocabulary, self._containing = vocabulary, {}
            self._terms_state, self._vocabulary_read = state, time.monotonic()
            self._vocabulary_stale = self._vocabulary_refreshing = False

    def _searcher(self) -> tantivy.Searcher:
        """A searcher that sees what other processes committed up to `_RELOAD_EVERY` ago
        (what this process writes, at once); reloading costs a fraction of a search."""
        if time.monotonic() - self._reloaded >= _RELOAD_EVERY:
            self._reload()
        return self.index.searcher()

    def _reload(self) -> None:
        self.index.reload()
        self._reloaded = time.monotonic()

    def _wrote(self) -> None:
        self._reload()
        with self._terms_lock:
            self._vocabulary_stale = True

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
        return int(self._searcher().num_docs)

    def segments(self) -> int:
        """How many segments every search walks; `compact` makes it one. The merges this
        process's writer has started are waited for first, so they are counted done."""
        with self._lock:
            self._settle_writer()
        self._reload()
        return int(self.index.searcher().num_segments)

    def _settle_writer(self) -> None:
        """Let the writer finish its merges and give up the index (the next write reopens)."""
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None

    def document_ids(self) -> set[str]:
        searcher = self._searcher()
        total = searcher.num_docs
        if total == 0:
            return set()
        result = searcher.search(tantivy.Query.all_query(), limit=total)
        return {str(searcher.doc(address).get_first("id")) for _, address in result.hits}

    def close(self) -> None:
        with self._lock:
            self._settle_writer()
