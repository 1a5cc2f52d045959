"""Rule-based document classification against the file plan's phrases.

Each document type scores from the plan's phrases: strong phrases nearly prove a type,
weak ones support it, negative ones speak against it. Where a phrase stands matters as
much as whether it occurs: in the heading it names the document, deep in the body it is
often only mentioned, and after "gegen den ..." or "beantrage ... die ..." it names
*another* document (the one objected to, the one applied for).

Confidence combines how much evidence the winner has with how clearly it beats the
runner-up, so that a clerk can trust a high value and must look at a low one.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from classifiers.fileplan import DocTypeRule, FilePlan
from classifiers.text import CanonicalText, canonical_tokens, canonicalise

__all__ = ["Classification", "classify"]

TITLE_LINES = 15  # non-blank lines counted as the heading area
HEADING_TOKENS = 6  # a line this short in the heading area is a heading wherever the phrase is
TITLE_WEIGHT = 3.0  # strong phrase in the heading area
BODY_WEIGHT = 1.0  # strong phrase further down
PHRASE_BODY_WEIGHT = 1.5  # a strong phrase of 3+ words ("lege ich Widerspruch") is specific
EXTRA_STRONG_FACTOR = 0.35  # further strong phrases add less than the best one
COMPOUND_FACTOR = 0.4  # "Baugenehmigungsverfahren" only mentions the Baugenehmigung
REFERENCE_FACTOR = 0.2  # "Widerspruch gegen den Grundsteuerbescheid": a reference, not a title
FUZZY_FACTOR = 0.8  # matched with one OCR-garbled character
WEAK_WEIGHT = 0.4
WEAK_CAP = 2.0
NEGATIVE_WEIGHT = 1.5
MIN_SCORE = 0.5  # below this nothing is recognised: fall back
STRENGTH_SCALE = 1.2  # score at which evidence strength reaches 1 - 1/e
WEAK_ONLY_CAP = 0.5  # without any strong phrase a document is never auto-filed
FALLBACK_CONFIDENCE = 0.2
MIN_INSIDE_LEN = 6  # shorter weak words must start a word
MIN_FUZZY_LEN = 10  # shorter phrases with one wrong letter match too many other words

# Inflection endings after which a match still counts as the whole word.
_INFLECTIONS = frozenset({"", "e", "n", "en", "s", "es", "er", "ern", "em", "ens"})
# Words that, shortly before a phrase, turn it into a reference to another document.
_REFERENCE_CUES = frozenset(
    canonicalise(w)
    for w in (
        "gegen",
        "beantrage",
        "beantragen",
        "beantragt",
        "beantragte",
        "ihr",
        "ihre",
        "ihren",
        "ihres",
        "ihrem",
        "ihrer",
        "bezug",
        "bezüglich",
        "zum",
        "zur",
        "laut",
        "gemäß",
        "aufgrund",
        "auf",
    )
)
_CUE_WINDOW = 4
# Words right after a phrase that make it a citation of an earlier document.
_DATED_CUES = frozenset(canonicalise(w) for w in ("vom", "v."))


@dataclass(frozen=True)
class Classification:
    """The chosen document type, where it files, how sure we are, and why."""

    doc_type: str
    label: str
    unit: str
    confidence: float  # 0..1
    evidence: tuple[str, ...]  # phrases that matched, strongest first
    source: str = "rule"  # "rule": the file plan's phrases decided; "model": the trained model


@dataclass(frozen=True)
class _Hit:
    phrase: str
    weight: float


@lru_cache(maxsize=4096)
def _phrase_form(phrase: str) -> tuple[int, str, frozenset[int]]:
    """A phrase's number of canonical words, their joined form, and where in that form each
    word after the first begins: the same for every document, so made once per phrase and
    not (as before) three times per phrase and document."""
    words = canonical_tokens(phrase)
    boundaries = frozenset(sum(len(w) for w in words[:i]) for i in range(1, len(words)))
    return len(words), "".join(words), boundaries


@lru_cache(maxsize=4096)
def _fuzzy_pattern(canon: str) -> re.Pattern[str]:
    """One substituted character anywhere (OCR misreads letters far more than it drops them)."""
    alternatives = (
        re.escape(canon[:i]) + "." + re.escape(canon[i + 1 :]) for i in range(len(canon))
    )
    return re.compile("(?:" + "|".join(alternatives) + ")")


def _occurrences(doc: CanonicalText, phrase: str, fuzzy: bool) -> list[tuple[int, int, bool]]:
    """Start/end offsets of a phrase in the document, and whether each was fuzzy.

    A match may join words split by OCR ("Grundsteuer bescheid") and may wrap between the
    phrase's own words, but a line break inside one of its words means two words that merely
    stand on top of each other ("Gewerbesteuer" above "Bescheid über ...").
    """
    _, canon, boundaries = _phrase_form(phrase)
    if not canon:
        return []
    found: list[tuple[int, int, bool]] = []
    pos = doc.joined.find(canon)
    while pos != -1:
        found.append((pos, pos + len(canon), False))
        pos = doc.joined.find(canon, pos + 1)
    if not found and fuzzy and len(canon) >= MIN_FUZZY_LEN:
        found = [(m.start(), m.end(), True) for m in _fuzzy_pattern(canon).finditer(doc.joined)]
    return [(s, e, f) for s, e, f in found if _wraps_ok(doc, s, e, boundaries)]


def _wraps_ok(doc: CanonicalText, start: int, end: int, boundaries: frozenset[int]) -> bool:
    first, last = _token_at(doc, start), _token_at(doc, end - 1)
    return all(
        doc.lines[t] == doc.lines[t - 1] or doc.starts[t] - start in boundaries
        for t in range(first + 1, last + 1)
    )


def _token_at(doc: CanonicalText, offset: int) -> int:
    return bisect.bisect_right(doc.starts, offset) - 1


def _is_reference(doc: CanonicalText, tok: int, in_title: bool) -> bool:
    """True if a cue word precedes the token in the same paragraph (same line in the heading)."""
    for back in range(1, _CUE_WINDOW + 1):
        prev = tok - back
        if prev < 0 or doc.paragraph[prev] != doc.paragraph[tok]:
            return False
        if in_title and doc.lines[prev] != doc.lines[tok]:
            return False
        if doc.tokens[prev] in _REFERENCE_CUES:
            return True
    return False


def _is_dated_reference(doc: CanonicalText, last: int) -> bool:
    """ "Baugenehmigung vom 14.09.2022" cites an earlier document; it does not name this one."""
    following = last + 1
    return (
        following < len(doc.tokens)
        and doc.lines[following] == doc.lines[last]
        and doc.tokens[following] in _DATED_CUES
    )


def _strong_weight(
    doc: CanonicalText, canon: str, start: int, end: int, fuzzy: bool, words: int
) -> float:
    """Weight of one occurrence of a strong or negative phrase; 0 if not at a word start."""
    tok = _token_at(doc, start)
    if tok < 0 or doc.starts[tok] != start:
        return 0.0  # inside another word: "...bauantrag" in "Teilbauantragsteller" is noise
    # Only a heading names the document; "Bauvorlagen: Bauzeichnungen, ..." in line 5 does not.
    in_title = doc.is_heading(tok, TITLE_LINES, HEADING_TOKENS)
    body_weight = PHRASE_BODY_WEIGHT if words >= 3 else BODY_WEIGHT
    weight = TITLE_WEIGHT if in_title else body_weight
    last = _token_at(doc, end - 1)
    token_end = doc.starts[last] + len(doc.tokens[last])
    if doc.joined[end:token_end] not in _INFLECTIONS:
        weight *= COMPOUND_FACTOR
    if _is_reference(doc, tok, in_title) or _is_dated_reference(doc, last):
        weight *= REFERENCE_FACTOR
    if fuzzy:
        weight *= FUZZY_FACTOR
    return weight


def _best_strong(doc: CanonicalText, phrase: str) -> float:
    words, canon, _ = _phrase_form(phrase)
    return max(
        (_strong_weight(doc, canon, s, e, f, words) for s, e, f in _occurrences(doc, phrase, True)),
        default=0.0,
    )


def _weak_found(doc: CanonicalText, phrase: str) -> bool:
    """Weak words may sit inside compounds, except short ones, which would match anywhere."""
    found = _occurrences(doc, phrase, fuzzy=False)
    if len(_phrase_form(phrase)[1]) >= MIN_INSIDE_LEN:
        return bool(found)
    return any(doc.starts[_token_at(doc, s)] == s for s, _, _ in found)


def _score(doc: CanonicalText, rule: DocTypeRule) -> tuple[float, list[_Hit], bool]:
    """Score of one type, the positive phrases that matched, and whether any was strong."""
    strong = [_Hit(p, w) for p in rule.strong if (w := _best_strong(doc, p)) > 0]
    strong.sort(key=lambda h: h.weight, reverse=True)
    weak = [_Hit(p, WEAK_WEIGHT) for p in rule.weak if _weak_found(doc, p)]
    negatives = sum(1 for p in rule.negative if _best_strong(doc, p) > 0)
    score = 0.0
    if strong:
        score = strong[0].weight + EXTRA_STRONG_FACTOR * sum(h.weight for h in strong[1:])
    score += min(WEAK_CAP, WEAK_WEIGHT * len(weak))
    score = max(0.0, score - NEGATIVE_WEIGHT * negatives)
    return score, strong + weak, bool(strong)


def classify(text: str, plan: FilePlan) -> Classification:
    """Classify OCR text into one of the plan's document types; confidence = evidence x margin.

    Returns ``plan.fallback_type`` with a confidence of at most 0.3 when nothing matches.
    """
    doc = CanonicalText.from_text(text)
    scored = [(rule, *_score(doc, rule)) for rule in plan.types]
    scored.sort(key=lambda r: r[1], reverse=True)
    best, s1, hits, has_strong = scored[0]
    s2 = scored[1][1] if len(scored) > 1 else 0.0
    if s1 < MIN_SCORE:
        fallback = plan.doc_type(plan.fallback_type)
        confidence = FALLBACK_CONFIDENCE if doc.tokens else 0.0
        evidence = tuple(h.phrase for h in _score(doc, fallback)[1])
        return Classification(fallback.key, fallback.label, fallback.unit, confidence, evidence)
    strength = 1.0 - math.exp(-s1 / STRENGTH_SCALE)
    ratio = s2 / s1
    confidence = strength * (1.0 - ratio * ratio)
    if not has_strong:
        confidence = min(confidence, WEAK_ONLY_CAP)
    return Classification(
        doc_type=best.key,
        label=best.label,
        unit=best.unit,
        confidence=round(max(0.0, min(1.0, confidence)), 3),
        evidence=tuple(h.phrase for h in hits),
    )
