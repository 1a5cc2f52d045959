"""The learning loop on real scans: the model files what rules cannot, staff correct it, and a
tampered model is never used."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipelines.model_store import current_model_path
from scanmaker import write_scan
from tests.support.commands import run_eakte, run_json
from tests.support.letters import labelled_folder, letter_texts

pytestmark = pytest.mark.slow


def _scan(folder: Path, name: str, doc_type: str, seed: int) -> Path:
    """A one-page scan of a letter of `doc_type` with no heading that names its type."""
    text = letter_texts(doc_type, 1, seed)[0]
    lines = ["Stadt Musterstadt", "Steueramt", "", *_wrap(text)]
    return write_scan([lines], folder / name, "png", seed=seed)


def _wrap(text: str, width: int = 60) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) > width:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    return [*lines, line]


def _tamper(path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as zf:
        zf.writestr("weights.npz", b"not the signed weights")  # a second, shadowing member


def test_model_files_what_rules_cannot_and_a_tampered_model_is_not_used(
    tmp_path: Path, prefect_api: str
) -> None:
    data = tmp_path / "data"
    labelled = labelled_folder(tmp_path / "labelled", 10, 1)
    run_eakte("classifier", "train", "--data", str(data), "--from-folder", str(labelled), api=None)

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _scan(inbox, "hund.png", "hundesteuerbescheid", 7)
    report = run_json("ingest", str(inbox), "--data", str(data), api=prefect_api)
    (line,) = report["documents"]
    assert line["status"] in ("archived", "needs_review"), line
    assert line["classified_by"] == "model"
    assert line["doc_type"] == "hundesteuerbescheid"
    assert report["warnings"] == []
    shown = run_json("show", line["document_id"], "--data", str(data), api=None)
    assert shown["label_source"] == "model"

    # A clerk corrects the type: the decision is kept and becomes training data.
    run_eakte(
        "review",
        "relabel",
        line["document_id"],
        "grundsteuerbescheid",
        "--by",
        "r.meier",
        "--data",
        str(data),
        api=None,
    )
    shown = run_json("show", line["document_id"], "--data", str(data), api=None)
    assert shown["doc_type"] == "grundsteuerbescheid" and shown["label_source"] == "reviewer"
    assert any(e["event"] == "reviewed" for e in shown["audit"])
    found = run_json(
        "search", "Halsband", "--type", "grundsteuerbescheid", "--data", str(data), api=None
    )
    assert [h["document_id"] for h in found["hits"]] == [line["document_id"]]

    model = current_model_path(data)
    assert model is not None
    _tamper(model)
    second = tmp_path / "inbox2"
    second.mkdir()
    _scan(second, "grund.png", "grundsteuerbescheid", 8)
    report = run_json("ingest", str(second), "--data", str(data), api=prefect_api)
    (line,) = report["documents"]
    assert line["classified_by"] == "rule"
    assert len(report["warnings"]) == 1 and "rules only" in report["warnings"][0]
    assert (
        str(model) in report["warnings"][0] and "not an eakte model file" in report["warnings"][0]
    )
