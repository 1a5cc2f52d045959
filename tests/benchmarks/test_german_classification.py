"""The trained model on German municipal documents it has never seen (target >= 0.95)."""

from __future__ import annotations

import pytest

from benchmarks.german_docs import generate
from classifiers.decide import decide
from classifiers.evaluation import evaluate_predictions
from classifiers.fileplan import load_file_plan
from classifiers.model import train

pytestmark = pytest.mark.slow  # trains a model on generated documents


def test_model_and_rules_classify_unseen_generated_documents() -> None:
    fit, held = generate(520, seed=21), generate(390, seed=22)
    assert {d.text for d in fit}.isdisjoint({d.text for d in held})
    model = train([d.text for d in fit], [d.doc_type for d in fit])
    plan = load_file_plan()
    truth = [d.doc_type for d in held]
    predictions = [model.classify(d.text) for d in held]
    by_model = evaluate_predictions(
        truth, [p.label for p in predictions], [p.confidence for p in predictions]
    )
    decisions = [decide(d.text, plan, model) for d in held]
    decided = evaluate_predictions(
        truth, [d.doc_type for d in decisions], [d.confidence for d in decisions]
    )
    assert by_model.accuracy >= 0.95, by_model.per_label
    assert decided.accuracy >= 0.95, decided.per_label
    assert decided.macro_f1 >= 0.93
