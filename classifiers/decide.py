"""One type per document: a certain rule match wins, otherwise the trained model decides.

The file plan's phrases are exact where they fire (a heading "Baugenehmigung" is proof) and
records staff can read and edit them; the model covers what phrases miss, learned from the
staff's own decisions. Both report a confidence on the same 0..1 scale, so one review
threshold applies to either.
"""

from __future__ import annotations

from classifiers.errors import ClassifierError
from classifiers.fileplan import FilePlan
from classifiers.model import TextModel
from classifiers.rules import Classification, classify

__all__ = ["ModelMismatch", "check_model_fits_plan", "decide"]


class ModelMismatch(ClassifierError):
    """The model knows types the file plan does not: it cannot file documents under this plan."""


def check_model_fits_plan(model: TextModel, plan: FilePlan) -> None:
    known = {t.key for t in plan.types}
    unknown = sorted(set(model.labels) - known)
    if unknown:
        raise ModelMismatch(
            f"the model's types {', '.join(unknown)} are not in the file plan {plan.name!r}"
        )


def decide(text: str, plan: FilePlan, model: TextModel | None = None) -> Classification:
    """Classify with the rules; let the model decide where no rule is certain.

    The model must fit the plan (`check_model_fits_plan`), which the caller checks once.
    """
    by_rule = classify(text, plan)
    if model is None or by_rule.confidence >= plan.rule_certainty:
        return by_rule
    prediction = model.classify(text)
    doc_type = plan.doc_type(prediction.label)
    evidence = tuple(f"model: {label} {p:.2f}" for label, p in prediction.ranked)
    return Classification(
        doc_type=doc_type.key,
        label=doc_type.label,
        unit=doc_type.unit,
        confidence=round(prediction.confidence, 3),
        evidence=evidence + by_rule.evidence,
        source="model",
    )
