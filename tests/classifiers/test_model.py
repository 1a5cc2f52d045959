"""The trainable classifier and its signed model file, on real noisy OCR text (Tobacco3482)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from classifiers.model import CALIBRATION_FOLDS, TextModel, TrainingError, text_sha256, train
from classifiers.model_file import ModelFileError, load_model, save_model

ROOT = Path(__file__).resolve().parents[2]
TOBACCO = ROOT.parent / "shared" / "corpus" / "classification" / "tobacco3482-ocr-dev"
TYPES = ("Email", "Memo", "Resume", "News")
KEY = b"k" * 32

pytestmark = pytest.mark.skipif(not TOBACCO.is_dir(), reason="shared corpus not present")


def _split(train_n: int, test_n: int) -> tuple[list[str], list[str], list[str], list[str]]:
    train_x, train_y, test_x, test_y = [], [], [], []
    for label in TYPES:
        files = sorted((TOBACCO / label).glob("*.txt"))
        texts = [f.read_text("utf-8", errors="replace") for f in files if f.stat().st_size > 300]
        train_x += texts[:train_n]
        train_y += [label] * train_n
        test_x += texts[train_n : train_n + test_n]
        test_y += [label] * test_n
    return train_x, train_y, test_x, test_y


@pytest.fixture(scope="module")
def trained() -> tuple[TextModel, list[str], list[str], list[str]]:
    train_x, train_y, test_x, test_y = _split(40, 25)
    return train(train_x, train_y, source="test"), train_x, test_x, test_y


def test_learns_types_it_has_not_seen_documents_of(trained) -> None:
    model, _, test_x, test_y = trained
    predicted = [model.classify(t).label for t in test_x]
    accuracy = np.mean([p == t for p, t in zip(predicted, test_y, strict=True)])
    assert accuracy >= 0.85, accuracy
    assert model.labels == tuple(sorted(TYPES))
    info = model.info
    assert info.documents == 160 and info.documents_per_label == dict.fromkeys(sorted(TYPES), 40)
    assert (
        0.5 < info.metrics["cv_accuracy"] <= 1.0 and info.metrics["cv_folds"] == CALIBRATION_FOLDS
    )


def test_confidence_is_a_probability_that_ranks_right_above_wrong(trained) -> None:
    model, _, test_x, test_y = trained
    probs = model.predict_proba(test_x)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    predictions = [model.classify(t) for t in test_x]
    right = [p.confidence for p, t in zip(predictions, test_y, strict=True) if p.label == t]
    wrong = [p.confidence for p, t in zip(predictions, test_y, strict=True) if p.label != t]
    assert np.mean(right) > (np.mean(wrong) if wrong else 0.0)
    sure = [p.label == t for p, t in zip(predictions, test_y, strict=True) if p.confidence >= 0.9]
    assert sure and np.mean(sure) >= 0.9


def test_model_remembers_what_it_was_trained_on(trained) -> None:
    model, train_x, test_x, _ = trained
    assert text_sha256(train_x[0]) in model.training_documents
    assert not {text_sha256(t) for t in test_x} & set(model.training_documents)


def test_saved_model_predicts_the_same_after_loading(trained, tmp_path: Path) -> None:
    model, _, test_x, _ = trained
    path = tmp_path / "m.eaktemodel"
    save_model(model, path, KEY)
    loaded = load_model(path, KEY)
    assert loaded.info == model.info
    assert loaded.training_documents == model.training_documents
    assert np.allclose(
        loaded.predict_proba(test_x[:20]), model.predict_proba(test_x[:20]), atol=1e-6
    )
    assert path.stat().st_size < 50 * 1024 * 1024


def _rewrite(path: Path, member: str, change) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members[member] = change(members[member])
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _flip_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _more_confident(meta: bytes) -> bytes:
    doc = json.loads(meta)
    doc["info"]["temperature"] = doc["info"]["temperature"] / 10
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("member", "change"),
    [("weights.npz", _flip_byte), ("model.json", _more_confident), ("signature", _flip_byte)],
)
def test_tampered_model_is_refused(trained, tmp_path: Path, member: str, change) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.eaktemodel"
    save_model(trained[0], path, KEY)
    _rewrite(path, member, change)
    with pytest.raises(ModelFileError, match="signature does not match") as err:
        load_model(path, KEY)
    assert str(path) in str(err.value)


def test_model_signed_with_another_key_is_refused(trained, tmp_path: Path) -> None:
    path = tmp_path / "m.eaktemodel"
    save_model(trained[0], path, KEY)
    with pytest.raises(ModelFileError, match="signature"):
        load_model(path, b"x" * 32)


def test_damaged_or_foreign_files_are_refused_with_the_reason(trained, tmp_path: Path) -> None:
    good = tmp_path / "m.eaktemodel"
    save_model(trained[0], good, KEY)
    truncated = tmp_path / "truncated.eaktemodel"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ModelFileError, match="damaged"):
        load_model(truncated, KEY)
    pickled = tmp_path / "pickled.eaktemodel"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("model.pkl", b"\x80\x04cos\nsystem\n.")
    pickled.write_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError, match="not an eakte model file"):
        load_model(pickled, KEY)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "missing.eaktemodel", KEY)


def test_training_needs_two_types_with_two_documents_each() -> None:
    with pytest.raises(TrainingError, match="at least 2 types"):
        train(["a b c", "d e f"], ["x", "x"])
    with pytest.raises(TrainingError, match="only 1 for: y"):
        train(["a b c", "d e f", "g h i"], ["x", "x", "y"])


def test_fast_scores_equal_the_training_features(trained) -> None:
    from classifiers.model import _features

    model, _, test_x, _ = trained
    texts = [*test_x[:30], "", "   \n  ", "ÄÖÜß straße 12"]
    reference = np.asarray(_features(model.vectorizers, texts) @ model.coef.T) + model.intercept
    assert np.allclose(model.scores(texts), reference, atol=1e-4)
