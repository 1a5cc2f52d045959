"""`eakte classifier train|evaluate` and the pipeline's choice of model, without OCR."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.store import Archive
from classifiers.fileplan import load_file_plan
from eakte.cli import common as cli_common
from pipelines.model_store import KEY_FILE, current_model_path, pipeline_model
from tests.support.commands import invoke_eakte as _eakte
from tests.support.documents import store_document
from tests.support.letters import TEMPLATES, labelled_folder, letter_texts


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for variable in ("EAKTE_DATA", "EAKTE_FILE_PLAN", "EAKTE_ES_URL", "EAKTE_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_common.out, "_width", 160)
    yield tmp_path


def test_train_from_folder_makes_a_signed_current_model(env: Path) -> None:
    data = env / "data"
    result = _eakte(
        "classifier",
        "train",
        "--data",
        str(data),
        "--from-folder",
        str(labelled_folder(env / "l", 8, 1)),
        "--json",
    )
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["labels"] == sorted(TEMPLATES)
    assert info["documents"] == 24 and info["source"].startswith("folder")
    current = current_model_path(data)
    assert current is not None and current.is_file() and str(current) == info["model"]
    assert (data / KEY_FILE).stat().st_mode & 0o777 == 0o600
    model, warning = pipeline_model(data, load_file_plan())
    assert warning is None and model is not None and model.labels == tuple(sorted(TEMPLATES))


def test_evaluate_measures_unseen_documents_only(env: Path) -> None:
    data = env / "data"
    train_dir = labelled_folder(env / "train", 10, 1)
    assert (
        _eakte(
            "classifier", "train", "--data", str(data), "--from-folder", str(train_dir)
        ).exit_code
        == 0
    )
    test_dir = labelled_folder(env / "test", 6, 2)
    # One training document slipped into the evaluation folder: it must not be counted.
    seen = next((train_dir / "bauantrag").glob("*.txt"))
    (test_dir / "bauantrag" / "seen.txt").write_bytes(seen.read_bytes())
    result = _eakte(
        "classifier", "evaluate", "--data", str(data), "--folder", str(test_dir), "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["left_out_training_documents"] == 1
    assert report["documents"] == 18
    assert report["decided_by"] == "rules + model"
    assert report["accuracy"] >= 0.8 and report["macro_f1"] >= 0.8
    assert set(report["per_label"]) >= set(TEMPLATES)
    assert sum(map(sum, report["confusion"])) == 18
    thresholds = [row["threshold"] for row in report["by_confidence"]]
    assert thresholds == sorted(thresholds) and 0.6 in thresholds
    filed = [row["filed"] for row in report["by_confidence"]]
    assert filed == sorted(filed, reverse=True)  # a higher threshold files fewer automatically

    table = _eakte("classifier", "evaluate", "--data", str(data), "--folder", str(test_dir))
    assert table.exit_code == 0
    assert "Precision by confidence" in table.stdout and "◀ current" in table.stdout


def test_model_of_other_types_is_not_made_current(env: Path) -> None:
    data = env / "data"
    folder = env / "foreign"
    for label in ("Memo", "Letter"):
        (folder / label).mkdir(parents=True)
        for i in range(4):
            (folder / label / f"{i}.txt").write_text(f"{label} number {i} to all staff", "utf-8")
    refused = _eakte("classifier", "train", "--data", str(data), "--from-folder", str(folder))
    assert refused.exit_code == 2 and "not in the file plan" in refused.output
    assert current_model_path(data) is None
    written = _eakte(
        "classifier",
        "train",
        "--data",
        str(data),
        "--from-folder",
        str(folder),
        "--out",
        str(env / "m.eaktemodel"),
    )
    assert written.exit_code == 0, written.output
    assert (env / "m.eaktemodel").is_file() and current_model_path(data) is None


def _tamper(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    weights = bytearray(members["weights.npz"])
    weights[len(weights) // 2] ^= 0xFF
    members["weights.npz"] = bytes(weights)
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)


def test_tampered_model_is_refused_and_the_pipeline_falls_back_to_rules(env: Path) -> None:
    data = env / "data"
    labelled = labelled_folder(env / "l", 6, 1)
    assert (
        _eakte("classifier", "train", "--data", str(data), "--from-folder", str(labelled)).exit_code
        == 0
    )
    path = current_model_path(data)
    assert path is not None
    _tamper(path)
    model, warning = pipeline_model(data, load_file_plan())
    assert model is None
    assert warning is not None and "rules only" in warning and "signature does not match" in warning
    result = _eakte("classifier", "evaluate", "--data", str(data), "--folder", str(labelled))
    assert result.exit_code == 2 and "signature does not match" in result.output


def test_train_from_the_archive_uses_confirmed_documents_only(env: Path) -> None:
    data, scans = env / "data", env / "scans"
    scans.mkdir()
    archive = Archive(data)
    archive.start_batch("karton-1", "Karton 1")
    n = 0
    for doc_type in ("hundesteuerbescheid", "grundsteuerbescheid"):
        for text in letter_texts(doc_type, 3, 5):
            n += 1
            store_document(archive, scans, f"d{n}", doc_type, "archived", text, "reviewer")
    # Filed by the model and never reviewed: not training data.
    store_document(
        archive,
        scans,
        "guess",
        "bauantrag",
        "archived",
        letter_texts("bauantrag", 1, 5)[0],
        "model",
    )
    store_document(
        archive, scans, "open", "bauantrag", "needs_review", letter_texts("bauantrag", 1, 6)[0]
    )
    archive.close()
    result = _eakte("classifier", "train", "--data", str(data), "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["documents_per_label"] == {"grundsteuerbescheid": 3, "hundesteuerbescheid": 3}
    assert info["source"] == f"archive {data}"


def test_too_few_confirmed_documents_is_a_clear_error(env: Path) -> None:
    data, scans = env / "data", env / "scans"
    scans.mkdir()
    archive = Archive(data)
    archive.start_batch("karton-1", "Karton 1")
    store_document(archive, scans, "one", "bauantrag", "archived", "Bauvorlagen", "reviewer")
    archive.close()
    result = _eakte("classifier", "train", "--data", str(data))
    assert result.exit_code == 2
    assert "at least 2 types" in result.output
