"""`eakte index compact | repair` through the command line, on an archive written a document
at a time; `repair` also on a real OpenSearch node that was away while documents were stored."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from archive.search import SearchFilters
from archive.search.elastic import SearchServerIndex
from archive.store import Archive
from eakte.cli.app import app
from eakte.cli.views import print_batch
from tests.support.documents import store_document
from tests.support.opensearch import OpenSearchNode

runner = CliRunner()


def _found(folder: Path, query: str) -> list[str]:
    archive = Archive(folder)
    try:
        return sorted(h.document_id for h in archive.index.search(query, SearchFilters(), 10))
    finally:
        archive.close()


def test_compact_leaves_one_segment_and_every_document_findable(
    review_queue: tuple[Path, list[str]],
) -> None:
    folder, ids = review_queue
    before = _found(folder, "Schreibens")
    assert sorted(ids) == before

    result = runner.invoke(app, ["index", "compact", "--data", str(folder)])

    assert result.exit_code == 0, result.output
    assert "3 documents; segments: 3 before, 1 after" in result.stdout
    assert _found(folder, "Schreibens") == before
    assert _found(folder, "drei") == [ids[2]]


def test_compact_is_refused_while_an_ingest_writes(review_queue: tuple[Path, list[str]]) -> None:
    folder, _ = review_queue
    ingest = Archive(folder)  # holds the index writer until its batch ends
    ingest.start_batch("karton-2", "Karton 2")
    store_document(ingest, folder.parent / "scans", "vier", "bauantrag", "archived")
    try:
        result = runner.invoke(app, ["index", "compact", "--data", str(folder)])
    finally:
        ingest.close()
    assert result.exit_code == 1
    assert (
        "nothing changed" in result.output and "being written by another process" in result.output
    )
    assert len(_found(folder, "Schreibens")) == 4


def test_compact_needs_an_archive(tmp_path: Path) -> None:
    result = runner.invoke(app, ["index", "compact", "--data", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "no archive here" in " ".join(result.output.split())


def _unreachable() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"opensearch+http://127.0.0.1:{probe.getsockname()[1]}"


def test_repair_adds_what_the_search_server_missed(
    data: Path, opensearch_node: OpenSearchNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"eakte-test-{uuid.uuid4().hex[:8]}"
    away = Archive(data, index=SearchServerIndex(_unreachable(), name))
    away.start_batch("karton-1", "Karton 1")
    ids = [store_document(away, data.parent, n, "bauantrag", "archived") for n in ("a", "b")]
    assert away.unindexed == set(ids)
    away.close()
    monkeypatch.setenv("EAKTE_SEARCH_URL", f"opensearch+{opensearch_node.url}")
    monkeypatch.setenv("EAKTE_SEARCH_INDEX", name)

    result = runner.invoke(app, ["index", "repair", "--data", str(data)])

    assert result.exit_code == 0, result.output
    assert "2 documents added to the search index; it holds 2" in result.stdout
    again = runner.invoke(app, ["index", "repair", "--data", str(data)])
    assert "0 documents added to the search index; it holds 2" in again.stdout
    index = SearchServerIndex(f"opensearch+{opensearch_node.url}", name)
    assert index.document_ids() == set(ids)
    index.client.indices.delete(index=name)
    index.close()


def test_repair_while_the_server_is_away_says_so_in_one_line(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EAKTE_SEARCH_URL", _unreachable())
    result = runner.invoke(app, ["index", "repair", "--data", str(data)])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert "is unavailable: [Errno 111] Connection refused" in line


def test_a_batch_report_says_the_index_is_behind_and_what_catches_up() -> None:
    report = {"batch_id": "k1", "documents": [], "counts": {"archived": 2},
              "search_index": {"behind": True, "not_indexed": 2,
                               "reason": "search server http://os:9200 is unavailable"}}  # fmt: skip
    console = Console(record=True, width=300)
    print_batch(console, report)
    text = console.export_text()
    assert (
        "search index behind: 2 document(s) of this batch are archived but not yet searchable "
        "(search server http://os:9200 is unavailable); the next batch or `eakte index repair` "
        "adds them"
    ) in text
    report["search_index"] = {"segments": 3, "caught_up": 2}
    console = Console(record=True, width=300)
    print_batch(console, report)
    caught_up = "search index caught up: 2 catalogued document(s) it lacked added"
    assert caught_up in console.export_text()


def test_an_index_made_beforehand_from_the_template_is_used(
    data: Path, opensearch_node: OpenSearchNode
) -> None:
    """An operator creates the index with more shards from `eakte index template`; eakte
    takes it as its own and writes and finds in it."""
    import json

    printed = runner.invoke(app, ["index", "template", "--shards", "2"])
    body = json.loads(printed.stdout)
    assert body["settings"]["index"]["number_of_shards"] == 2
    name = f"eakte-test-{uuid.uuid4().hex[:8]}"
    index = SearchServerIndex(f"opensearch+{opensearch_node.url}", name)
    index._server.client.indices.create(index=name, body=body)
    archive = Archive(data, index=index)
    archive.start_batch("karton-1", "Karton 1")
    doc_id = store_document(archive, data.parent, "a", "bauantrag", "archived")
    assert [h.document_id for h in archive.search("Schreibens", SearchFilters())] == [doc_id]
    settings = index.client.indices.get_settings(index=name)[name]["settings"]["index"]
    assert settings["number_of_shards"] == "2"
    index.client.indices.delete(index=name)
    archive.close()
