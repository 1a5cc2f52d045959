"""German compound parts, found when a document is indexed: "Steuer" finds "Hundesteuerbescheid".

German glues nouns together and the stemmer does not split them. Each indexed word is looked
up for the stems of a German word list (`data/german_stems.txt`, made by
`tools/german_stems.py`) that it holds; those parts are indexed in a field of their own. A
query word whose stem is in the list is then one term of that field, whatever compounds
hold it: at 100,000 documents that takes 60 % of the time of a choice among the 16 most
frequent indexed terms that hold it, and leaves none out. Query words outside the list
fall back to that choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import tantivy

from archive.search import MIN_PART

_LIST = Path(__file__).with_name("data") / "german_stems.txt"
_CACHED_WORDS = 200_000
# The same analysis as the index's built-in "de_stem" tokenizer.
_ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("german"))
    .build()
)
_parts_of_word: dict[str, tuple[str, ...]] = {}


def stems_of(text: str) -> list[str]:
    """The words of `text` as the index analyses them: lower case, stemmed."""
    return list(_ANALYZER.analyze(text))


@cache
def known_stems() -> frozenset[str]:
    return frozenset(_LIST.read_text(encoding="utf-8").split())


def parts_of(stems: Iterable[str]) -> set[str]:
    """The known stems inside each of `stems`, other than the stem itself."""
    known, found = known_stems(), set[str]()
    for stem in set(stems):
        parts = _parts_of_word.get(stem)
        if parts is None:
            size = len(stem)
            parts = tuple(
                {
                    stem[start : start + length]
                    for length in range(MIN_PART, size)
                    for start in range(size - length + 1)
                    if stem[start : start + length] in known
                }
            )
            if len(_parts_of_word) >= _CACHED_WORDS:
                _parts_of_word.clear()
            _parts_of_word[stem] = parts
        found.update(parts)
    return found
