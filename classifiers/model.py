"""The trainable document-type classifier: TF-IDF views of the text, a linear SVM, calibrated.

Records staff confirm or correct types every day; this model learns from those decisions for
the types the file plan's phrases do not pin down. Its parts were chosen by measurement on
noisy OCR text (benchmarks/classifier.py):

* Several *views* of one document, each a TF-IDF vectoriser: words and word pairs of the
  whole text, character n-grams within words (robust to OCR errors and to German inflection
  and compounds: "Baugenehmigungen" shares most n-grams with "Baugenehmigung"), words and
  n-grams of the first lines only (the heading names a document), and the first word of every
  line (the skeleton of a form or memo: "an:", "von:", "betreff:").
* A linear SVM per type against the rest, on features scaled by how typical they are of the
  type (NBSVM), with classes weighted by their frequency, so rare types count. The SVM weights
  are pulled a quarter of the way towards their mean magnitude (Wang & Manning's interpolation,
  NB_BETA) and the log-count ratios are smoothed strongly (NB_ALPHA); with a 4-line heading
  this measured 0.886 accuracy / 0.865 macro-F1 in 5-fold cross-validation on Tobacco3482 OCR
  text, against 0.872 / 0.844 for the plain NBSVM with a 6-line heading and NB_ALPHA 1.
* Calibration: SVM scores become probabilities through a softmax whose temperature is fitted
  on out-of-fold scores, so "0.9" means right about nine times in ten on unseen documents.

The model lives in `classifiers.model_file`; this module only trains and predicts.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from classifiers.errors import ClassifierError
from classifiers.text import model_text

if TYPE_CHECKING:
    # scikit-learn and SciPy are imported where a model is trained or loaded, not with this
    # module: every ingest imports it, most without a model to load, and the two take about
    # a core-second to import.
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = [
    "FORMAT_VERSION",
    "ModelInfo",
    "ModelPrediction",
    "TextModel",
    "TrainingError",
    "View",
    "make_vectorizer",
    "text_sha256",
    "train",
    "training_set_sha256",
]

FORMAT_VERSION = 1
HEAD_LINES = 4  # non-blank lines that make up the heading view (4 beat 3, 5, 6 and 8)
SHORT_TEXT = 150  # characters; below this a page is mostly picture (advertisement, note)
EMPTY_TEXT = 30
SVM_C = 1.0
NB_ALPHA = 5.0  # smoothing of the log-count ratios (5 beat 0.5, 1, 2, 3 and 10)
NB_BETA = 0.75  # interpolation towards the mean weight magnitude (0.75 beat 0.25, 0.5, 0.85, 1)
# out-of-fold scores for the temperature; 4 folds keep 3,000 documents under a minute
CALIBRATION_FOLDS = 4
# Liblinear's iterations: on Tobacco3482 the predictions at 100, 300 and 1,000 iterations were
# identical while 1,000 took 2.5 times as long; it stops earlier where it converges.
SVM_MAX_ITER = 200


class View(BaseModel):
    """One TF-IDF vectoriser over one part of the document; stored in the model file."""

    model_config = ConfigDict(frozen=True)

    name: str
    source: str  # "body" | "head" | "lines" | "length"
    analyzer: str  # "word" | "char_wb" | "token"
    ngram_min: int
    ngram_max: int
    weight: float
    min_df: int = 2


DEFAULT_VIEWS: tuple[View, ...] = (
    View(name="body_words", source="body", analyzer="word", ngram_min=1, ngram_max=2, weight=1.0),
    View(
        name="body_chars", source="body", analyzer="char_wb", ngram_min=2, ngram_max=5, weight=1.0
    ),
    View(name="head_words", source="head", analyzer="word", ngram_min=1, ngram_max=2, weight=0.7),
    View(
        name="head_chars", source="head", analyzer="char_wb", ngram_min=2, ngram_max=4, weight=0.5
    ),
    View(
        name="line_starts", source="lines", analyzer="token", ngram_min=1, ngram_max=1, weight=0.5
    ),
    View(
        name="length",
        source="length",
        analyzer="token",
        ngram_min=1,
        ngram_max=1,
        weight=1.0,
        min_df=1,
    ),
)


class ModelInfo(BaseModel):
    """What a model is, what it was trained on and how well it did: the artifact's metadata."""

    model_config = ConfigDict(frozen=True)

    format_version: int = FORMAT_VERSION
    labels: tuple[str, ...]
    created: datetime
    training_set_sha256: str
    documents: int
    documents_per_label: dict[str, int]
    temperature: float = Field(gt=0)
    metrics: dict[str, float]  # out-of-fold accuracy and macro-F1 on the training set
    views: tuple[View, ...]
    software: dict[str, str] = {}
    source: str = ""  # where the training documents came from


class TrainingError(ClassifierError):
    """The labelled documents cannot train a model; the message says what is missing."""


@dataclass(frozen=True)
class ModelPrediction:
    label: str
    confidence: float  # calibrated probability of `label`
    ranked: tuple[tuple[str, float], ...]  # best three labels with their probabilities


def _sources(text: str) -> dict[str, str]:
    """The parts of a document the views look at."""
    folded = model_text(text)
    lines = [line for line in folded.splitlines() if line.strip()]
    starts = []
    for line in lines:
        words = line.split()
        first = words[0].strip(".,;()[]\"'") if words else ""
        if first:
            starts.append(f"ls_{first}{'_colon' if ':' in line[:25] else ''}")
    size = len(text.strip())
    length = "len_empty" if size < EMPTY_TEXT else "len_short" if size < SHORT_TEXT else "len_text"
    return {
        "body": folded,
        "head": " ".join(lines[:HEAD_LINES]),
        "lines": " ".join(starts),
        "length": length,
    }


def make_vectorizer(view: View, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    kwargs: dict[str, object] = {
        "sublinear_tf": True,
        "lowercase": False,  # model_text folded case already
        "ngram_range": (view.ngram_min, view.ngram_max),
        "min_df": view.min_df,
        "dtype": np.float32,
        "vocabulary": vocabulary,
    }
    if view.analyzer == "token":
        kwargs.update(analyzer="word", token_pattern=r"\S+")
    elif view.analyzer == "word":
        kwargs.update(analyzer="word", token_pattern=r"(?u)\b\w+\b")
    else:
        kwargs.update(analyzer=view.analyzer)
    return TfidfVectorizer(**kwargs)


def _features(
    vectorizers: Sequence[tuple[View, TfidfVectorizer]], texts: Sequence[str], fit: bool = False
) -> sparse.csr_matrix:
    from scipy import sparse

    parts = [_sources(t) for t in texts]
    blocks = []
    for view, vec in vectorizers:
        column = [p[view.source] for p in parts]
        block = vec.fit_transform(column) if fit else vec.transform(column)
        blocks.append(block * view.weight)
    return sparse.hstack(blocks, format="csr", dtype=np.float32)


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class _FastView:
    """One view's TF-IDF for a single document without scikit-learn's per-call checks.

    Classifying one document at a time through `TfidfVectorizer.transform` costs ~10 ms, nearly
    all of it input validation; this computes the same vector (sublinear tf, idf, l2 norm) in a
    fraction of that. `test_model` checks both agree.
    """

    def __init__(self, view: View, vec: TfidfVectorizer, offset: int) -> None:
        self.source = view.source
        self.weight = view.weight
        self.offset = offset
        self.analyze = vec.build_analyzer()
        self.vocabulary = vec.vocabulary_
        self.idf = np.asarray(vec.idf_, dtype=np.float64)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        get = self.vocabulary.get
        ids = [i for i in map(get, self.analyze(text)) if i is not None]
        if not ids:
            return np.empty(0, dtype=np.int64), np.empty(0)
        columns, counts = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[columns]
        values *= self.weight / np.sqrt(values @ values)
        return columns + self.offset, values


class TextModel:
    """A trained classifier: vectorisers, one weight row per label, and a temperature."""

    def __init__(
        self,
        info: ModelInfo,
        vectorizers: Sequence[tuple[View, TfidfVectorizer]],
        coef: np.ndarray,
        intercept: np.ndarray,
        training_documents: Sequence[str] = (),
    ) -> None:
        self.info = info
        # SHA-256 of each training text: evaluation leaves these out, so it measures unseen ones
        self.training_documents = tuple(training_documents)
        self.vectorizers = tuple(vectorizers)
        self.coef = np.asarray(coef, dtype=np.float32)
        self._coef_by_feature = np.ascontiguousarray(self.coef.T)  # rows gather fast
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self._views = []
        offset = 0
        for view, vec in self.vectorizers:
            self._views.append(_FastView(view, vec, offset))
            offset += len(vec.vocabulary_)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.info.labels

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Linear scores per label; the same numbers as the training features would give."""
        out = np.tile(self.intercept.astype(np.float64), (len(texts), 1))
        for row, text in enumerate(texts):
            sources = _sources(text)
            for view in self._views:
                columns, values = view.features(sources[view.source])
                if len(columns):
                    out[row] += values @ self._coef_by_feature[columns]
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `labels` order."""
        return _softmax(self.scores(texts), self.info.temperature)

    def classify(self, text: str) -> ModelPrediction:
        probs = self.predict_proba([text])[0]
        order = np.argsort(probs)[::-1][:3]
        ranked = tuple((self.labels[i], round(float(probs[i]), 4)) for i in order)
        return ModelPrediction(ranked[0][0], ranked[0][1], ranked)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def training_set_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """One hash for a labelled set, whatever its order: which documents, under which labels."""
    rows = sorted(
        f"{label}\t{text_sha256(text)}" for text, label in zip(texts, labels, strict=True)
    )
    return hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that makes out-of-fold probabilities honest (least log-loss)."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        p = _softmax(scores, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[rows, y], 1e-12, None)).mean())

    best = minimize_scalar(nll, bounds=(np.log(0.01), np.log(100.0)), method="bounded")
    return float(np.exp(best.x))


def _fit_linear(
    x: sparse.csr_matrix, y: np.ndarray, n_labels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """One NB-weighted linear SVM per label against the rest (NBSVM, Wang & Manning 2012).

    Each feature is scaled by how much more often it occurs in the label's documents than in
    the others (log-count ratio) before the SVM is fitted; the scaling folds into the weights,
    so the model stays one weight row per label. Measured on Tobacco3482: +1 point accuracy
    over the plain SVM. The weights in the scaled space are then interpolated towards their
    mean magnitude, w' = (1 - NB_BETA) * mean(|w|) + NB_BETA * w (Wang & Manning's beta),
    which measured +1 point accuracy and +1.5 points macro-F1 together with NB_ALPHA = 5.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    present = x.copy()
    present.data[:] = 1.0
    coef = np.zeros((n_labels, x.shape[1]), dtype=np.float32)
    intercept = np.zeros(n_labels, dtype=np.float32)
    for label in range(n_labels):
        mine = y == label
        p = NB_ALPHA + np.asarray(present[mine].sum(axis=0)).ravel()
        q = NB_ALPHA + np.asarray(present[~mine].sum(axis=0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        svm = LinearSVC(C=SVM_C, class_weight="balanced", random_state=seed, max_iter=SVM_MAX_ITER)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # see SVM_MAX_ITER
            svm.fit(_scale_columns(x, ratio), mine)
        weights = svm.coef_[0]
        weights = (1.0 - NB_BETA) * np.abs(weights).mean() + NB_BETA * weights
        coef[label] = weights * ratio
        intercept[label] = svm.intercept_[0]
    return coef, intercept


def _scale_columns(x: sparse.csr_matrix, factors: np.ndarray) -> sparse.csr_matrix:
    """x with each column multiplied by its factor, in O(non-zeros) (multiply() re-sorts)."""
    scaled = x.copy()
    scaled.data *= factors[scaled.indices]
    return scaled


def _check_labelled(texts: Sequence[str], labels: Sequence[str]) -> Counter[str]:
    if len(texts) != len(labels):
        raise TrainingError(f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    if len(counts) < 2:
        raise TrainingError(
            f"need documents of at least 2 types to learn from, got {len(counts)}"
            + (f" ({next(iter(counts))})" if counts else "")
        )
    few = sorted(label for label, n in counts.items() if n < 2)
    if few:
        raise TrainingError(f"need at least 2 documents per type; only 1 for: {', '.join(few)}")
    return counts


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    views: Sequence[View] = DEFAULT_VIEWS,
    source: str = "",
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> TextModel:
    """Train and calibrate on labelled texts; the info carries out-of-fold metrics."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    counts = _check_labelled(texts, labels)
    say = progress or (lambda _step: None)
    label_list = tuple(sorted(counts))
    y = np.array([label_list.index(label) for label in labels])
    say("features")
    vectorizers = [(view, make_vectorizer(view, None)) for view in views]
    x = _features(vectorizers, texts, fit=True)
    # liblinear wants float64 with sorted indices; converting once here, not per fit, saves
    # a third of the training time
    x = x.astype(np.float64)
    x.sort_indices()

    folds = min(CALIBRATION_FOLDS, min(counts.values()))
    oof = np.zeros((len(y), len(label_list)), dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for i, (fit_rows, held_rows) in enumerate(splitter.split(x, y), start=1):
        say(f"calibration {i}/{folds}")
        coef, intercept = _fit_linear(x[fit_rows], y[fit_rows], len(label_list), seed)
        oof[held_rows] = np.asarray(x[held_rows] @ coef.T) + intercept
    temperature = _fit_temperature(oof, y)
    predicted = oof.argmax(axis=1)

    say("final model")
    coef, intercept = _fit_linear(x, y, len(label_list), seed)
    info = ModelInfo(
        labels=label_list,
        created=datetime.now(UTC).replace(microsecond=0),
        training_set_sha256=training_set_sha256(texts, labels),
        documents=len(texts),
        documents_per_label=dict(sorted(counts.items())),
        temperature=temperature,
        metrics={
            "cv_folds": float(folds),
            "cv_accuracy": round(float(accuracy_score(y, predicted)), 4),
            "cv_macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
        },
        views=tuple(views),
        software=_software(),
        source=source,
    )
    return TextModel(info, vectorizers, coef, intercept, sorted({text_sha256(t) for t in texts}))


def _software() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("eakte", "scikit-learn", "numpy"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found
