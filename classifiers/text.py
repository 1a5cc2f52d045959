"""Text normalisation shared by the classifier and the extractor.

OCR text of German records differs from the words a person would type in predictable ways:
case, umlauts written as "ae" or lost ("Bescheid uber"), ß as "ss", words split at line ends,
and a few glyph confusions (l/1/I, 0/O, rn/m). Folding all of these to one canonical spelling
on both sides lets plain substring search do the matching.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["CanonicalText", "canonical_tokens", "canonicalise", "dehyphenate", "model_text"]

_SOFT_HYPHENS = "\u00ad"
# "Bau-\ngenehmigung" -> "Baugenehmigung"; "Bau-\nund Planungsamt" keeps its hyphen.
_LINE_END_HYPHEN = re.compile(
    r"(?<=[^\W\d_])[-\u2010\u2011\u00ac][ \t]*\r?\n[ \t]*(?!(?:und|oder|bzw|sowie)\b)(?=[^\W\d_])"
)
_TOKEN = re.compile(r"[a-z0-9]+")
_GLYPHS = str.maketrans({"l": "i", "1": "i", "0": "o", "|": "i"})
_SEQUENCES = (("rn", "m"), ("vv", "w"), ("ae", "a"), ("oe", "o"), ("ue", "u"))


def dehyphenate(text: str) -> str:
    """Join words hyphenated at line ends and drop soft hyphens."""
    text = text.replace(_SOFT_HYPHENS, "")
    return _LINE_END_HYPHEN.sub("", text)


def _fold_token(token: str) -> str:
    for old, new in _SEQUENCES:
        token = token.replace(old, new)
    token = token.translate(_GLYPHS)
    return token.replace("ii", "u")  # "ü" read as "ii"; "ll" folds the same way on both sides


def _ascii_lower(text: str) -> str:
    text = text.casefold()  # also ß -> ss
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("|", "l")


def canonical_tokens(text: str) -> list[str]:
    """Canonical word tokens of a phrase or line (case, umlaut and OCR-glyph folded)."""
    return [_fold_token(t) for t in _TOKEN.findall(_ascii_lower(text))]


def canonicalise(text: str) -> str:
    """Canonical form of a phrase with word boundaries removed, for substring matching."""
    return "".join(canonical_tokens(text))


@dataclass(frozen=True)
class CanonicalText:
    """A document as one canonical string plus where each token starts, and on which line.

    Word boundaries are dropped from ``joined`` so that OCR-split words ("Grundsteuer bescheid")
    and letter-spaced headings still match; ``starts`` keeps them for the checks that need them.
    """

    joined: str
    tokens: tuple[str, ...]
    starts: tuple[int, ...]  # offset of each token in ``joined``
    lines: tuple[int, ...]  # index of the non-blank line each token is on
    paragraph: tuple[int, ...]  # paragraph (blank-line separated block) of each token
    line_lengths: tuple[int, ...]  # number of tokens on each non-blank line
    continued: tuple[bool, ...]  # per line: the previous line ended mid-sentence (",", ";", ...)

    @classmethod
    def from_text(cls, text: str) -> CanonicalText:
        """Normalise raw OCR text."""
        tokens: list[str] = []
        starts: list[int] = []
        lines: list[int] = []
        paragraphs: list[int] = []
        offset = 0
        line_no = -1
        para = 0
        blank_before = False
        line_lengths: list[int] = []
        continued: list[bool] = []
        previous = ""
        for line in dehyphenate(text).splitlines():
            toks = [t for t in canonical_tokens(line) if t]
            if not toks:
                blank_before = True
                continue
            line_no += 1
            line_lengths.append(len(toks))
            continued.append(not blank_before and previous.rstrip().endswith((",", ";", "(", "-")))
            previous = line
            if blank_before:
                para += 1
                blank_before = False
            for tok in toks:
                tokens.append(tok)
                starts.append(offset)
                lines.append(line_no)
                paragraphs.append(para)
                offset += len(tok)
        return cls(
            "".join(tokens),
            tuple(tokens),
            tuple(starts),
            tuple(lines),
            tuple(paragraphs),
            tuple(line_lengths),
            tuple(continued),
        )

    def is_heading(self, tok: int, heading_lines: int, max_tokens: int) -> bool:
        """Whether a token stands like a title: early, at a line start or on a short line, and
        not on a line that continues an enumeration ("Bauvorlagen: Lageplan,\nStatik")."""
        line = self.lines[tok]
        if line >= heading_lines or self.continued[line]:
            return False
        return tok == 0 or self.lines[tok - 1] != line or self.line_lengths[line] <= max_tokens


_DIGIT = re.compile(r"\d")


def model_text(text: str) -> str:
    """Text as the trained model sees it: joined hyphenations, folded case and accents, 0 for digits.

    Digits become 0 so that "Az. 63-BG-2024-0117" and "63-BG-2023-0988" share their features:
    the shape of a number says more about a document's type than its value does.
    """
    return _DIGIT.sub("0", _ascii_lower(dehyphenate(text)))
