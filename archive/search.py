"""The search index contract: one small protocol, implemented by Tantivy and Elasticsearch."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


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


class SearchQueryError(ValueError):
    """The query cannot be understood; the message says why."""


class IndexBusyError(RuntimeError):
    """Another process is writing the index (e.g. an ingest is running); try again later."""


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


_WORD = re.compile(r"\w+")


def part_snippet(text: str, query: str, width: int = 240) -> str:
    """A snippet around the first word that holds a query word inside it, with that word in <b>.

    For hits on a part of a compound ("Steuer" in "Hundesteuerbescheid"), which the engines'
    own highlighters do not mark.
    """
    wanted = [w.lower() for w in _WORD.findall(query) if len(w) >= 4]
    for match in _WORD.finditer(text):
        word = match.group(0)
        if any(w in word.lower() for w in wanted):
            start = max(0, match.start() - width // 3)
            before = html.escape(text[start : match.start()])
            after = html.escape(text[match.end() : match.end() + width - (match.start() - start)])
            return f"{before}<b>{html.escape(word)}</b>{after}".replace("\n", " ")
    return html.escape(text[:width]).replace("\n", " ")
