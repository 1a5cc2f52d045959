"""Rules and model together: a certain rule wins, otherwise the model decides."""

from __future__ import annotations

import random

import pytest

from classifiers.decide import ModelMismatch, check_model_fits_plan, decide
from classifiers.fileplan import FilePlan
from classifiers.model import TextModel, train
from classifiers.rules import classify

# Letters that name no document type in their heading: only the vocabulary tells them apart.
_DOG = "Ihr Tier Rex ist bei uns gemeldet. Bitte tragen Sie die Marke am Halsband. Halter {n}, Rasse Dackel, Wurf {y}."
_LAND = "Für das Grundstück Flur {n} wurde der Messbetrag nach dem Hebesatz von {y} Prozent neu berechnet."


def _letters(template: str, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [template.format(n=rng.randint(1, 999), y=rng.randint(1990, 2024)) for _ in range(count)]


@pytest.fixture(scope="module")
def model() -> TextModel:
    texts = _letters(_DOG, 12, 1) + _letters(_LAND, 12, 2)
    labels = ["hundesteuerbescheid"] * 12 + ["grundsteuerbescheid"] * 12
    return train(texts, labels)


def test_without_a_model_the_rules_decide(plan: FilePlan) -> None:
    text = _letters(_DOG, 1, 9)[0]
    assert decide(text, plan) == classify(text, plan)
    assert decide(text, plan).source == "rule"


def test_model_decides_where_no_rule_is_certain(plan: FilePlan, model: TextModel) -> None:
    text = _letters(_DOG, 1, 9)[0]
    assert classify(text, plan).confidence < plan.rule_certainty
    decision = decide(text, plan, model)
    assert decision.source == "model"
    assert decision.doc_type == "hundesteuerbescheid"
    assert decision.unit == plan.doc_type("hundesteuerbescheid").unit
    assert decision.confidence > 0.5
    assert decision.evidence[0].startswith("model: hundesteuerbescheid")


def test_certain_rule_wins_over_the_model(plan: FilePlan, model: TextModel) -> None:
    # The body reads like a dog-tax letter, but the heading names a Grundsteuerbescheid.
    text = "Grundsteuerbescheid 2024\n\n" + _letters(_DOG, 1, 9)[0]
    by_rule = classify(text, plan)
    assert by_rule.confidence >= plan.rule_certainty
    decision = decide(text, plan, model)
    assert decision == by_rule and decision.doc_type == "grundsteuerbescheid"


def test_model_of_other_types_does_not_fit_the_plan(plan: FilePlan) -> None:
    foreign = train(
        ["memo to all staff", "memo re budget", "dear sir", "dear madam"],
        ["Memo"] * 2 + ["Letter"] * 2,
    )
    with pytest.raises(ModelMismatch, match="Letter, Memo"):
        check_model_fits_plan(foreign, plan)
