"""Rule classification: every default type, the quoting traps, OCR noise, calibrated confidence."""

from __future__ import annotations

import pytest

from classifiers.fileplan import FilePlan
from classifiers.rules import Classification, classify
from tests.classifiers import samples

HIGH = 0.85


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (samples.GRUNDSTEUER, "grundsteuerbescheid"),
        (samples.GEWERBESTEUER, "gewerbesteuerbescheid"),
        (samples.HUNDESTEUER, "hundesteuerbescheid"),
        (samples.VERGNUEGUNG, "vergnuegungssteuerbescheid"),
        (samples.ZWEITWOHNUNG, "zweitwohnungsteuerbescheid"),
        (samples.BAUANTRAG, "bauantrag"),
        (samples.BAUGENEHMIGUNG, "baugenehmigung"),
        (samples.BAUVORBESCHEID, "bauvorbescheid"),
        (samples.BAUZEICHNUNG, "bauzeichnung"),
        (samples.STATIK, "standsicherheitsnachweis"),
        (samples.ABNAHME, "abnahmeschein"),
        (samples.WIDERSPRUCH, "widerspruch"),
        (samples.SCHRIFTVERKEHR, "schriftverkehr"),
    ],
)
def test_each_default_type(plan: FilePlan, text: str, expected: str) -> None:
    result = classify(text, plan)
    assert result.doc_type == expected, result
    assert result.confidence >= HIGH, result
    rule = plan.doc_type(expected)
    assert (result.label, result.unit) == (rule.label, rule.unit)
    assert result.evidence


def test_widerspruch_quoting_a_bescheid_is_a_widerspruch(plan: FilePlan) -> None:
    text = (
        "Widerspruch gegen den Grundsteuerbescheid vom 12.03.2024\n\n"
        "Sehr geehrte Damen und Herren,\n"
        "gegen den Grundsteuerbescheid 2024 (Kassenzeichen 4711) lege ich hiermit\n"
        "Widerspruch ein. Der Hebesatz ist zu hoch.\n"
    )
    result = classify(text, plan)
    assert result.doc_type == "widerspruch"
    assert result.confidence >= HIGH


def test_widerspruch_without_heading(plan: FilePlan) -> None:
    text = (
        "Sehr geehrte Damen und Herren,\n\n"
        "gegen Ihren Hundesteuerbescheid vom 02.01.2024 erhebe ich Widerspruch.\n"
        "Mein Hund ist ein Assistenzhund.\n"
    )
    assert classify(text, plan).doc_type == "widerspruch"


def test_bauantrag_asking_for_baugenehmigung_is_a_bauantrag(plan: FilePlan) -> None:
    text = (
        "Sehr geehrte Damen und Herren,\n\n"
        "hiermit beantrage ich die Baugenehmigung für den Anbau eines Wintergartens.\n"
        "Bauherr: Erika Musterfrau. Die Bauvorlagen liegen bei.\n"
    )
    result = classify(text, plan)
    assert result.doc_type == "bauantrag", result


def test_baugenehmigung_quoting_the_bauantrag_is_a_baugenehmigung(plan: FilePlan) -> None:
    result = classify(samples.BAUGENEHMIGUNG, plan)
    assert result.doc_type == "baugenehmigung"
    assert "Baugenehmigung" in result.evidence


def test_bescheid_rechtsbehelfsbelehrung_does_not_make_widerspruch(plan: FilePlan) -> None:
    result = classify(samples.GRUNDSTEUER, plan)
    assert result.doc_type == "grundsteuerbescheid"
    assert "Widerspruch" not in result.evidence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # hyphenated at line end, inflected
        ("Stadt Musterstadt\n\nErteilung der Bau-\ngenehmigungen\n", "baugenehmigung"),
        # umlaut written as ae / lost / OCR'd, ß as ss
        ("Bescheid ueber Vergnuegungssteuer\n", "vergnuegungssteuerbescheid"),
        ("BESCHEID UBER ZWEITWOHNUNGSSTEUER 2024\n", "zweitwohnungsteuerbescheid"),
        # inflection: genitive
        ("Aenderung des Grundsteuerbescheides 2024\nHebesatz 495 %\n", "grundsteuerbescheid"),
        # one OCR-garbled letter and l/1 confusion
        (
            "Gewerbesteuerbeschcid 2023\nGewerbesteuermessbetrag 1.250 EUR\n",
            "gewerbesteuerbescheid",
        ),
        ("Standsicherheitsnachwei5\nLastannahmen, Schnee1ast\n", "standsicherheitsnachweis"),
        # letter-spaced / split heading
        (
            "A b n a h m e s c h e i n\nDie Schlussabnahme erfolgte ohne Beanstandung.\n",
            "abnahmeschein",
        ),
        ("Grundsteuer bescheid 2024\n", "grundsteuerbescheid"),
        # rn / m confusion
        ("Baugenehrnigung\nNebenbestimmungen\n", "baugenehmigung"),
    ],
)
def test_robust_to_ocr_noise_and_morphology(plan: FilePlan, text: str, expected: str) -> None:
    result = classify(text, plan)
    assert result.doc_type == expected, result
    assert result.confidence >= plan.review_threshold, result


@pytest.mark.parametrize("text", ["", "   \n\n ", "Lorem ipsum dolor sit amet.\n12345"])
def test_no_evidence_falls_back_with_low_confidence(plan: FilePlan, text: str) -> None:
    result = classify(text, plan)
    assert result.doc_type == plan.fallback_type
    assert result.confidence <= 0.3
    assert result.unit == plan.doc_type(plan.fallback_type).unit


def test_competing_types_give_low_confidence(plan: FilePlan) -> None:
    text = "Grundsteuerbescheid\nGewerbesteuerbescheid\nHebesatz\n"
    result = classify(text, plan)
    assert result.doc_type in {"grundsteuerbescheid", "gewerbesteuerbescheid"}
    assert result.confidence < plan.review_threshold


def test_weak_evidence_only_is_never_high(plan: FilePlan) -> None:
    text = "Die Lastannahmen und die Bemessung der Bewehrung liegen vor.\n"
    result = classify(text, plan)
    assert result.doc_type == "standsicherheitsnachweis"
    assert result.confidence < plan.review_threshold


def test_heading_outweighs_mention_in_body(plan: FilePlan) -> None:
    body = "\n".join(["Text."] * 20)
    heading = classify("Baugenehmigung\n" + body, plan)
    mention = classify(body + "\nsiehe Baugenehmigung\n", plan)
    assert heading.doc_type == mention.doc_type == "baugenehmigung"
    assert heading.confidence > mention.confidence


def test_confidence_orders_clear_above_unclear(plan: FilePlan) -> None:
    clear = classify(samples.GRUNDSTEUER, plan)
    unclear = classify("Grundsteuerbescheid\nGewerbesteuerbescheid\n", plan)
    nothing = classify("Guten Tag.\n", plan)
    assert clear.confidence > unclear.confidence
    assert clear.confidence > nothing.confidence


def test_result_is_frozen_and_in_range(plan: FilePlan) -> None:
    result = classify(samples.STATIK, plan)
    assert isinstance(result, Classification)
    assert 0.0 <= result.confidence <= 1.0
    assert isinstance(result.evidence, tuple)
    with pytest.raises(AttributeError):
        result.doc_type = "x"  # type: ignore[misc]


def test_words_on_separate_lines_are_not_one_compound(plan: FilePlan) -> None:
    # "Gewerbesteuer" above "Bescheid ..." is not the word "Gewerbesteuerbescheid"
    result = classify("Gewerbesteuer\nBescheid über Vorauszahlungen\nHebesatz 440 %\n", plan)
    assert "Gewerbesteuerbescheid" not in result.evidence
    assert result.confidence < plan.review_threshold


def test_baugenehmigung_cited_with_its_date_does_not_name_the_document(plan: FilePlan) -> None:
    text = (
        "Stadt Musterstadt - Bauaufsicht\n"
        "Aktenzeichen: 63-BG-2022-0389\n"
        "Abnahmeschein über die Schlussabnahme\n"
        "Baugenehmigung vom 14.09.2022\n"
        "Das Bauvorhaben wurde entsprechend der Baugenehmigung ausgeführt.\n"
        "Dieser Schein ist zusammen mit der Baugenehmigung aufzubewahren.\n"
    )
    result = classify(text, plan)
    assert result.doc_type == "abnahmeschein"
    assert result.confidence >= plan.review_threshold
