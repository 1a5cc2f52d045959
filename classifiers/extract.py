"""Metadata extraction: identifiers with check digits, dates, Aktenzeichen, title.

Identifiers are what a case system searches by, so a wrong one is worse than a missing one:
every number with a check digit is verified (python-stdnum) and dropped if it fails, and
ambiguous shapes (the regional Steuernummer looks like many other numbers) are only taken
next to their label.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from stdnum import iban as _iban
from stdnum.de import idnr as _idnr
from stdnum.de import stnr as _stnr

from classifiers.text import dehyphenate

__all__ = ["Extraction", "Identifier", "extract"]

HEADER_LINES = 25  # lines searched for the letter's date header
FIRST_DATE_LINES = 20  # lines searched for a plain first date
TITLE_LINES = 30


@dataclass(frozen=True)
class Identifier:
    """One identifier found in the text."""

    kind: str  # "steuernummer", "steuer_idnr", "iban", "aktenzeichen", "flurstueck"
    value: str  # canonical form, for search and joins
    raw: str  # as printed


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one document's text."""

    identifiers: tuple[Identifier, ...]
    dates: tuple[date, ...]  # all valid dates, sorted, unique
    document_date: date | None
    title: str


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    ident: Identifier


class _Spans:
    """Character ranges already claimed, so an IBAN's digits are not also read as an IdNr."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self._spans)

    def claim(self, start: int, end: int) -> None:
        self._spans.append((start, end))


# --- IBAN ---------------------------------------------------------------------

# Groups may wrap at a line end, as in letters: "IBAN DE44 5001 0517\n5407 3249 31", and OCR
# may put a blank line between the two parts.
_IBAN_START = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}[\dO]{2}(?:(?: |[ \t]*\n(?:[ \t]*\n)?)?[A-Z0-9]){11,30}"
)
# OCR reads a zero as the letter O and a one as I; where only digits can stand (the check
# digits, a German account) they are read back as digits and mod 97 decides.
_DIGIT_LOOKALIKES = str.maketrans("OI", "01")
_NUMERIC_BBAN = {"DE", "AT"}


def _ibans(text: str, spans: _Spans, countries: Collection[str]) -> Iterator[_Found]:
    """IBANs of the given countries, compact or in groups; the longest valid prefix wins.

    A valid IBAN of another country is claimed but not reported: its digits must not turn up
    as an IdNr, and a payer's account abroad is not what a municipal case system searches by.

    The candidate pattern may swallow a following word ("... 00 BIC"), so valid lengths are
    tried from the longest down; the country's fixed length makes the answer unambiguous.
    """
    pos = 0
    while m := _IBAN_START.search(text, pos):
        pos = m.start() + 1  # the candidate may run into the next IBAN: look again inside it
        ends: list[int] = []  # raw end offset for each compact length
        compact = ""
        for i, ch in enumerate(m.group(0)):
            if not ch.isspace():
                compact += ch
                ends.append(i + 1)
        bban = compact[4:]
        if compact[:2] in _NUMERIC_BBAN:
            bban = bban.translate(_DIGIT_LOOKALIKES)
        compact = compact[:2] + compact[2:4].translate(_DIGIT_LOOKALIKES) + bban
        for length in range(len(compact), 14, -1):
            if _iban.is_valid(compact[:length]):
                start, end = m.start(), m.start() + ends[length - 1]
                pos = end
                if spans.free(start, end):
                    spans.claim(start, end)
                    if compact[:2] in countries:
                        raw = re.sub(r"\s+", " ", text[start:end])
                        yield _Found(start, end, Identifier("iban", compact[:length], raw))
                break


# --- Aktenzeichen -------------------------------------------------------------

_AZ_LABEL = re.compile(
    # not "Einheitswert-Aktenzeichen": another authority's reference
    r"(?<![\w-])(?:Aktenzeichen|Az\.?|AZ\.?|Unser(?:e)?\s+Zeichen|Geschäftszeichen|Gz\.?)\s*:\s*"
    r"(?P<az>[^\n]+)",
)
_AZ_CUT = re.compile(r"\s{2,}|\t|\s+\|\s+|;|,\s|\s+(?:vom|Datum|Tel|Ihr|Bearbeiter)\b")


def _aktenzeichen(text: str, pattern: re.Pattern[str], spans: _Spans) -> Iterator[_Found]:
    """Aktenzeichen by the plan's pattern, and whatever follows an Az. label."""
    for m in pattern.finditer(text):
        if spans.free(m.start(), m.end()):
            spans.claim(m.start(), m.end())
            raw = m.group(0).strip()
            yield _Found(m.start(), m.end(), Identifier("aktenzeichen", raw, raw))
    for m in _AZ_LABEL.finditer(text):
        value = _AZ_CUT.split(m.group("az"), maxsplit=1)[0].strip().rstrip(".,;:")
        if not value or len(value) > 40 or not re.search(r"\d", value):
            continue
        start = m.start("az")
        end = start + len(value)
        if spans.free(start, end):
            spans.claim(start, end)
            yield _Found(start, end, Identifier("aktenzeichen", value, value))


# --- Steuernummer -------------------------------------------------------------

_STNR_LABEL = re.compile(
    r"\b(?:Steuer-?\s?nummer|Steuer-?Nr\.?|St\.?\s?-?\s?Nr\.?|StNr\.?)\s*[:.]?\s*", re.IGNORECASE
)
_STNR_REGIONAL = re.compile(r"(?<![\d/])(\d{2,4})\s?/\s?(\d{3,4})\s?/\s?(\d{4,5})(?![\d/])")
_STNR_SPACED = re.compile(r"(?<![\d/])(\d{2,4}) (\d{3,4}) (\d{4,5})(?![\d/])")
_STNR_FEDERAL = re.compile(r"(?<![\w/.])(\d{13})(?![\w/])")
_STNR_LABEL_REACH = 40  # characters after the label in which the number must start


def _steuernummern(text: str, spans: _Spans) -> Iterator[_Found]:
    """Regional forms (181/815/08155) only after a label; 13-digit federal forms anywhere."""
    for label in _STNR_LABEL.finditer(text):
        window_end = min(len(text), label.end() + _STNR_LABEL_REACH)
        for shape in (_STNR_REGIONAL, _STNR_SPACED):
            m = shape.search(text, label.end(), window_end + 20)
            if not m or m.start() > window_end or "\n" in text[label.end() : m.start()]:
                continue
            value = "/".join(m.groups())
            if _stnr.is_valid(value) and spans.free(m.start(), m.end()):
                spans.claim(m.start(), m.end())
                yield _Found(m.start(), m.end(), Identifier("steuernummer", value, m.group(0)))
                break
    for m in _STNR_FEDERAL.finditer(text):
        if _stnr.is_valid(m.group(1)) and spans.free(m.start(), m.end()):
            spans.claim(m.start(), m.end())
            yield _Found(m.start(), m.end(), Identifier("steuernummer", m.group(1), m.group(0)))


# --- Steuer-IdNr --------------------------------------------------------------

_IDNR = re.compile(r"(?<![\w/.,])(?<!\d )(\d{2}) ?(\d{3}) ?(\d{3}) ?(\d{3})(?![\w/])(?! \d)")


def _idnrs(text: str, spans: _Spans) -> Iterator[_Found]:
    """11-digit tax IdNr, compact or grouped 2-3-3-3; only if the check digit holds."""
    for m in _IDNR.finditer(text):
        value = "".join(m.groups())
        if _idnr.is_valid(value) and spans.free(m.start(), m.end()):
            spans.claim(m.start(), m.end())
            yield _Found(m.start(), m.end(), Identifier("steuer_idnr", value, m.group(0)))


# --- Flurstück ----------------------------------------------------------------

_NUM = r"\d{1,5}(?:\s?/\s?\d{1,4})?"
_FLST = re.compile(
    r"\b(?:Flurst(?:ü|ue|u)ck(?:es|e|s)?|Flurst\.|Flst\.?)\s*(?:Nr\.?\s*)?:?\s*"
    rf"(?P<nums>{_NUM}(?:\s*(?:,|und|u\.|sowie)\s*{_NUM})*)",
    re.IGNORECASE,
)
_FLUR = re.compile(
    r"\b(?:Flur(?![^\W\d_])|Fl\.(?!\s*st))\s*(?:Nr\.?\s*)?:?\s*(?P<flur>\d{1,4})\b", re.I
)
_GEMARKUNG = re.compile(
    r"\b(?:Gemarkung|Gemark\.|Gmkg\.?|Gmk\.|Gem\.)\s*:?\s*"
    r"(?P<gem>[A-ZÄÖÜ][\wäöüß\-]*(?:\s+(?:am|an der|bei|im|in der|ob der|vor der)\s+[A-ZÄÖÜ][\w\-]*)?)"
)
_FLST_REACH = 120  # characters around a Flurstück in which its Flur and Gemarkung are sought


def _nearest(
    pattern: re.Pattern[str], text: str, lo: int, hi: int, anchor: int
) -> re.Match[str] | None:
    """The match of the pattern in text[lo:hi] closest to anchor, not across a blank line."""
    best: re.Match[str] | None = None
    for m in pattern.finditer(text, lo, hi):
        between = text[min(m.end(), anchor) : max(m.start(), anchor)]
        if re.search(r"\n\s*\n", between):
            continue
        if best is None or abs(m.start() - anchor) < abs(best.start() - anchor):
            best = m
    return best


def _flurstuecke(text: str, spans: _Spans) -> Iterator[_Found]:
    """'Gemarkung X, Flur 3, Flurstück 127/4' in any order -> 'X/3/127/4' ('-' if missing)."""
    for m in _FLST.finditer(text):
        lo = max(0, m.start() - _FLST_REACH)
        hi = min(len(text), m.end() + _FLST_REACH)
        flur = _nearest(_FLUR, text, lo, hi, m.start())
        gem = _nearest(_GEMARKUNG, text, lo, hi, m.start())
        parts = [m, *(x for x in (flur, gem) if x)]
        start, end = min(p.start() for p in parts), max(p.end() for p in parts)
        raw = re.sub(r"\s+", " ", text[start:end]).strip()
        for num in re.findall(_NUM, m.group("nums")):
            number = re.sub(r"\s", "", num)
            value = "/".join(
                (gem.group("gem") if gem else "-", flur.group("flur") if flur else "-", number)
            )
            yield _Found(m.start(), m.end(), Identifier("flurstueck", value, raw))
        spans.claim(m.start(), m.end())


# --- Dates --------------------------------------------------------------------

_MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "jaenner": 1,
    "februar": 2, "feb": 2, "febr": 2,
    "märz": 3, "maerz": 3, "marz": 3, "mrz": 3, "mär": 3,
    "april": 4, "apr": 4,
    "mai": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "dez": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?![\d])(?!\.\d)")
_DATE_TEXT = re.compile(rf"(?<!\d)(\d{{1,2}})\.\s*({_MONTH_RE})\.?\s+(\d{{4}})(?!\d)", re.I)
_DATE_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")

# Text just before a date that makes it the letter's own date.
# "Datum:", and "Ort, Datum: Musterdorf," where an applicant signs a form
_HEADER_LABEL = re.compile(
    r"(?:\bDatum|\bDate)\s*:?\s*(?:[A-ZÄÖÜ][\wäöüß.\- ]{1,40},\s*(?:den\s*)?)?$", re.I
)
_HEADER_PLACE = re.compile(r"^[A-ZÄÖÜ][\wäöüßÄÖÜ.\-() /]{1,50}?(?:,\s*(?:den\s*)?|\s+den\s*)$")
_HEADER_VOM = re.compile(r"\bvom\s*$", re.I)
# Text just before a date that makes it something else: a birthday, a deadline, a receipt stamp.
_NOT_DOC_DATE = re.compile(
    r"\b(?:geb\.|geboren|geburt\w*|bis(?:\s+zum)?|spätestens|fällig\w*|faellig\w*|frist\w*"
    r"|eingegangen|eingang\w*"
    # a letter or decision the text refers to: "gegen den Bescheid vom", "Ihr Schreiben vom"
    r"|(?:gegen|Ihr\w*|unser\w*|Betreff|Betr\.)\b[^\n]{0,60}\bvom"
    r"|(?:Schreiben|Nachricht|Anfrage|Antrag|Mail)\s+vom"
    r"|zahlbar|gültig|befristet|ablauf\w*|zum)\s*(?:am|:)?\s*$",
    re.I,
)


# Columns of a DIN 5008 reference row ("Ihr Zeichen   Unser Zeichen   Datum"), where the gaps
# between them survived.
_COLUMN = re.compile(r"\S+(?: \S+)*")
# Text just after a date that makes it something else: "am 28.07.1967 geboren".
_NOT_DOC_DATE_AFTER = re.compile(r"^\s*(?:geboren|eingegangen|fällig|zu zahlen)", re.I)


@dataclass(frozen=True)
class _DateAt:
    when: date
    start: int
    line: int
    column: int
    prefix: str  # text of the line before the date, from the last column gap on
    suffix: str  # the rest of the line after the date


def _two_digit_year(y: int) -> int:
    return 2000 + y if y < 50 else 1900 + y


def _make_date(y: int, mo: int, d: int) -> date | None:
    if not 1800 <= y <= 2199:
        return None
    try:
        return date(y, mo, d)
    except ValueError:
        return None  # 31.02. and friends


def _dates(text: str, spans: _Spans) -> list[_DateAt]:
    found: list[_DateAt] = []
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def add(m: re.Match[str], when: date | None) -> None:
        if when is None or not spans.free(m.start(), m.end()):
            return
        line = _line_of(line_starts, m.start())
        prefix = text[line_starts[line] : m.start()]
        segments = [s.strip() for s in re.split(r"\s{3,}|\t", prefix) if s.strip()]
        prefix = (segments[-1] + " ") if segments else ""
        line_end = text.find("\n", m.end())
        suffix = text[m.end() : line_end if line_end >= 0 else len(text)]
        found.append(_DateAt(when, m.start(), line, m.start() - line_starts[line], prefix, suffix))

    for m in _DATE_NUMERIC.finditer(text):
        d, mo, y = (int(g) for g in m.groups())
        add(m, _make_date(_two_digit_year(y) if len(m.group(3)) == 2 else y, mo, d))
    for m in _DATE_TEXT.finditer(text):
        month = _MONTHS[m.group(2).lower()]
        add(m, _make_date(int(m.group(3)), month, int(m.group(1))))
    for m in _DATE_ISO.finditer(text):
        y, mo, d = (int(g) for g in m.groups())
        add(m, _make_date(y, mo, d))
    found.sort(key=lambda x: x.start)
    return found


def _line_of(line_starts: list[int], offset: int) -> int:
    lo, hi = 0, len(line_starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if line_starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _has_text(line: str) -> bool:
    return any(ch.isalnum() for ch in line)


def _like(word: str, label: str) -> bool:
    """A label as OCR may have read it ("Dotum", "Zeicben")."""
    return SequenceMatcher(None, word.lower().strip(",.:;"), label).ratio() >= 0.6


def _reference_row_date(found: list[_DateAt], lines: list[str]) -> date | None:
    """The date under the "Datum" label of a DIN 5008 reference row, if the letter has one.

    Where the column gaps survived, the date nearest the label's column; where OCR closed them
    to single spaces, "Datum" is the row's last label, so the last date of the values beneath.
    """
    for index, line in enumerate(lines[:HEADER_LINES]):
        words = line.split()
        if (
            len(words) < 3
            or not any(_like(w, "zeichen") for w in words)
            or any(d.line == index for d in found)
        ):
            continue
        datum_columns = [c.start() for c in _COLUMN.finditer(line) if _like(c.group(), "datum")]
        datum_last = _like(words[-1], "datum")
        if not datum_columns and not datum_last:
            continue
        # the values: the next lines with text (not a speck read as "~"); OCR may wrap them
        below = [i for i in range(index + 1, len(lines)) if _has_text(lines[i])][:2]
        under = [d for d in found if d.line in below]
        first_row = [d for d in under if below and d.line == below[0]]
        if datum_columns and len(first_row) > 1:
            return min(first_row, key=lambda d: abs(d.column - datum_columns[-1])).when
        if datum_last and under:
            return max(under, key=lambda d: d.start).when
    return None


def _document_date(
    found: list[_DateAt], lines: list[str], nonblank_line: dict[int, int]
) -> date | None:
    """The letter's own date: a header date first, then a plain early date, else None."""
    if in_row := _reference_row_date(found, lines):
        return in_row

    def early(d: _DateAt, limit: int) -> bool:
        return nonblank_line.get(d.line, limit) < limit

    def header(d: _DateAt) -> bool:
        return bool(_HEADER_LABEL.search(d.prefix) or _HEADER_PLACE.match(d.prefix))

    candidates = [
        d
        for d in found
        if not _NOT_DOC_DATE.search(d.prefix) and not _NOT_DOC_DATE_AFTER.match(d.suffix)
    ]
    for choose in (
        lambda d: header(d) and early(d, HEADER_LINES),
        lambda d: bool(_HEADER_VOM.search(d.prefix)) and early(d, FIRST_DATE_LINES),
        header,
        lambda d: early(d, FIRST_DATE_LINES),
    ):
        for d in candidates:
            if choose(d):
                return d.when
    return None


# --- Title --------------------------------------------------------------------

_NOT_TITLE = re.compile(
    r"(\b\d{5}\s+[A-ZÄÖÜ]|str(?:aße|asse|\.)\s*\d|\bweg\s+\d|platz\s+\d|\bTel\b|Telefon|Fax|E-?Mail"
    r"|www\.|@|\bIBAN\b|\bBIC\b|Sparkasse|Postfach|Öffnungszeiten|Sprechzeiten|Seite\s+\d"
    r"|^\s*(?:Herrn?|Frau|Firma|An\s+die|An\s+das|An\s+den)\b|Sehr geehrte|Mit freundlichen"
    r"|Bearbeiter|Zimmer|Durchwahl|Ihr Zeichen|Unser Zeichen|Aktenzeichen|\bAz\.|Datum)",
    re.I,
)
_LETTERHEAD = re.compile(
    r"^\s*(?:Stadt|Gemeinde|Markt|Landkreis|Kreis|Amt|Der\s+Bürgermeister|Die\s+Bürgermeisterin"
    r"|Der\s+Oberbürgermeister|Der\s+Landrat|Steueramt|Bauordnungsamt|Bauaufsicht|Fachbereich)\b",
    re.I,
)
_TITLE_WORDS = re.compile(
    r"(bescheid|antrag|genehmigung|widerspruch|bescheinigung|nachweis|zeichnung|schein|berechnung"
    r"|mitteilung|anfrage|schreiben|vermerk|grundriss|ansicht|abnahme|anhörung|festsetzung|erinnerung|mahnung)",
    re.I,
)
_BETREFF = re.compile(r"^\s*(?:Betreff|Betr\.|Gegenstand)\s*:?\s*", re.I)


def _title(lines: list[str]) -> str:
    """Heuristic heading: prefer an early line naming a document kind over letterhead/address."""
    best: tuple[int, int, str] | None = None
    for index, raw_line in enumerate(lines[:TITLE_LINES]):
        line = re.sub(r"\s+", " ", raw_line).strip()
        if _BETREFF.match(line):
            line = _BETREFF.sub("", line)
            score = 3
        else:
            score = 0
        letters = sum(ch.isalpha() for ch in line)
        if not 5 <= len(line) <= 120 or letters < 0.6 * len(line.replace(" ", "")):
            continue
        if _NOT_TITLE.search(line):
            continue
        if _LETTERHEAD.match(line):
            score -= 1
        if _TITLE_WORDS.search(line):
            score += 2
        if line[:1].islower() or (line.endswith((".", ",", ";")) and len(line.split()) > 6):
            score -= 2  # a sentence of the body, not a heading
        if best is None or score > best[0]:
            best = (score, index, line)
    return best[2] if best else ""


# --- Entry point ----------------------------------------------------------------


def extract(
    text: str, aktenzeichen_pattern: str, iban_countries: Collection[str] = ("DE",)
) -> Extraction:
    """Extract identifiers, dates, the document date and a title from OCR text.

    `iban_countries`: the countries whose IBANs count as identifiers (ISO 3166 codes).
    """
    text = dehyphenate(text).replace("\r\n", "\n")
    spans = _Spans()
    found: list[_Found] = [
        *_ibans(text, spans, {c.upper() for c in iban_countries}),
        *_aktenzeichen(text, re.compile(aktenzeichen_pattern), spans),
        *_steuernummern(text, spans),
        *_idnrs(text, spans),
        *_flurstuecke(text, spans),
    ]
    found.sort(key=lambda f: f.start)
    identifiers: list[Identifier] = []
    seen: set[tuple[str, str]] = set()
    for f in found:
        if (f.ident.kind, f.ident.value) not in seen:
            seen.add((f.ident.kind, f.ident.value))
            identifiers.append(f.ident)

    lines = text.split("\n")
    nonblank_line: dict[int, int] = {}
    for i, line in enumerate(lines):
        if line.strip():
            nonblank_line[i] = len(nonblank_line)
    dated = _dates(text, spans)
    return Extraction(
        identifiers=tuple(identifiers),
        dates=tuple(sorted({d.when for d in dated})),
        document_date=_document_date(dated, lines, nonblank_line),
        title=_title([ln for ln in lines if ln.strip()]),
    )
