"""Extraction: identifiers verified by check digits, dates, document date, Aktenzeichen, title.

Test numbers are built with python-stdnum's own check-digit functions, never typed by hand.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as std_iban
from stdnum import numdb
from stdnum.de import idnr as std_idnr
from stdnum.de import stnr as std_stnr
from stdnum.iso7064 import mod_11_10

from classifiers.extract import Extraction, Identifier, extract
from classifiers.fileplan import FilePlan
from tests.classifiers import samples

AZ = r"\b\d{2,3}-[A-Z]{1,5}-(?:19|20)\d{2}-\d{3,5}\b"


def make_idnr(first_ten: str) -> str:
    number = first_ten + mod_11_10.calc_check_digit(first_ten)
    assert std_idnr.is_valid(number)
    return number


def make_iban(country: str, bban: str) -> str:
    number = country + std_iban.calc_check_digits(country + "00" + bban) + bban
    assert std_iban.is_valid(number), number
    return number


def broken_check(number: str, index: int) -> str:
    """The same number with one check digit changed (so the checksum fails)."""
    digit = str((int(number[index]) + 1) % 10)
    return number[:index] + digit + number[index + 1 :]


IDNR = make_idnr("8609574271")
DE_IBAN = make_iban("DE", "370400440532013000")
NL_IBAN = make_iban("NL", "ABNA0417164300")


def kinds(result: Extraction, kind: str) -> list[Identifier]:
    return [i for i in result.identifiers if i.kind == kind]


def values(result: Extraction, kind: str) -> list[str]:
    return [i.value for i in kinds(result, kind)]


# --- Steuernummer ---------------------------------------------------------------


@pytest.mark.parametrize(
    "printed",
    ["181/815/08155", "133/8150/8159", "12/345/67890", "21/815/08150", "181 / 815 / 08155"],
)
def test_regional_steuernummer_after_label(printed: str) -> None:
    assert std_stnr.is_valid(printed)
    for label in ("Steuernummer:", "St.-Nr.", "StNr", "Steuer-Nr.:"):
        result = extract(f"Betrieb Müller GmbH\n{label} {printed}\n", AZ)
        assert values(result, "steuernummer") == [printed.replace(" ", "")], label
        assert kinds(result, "steuernummer")[0].raw == printed


def test_regional_shape_without_label_is_ignored() -> None:
    result = extract("Bestellnummer 181/815/08155\n", AZ)
    assert values(result, "steuernummer") == []


def test_federal_steuernummer_anywhere_if_valid() -> None:
    assert std_stnr.is_valid("9181081508155")
    result = extract("Ihre Steuer 9181081508155 wurde festgesetzt.\n", AZ)
    assert values(result, "steuernummer") == ["9181081508155"]
    # a 13-digit number in no Land's format is not a Steuernummer
    assert not std_stnr.is_valid("9181181508155")
    assert values(extract("Nummer 9181181508155\n", AZ), "steuernummer") == []


# --- Steuer-IdNr ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["{}", "{} {} {} {}"])
def test_idnr_compact_and_grouped(fmt: str) -> None:
    printed = fmt.format(IDNR) if fmt == "{}" else std_idnr.format(IDNR)
    result = extract(f"Steuerliche Identifikationsnummer: {printed}\n", AZ)
    assert values(result, "steuer_idnr") == [IDNR]
    assert kinds(result, "steuer_idnr")[0].raw == printed


def test_idnr_with_wrong_check_digit_is_not_reported() -> None:
    wrong = broken_check(IDNR, 10)
    assert not std_idnr.is_valid(wrong)
    result = extract(f"IdNr. {std_idnr.format(wrong)}\n", AZ)
    assert values(result, "steuer_idnr") == []


# --- IBAN -----------------------------------------------------------------------


def test_iban_grouped_compact_and_foreign() -> None:
    text = (
        f"Bankverbindung: IBAN {std_iban.format(DE_IBAN)}  BIC COBADEFFXXX\noder IBAN: {NL_IBAN}\n"
    )
    result = extract(text, AZ, iban_countries=("DE", "nl"))
    assert values(result, "iban") == [DE_IBAN, NL_IBAN]
    assert kinds(result, "iban")[0].raw == std_iban.format(DE_IBAN)


def test_foreign_iban_is_not_an_identifier_by_default_nor_read_as_idnr() -> None:
    text = f"Erstattung auf Konto {NL_IBAN}\nIBAN {std_iban.format(DE_IBAN)}\n"
    result = extract(text, AZ)
    assert values(result, "iban") == [DE_IBAN]
    assert values(result, "steuer_idnr") == []


def test_iban_with_wrong_checksum_is_dropped() -> None:
    wrong = broken_check(DE_IBAN, 3)
    assert not std_iban.is_valid(wrong)
    result = extract(f"IBAN {std_iban.format(wrong)}\n", AZ)
    assert values(result, "iban") == []
    assert values(result, "steuer_idnr") == []


# --- Aktenzeichen ---------------------------------------------------------------


def test_aktenzeichen_by_pattern_and_by_label(plan: FilePlan) -> None:
    text = (
        "Unser Zeichen: 22-GS-2024-00012\n"
        "Bezug: Bauakte 63-BG-2024-0117\n"
        "Az.: 63/BG 117/2024   Datum: 12.03.2024\n"
        "Aktenzeichen: III-2 / 4711\n"
    )
    result = extract(text, plan.aktenzeichen_pattern)
    assert values(result, "aktenzeichen") == [
        "22-GS-2024-00012",
        "63-BG-2024-0117",
        "63/BG 117/2024",
        "III-2 / 4711",
    ]


# --- Flurstück ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gemarkung Musterdorf, Flur 3, Flurstück 127/4", ["Musterdorf/3/127/4"]),
        ("Flurstück 127/4 der Flur 3 in der Gemarkung Musterdorf", ["Musterdorf/3/127/4"]),
        ("Gem. Musterdorf, Fl. 3, Flst. 127/4", ["Musterdorf/3/127/4"]),
        ("Grundstück: Flur 3, Flst. 127/4", ["-/3/127/4"]),
        (
            "Gemarkung Neu-Musterdorf Flur 12 Flurstücke 127/4 und 128",
            [
                "Neu-Musterdorf/12/127/4",
                "Neu-Musterdorf/12/128",
            ],
        ),
        ("Flurstueck 99, Flur 1, Gemarkung Altdorf", ["Altdorf/1/99"]),
    ],
)
def test_flurstueck(text: str, expected: list[str]) -> None:
    assert values(extract(text + "\n", AZ), "flurstueck") == expected


# --- Dates ----------------------------------------------------------------------


def test_date_formats_and_impossible_dates() -> None:
    text = (
        "am 12.03.2024, am 1.3.24, am 12. März 2024, am 3. Mai 2023, am 2024-03-14,\n"
        "am 31.02.2024 und am 2024-13-01 und am 30. Februar 2024.\n"
    )
    result = extract(text, AZ)
    assert result.dates == (
        date(2023, 5, 3),
        date(2024, 3, 1),
        date(2024, 3, 12),
        date(2024, 3, 14),
    )


def test_header_date_wins_over_birth_date_and_deadline() -> None:
    text = (
        "Stadt Musterstadt\n"
        "Herrn Max Mustermann, geb. 01.02.1970\n"
        "Zahlbar bis zum 15.04.2024\n"
        "Musterstadt, den 12.03.2024\n"
        "Grundsteuerbescheid\n"
    )
    result = extract(text, AZ)
    assert result.document_date == date(2024, 3, 12)
    assert set(result.dates) == {date(1970, 2, 1), date(2024, 4, 15), date(2024, 3, 12)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Datum: 05.06.2024\nBescheid\n", date(2024, 6, 5)),
        ("Stadt X               Musterstadt, 7. Juni 2024\nBescheid\n", date(2024, 6, 7)),
        ("Mitteilung\nIhr Antrag vom 02.01.2024\n", None),  # the citizen's date, not ours
        ("Widerspruch gegen den Bescheid vom 02.01.2024\n", None),
        ("Betreff: Grundsteuerbescheid vom 02.01.2024\n", None),
        ("Sehr geehrte Damen und Herren,\nich bin am 03.04.1967 geboren\n", None),
        ("Eingangsstempel: eingegangen am 05.02.2024\n", None),
        ("Antrag\n" + "Zeile\n" * 30 + "Ort, Datum: Musterdorf, 01.02.2024\n", date(2024, 2, 1)),
        ("Hinweis\nErster Termin 2024-02-03\n", date(2024, 2, 3)),
        ("Geburtsdatum: 01.01.1980\nfällig am 01.07.2024\n", None),
        ("Keine Daten hier.\n", None),
    ],
)
def test_document_date(text: str, expected: date | None) -> None:
    assert extract(text, AZ).document_date == expected


@pytest.mark.parametrize("datum_label", ["Datum", "Dotum"])  # OCR garbles labels
def test_document_date_under_datum_in_a_din_5008_reference_row(datum_label: str) -> None:
    text = (
        "Stadt Musterstadt\n\n"
        f"Ihr Zeichen, Ihre Nachricht vom    Unser Zeichen       Telefon, Name     {datum_label}\n"
        "~\n"
        "AB-17, 03.02.2024                  22-GS-2024-00012    0234 5678, Weiß   12.03.2024\n"
        "Grundsteuerbescheid\n"
    )
    result = extract(text, AZ)
    assert result.document_date == date(2024, 3, 12)
    assert set(result.dates) == {date(2024, 2, 3), date(2024, 3, 12)}


def test_document_date_in_a_reference_row_whose_gaps_ocr_closed() -> None:
    text = (
        "Stadt Musterstadt\n"
        "Ihr Zeichen, Ihre Nachricht vom Unser Zeichen Telefon, Name Datum\n"
        "A84/2021, 13. März 2021 63-VB-2021-7032 0151 7944163, Köhler\n"
        "10.04.2021\n"
    )
    assert extract(text, AZ).document_date == date(2021, 4, 10)


def test_other_authoritys_aktenzeichen_label_is_not_ours() -> None:
    result = extract("Einheitswert-Aktenzeichen: 434/497-1-75177\n", AZ)
    assert values(result, "aktenzeichen") == []


def test_document_date_is_header_not_quoted_bescheid_date() -> None:
    result = extract(samples.WIDERSPRUCH, AZ)
    assert result.document_date == date(2024, 3, 20)
    assert date(2024, 3, 12) in result.dates


# --- Title ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (samples.GRUNDSTEUER, "Grundsteuerbescheid 2024"),
        (samples.BAUGENEHMIGUNG, "Baugenehmigung"),
        (samples.WIDERSPRUCH, "Widerspruch gegen den Grundsteuerbescheid vom 12.03.2024"),
        (samples.ZWEITWOHNUNG, "Zweitwohnungsteuerbescheid 2024"),
        ("Stadt Musterstadt\nBetreff: Sachstand Ihrer Anfrage\n", "Sachstand Ihrer Anfrage"),
        ("", ""),
    ],
)
def test_title(text: str, title: str) -> None:
    assert extract(text, AZ).title == title


# --- A whole document -----------------------------------------------------------


def test_full_letter(plan: FilePlan) -> None:
    text = (
        samples.LETTERHEAD_TAX
        + f"Steuernummer: 181/815/08155\nIdNr. {std_idnr.format(IDNR)}\n\n"
        + "Gewerbesteuerbescheid 2023\n"
        + f"Bitte zahlen Sie bis zum 15.04.2024 auf IBAN {std_iban.format(DE_IBAN)}.\n"
    )
    result = extract(text, plan.aktenzeichen_pattern)
    assert [(i.kind, i.value) for i in result.identifiers] == [
        ("steuernummer", "181/815/08155"),
        ("steuer_idnr", IDNR),
        ("iban", DE_IBAN),
    ]
    assert result.document_date == date(2024, 3, 12)
    assert result.title == "Gewerbesteuerbescheid 2023"


# --- Properties -----------------------------------------------------------------


@st.composite
def idnrs(draw: st.DrawFn) -> str:
    """Valid IdNr: in the first ten digits exactly one digit occurs twice, no leading zero."""
    digits = draw(st.permutations("0123456789"))[:9]
    twice = draw(st.integers(0, 8))
    position = draw(st.integers(0, 9))
    first_ten = list(digits)
    first_ten.insert(position, digits[twice])
    if first_ten[0] == "0":  # no leading zero: swap with the first non-zero digit
        k = next(i for i, d in enumerate(first_ten) if d != "0")
        first_ten[0], first_ten[k] = first_ten[k], first_ten[0]
    return make_idnr("".join(first_ten))


_IBAN_DB = numdb.get("iban")
_IBAN_COUNTRIES = ["DE", "AT", "CH", "NL", "GB", "PL", "LU", "IT", "DK"]
_CHARS = {
    "n": "0123456789",
    "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """Valid IBAN of a country whose BBAN structure stdnum knows, checksum via stdnum."""
    country = draw(st.sampled_from(_IBAN_COUNTRIES))
    structure = _IBAN_DB.info(country + "00")[0][1]["bban"]
    bban = ""
    for count, kind in re.findall(r"(\d+)!([nac])", structure):
        bban += draw(st.text(alphabet=_CHARS[kind], min_size=int(count), max_size=int(count)))
    number = country + std_iban.calc_check_digits(country + "00" + bban) + bban
    return number if std_iban.is_valid(number) else make_iban("DE", "370400440532013000")


_FILLER = st.sampled_from(
    ["", "Bitte beachten Sie:", "Sehr geehrte Frau Muster,", "Betrag 12,50 EUR"]
)


@settings(max_examples=150, deadline=None)
@given(number=idnrs(), grouped=st.booleans(), before=_FILLER, after=_FILLER)
def test_property_every_valid_idnr_is_found(
    number: str, grouped: bool, before: str, after: str
) -> None:
    printed = std_idnr.format(number) if grouped else number
    result = extract(f"{before}\nIdentifikationsnummer {printed} {after}\n", AZ)
    assert number in values(result, "steuer_idnr")


@settings(max_examples=150, deadline=None)
@given(number=ibans(), grouped=st.booleans(), before=_FILLER, after=_FILLER)
def test_property_every_valid_iban_is_found(
    number: str, grouped: bool, before: str, after: str
) -> None:
    printed = std_iban.format(number) if grouped else number
    result = extract(f"{before}\nIBAN: {printed} {after}\n", AZ, iban_countries=[number[:2]])
    assert values(result, "iban") == [number]


def test_flur_number_glued_to_its_label_by_ocr() -> None:
    result = extract("Gemarkung Musterdorf Flur8 Flurstück 862/25\n", AZ)
    assert values(result, "flurstueck") == ["Musterdorf/8/862/25"]


def test_iban_as_ocr_reads_it_zero_as_o_and_wrapped_over_a_blank_line() -> None:
    text = "Konto DEO2 2459 0748\n\n8645 1545 73 eingezogen.\nIBAN DE89 37O4 0044 0532 0130 00\n"
    assert values(extract(text, AZ), "iban") == ["DE02245907488645154573", DE_IBAN]


def test_iban_wrapped_at_a_line_end_is_found() -> None:
    text = "Bitte überweisen Sie auf das Konto der Stadtkasse, IBAN DE44 5001 0517\n5407 3249 31 bei der Bank."
    found = [
        i for i in extract(text, r"\b\d{2}-[A-Z]+-\d{4}-\d+\b").identifiers if i.kind == "iban"
    ]
    assert [i.value for i in found] == ["DE44500105175407324931"]
