"""The query syntax every backend reads alike: words, identifiers as printed, AND, OR, NOT.

A query of words (and identifiers) joined by the upper-case operators is read here, once,
into alternatives (OR) of terms that must all occur (side by side, or joined by AND), some
of them excluded (NOT word, or -word). Each backend turns that into its own query, so that
Tantivy and Elasticsearch find and rank the same documents. A query with more (phrases in
quotes, fields such as title:…, brackets) is left to the backend's own query parser.

Beside an identifier, words only rank the hits ("Steuernummer 181/815/08155" finds the
document whether or not it says "Steuernummer"), as they always did.

Scores are computed from the hit alone: each word adds a fixed amount for each field it
occurs in (title, label, text; half as much as part of a compound), an identifier a fixed
amount, a query in the backend's own syntax a fixed amount when it matches. No term
statistics: with them, documents a caller may not see (their number, their words) moved
the scores and even the order of those he may, and told him about them. The permission
and the other filters add nothing, so that they decide what is found, not how it ranks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.search import (
    _IDENTIFIER,
    _MIN_IDENTIFIER_DIGITS,
    SearchQueryError,
    compact_identifier,
)

OR, AND, NOT = "OR", "AND", "NOT"
TITLE_SCORE, LABEL_SCORE, BODY_SCORE = 3.0, 2.0, 1.0  # a word in the field
PART_SCORE = 0.5  # times the above: the word as part of a compound ("Antrag" in "Bauantrag")
IDENTIFIER_SCORE = 1.0  # an identifier as printed
EXACT_SCORE = 1.0  # a query in the backend's own syntax (phrases, fields, brackets)
_TOKEN = re.compile(r"-?\w+|\x00\d+")
# `field:*`: any value of a field; Tantivy can ask it only of its fast fields (and crashed
# on the others), Elasticsearch of every field. Neither is what a clerk means by a word.
_ANY_VALUE = re.compile(r"\b(\w+):\s*\*")


@dataclass(frozen=True)
class Term:
    """A word, or an identifier (`compact` set: its lower-case letters and digits)."""

    text: str
    compact: str | None = None
    negated: bool = False


# Alternatives, each a conjunction of terms: ((a, b), (c,)) is "a b OR c".
Alternatives = tuple[tuple[Term, ...], ...]


def check_query(query: str) -> None:
    """Refuse what no backend reads alike, before it reaches one: `field:*`."""
    if found := _ANY_VALUE.search(query):
        raise SearchQueryError(
            f"cannot read the query {query!r}: {found.group(0)!r} asks for any value of the "
            f"field {found.group(1)!r}; search for words instead"
        )


def alternatives(query: str) -> Alternatives | None:
    """The query as alternatives of terms, or None when it is not only words, identifiers
    and operators (the backend's own parser reads it). SearchQueryError for an operator
    without a word on the side it needs one."""
    if "\x00" in query:
        return None
    found: list[Term] = []
    rest, position = [], 0
    for match in _IDENTIFIER.finditer(query):
        typed = match.group(0)
        if sum(ch.isdigit() for ch in typed) >= _MIN_IDENTIFIER_DIGITS:
            rest.append(f"{query[position : match.start()]} \x00{len(found)} ")
            found.append(Term(typed, compact_identifier(typed)))
            position = match.end()
    rest.append(query[position:])
    tokens = "".join(rest).split()
    if not tokens or not all(_TOKEN.fullmatch(t) for t in tokens):
        return None
    groups: list[tuple[Term, ...]] = []
    group: list[Term] = []
    waiting: str | None = None  # an operator that still needs its word
    for token in tokens:
        if token in (OR, AND):
            if not group or waiting:
                raise _missing_word(query, token)
            if token == OR:
                groups.append(tuple(group))
                group = []
            waiting = token
        elif token == NOT:
            if waiting == NOT:
                raise _missing_word(query, NOT)
            waiting = NOT
        else:
            if token.startswith("\x00"):
                term = found[int(token[1:])]
            else:
                term = Term(token.removeprefix("-"), negated=token.startswith("-"))
            negated = term.negated or waiting == NOT
            group.append(Term(term.text, term.compact, negated))
            waiting = None
    if waiting or not group:
        raise _missing_word(query, waiting or OR)
    groups.append(tuple(group))
    return tuple(groups)


def _missing_word(query: str, operator: str) -> SearchQueryError:
    needs = "the word it excludes after it" if operator == NOT else "a word on each side"
    return SearchQueryError(f"cannot read the query {query!r}: {operator} needs {needs}")
