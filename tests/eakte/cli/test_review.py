"""`eakte review`: driven through the command line against an archive prepared directly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.search import SearchFilters
from archive.store import Archive
from tests.support.commands import invoke_eakte as _eakte


def test_list_shows_the_queue_as_table_and_json(review_queue: tuple[Path, list[str]]) -> None:
    folder, ids = review_queue
    table = _eakte("review", "list", "--data", str(folder))
    assert table.exit_code == 0, table.output
    assert "Review queue (2 document(s)" in table.stdout
    assert ids[0] in table.stdout and ids[1] in table.stdout and ids[2] not in table.stdout
    assert "widerspruch" in table.stdout and "zwei.png" in table.stdout
    assert table.stdout.index(ids[0]) < table.stdout.index(ids[1])  # oldest first

    listed = _eakte("review", "list", "--data", str(folder), "--json")
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.stdout)
    assert [i["document_id"] for i in items] == ids[:2]
    assert items[1]["doc_type"] == "widerspruch"
    assert items[1]["source_name"].endswith("zwei.png")
    assert items[1]["batch_id"] == "karton-1"
    assert items[1]["confidence"] == 0.38


def test_relabel_to_a_type_of_the_file_plan(review_queue: tuple[Path, list[str]]) -> None:
    folder, ids = review_queue
    result = _eakte("review", "relabel", ids[1], "bauantrag", "--by", "anna", "--data", str(folder))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"relabelled {ids[1]}: widerspruch -> bauantrag, status needs_review -> archived (by anna)"
    )
    archive = Archive(folder)
    try:
        doc = archive.get(ids[1])
        assert doc is not None
        # label, unit and tax flag come from the bundled file plan's type
        assert (doc.doc_type, doc.doc_label, doc.aktenplan_unit) == (
            "bauantrag",
            "Bauantrag",
            "6.1.3",
        )
        assert (doc.label_source, doc.reviewed_by) == ("reviewer", "anna")
        assert [
            h.document_id for h in archive.search("", SearchFilters(doc_type="widerspruch"))
        ] == []
        assert [i.document_id for i in archive.review_queue()] == [ids[0]]
        assert archive.verify() == []
    finally:
        archive.close()
    shown = _eakte("show", ids[1], "--data", str(folder))
    assert shown.exit_code == 0, shown.output
    assert "label_source" in shown.stdout and "reviewer" in shown.stdout and "anna" in shown.stdout


def test_relabel_to_an_unknown_type_names_the_valid_ones(
    review_queue: tuple[Path, list[str]],
) -> None:
    folder, ids = review_queue
    result = _eakte("review", "relabel", ids[1], "bauantrg", "--by", "anna", "--data", str(folder))
    assert result.exit_code == 2
    assert "unknown document type 'bauantrg'" in result.stderr
    assert "bauantrag" in result.stderr and "widerspruch" in result.stderr
    archive = Archive(folder)
    try:
        assert archive.get(ids[1]).doc_type == "widerspruch"  # nothing changed
    finally:
        archive.close()


def test_accept_confirms_as_the_user_from_the_environment(
    review_queue: tuple[Path, list[str]],
) -> None:
    folder, ids = review_queue
    result = _eakte("review", "accept", ids[0], "--data", str(folder), env={"EAKTE_USER": "ben"})
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"accepted {ids[0]}: schriftverkehr -> schriftverkehr, "
        "status needs_review -> archived (by ben)"
    )
    listed = _eakte("review", "list", "--data", str(folder), "--json")
    assert [i["document_id"] for i in json.loads(listed.stdout)] == [ids[1]]
    by_status = _eakte("search", "", "--status", "needs_review", "--data", str(folder), "--json")
    assert by_status.exit_code == 0, by_status.output
    assert [h["document_id"] for h in json.loads(by_status.stdout)["hits"]] == [ids[1]]


def test_by_defaults_to_the_login_name(
    review_queue: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, ids = review_queue
    monkeypatch.setattr("getpass.getuser", lambda: "clerk42")
    result = _eakte("review", "accept", ids[2], "--data", str(folder))
    assert result.exit_code == 0, result.output
    assert "status archived -> archived (by clerk42)" in result.stdout


def test_unknown_document_exits_2_naming_it(review_queue: tuple[Path, list[str]]) -> None:
    folder, _ = review_queue
    for args in (("accept", "no-such-doc"), ("relabel", "no-such-doc", "bauantrag")):
        result = _eakte("review", *args, "--by", "anna", "--data", str(folder))
        assert result.exit_code == 2, result.output
        assert "no document no-such-doc" in result.stderr


def test_empty_queue_is_said_plainly(review_queue: tuple[Path, list[str]]) -> None:
    folder, ids = review_queue
    for doc_id in ids[:2]:
        assert (
            _eakte("review", "accept", doc_id, "--by", "anna", "--data", str(folder)).exit_code == 0
        )
    result = _eakte("review", "list", "--data", str(folder))
    assert result.exit_code == 0
    assert "review queue is empty" in result.stdout
    assert json.loads(_eakte("review", "list", "--data", str(folder), "--json").stdout) == []


def test_search_rejects_an_unknown_status(review_queue: tuple[Path, list[str]]) -> None:
    folder, _ = review_queue
    result = _eakte("search", "", "--status", "reviewed", "--data", str(folder))
    assert result.exit_code == 2
    assert "needs_review" in result.stderr


def test_a_running_ingest_makes_review_wait_without_changing_anything(
    review_queue: tuple[Path, list[str]],
) -> None:
    folder, ids = review_queue
    ingest = Archive(folder)
    ingest.index.delete("no-such-doc")  # takes the index writer and keeps it, as a batch does
    try:
        result = _eakte("review", "accept", ids[0], "--by", "anna", "--data", str(folder))
        assert result.exit_code == 1, result.output
        assert "nothing changed" in result.stderr and "ingest" in result.stderr
        assert ingest.get(ids[0]).status == "needs_review"
    finally:
        ingest.close()
