"""Extraction precision and recall on generated documents with known values and decoys."""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks.extraction import KINDS, Score, extract_all, ocr_texts, score
from benchmarks.german_docs import GeneratedDoc, generate
from classifiers.extract import Extraction, Identifier


@pytest.fixture(scope="module")
def docs() -> list[GeneratedDoc]:
    return generate(390, seed=11)


def test_every_kind_meets_the_target(docs: list[GeneratedDoc]) -> None:
    """Precision >= 0.98 and recall >= 0.95 per identifier kind and for the document date."""
    scores, misses = score(docs, extract_all(docs))
    for kind in KINDS:
        s = scores[kind]
        assert s.printed >= 40, f"too few {kind} printed to measure"
        assert s.precision >= 0.98, (kind, s, [m for m in misses if m.kind == kind][:5])
        assert s.recall >= 0.95, (kind, s, [m for m in misses if m.kind == kind][:5])


def test_score_counts_wrong_and_missed_values() -> None:
    doc = GeneratedDoc("x", "", {"iban": frozenset({"DE1", "DE2"})}, date(2024, 1, 2))
    got = Extraction(
        identifiers=(Identifier("iban", "DE1", "DE1"), Identifier("iban", "AT9", "AT9")),
        dates=(),
        document_date=date(2024, 1, 3),
        title="",
    )
    scores, misses = score([doc], [got])
    assert (scores["iban"].found_right, scores["iban"].found, scores["iban"].printed) == (1, 2, 2)
    assert scores["iban"].precision == 0.5 and scores["iban"].recall == 0.5
    assert scores["document_date"].found_right == 0
    assert {m.kind for m in misses} == {"iban", "document_date"}
    assert Score().precision == 1.0 and Score().recall == 1.0  # nothing to find, nothing wrong


@pytest.mark.slow
def test_extraction_after_real_ocr_of_scans_in_several_fonts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One document of each type rendered as a 300 dpi scan and read by tesseract."""
    docs = generate(13, seed=12)
    texts = ocr_texts(docs, tmp_path, progress=False)
    ocred = [
        GeneratedDoc(d.doc_type, t, d.truth, d.document_date)
        for d, t in zip(docs, texts, strict=True)
    ]
    scores, misses = score(ocred, extract_all(ocred))
    assert all(scores[k].precision == 1.0 for k in KINDS), misses
    printed = sum(scores[k].printed for k in KINDS)
    right = sum(scores[k].found_right for k in KINDS)
    assert printed >= 30
    assert right / printed >= 0.9, misses
