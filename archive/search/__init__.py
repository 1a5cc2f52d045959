"""The search index contract: one small protocol, implemented by Tantivy (embedded) and by a
search server (OpenSearch or Elasticsearch, archive.search.elastic)."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from archive.errors import ArchiveError


@dataclass(frozen=True)
class IndexDoc:
    """What the index knows of a document; the catalog stays the source of truth."""

    document_id: str
    title: str
    doc_type: str
    doc_label: str
    unit: str
    status: str
    text: str
    aktenzeichen: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    document_date: date | None = None
    tax_secret: bool = False


@dataclass(frozen=True)
class Visibility:
    """Which documents a caller may see; part of every query, so hits, counts and facets agree.

    `units`: Aktenplan units (a unit covers those below it: "9.2" covers "9.2.1"); None means
    every unit. Tax-secret documents (§ 30 AO) need `tax` as well.
    """

    units: tuple[str, ...] | None = None
    tax: bool = False


EVERYTHING = Visibility(units=None, tax=True)
FACETS = ("doc_type", "unit", "status")  # counted per value; "year" per year of the date
YEAR_BUCKET = 10_000  # dates are indexed as 20240312: a histogram of this width counts years


def year_counts(buckets: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Histogram buckets over `date` as {"2024": n}; empty years left out."""
    return {
        str(int(b["key"]) // YEAR_BUCKET): int(b["doc_count"]) for b in buckets if b["doc_count"]
    }


# Relevance pages by offset (the first 10,000 hits, as Elasticsearch does); the date orders
# page by cursor (`after`), as deep as the results go.
SORTS = ("relevance", "date_desc", "date_asc")
_ID_BITS = 40


def order_key(document_id: str, document_date: date | None) -> int:
    """The document's place in date order, unique per document: the cursor of date paging.

    The day number of the date (0 when the document has none) followed by 40 bits of a hash
    of the id, so documents of one day keep a fixed order and a cursor never skips or repeats.
    """
    day = document_date.toordinal() if document_date else 0
    digest = int.from_bytes(hashlib.sha256(document_id.encode()).digest()[:5], "big")
    return (day << _ID_BITS) | digest


def unit_path(unit: str) -> list[str]:
    """A unit and every unit above it: "9.2.1" -> ["9", "9.2", "9.2.1"]."""
    parts = unit.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@dataclass(frozen=True, kw_only=True)
class SearchFilters:
    doc_type: str | None = None
    unit: str | None = None  # an Aktenplan unit and those below it
    aktenzeichen: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None  # archived | needs_review: e.g. the review queue
    visible: Visibility = EVERYTHING  # the caller's permission; the CLI runs as the archive


@dataclass(frozen=True)
class Hit:
    document_id: str
    score: float
    doc_type: str
    doc_label: str
    title: str
    aktenzeichen: tuple[str, ...]
    document_date: date | None
    snippet: str  # matched words wrapped in <b>…</b>


@dataclass(frozen=True)
class SearchQuery:
    """A user's query split into free text and identifiers typed as they are printed."""

    text: str
    identifiers: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (compact, as typed)


class SearchQueryError(ArchiveError):
    """The query cannot be understood; the message says why."""


class IndexBusyError(ArchiveError):
    """Another process is writing the index (e.g. an ingest is running); try again later."""


class SearchIndexError(ArchiveError):
    """The search index cannot be used as configured; the message says why and what to do."""


class SearchUnavailableError(SearchIndexError):
    """The search server cannot be reached, or cannot answer now. What the archive writes
    is kept all the same, and the index catches up later (`Archive.reindex_missing`)."""


def index_fields(doc: IndexDoc) -> dict[str, object]:
    """The fields every backend stores for a document; `date` is None when unknown."""
    return {
        "id": doc.document_id,
        "title": doc.title,
        "label": doc.doc_label,
        "body": doc.text,
        "doc_type": doc.doc_type,
        "unit": doc.unit,
        "unit_path": unit_path(doc.unit),
        "status": doc.status,
        "az": list(doc.aktenzeichen),
        "ident": sorted({compact_identifier(v) for v in (*doc.identifiers, *doc.aktenzeichen)}),
        "tax": doc.tax_secret,
        "date": date_number(doc.document_date) if doc.document_date else None,
        "order": order_key(doc.document_id, doc.document_date),
    }


class SearchIndex(Protocol):
    def add(self, doc: IndexDoc) -> None:
        """Add or replace one document and make it durable and searchable."""

    def add_many(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace many documents at once (rebuilds, reindexing); returns how many."""

    def delete(self, document_id: str) -> None: ...

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
        """`limit` hits in `sort` order (SORTS) from the `offset`th on; with a date order,
        only those after the `order_key` `after`, which is how callers page deep."""

    def facets(self, query: str, filters: SearchFilters) -> dict[str, dict[str, int]]:
        """Matching documents counted per value of each field in FACETS and per year of
        their date ("year"), within `visible`."""

    def document_ids(self) -> set[str]: ...

    def count(self) -> int:
        """How many documents the index holds; cheap, unlike document_ids()."""

    def segments(self) -> int:
        """How many segments a search walks (per shard, summed); `compact` reduces them."""

    def compact(self, progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """Merge the index into as few segments as it allows, so that searches touch fewer;
        returns the segments before and after. `progress(done, total)` follows documents
        where the backend rewrites them itself."""

    def close(self) -> None: ...


# An identifier starts with a token that holds a digit and goes on over / . - or spaces
# between digit groups: "63-BG-2024-0117", "181/815/08155", "86 095 742 719", "DE89 3704 …".
_IDENTIFIER = re.compile(r"(?<![\w/.-])(?=[A-Za-z]*\d)[A-Za-z0-9]+(?:[/.\-][A-Za-z0-9]+|\s+\d+)*")
_MIN_IDENTIFIER_DIGITS = 6


def compact_identifier(value: str) -> str:
    """The form identifiers are indexed and looked up in: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", value.lower())


def split_query(query: str) -> SearchQuery:
    """Take identifiers out of a query so that they match however they were typed."""
    identifiers: list[tuple[str, str]] = []
    rest: list[str] = []
    position = 0
    for match in _IDENTIFIER.finditer(query):
        candidate = match.group(0)
        if sum(ch.isdigit() for ch in candidate) >= _MIN_IDENTIFIER_DIGITS:
            identifiers.append((compact_identifier(candidate), candidate))
            rest.append(query[position : match.start()])
            position = match.end()
    rest.append(query[position:])
    return SearchQuery(" ".join(part.strip() for part in rest if part.strip()), tuple(identifiers))


def date_number(value: date) -> int:
    """Dates are indexed as integers (20240312): range filters work the same in every backend."""
    return value.year * 10000 + value.month * 100 + value.day


def from_date_number(number: int) -> date:
    return date(number // 10000, number // 100 % 100, number % 100)


_QUERY_WORD = re.compile(r"(?<![\w-])(-?)(\w+)(:?)")
_OPERATORS = {"AND", "OR", "NOT", "IN", "TO"}
# Shorter stems ("bau") are not looked for inside words: they would match half the
# dictionary; they match and mark only words that begin with them.
MIN_PART = 4


def query_words(query: str) -> list[str]:
    """The words a query looks for, without operators, field names and excluded (-) words."""
    return [
        word
        for minus, word, colon in _QUERY_WORD.findall(query)
        if not (minus or colon or word in _OPERATORS)
    ]


_WORD_REST = re.compile(r"\w*")


def _occurrences(text: str, stems: list[str]) -> list[tuple[int, int, int]]:
    """(start, end, which stem) of each word of `text` that holds a stem, in text order."""
    # the German stemmer folds umlauts (ß: see below); replace() is many times translate()
    folded = text.lower().replace("ä", "a").replace("ö", "o").replace("ü", "u")
    if len(folded) != len(text):  # a rare letter whose lower case is longer: no marks
        return []
    found: dict[int, tuple[int, int, int]] = {}
    for which, stem in enumerate(stems):
        for form in {stem, stem.replace("ss", "ß")}:  # "strass" was cut from "Straße"
            at = folded.find(form)
            while at >= 0:
                start = at
                while start and (folded[start - 1].isalnum() or folded[start - 1] == "_"):
                    start -= 1
                end = _WORD_REST.match(folded, at + len(form)).end()  # type: ignore[union-attr]
                if start == at or len(stem) >= MIN_PART:  # short: only at a word's start
                    found.setdefault(start, (start, end, which))
                at = folded.find(form, end)
    return sorted(found.values())


def snippet(text: str, stems: Iterable[str], width: int = 240) -> str:
    """About `width` characters of `text` where the most of `stems` occur, every word that
    holds one in <b> (a part of a compound too: "steu" marks "Hundesteuerbescheid"), the
    rest escaped; the start of the text when none occurs.

    `stems`: the query's words as the index analysed them (lower case, maybe stemmed).
    """
    found = _occurrences(text, [s for s in dict.fromkeys(stems) if s])
    begin = 0
    if found:
        lead = width // 4

        def covered(i: int) -> int:
            edge, stems_in = max(0, found[i][0] - lead) + width, set()
            for _, end, which in found[i:]:
                if end > edge:
                    break
                stems_in.add(which)
            return len(stems_in)

        # the first of the windows with the most different words; the first 50 suffice
        first, most, every = 0, 0, len({which for _, _, which in found})
        for i in range(min(len(found), 50)):
            if (count := covered(i)) > most:
                first, most = i, count
                if most == every:
                    break
        begin = max(0, found[first][0] - lead)
        if begin:  # start at a word
            space = text.find(" ", begin, found[first][0])
            begin = space + 1 if space >= 0 else begin
    end = min(len(text), begin + width)
    pieces, position = [], begin
    for start, stop, _ in found:
        if start >= begin and stop <= end:
            pieces += [
                html.escape(text[position:start]),
                "<b>",
                html.escape(text[start:stop]),
                "</b>",
            ]
            position = stop
    pieces.append(html.escape(text[position:end]))
    return "".join(pieces).replace("\n", " ")
