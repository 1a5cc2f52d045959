# ruff: noqa: RUF001  (German typography: en dashes in the generated text are deliberate)
"""Labelled German municipal documents with known identifiers, for measuring eakte.

Real Bescheide and Bauakten carry personal and tax data and cannot be shared, so accuracy on
"German municipal documents" is measured on generated ones: every document type of the default
file plan, each written from several layouts (letter, form, memo, title block), wording drawn
from pools of phrases, varied towns, people, date styles and identifier layouts, and OCR noise
(confused characters, split and merged words, speckle lines).

Each document carries its truth: the type, every identifier printed on it in canonical form,
and its own date (or None). Decoys are printed on purpose and are not in the truth: tax IdNrs
with a wrong check digit, German IBANs failing mod 97, IBANs of other countries (payers abroad
are not what a municipal case system searches by), phone numbers and Kassenzeichen that look
like identifiers, and dates that are not the document's date (birthdays, payment deadlines,
the date of a contested Bescheid, the receipt stamp).

Lines printing an identifier or a date are kept free of OCR noise: a misread number is a different
number and
fails its check digit, which measures the OCR rather than the extraction. `benchmarks.extraction
--scanned N` renders documents in several fonts and runs real tesseract to measure that path.

    python -m benchmarks.german_docs --out DIR [--n 200] [--seed 1]   # a labelled folder
"""

from __future__ import annotations

import argparse
import random
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from stdnum import iban as _iban
from stdnum.de import idnr as _idnr
from stdnum.de import stnr as _stnr
from stdnum.iso7064 import mod_11_10

__all__ = ["GeneratedDoc", "generate", "write_folder"]

_KEEP_OPEN, _KEEP_CLOSE = "\x01", "\x02"  # around text that OCR noise must not touch


@dataclass(frozen=True)
class GeneratedDoc:
    """One generated document and the truth an extractor should recover from it."""

    doc_type: str
    text: str
    truth: dict[str, frozenset[str]]  # identifier kind -> canonical values printed on it
    document_date: date | None


@dataclass
class _Doc:
    """A document being written: lines plus what was printed on it."""

    rng: random.Random
    lines: list[str] = field(default_factory=list)
    truth: dict[str, set[str]] = field(default_factory=dict)
    document_date: date | None = None

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def ident(self, kind: str, value: str) -> None:
        self.truth.setdefault(kind, set()).add(value)


def _keep(text: str) -> str:
    return f"{_KEEP_OPEN}{text}{_KEEP_CLOSE}"


# --- people, places, numbers -----------------------------------------------------------

_TOWNS = (
    ("Musterstadt", "12345"),
    ("Beispielhausen", "34567"),
    ("Neustadt am Berg", "56789"),
    ("Kleinkirchen", "23456"),
    ("Ober-Wiesenbach", "45678"),
    ("Lindenau", "67890"),
)
_GEMARKUNGEN = ("Musterdorf", "Oberfeld", "Lindenau", "Kleinkirchen", "Talheim", "Birkenhain")
_FIRST = (
    "Erika",
    "Max",
    "Anna",
    "Jürgen",
    "Özlem",
    "Karl-Heinz",
    "Sabine",
    "Lukas",
    "Marie",
    "Hans-Peter",
    "Fatma",
    "Thomas",
    "Ursula",
    "Dieter",
    "Jana",
    "Björn",
)
_LAST = (
    "Mustermann",
    "Schulze",
    "Meier",
    "Großmann",
    "Yılmaz",
    "Becker",
    "Hoffmann",
    "Krüger",
    "Wagner",
    "Schäfer",
    "Nowak",
    "Fischer",
    "Weiß",
    "Köhler",
)
_STREETS = (
    "Lindenstraße",
    "Am Mühlbach",
    "Hauptstraße",
    "Schulweg",
    "Bahnhofstr.",
    "Kirchplatz",
    "Gartenweg",
    "Eichendorffstraße",
    "Zur Alten Ziegelei",
)
_FIRMS = ("Bau GmbH", "Ingenieurbüro", "Spielothek", "Architekten PartG", "Automaten KG")
_MONTH_NAMES = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


def _person(rng: random.Random) -> tuple[str, str]:
    """(salutation, full name)."""
    title = rng.choice(("Frau", "Herrn", "Frau Dr.", "Herrn"))
    return title, f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _address(rng: random.Random, town: tuple[str, str]) -> list[str]:
    title, name = _person(rng)
    return [title, name, f"{rng.choice(_STREETS)} {rng.randint(1, 120)}", f"{town[1]} {town[0]}"]


def _fmt_date(rng: random.Random, d: date) -> str:
    style = rng.random()
    if style < 0.6:
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if style < 0.85:
        return f"{d.day}. {_MONTH_NAMES[d.month - 1]} {d.year}"
    if style < 0.95:
        return f"{d.day}.{d.month}.{d.year}"
    return f"{d.day:02d}.{d.month:02d}.{str(d.year)[2:]}"


def _random_date(rng: random.Random, start: int = 2016, end: int = 2025) -> date:
    first = date(start, 1, 1)
    return first + timedelta(days=rng.randrange((date(end, 12, 31) - first).days))


def _idnr_value(rng: random.Random) -> str:
    while True:
        stem = "".join(rng.choice(string.digits) for _ in range(10))
        number = stem + mod_11_10.calc_check_digit(stem)
        if _idnr.is_valid(number):
            return number


def _idnr_wrong(rng: random.Random) -> str:
    """Eleven digits shaped like an IdNr whose check digit does not hold."""
    number = _idnr_value(rng)
    wrong = [d for d in string.digits if d != number[-1]]
    return number[:-1] + rng.choice(wrong)


def _stnr_value(rng: random.Random) -> str:
    """A regional Steuernummer as printed, FFF/BBB/UUUUP (Bavaria, Berlin, ...)."""
    while True:
        number = f"{rng.randint(100, 299)}/{rng.randint(100, 999)}/{rng.randint(10000, 99999)}"
        if _stnr.is_valid(number):
            return number


def _de_iban(rng: random.Random) -> str:
    bban = "".join(rng.choice(string.digits) for _ in range(18))
    return "DE" + _iban.calc_check_digits("DE00" + bban) + bban


def _de_iban_wrong(rng: random.Random) -> str:
    """A German IBAN with one digit of the account changed: mod 97 fails."""
    good = _de_iban(rng)
    pos = rng.randrange(12, len(good))
    digit = rng.choice([d for d in string.digits if d != good[pos]])
    return good[:pos] + digit + good[pos + 1 :]


def _foreign_iban(rng: random.Random) -> str:
    country, length = rng.choice((("AT", 16), ("NL", 10), ("CH", 17), ("LU", 16), ("PL", 24)))
    bban = "".join(rng.choice(string.digits) for _ in range(length))
    if country == "NL":
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + bban
    return country + _iban.calc_check_digits(country + "00" + bban) + bban


def _print_iban(rng: random.Random, compact: str) -> str:
    return _iban.format(compact) if rng.random() < 0.8 else compact


def _print_idnr(rng: random.Random, number: str) -> str:
    return _idnr.format(number) if rng.random() < 0.6 else number


def _phone(rng: random.Random) -> str:
    area = rng.choice(("0" + str(rng.randint(200, 9999)), "0171", "0151"))
    local = "".join(rng.choice(string.digits) for _ in range(rng.randint(5, 8)))
    return rng.choice((f"{area} {local}", f"{area}/{local}", f"{area} {local[:3]}-{local[3:]}"))


def _kassenzeichen(rng: random.Random) -> str:
    digits = "".join(rng.choice(string.digits) for _ in range(12))
    return rng.choice((f"{digits[0]}.{digits[1:5]}.{digits[5:11]}.{digits[11]}", digits[:10]))


def _aktenzeichen(rng: random.Random, amt: str, code: str, year: int) -> str:
    width = 5 if amt == "22" else 4
    return f"{amt}-{code}-{year}-{rng.randint(1, 10**width - 1):0{width}d}"


def _flurstueck(rng: random.Random) -> tuple[str, str]:
    """(as printed, canonical Gemarkung/Flur/Nummer)."""
    gem, flur = rng.choice(_GEMARKUNGEN), rng.randint(1, 25)
    num = str(rng.randint(1, 999)) + (f"/{rng.randint(1, 40)}" if rng.random() < 0.6 else "")
    printed = rng.choice(
        (
            f"Gemarkung {gem}, Flur {flur}, Flurstück {num}",
            f"Gemarkung {gem}   Flur {flur}   Flurstück {num}",
            f"Gmkg. {gem}, Flur {flur}, Flst. {num}",
            f"Flurstück {num}, Flur {flur}, Gemarkung {gem}",
        )
    )
    return printed, f"{gem}/{flur}/{num}"


# --- building blocks shared by the layouts ---------------------------------------------

_TAX_OFFICES = (
    "Steueramt",
    "Fachbereich Finanzen – Steuern und Abgaben",
    "Kämmerei – Steuerabteilung",
)
_BUILD_OFFICES = ("Bauordnungsamt", "Untere Bauaufsichtsbehörde", "Fachbereich Planen und Bauen")
_CLOSINGS = ("Mit freundlichen Grüßen", "Freundliche Grüße", "Hochachtungsvoll")
_FILLER = (
    "Bitte geben Sie bei Zahlungen und Rückfragen stets das Aktenzeichen an.",
    "Weitere Informationen finden Sie auf unserer Internetseite.",
    "Für Rückfragen stehe ich Ihnen gerne zur Verfügung.",
    "Unsere Sprechzeiten: Montag bis Freitag 8.30 – 12.00 Uhr, Donnerstag 14.00 – 18.00 Uhr.",
    "Dieses Schreiben wurde maschinell erstellt.",
    "Bitte bringen Sie zu einem Termin Ihren Personalausweis mit.",
)


def _letterhead(doc: _Doc, town: tuple[str, str], office: str) -> None:
    rng = doc.rng
    doc.add(
        rng.choice(
            (
                f"Stadt {town[0]} – Der Bürgermeister – {office}",
                f"Gemeinde {town[0]}",
                f"STADT {town[0].upper()}",
                f"Stadtverwaltung {town[0]} · {office}",
            )
        )
    )
    if rng.random() < 0.7:
        doc.add(f"Stadt {town[0]} · Rathausplatz {rng.randint(1, 9)} · {town[1]} {town[0]}")
    doc.add("")


def _date_line(doc: _Doc, town: tuple[str, str], when: date) -> str:
    rng = doc.rng
    printed = _keep(_fmt_date(rng, when))
    doc.document_date = when
    return rng.choice(
        (
            f"{town[0]}, den {printed}",
            f"{town[0]}, {printed}",
            f"Datum: {printed}",
            f"{' ' * rng.randint(30, 45)}{town[0]}, {printed}",
        )
    )


def _reference_row(doc: _Doc, when: date, az: str) -> None:
    """DIN 5008 Bezugszeichenzeile: labels in one row, values beneath; two dates, one is ours."""
    rng = doc.rng
    theirs = f"{rng.choice(string.ascii_uppercase)}{rng.randint(1, 99)}/{when.year}"
    their_date = _keep(_fmt_date(rng, when - timedelta(days=rng.randint(3, 60))))
    columns = [
        ("Ihr Zeichen, Ihre Nachricht vom", f"{theirs}, {their_date}"),
        ("Unser Zeichen", _keep(az)),
        ("Datum", _keep(_fmt_date(rng, when))),
    ]
    if rng.random() < 0.5:
        columns.insert(2, ("Telefon", _phone(rng)))
    header, values = "", ""
    for label, value in columns:
        visible = len(value) - value.count(_KEEP_OPEN) - value.count(_KEEP_CLOSE)
        width = max(len(label), visible) + rng.randint(2, 5)
        header += label.ljust(width)
        values += value + " " * (width - visible)
    doc.add(header.rstrip(), values.rstrip())
    doc.document_date = when


def _info_block(doc: _Doc, lines: list[str]) -> None:
    """Reference lines beside or below the address, in random order, sometimes in columns."""
    rng = doc.rng
    rng.shuffle(lines)
    if rng.random() < 0.25 and len(lines) >= 2:
        paired = [
            f"{a}{' ' * rng.randint(4, 10)}{b}"
            for a, b in zip(lines[::2], lines[1::2], strict=False)
        ]
        lines = paired + ([lines[-1]] if len(lines) % 2 else [])
    doc.add(*lines)


def _officer(doc: _Doc) -> str:
    rng = doc.rng
    name = f"{rng.choice(('Herr', 'Frau'))} {rng.choice(_LAST)}"
    return rng.choice(
        (
            f"Bearbeiter: {name}",
            f"Auskunft erteilt: {name}, Zimmer {rng.randint(1, 320)}",
            f"Sachbearbeitung: {name}",
        )
    )


def _phone_line(doc: _Doc) -> str:
    return doc.rng.choice(("Telefon: ", "Tel.: ", "Tel. ", "Durchwahl ")) + _phone(doc.rng)


def _town_account(doc: _Doc) -> None:
    """Bank details in the footer: the town's own account, a real identifier on the page."""
    rng = doc.rng
    iban = _de_iban(rng)
    doc.ident("iban", iban)
    bank = f"Sparkasse {rng.choice(_GEMARKUNGEN)}"
    bic = f"BIC {''.join(rng.choice(string.ascii_uppercase) for _ in range(8))}"
    printed = _print_iban(rng, iban)
    if rng.random() < 0.2 and " " in printed:  # wrapped at the end of a footer column
        cut = printed.index(" ", 12)
        doc.add("", f"{bank} · IBAN {_keep(printed[:cut])}", f"{_keep(printed[cut + 1 :])} · {bic}")
    else:
        doc.add("", f"{bank} · IBAN {_keep(printed)} · {bic}")


def _signature(doc: _Doc) -> None:
    rng = doc.rng
    doc.add("", rng.choice(_CLOSINGS))
    if rng.random() < 0.5:
        doc.add(rng.choice(("Im Auftrag", "i. A.", "In Vertretung")))
    doc.add(rng.choice(_LAST))


def _pick(rng: random.Random, pool: Sequence[str], low: int, high: int) -> list[str]:
    return rng.sample(list(pool), min(len(pool), rng.randint(low, high)))


_RECHTSBEHELF = (
    "Rechtsbehelfsbelehrung:",
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben "
    "werden. Der Widerspruch ist schriftlich oder zur Niederschrift bei der Stadt einzulegen.",
)


# --- tax Bescheide ------------------------------------------------------------------------


@dataclass(frozen=True)
class _TaxKind:
    code: str
    titles: tuple[str, ...]
    body: tuple[str, ...]
    table: tuple[str, ...]


_TAX: dict[str, _TaxKind] = {
    "grundsteuerbescheid": _TaxKind(
        "GS",
        (
            "Grundsteuerbescheid {year}",
            "Bescheid über Grundsteuer für das Kalenderjahr {year}",
            "Festsetzung der Grundsteuer für {year}",
            "Bescheid über Grundbesitzabgaben {year}",
            "Grundbesitzabgabenbescheid",
        ),
        (
            "auf Grund des Grundsteuermessbescheides des Finanzamts wird die Grundsteuer für den "
            "nachstehend bezeichneten Grundbesitz festgesetzt.",
            "Der Hebesatz für die Grundsteuer B beträgt nach der Hebesatzsatzung {rate} v. H.",
            "Die Grundsteuer wird zu je einem Viertel am 15. Februar, 15. Mai, 15. August und "
            "15. November fällig.",
            "Der Grundsteuerwert wurde vom Finanzamt festgestellt.",
            "Der Messbetrag beruht auf dem Grundsteuermessbescheid des Finanzamts.",
            "Die Abgaben für Straßenreinigung und Abfallbeseitigung sind gesondert ausgewiesen.",
            "Dieser Bescheid gilt auch für die folgenden Jahre, bis ein neuer Bescheid ergeht.",
        ),
        (
            "Grundbesitz: {street}",
            "Grundsteuermessbetrag: {amount} EUR",
            "Hebesatz: {rate} %",
            "Jahresbetrag Grundsteuer B: {amount2} EUR",
            "Einheitswert-Aktenzeichen: {ewaz}",
        ),
    ),
    "gewerbesteuerbescheid": _TaxKind(
        "GW",
        (
            "Gewerbesteuerbescheid {year}",
            "Bescheid über Gewerbesteuer für {year}",
            "Bescheid über Vorauszahlungen zur Gewerbesteuer",
            "Gewerbesteuervorauszahlungsbescheid ab {year}",
            "Festsetzung der Gewerbesteuer",
        ),
        (
            "Auf Grund des Gewerbesteuermessbescheides des Finanzamts wird die Gewerbesteuer für "
            "den Erhebungszeitraum {year} festgesetzt.",
            "Der Hebesatz für die Gewerbesteuer beträgt {rate} v. H.",
            "Die Vorauszahlungen werden am 15.02., 15.05., 15.08. und 15.11. fällig.",
            "Der Gewerbeertrag wurde vom Finanzamt ermittelt.",
            "Bei mehreren Betriebsstätten richtet sich die Zerlegung nach dem Zerlegungsbescheid.",
            "Die bisher festgesetzten Vorauszahlungen werden angerechnet.",
            "Zinsen nach § 233a AO werden gesondert festgesetzt.",
        ),
        (
            "Steuermessbetrag: {amount} EUR",
            "Hebesatz: {rate} %",
            "Gewerbesteuer: {amount2} EUR",
            "abzüglich Vorauszahlungen: {amount} EUR",
            "Betrieb: {firm}",
        ),
    ),
    "hundesteuerbescheid": _TaxKind(
        "HU",
        (
            "Hundesteuerbescheid",
            "Bescheid über Hundesteuer ab {year}",
            "Festsetzung der Hundesteuer",
        ),
        (
            "für das Halten eines Hundes wird nach der Hundesteuersatzung der Stadt Hundesteuer "
            "festgesetzt.",
            "Die Steuermarke wird Ihnen mit diesem Bescheid übersandt.",
            "Als Zweithund gilt jeder weitere im Haushalt gehaltene Hund.",
            "Für einen gefährlichen Hund gilt ein erhöhter Steuersatz.",
            "Bitte teilen Sie uns die Abmeldung des Hundes innerhalb von zwei Wochen mit.",
            "Die Steuer wird jährlich am 1. Juli fällig.",
        ),
        (
            "Hunderasse: {breed}",
            "Steuermarke Nr.: {tag}",
            "Steuersatz Ersthund: {amount} EUR",
            "Hundehalter: {name}",
            "Jahressteuer: {amount2} EUR",
        ),
    ),
    "vergnuegungssteuerbescheid": _TaxKind(
        "VG",
        (
            "Vergnügungsteuerbescheid",
            "Vergnügungssteuerbescheid für das Quartal {q}/{year}",
            "Bescheid über Vergnügungsteuer",
            "Festsetzung der Vergnügungssteuer",
        ),
        (
            "Für das Halten von Spielgeräten mit Gewinnmöglichkeit wird die Vergnügungsteuer "
            "festgesetzt.",
            "Bemessungsgrundlage ist das Einspielergebnis der Geldspielgeräte.",
            "Die Steuer beträgt {rate} v. H. des Einspielergebnisses.",
            "Die Zählwerksausdrucke sind der Steueranmeldung beizufügen.",
            "Spielhalle und Aufstellort sind im Anhang aufgeführt.",
        ),
        (
            "Aufstellort: {street}",
            "Anzahl Geldspielgeräte: {tag}",
            "Einspielergebnis: {amount} EUR",
            "Steuer: {amount2} EUR",
            "Betreiber: {firm}",
        ),
    ),
    "zweitwohnungsteuerbescheid": _TaxKind(
        "ZW",
        (
            "Zweitwohnungsteuerbescheid",
            "Zweitwohnungssteuerbescheid {year}",
            "Bescheid über Zweitwohnungsteuer",
            "Festsetzung der Zweitwohnungssteuer",
        ),
        (
            "Sie sind mit einer Nebenwohnung in unserer Stadt gemeldet.",
            "Für das Innehaben einer Zweitwohnung wird Zweitwohnungsteuer festgesetzt.",
            "Bemessungsgrundlage ist die Jahresnettokaltmiete.",
            "Der Steuersatz beträgt {rate} v. H. des jährlichen Mietaufwands.",
            "Die Abmeldung des Nebenwohnsitzes beendet die Steuerpflicht zum Monatsende.",
        ),
        (
            "Wohnung: {street}",
            "Jahresrohmiete: {amount} EUR",
            "Steuersatz: {rate} %",
            "Zweitwohnungsteuer {year}: {amount2} EUR",
        ),
    ),
}


def _slots(doc: _Doc, year: int, town: tuple[str, str]) -> dict[str, str]:
    rng = doc.rng
    return {
        "year": str(year),
        "q": str(rng.randint(1, 4)),
        "rate": str(rng.choice((10, 12, 15, 20, 380, 395, 410, 450, 495, 520))),
        "amount": f"{rng.randint(20, 9000)},{rng.randint(0, 99):02d}",
        "amount2": f"{rng.randint(20, 90000)},{rng.randint(0, 99):02d}",
        "street": f"{rng.choice(_STREETS)} {rng.randint(1, 90)}, {town[1]} {town[0]}",
        "firm": f"{rng.choice(_LAST)} {rng.choice(_FIRMS)}",
        "breed": rng.choice(("Mischling", "Labrador", "Dackel", "Schäferhund", "Pudel")),
        "tag": str(rng.randint(1, 400)),
        "name": _person(rng)[1],
        "ewaz": f"{rng.randint(100, 999)}/{rng.randint(100, 999)}-{rng.randint(1, 9)}-"
        f"{rng.randint(10000, 99999)}",
    }


def _tax_bescheid(doc: _Doc, doc_type: str) -> None:
    rng = doc.rng
    kind = _TAX[doc_type]
    town = rng.choice(_TOWNS)
    when = _random_date(rng)
    slots = _slots(doc, when.year, town)
    az = _aktenzeichen(rng, "22", kind.code, when.year)
    stnr = _stnr_value(rng)
    doc.ident("aktenzeichen", az)
    _letterhead(doc, town, rng.choice(_TAX_OFFICES))
    doc.add(*_address(rng, town), "")
    if rng.random() < 0.2:
        _reference_row(doc, when, az)
        info = [_officer(doc)]
    else:
        info = [_date_line(doc, town, when), _officer(doc), _phone_line(doc)]
        label = rng.choice(("Aktenzeichen", "Az.", "Geschäftszeichen", "Unser Zeichen"))
        info.append(f"{label}: {_keep(az)}")
    if rng.random() < 0.8:
        label = rng.choice(("Steuernummer", "Steuer-Nr.", "St.-Nr.", "StNr"))
        shape = rng.random()
        if shape < 0.1:  # the 13-digit form of ELSTER
            stnr = _stnr.to_country_number(stnr, "Bayern")
            printed = stnr
        else:
            printed = stnr if shape < 0.8 else stnr.replace("/", " ")
        doc.ident("steuernummer", stnr)
        info.append(f"{label}: {_keep(printed)}")
    if rng.random() < 0.6:
        idnr = _idnr_value(rng)
        doc.ident("steuer_idnr", idnr)
        info.append(f"Steuer-IdNr.: {_keep(_print_idnr(rng, idnr))}")
    elif rng.random() < 0.3:  # decoy: mistyped IdNr
        info.append(f"Identifikationsnummer: {_keep(_print_idnr(rng, _idnr_wrong(rng)))}")
    if rng.random() < 0.5:
        info.append(f"Kassenzeichen: {_kassenzeichen(rng)}")
    _info_block(doc, info)
    doc.add("", rng.choice(kind.titles).format(**slots), "")
    doc.add(
        rng.choice(
            (
                "Sehr geehrte Damen und Herren,",
                "Sehr geehrte Frau Schulze,",
                "Sehr geehrter Herr Meier,",
            )
        ),
        "",
    )
    for sentence in _pick(rng, kind.body, 2, 5):
        doc.add(sentence.format(**slots))
    doc.add("")
    for row in _pick(rng, kind.table, 2, len(kind.table)):
        doc.add(row.format(**slots).replace(": ", ":" + " " * rng.randint(1, 12), 1))
    if rng.random() < 0.5:
        due = when + timedelta(days=rng.randint(14, 60))
        doc.add("", f"Der Betrag ist zahlbar bis {_keep(_fmt_date(rng, due))}.")
    if rng.random() < 0.6:
        iban = _de_iban(rng)
        doc.ident("iban", iban)
        doc.add(
            f"Der Betrag wird per SEPA-Lastschrift von Ihrem Konto {_keep(_print_iban(rng, iban))} "
            "eingezogen."
        )
    elif rng.random() < 0.4:  # decoy: the payer's account abroad
        doc.add(
            f"Erstattungen überweisen wir auf Ihr Konto {_keep(_print_iban(rng, _foreign_iban(rng)))}."
        )
    if rng.random() < 0.5:
        doc.add(rng.choice(_FILLER))
    doc.add("", *_RECHTSBEHELF)
    _signature(doc)
    if rng.random() < 0.6:
        _town_account(doc)


# --- building authority -------------------------------------------------------------------

_BAU_CODES = {
    "bauantrag": "BG",
    "baugenehmigung": "BG",
    "bauvorbescheid": "VB",
    "bauzeichnung": "BG",
    "standsicherheitsnachweis": "BG",
    "abnahmeschein": "BG",
}
_VORHABEN = (
    "Neubau eines Einfamilienhauses mit Garage",
    "Anbau eines Wintergartens",
    "Errichtung eines Carports",
    "Umbau und Nutzungsänderung einer Scheune zu Wohnzwecken",
    "Neubau eines Mehrfamilienhauses mit 6 Wohneinheiten",
    "Aufstockung des Wohnhauses",
    "Errichtung einer Lagerhalle",
    "Abbruch und Neubau eines Zweifamilienhauses",
)


def _bau_header(doc: _Doc, doc_type: str, outgoing: bool) -> tuple[tuple[str, str], date, str]:
    rng = doc.rng
    town = rng.choice(_TOWNS)
    when = _random_date(rng)
    az = _aktenzeichen(rng, "63", _BAU_CODES[doc_type], when.year)
    doc.ident("aktenzeichen", az)
    if outgoing:
        _letterhead(doc, town, rng.choice(_BUILD_OFFICES))
        doc.add(*_address(rng, town), "")
        if rng.random() < 0.2:
            _reference_row(doc, when, az)
            info = [_officer(doc)]
        else:
            info = [
                _date_line(doc, town, when),
                _officer(doc),
                _phone_line(doc),
                f"{rng.choice(('Aktenzeichen', 'Az.', 'Geschäftszeichen'))}: {_keep(az)}",
            ]
        if rng.random() < 0.4:
            info.append(
                f"Ihr Zeichen: {rng.choice(string.ascii_uppercase)}{rng.randint(1, 99)}/{when.year}"
            )
        _info_block(doc, info)
    return town, when, az


def _bau_letter(doc: _Doc, doc_type: str, titles: Sequence[str]) -> None:
    """The authority's letter up to its heading."""
    _bau_header(doc, doc_type, outgoing=True)
    doc.add("", doc.rng.choice(titles), "")


def _plot(doc: _Doc) -> str:
    printed, canonical = _flurstueck(doc.rng)
    doc.ident("flurstueck", canonical)
    return _keep(printed)


def _baugenehmigung(doc: _Doc, doc_type: str) -> None:
    rng = doc.rng
    _bau_letter(
        doc,
        doc_type,
        ("Baugenehmigung", "Baugenehmigungsbescheid", "BAUSCHEIN", "Baugenehmigung nach § 64 LBO"),
    )
    vorhaben = rng.choice(_VORHABEN)
    doc.add(
        f"Bauvorhaben: {vorhaben}",
        f"Baugrundstück: {_plot(doc)}",
        f"Bauherr: {_person(rng)[1]}",
        "",
    )
    body = (
        "auf Ihren Bauantrag vom {d} wird die Baugenehmigung nach Maßgabe der mit "
        "Genehmigungsvermerk versehenen Bauvorlagen erteilt.",
        "Die Baugenehmigung wird unter den folgenden Nebenbestimmungen erteilt.",
        "Der Baubeginn ist der Bauaufsichtsbehörde eine Woche vorher anzuzeigen.",
        "Die Geltungsdauer der Baugenehmigung beträgt drei Jahre.",
        "Auflage 1: Die Stellplätze sind vor Ingebrauchnahme herzustellen.",
        "Auflage 2: Die Baufreigabe erfolgt erst nach Vorlage des geprüften Standsicherheitsnachweises.",
        "Die Gebühr für diese Genehmigung wird mit gesondertem Bescheid festgesetzt.",
        "Rechte Dritter bleiben unberührt.",
    )
    antrag = _keep(_fmt_date(rng, _random_date(rng, 2015, 2016)))
    for sentence in _pick(rng, body, 3, 6):
        doc.add(sentence.format(d=antrag))
    doc.add("", *_RECHTSBEHELF)
    _signature(doc)


def _bauvorbescheid(doc: _Doc, doc_type: str) -> None:
    rng = doc.rng
    _bau_letter(
        doc,
        doc_type,
        (
            "Bauvorbescheid",
            "Vorbescheid",
            "Bescheid über Ihre Bauvoranfrage",
            "Vorbescheid nach § 75 LBO",
        ),
    )
    doc.add(f"Vorhaben: {rng.choice(_VORHABEN)}", f"Grundstück: {_plot(doc)}", "")
    body = (
        "auf Ihre Voranfrage wird festgestellt, dass das Vorhaben bauplanungsrechtlich zulässig ist.",
        "Das Grundstück liegt im unbeplanten Innenbereich; die Zulässigkeit richtet sich nach "
        "§ 34 BauGB.",
        "Das Grundstück liegt im Außenbereich (§ 35 BauGB); das Vorhaben ist nicht privilegiert.",
        "Das Vorhaben liegt im Geltungsbereich des Bebauungsplans Nr. {n}.",
        "Die planungsrechtliche Zulässigkeit wird unter der Bedingung bestätigt, dass die "
        "Grundflächenzahl eingehalten wird.",
        "Die Geltungsdauer des Vorbescheids beträgt drei Jahre.",
        "Der Vorbescheid ersetzt nicht die Baugenehmigung.",
    )
    for sentence in _pick(rng, body, 3, 5):
        doc.add(sentence.format(n=rng.randint(1, 120)))
    doc.add("", *_RECHTSBEHELF)
    _signature(doc)


def _bauantrag(doc: _Doc, doc_type: str) -> None:
    """A citizen's application: a form, or a letter; dated where the applicant signs."""
    rng = doc.rng
    town, when, az = _bau_header(doc, doc_type, outgoing=False)
    applicant = _person(rng)[1]
    if rng.random() < 0.6:
        doc.add(
            rng.choice(
                (
                    "Antrag auf Baugenehmigung",
                    "BAUANTRAG",
                    "Bauantrag nach § 68 LBO",
                    "Antrag auf Erteilung einer Baugenehmigung",
                )
            ),
            f"an die {rng.choice(_BUILD_OFFICES)} der Stadt {town[0]}",
            "",
        )
        doc.add(
            f"Eingangsstempel: eingegangen am {_keep(_fmt_date(rng, when + timedelta(days=rng.randint(1, 9))))}"
        )
        doc.add(f"Aktenzeichen (von der Behörde auszufüllen): {_keep(az)}", "")
        rows = [
            f"1. Bauherr: {applicant}, {rng.choice(_STREETS)} {rng.randint(1, 60)}",
            f"   Telefon: {_phone(rng)}",
            f"2. Entwurfsverfasser: {_person(rng)[1]}, {rng.choice(_FIRMS)}",
            f"3. Baugrundstück: {_plot(doc)}",
            f"4. Bauvorhaben: {rng.choice(_VORHABEN)}",
            "5. Bauvorlagen: Lageplan, Bauzeichnungen, Baubeschreibung, Standsicherheitsnachweis",
        ]
        if rng.random() < 0.4:
            rows.insert(1, f"   geb. am {_keep(_fmt_date(rng, _random_date(rng, 1940, 1995)))}")
        doc.add(*rows, "")
        doc.add("Ich beantrage hiermit die Baugenehmigung für das oben bezeichnete Vorhaben.")
        doc.add(
            "",
            f"Ort, Datum: {town[0]}, {_keep(_fmt_date(rng, when))}",
            "Unterschrift Bauherr",
            applicant,
        )
        doc.document_date = when
    else:
        doc.add(
            applicant, f"{rng.choice(_STREETS)} {rng.randint(1, 60)}", f"{town[1]} {town[0]}", ""
        )
        doc.add(f"Stadt {town[0]}", rng.choice(_BUILD_OFFICES), f"{town[1]} {town[0]}", "")
        doc.add(_date_line(doc, town, when), "")
        doc.truth["aktenzeichen"].discard(az)  # an application has no file number yet
        doc.add(rng.choice(("Bauantrag", "Antrag auf Erteilung der Baugenehmigung")), "")
        doc.add("Sehr geehrte Damen und Herren,", "")
        doc.add(
            rng.choice(
                (
                    "hiermit beantrage ich die Baugenehmigung für folgendes Vorhaben:",
                    "hiermit beantragen wir die Baugenehmigung für das Bauvorhaben",
                )
            ),
            rng.choice(_VORHABEN),
            f"auf dem Grundstück {_plot(doc)}.",
            "Die Bauvorlagen (Lageplan, Baubeschreibung, Bauzeichnungen) liegen bei.",
            "Als Entwurfsverfasser ist das Büro " + rng.choice(_LAST) + " beauftragt.",
        )
        _signature(doc)
        if rng.random() < 0.5:
            doc.add(
                "", f"Eingang: {_keep(_fmt_date(rng, when + timedelta(days=rng.randint(1, 9))))}"
            )


def _bauzeichnung(doc: _Doc, doc_type: str) -> None:
    """A drawing: little text, scattered labels, a title block in the corner."""
    rng = doc.rng
    _town, when, az = _bau_header(doc, doc_type, outgoing=False)
    views = [
        "Grundriss Erdgeschoss",
        "Grundriss Obergeschoss",
        "Grundriss Kellergeschoss",
        "Ansicht Nord",
        "Ansicht Süd",
        "Ansicht Ost",
        "Ansicht West",
        "Schnitt A-A",
        "Schnitt B-B",
        "Dachgeschoss",
    ]
    labels = [
        "Wohnen 32,40 m²",
        "Küche 12,1 m²",
        "Bad",
        "Flur",
        "OKFF ±0,00",
        "Traufhöhe 6,35",
        "Firsthöhe 9,80",
        "Dachneigung 38°",
        "2,51",
        "11,49",
        "Treppe 17 x 17,5/26",
        "Abstellraum",
        "Schlafen 14,2 m²",
        "Kind 11,8 m²",
        "HAR",
    ]
    for _ in range(rng.randint(3, 9)):
        doc.add(" " * rng.randint(0, 40) + rng.choice(labels))
    doc.add("", rng.choice(views) + f"    M 1:{rng.choice((50, 100))}", "")
    for _ in range(rng.randint(1, 5)):
        doc.add(" " * rng.randint(0, 40) + rng.choice(labels))
    block = [
        f"Bauvorhaben: {rng.choice(_VORHABEN)}",
        f"Bauherr: {_person(rng)[1]}",
        f"Entwurfsverfasser: {rng.choice(_LAST)} {rng.choice(_FIRMS)}",
        f"Plan-Nr. {rng.randint(1, 40)}   Maßstab 1:{rng.choice((50, 100))}",
        f"Bauzeichnung{rng.choice(('', ' zum Bauantrag'))}",
    ]
    if rng.random() < 0.6:
        block.append(_plot(doc))
    if rng.random() < 0.5:
        block.append(f"Az.: {_keep(az)}")
    else:
        doc.truth["aktenzeichen"].discard(az)
    if rng.random() < 0.7:
        block.append(f"Datum: {_keep(_fmt_date(rng, when))}")
        doc.document_date = when
    doc.add("", *block)


def _statik(doc: _Doc, doc_type: str) -> None:
    rng = doc.rng
    town, when, az = _bau_header(doc, doc_type, outgoing=False)
    engineer = f"Ingenieurbüro {rng.choice(_LAST)}"
    doc.add(
        engineer + " · Tragwerksplanung",
        f"{rng.choice(_STREETS)} {rng.randint(1, 90)}, {town[1]} {town[0]}",
        "",
    )
    doc.add(
        rng.choice(
            (
                "Standsicherheitsnachweis",
                "Statische Berechnung",
                "Nachweis der Standsicherheit",
                "Prüfbericht Standsicherheit",
            )
        ),
        f"Bauvorhaben: {rng.choice(_VORHABEN)}",
        f"Baugrundstück: {_plot(doc)}",
    )
    doc.add(f"Az. der Bauaufsicht: {_keep(az)}", f"Datum: {_keep(_fmt_date(rng, when))}", "")
    doc.document_date = when
    pos = (
        "Pos. {n} Lastannahmen: Eigengewicht g = {a} kN/m², Nutzlast q = 2,0 kN/m²",
        "Schneelast nach DIN EN 1991-1-3: s = {a} kN/m²",
        "Windlast nach Eurocode 1, Windzone 2",
        "Pos. {n} Stahlbetondecke d = 20 cm, C25/30, Bewehrung B500",
        "Pos. {n} Fundament: Streifenfundament b = 60 cm, Bodenpressung {a} kN/m²",
        "Bemessung des Sturzes über Öffnung {n}: M = {a} kNm",
        "Das Tragwerk ist standsicher.",
        "Prüfingenieur für Baustatik: Dipl.-Ing. {p}",
        "Verkehrslast Treppenhaus 3,5 kN/m²",
    )
    for line in _pick(rng, pos, 4, 8):
        doc.add(
            line.format(
                n=rng.randint(1, 30),
                a=f"{rng.randint(1, 9)},{rng.randint(0, 9)}",
                p=rng.choice(_LAST),
            )
        )
    doc.add("", f"Aufgestellt: {engineer}")


def _abnahmeschein(doc: _Doc, doc_type: str) -> None:
    rng = doc.rng
    _bau_letter(
        doc,
        doc_type,
        (
            "Abnahmeschein",
            "Bescheinigung über die Schlussabnahme",
            "Rohbauabnahme",
            "Bauzustandsbesichtigung – Fertigstellung",
            "Schlussabnahmeschein",
        ),
    )
    doc.add(f"Bauvorhaben: {rng.choice(_VORHABEN)}", f"Grundstück: {_plot(doc)}")
    visit = doc.document_date or _random_date(rng)
    body = (
        "Die Besichtigung am {d} ergab keine Beanstandungen.",
        "Das Bauvorhaben wurde ohne Beanstandung abgenommen.",
        "Folgende Mängel sind bis zum {f} zu beseitigen: fehlende Absturzsicherung.",
        "Gegen die Ingebrauchnahme bestehen keine Bedenken.",
        "Der Rohbau ist fertiggestellt und wurde abgenommen.",
        "Die Nutzungsaufnahme ist der Bauaufsicht anzuzeigen.",
        "Die Fertigstellung wurde am {d} angezeigt.",
    )
    for sentence in _pick(rng, body, 2, 4):
        doc.add(
            sentence.format(
                d=_keep(_fmt_date(rng, visit - timedelta(days=rng.randint(1, 20)))),
                f=_keep(_fmt_date(rng, visit + timedelta(days=30))),
            )
        )
    _signature(doc)


# --- correspondence -------------------------------------------------------------------------


def _widerspruch(doc: _Doc, doc_type: str) -> None:
    """A citizen objects to a Bescheid, which it names: the hard case for keyword rules."""
    rng = doc.rng
    town = rng.choice(_TOWNS)
    when = _random_date(rng)
    contested = rng.choice((*_TAX, "baugenehmigung", "bauvorbescheid"))
    label = {"vergnuegungssteuerbescheid": "Vergnügungsteuerbescheid"}.get(
        contested, contested.capitalize()
    )
    amt, code = ("63", "BG") if contested.startswith("bau") else ("22", _TAX[contested].code)
    az = _aktenzeichen(rng, amt, code, when.year)
    doc.ident("aktenzeichen", az)
    sender = _person(rng)[1]
    doc.add(sender, f"{rng.choice(_STREETS)} {rng.randint(1, 60)}", f"{town[1]} {town[0]}", "")
    doc.add(f"Stadt {town[0]}", rng.choice((*_TAX_OFFICES, *_BUILD_OFFICES)), "")
    if rng.random() < 0.85:  # citizens do not always date their letters
        doc.add(_date_line(doc, town, when), "")
    issued = _keep(_fmt_date(rng, when - timedelta(days=rng.randint(5, 28))))
    doc.add(
        rng.choice(
            (
                f"Widerspruch gegen den {label} vom {issued}",
                f"Betreff: {label} vom {issued}, Az. {_keep(az)}",
                f"Widerspruch – Ihr Bescheid vom {issued}",
            )
        )
    )
    if "Az." not in doc.lines[-1]:
        doc.add(f"Ihr Zeichen: {_keep(az)}")
    if contested in _TAX and rng.random() < 0.5:
        stnr = _stnr_value(rng)
        doc.ident("steuernummer", stnr)
        doc.add(f"Steuernummer: {_keep(stnr)}")
    doc.add("", "Sehr geehrte Damen und Herren,", "")
    body = (
        f"gegen den {label} vom {issued} lege ich hiermit Widerspruch ein.",
        f"hiermit erhebe ich Widerspruch gegen Ihren {label}.",
        "Ich widerspreche hiermit dem oben genannten Bescheid.",
        "Begründung: Die Berechnung ist fehlerhaft, da die Fläche falsch angesetzt wurde.",
        "Ich beantrage die Aussetzung der Vollziehung bis zur Entscheidung.",
        "Der Bescheid ist rechtswidrig und daher aufzuheben.",
        "Eine ausführliche Begründung reiche ich nach.",
        "Ich bitte um Abhilfe und um Übersendung einer Kopie der Akte.",
    )
    first, *rest = body
    chosen = [rng.choice((first, body[1], body[2])), *_pick(rng, rest[2:], 1, 4)]
    doc.add(*chosen)
    if rng.random() < 0.3:
        doc.add(
            f"Ich bin am {_keep(_fmt_date(rng, _random_date(rng, 1940, 1995)))} geboren und "
            "seit Jahren Eigentümer."
        )
    if rng.random() < 0.3:
        iban = _de_iban(rng)
        if rng.random() < 0.3:  # decoy: a typo in the citizen's own IBAN
            iban = _de_iban_wrong(rng)
        else:
            doc.ident("iban", iban)
        doc.add(f"Eine Erstattung bitte auf mein Konto {_keep(_print_iban(rng, iban))}.")
    if rng.random() < 0.3:
        doc.add(f"Tel. {_phone(rng)}")
    doc.add("", rng.choice(_CLOSINGS), sender)
    if rng.random() < 0.5:
        doc.add(
            "", f"Eingegangen am {_keep(_fmt_date(rng, when + timedelta(days=rng.randint(1, 6))))}"
        )


def _schriftverkehr(doc: _Doc, doc_type: str) -> None:
    """Replies, receipts, notes of a call: they mention other documents by name."""
    rng = doc.rng
    town = rng.choice(_TOWNS)
    when = _random_date(rng)
    tax = rng.random() < 0.5
    code = rng.choice(("GS", "GW", "HU")) if tax else rng.choice(("BG", "VB"))
    az = _aktenzeichen(rng, "22" if tax else "63", code, when.year)
    doc.ident("aktenzeichen", az)
    mentioned = rng.choice(
        ("Grundsteuerbescheid", "Hundesteuerbescheid", "Gewerbesteuerbescheid")
        if tax
        else ("Bauantrag", "Baugenehmigung", "Bauvoranfrage")
    )
    earlier = _keep(_fmt_date(rng, when - timedelta(days=rng.randint(3, 40))))
    if rng.random() < 0.3:  # internal note
        doc.add(rng.choice(("Aktenvermerk", "Gesprächsnotiz", "Vermerk")), "")
        doc.add(f"Az.: {_keep(az)}", f"Datum: {_keep(_fmt_date(rng, when))}", "")
        doc.document_date = when
        doc.add(
            f"Anruf von {_person(rng)[1]} ({_phone(rng)}) zum {mentioned} vom {earlier}.",
            rng.choice(
                (
                    "Rückruf zugesagt.",
                    "Unterlagen werden nachgereicht.",
                    "Termin zur Akteneinsicht vereinbart.",
                )
            ),
            "",
            rng.choice(_LAST),
        )
        return
    _letterhead(doc, town, rng.choice(_TAX_OFFICES if tax else _BUILD_OFFICES))
    doc.add(*_address(rng, town), "")
    _info_block(
        doc,
        [
            _date_line(doc, town, when),
            _officer(doc),
            _phone_line(doc),
            f"{rng.choice(('Aktenzeichen', 'Az.', 'Unser Zeichen'))}: {_keep(az)}",
        ],
    )
    doc.add(
        "",
        rng.choice(
            (
                f"Ihr Schreiben vom {earlier}",
                f"Ihre Anfrage vom {earlier}",
                f"Eingangsbestätigung – {mentioned}",
                "Sachstandsanfrage",
                f"Anhörung zum {mentioned}",
                "Terminvereinbarung",
            )
        ),
        "",
    )
    doc.add("Sehr geehrte Damen und Herren,", "")
    body = (
        f"vielen Dank für Ihr Schreiben vom {earlier} zum {mentioned}.",
        f"wir bestätigen den Eingang Ihrer Unterlagen zum {mentioned}.",
        "Zur weiteren Bearbeitung benötigen wir noch folgende Unterlagen.",
        "Bitte reichen Sie die fehlenden Unterlagen innerhalb von vier Wochen nach.",
        "Die Bearbeitung wird voraussichtlich noch einige Wochen dauern.",
        "Für eine Rückfrage erreichen Sie uns telefonisch.",
        f"Einen Termin können Sie unter {_phone(rng)} vereinbaren.",
        "Bitte haben Sie Verständnis, dass wir telefonisch keine Auskünfte erteilen.",
    )
    doc.add(rng.choice(body[:2]), *_pick(rng, body[2:], 1, 4))
    if rng.random() < 0.4:
        doc.add(rng.choice(_FILLER))
    _signature(doc)
    if rng.random() < 0.4:
        _town_account(doc)


_BUILDERS: dict[str, Callable[[_Doc, str], None]] = {
    **dict.fromkeys(_TAX, _tax_bescheid),
    "bauantrag": _bauantrag,
    "baugenehmigung": _baugenehmigung,
    "bauvorbescheid": _bauvorbescheid,
    "bauzeichnung": _bauzeichnung,
    "standsicherheitsnachweis": _statik,
    "abnahmeschein": _abnahmeschein,
    "widerspruch": _widerspruch,
    "schriftverkehr": _schriftverkehr,
}
TYPES: tuple[str, ...] = tuple(_BUILDERS)


# --- OCR noise ---------------------------------------------------------------------------

_CONFUSIONS = {
    "e": "c",
    "c": "e",
    "i": "l",
    "l": "1",
    "o": "0",
    "O": "0",
    "a": "o",
    "n": "u",
    "u": "n",
    "h": "b",
    "ü": "ii",
    "ö": "o",
    "ä": "a",
    "ß": "B",
    "f": "t",
    "t": "f",
    "S": "5",
    "B": "8",
    "m": "rn",
    "rn": "m",
    "g": "q",
    ",": ".",
    ".": ",",
}


def _keep_line(line: str) -> str:
    """A line that prints an identifier or date is kept whole: its label is its context."""
    if _KEEP_OPEN not in line:
        return line
    return _keep(line.replace(_KEEP_OPEN, "").replace(_KEEP_CLOSE, ""))


def _noisy(text: str, rate: float, rng: random.Random) -> str:
    """OCR-like damage outside the kept spans: confusions, drops, split and merged words."""
    out: list[str] = []
    for i, part in enumerate(re.split(f"[{_KEEP_OPEN}{_KEEP_CLOSE}]", text)):
        if i % 2 == 1 or rate <= 0:
            out.append(part)
            continue
        chars: list[str] = []
        for ch in part:
            roll = rng.random()
            if ch == "\n" or roll >= rate * 2:
                chars.append(ch)
            elif roll < rate:
                chars.append(_CONFUSIONS.get(ch, ch))
            elif roll < rate * 1.3:
                continue  # dropped
            elif roll < rate * 1.6 and ch.isalpha():
                chars.append(ch + " ")  # split word
            elif roll < rate * 1.8 and ch == " ":
                continue  # merged words
            else:
                chars.append(ch)
        out.append("".join(chars))
    lines = "".join(out).split("\n")
    for _ in range(rng.randint(0, 2) if rate > 0 else 0):  # speckle read as text
        at = rng.randrange(len(lines) + 1)
        if at == 0 or not lines[at - 1].strip():  # between paragraphs, not inside a wrapped line
            lines.insert(at, rng.choice(("~", ". ,", "'", "|", "—  .")))
    return "\n".join(lines)


# --- public API -------------------------------------------------------------------------


def generate(
    n: int, seed: int, noise: float = 0.02, types: Sequence[str] | None = None
) -> list[GeneratedDoc]:
    """`n` documents, the types in turn; the same seed always gives the same documents."""
    chosen = tuple(types) if types else TYPES
    unknown = sorted(set(chosen) - set(TYPES))
    if unknown:
        raise ValueError(f"no generator for document types: {', '.join(unknown)}")
    rng = random.Random(seed)
    docs: list[GeneratedDoc] = []
    for i in range(n):
        doc_type = chosen[i % len(chosen)]
        doc = _Doc(random.Random(rng.getrandbits(64)))
        _BUILDERS[doc_type](doc, doc_type)
        text = _noisy(
            "\n".join(map(_keep_line, doc.lines)), noise * doc.rng.uniform(0.3, 1.7), doc.rng
        )
        truth = {kind: frozenset(values) for kind, values in doc.truth.items() if values}
        docs.append(GeneratedDoc(doc_type, text, truth, doc.document_date))
    return docs


def write_folder(docs: Sequence[GeneratedDoc], folder: Path) -> list[Path]:
    """A labelled folder as `eakte classifier train|evaluate` reads it: one sub-folder per type."""
    paths = []
    for i, doc in enumerate(docs):
        path = Path(folder) / doc.doc_type / f"{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc.text + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write generated German municipal documents.")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write (one sub-folder per type)"
    )
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", type=float, default=0.02)
    args = parser.parse_args(argv)
    paths = write_folder(generate(args.n, args.seed, args.noise), args.out)
    print(f"{len(paths)} documents in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
