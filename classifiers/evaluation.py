"""How good a classifier is on labelled documents, and how far its confidence can be trusted.

Besides accuracy and per-type precision/recall, the report lists, for each possible review
threshold, how many documents would be filed automatically and how many of those would be
right: the table a records manager picks `review_threshold` from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

__all__ = ["Evaluation", "evaluate_predictions"]

THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.0, 1.0, 0.05))


@dataclass(frozen=True)
class Evaluation:
    documents: int
    accuracy: float
    macro_f1: float
    labels: list[str]
    per_label: dict[str, dict[str, float]]  # precision, recall, f1, support
    confusion: list[list[int]]  # rows: true label, columns: predicted, both in `labels` order
    by_confidence: list[dict[str, float]]  # threshold, filed (share), precision of filed, errors

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def evaluate_predictions(
    truth: Sequence[str], predicted: Sequence[str], confidence: Sequence[float]
) -> Evaluation:
    if not truth:
        raise ValueError("nothing to evaluate: no labelled documents")
    labels = sorted(set(truth) | set(predicted))
    p, r, f, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    right = np.array([t == q for t, q in zip(truth, predicted, strict=True)])
    conf = np.asarray(confidence, dtype=float)
    by_confidence = []
    for threshold in THRESHOLDS:
        filed = conf >= threshold
        by_confidence.append(
            {
                "threshold": threshold,
                "filed": round(float(filed.mean()), 4),
                "precision": round(float(right[filed].mean()), 4) if filed.any() else 1.0,
                "wrong_filed": int((filed & ~right).sum()),
            }
        )
    true_labels = sorted(set(truth))
    return Evaluation(
        documents=len(truth),
        accuracy=round(float(accuracy_score(truth, predicted)), 4),
        macro_f1=round(
            float(f1_score(truth, predicted, labels=true_labels, average="macro", zero_division=0)),
            4,
        ),
        labels=labels,
        per_label={
            label: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist(),
        by_confidence=by_confidence,
    )
