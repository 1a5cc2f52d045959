"""The human visual check of a batch: a stored, reproducible sample and who checked it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.store import Archive
from tests.support import catalogs
from tests.support.commands import invoke_eakte
from tests.support.documents import store_document


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for variable in ("EAKTE_DATA", "EAKTE_CONFIG", "EAKTE_ES_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    archive = Archive(tmp_path / "data")
    archive.start_batch("karton-1", "Karton 1")
    for n in range(6):
        store_document(archive, tmp_path, f"brief-{n}", "schriftverkehr", "archived")
    archive.close()
    yield tmp_path / "data"


def _qa(data: Path, *args: str) -> dict:
    result = invoke_eakte("qa", *args, "--data", str(data), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_sample_is_drawn_stored_and_reproducible(data: Path) -> None:
    first = _qa(data, "sample", "--batch", "karton-1", "--rate", "50%")
    assert first["population"] == 6 and len(first["pages"]) == 3
    again = _qa(
        data, "sample", "--batch", "karton-1", "--rate", "50%", "--seed", str(first["seed"])
    )
    assert again["pages"] == first["pages"]
    stored = [catalogs.from_json(d) for (d,) in catalogs.query(
        data, "SELECT detail FROM audit_events WHERE event = 'qa_sampled' AND batch_id = 'karton-1'"
    )]  # fmt: skip
    assert [s["pages"] for s in stored] == [first["pages"], first["pages"]]
    assert invoke_eakte("audit", "verify", "--data", str(data)).exit_code == 0


def test_the_check_of_the_sample_shows_with_each_documents_transfer_note(data: Path) -> None:
    sample = _qa(data, "sample", "--batch", "karton-1", "--rate", "34%")
    recorded = _qa(data, "record", "--batch", "karton-1", "--by", "P. Prüfer", "--result", "passed")
    assert recorded["pages"] == [
        {"document_id": p["document_id"], "page": p["page"]}
        for p in sorted(sample["pages"], key=lambda p: (p["document_id"], p["page"]))
    ]
    checked = sample["pages"][0]["document_id"]
    shown = json.loads(invoke_eakte("show", checked, "--data", str(data), "--json").stdout)
    (check,) = shown["human_checks"]
    assert (check["by"], check["result"], check["sample_rate_percent"]) == (
        "P. Prüfer",
        "passed",
        34,
    )
    assert check["pages_checked"] == len(sample["pages"]) and check["pages_of_this_document"] == [1]


def test_a_failed_check_of_named_pages_is_recorded_as_failed(data: Path) -> None:
    doc = _qa(data, "sample", "--batch", "karton-1", "--rate", "1%")["pages"][0]["document_id"]
    _qa(data, "record", "--batch", "karton-1", "--by", "P. Prüfer", "--result", "failed",
        "--page", f"{doc}:1")  # fmt: skip
    shown = json.loads(invoke_eakte("show", doc, "--data", str(data), "--json").stdout)
    assert [(c["result"], c["sample_rate_percent"]) for c in shown["human_checks"]] == [
        ("failed", None)
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sample", "--batch", "karton-9", "--rate", "5%"), "no batch 'karton-9'"),
        (("sample", "--batch", "karton-1", "--rate", "0%"), "not between 0 and 100"),
        (("sample", "--batch", "karton-1", "--rate", "viel"), "give a percentage"),
        (("record", "--batch", "karton-1", "--by", "P", "--result", "passed"), "no drawn sample"),
        (("record", "--batch", "karton-1", "--by", " ", "--result", "passed", "--page", "x:1"),
         "name is empty"),
        (("record", "--batch", "karton-1", "--by", "P", "--result", "ok"), "passed or failed"),
        (("record", "--batch", "karton-1", "--by", "P", "--result", "passed", "--page", "nope:1"),
         "no page 1 of document nope"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_the_reason(
    data: Path, args: tuple[str, ...], message: str
) -> None:
    result = invoke_eakte("qa", *args, "--data", str(data))
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
