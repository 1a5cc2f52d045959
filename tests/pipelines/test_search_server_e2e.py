"""Real ingests into an archive whose index is on a real OpenSearch node, the node stopped
before a batch, or in the middle of one, and started again: nothing is quarantined for it,
the report says the index is behind, and the next batch or `eakte index repair` catches up."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
import uuid
from pathlib import Path

import pytest

from archive.search import SearchFilters
from archive.search.elastic import SearchServerIndex
from archive.store import Archive
from scanmaker import write_scan
from tests.support.commands import run_eakte, run_json, start_eakte
from tests.support.opensearch import OpenSearchNode
from tests.support.processes import kill_all

pytestmark = pytest.mark.slow


def _letter(folder: Path, name: str, word: str) -> Path:
    """A born-digital letter (no OCR needed), whose text holds `word`."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["Stadt Musterstadt, Bauordnungsamt", "Musterstadt, den 04.06.2024",
             "Aktenzeichen: 63-BG-2024-0117", "Baugenehmigung",
             f"Die Baugenehmigung für die {word} an der Lindenstraße 7 wird erteilt."]  # fmt: skip
    return write_scan([lines], folder / f"{name}.pdf", "born_digital_pdf", font="DejaVuSans")


def _found(word: str, env: dict[str, str]) -> list[str]:
    """What a search finds, asked in this process (an `eakte search` costs seconds)."""
    index = SearchServerIndex(env["EAKTE_SEARCH_URL"], env["EAKTE_SEARCH_INDEX"])
    try:
        return [hit.document_id for hit in index.search(word, SearchFilters())]
    finally:
        index.close()


def test_a_batch_while_the_search_server_is_down_and_the_catching_up(
    tmp_path: Path, opensearch_node: OpenSearchNode, prefect_api: str
) -> None:
    data = tmp_path / "data"
    env = {"EAKTE_SEARCH_URL": f"opensearch+{opensearch_node.url}",
           "EAKTE_SEARCH_INDEX": f"eakte-test-{uuid.uuid4().hex[:8]}"}  # fmt: skip
    _letter(tmp_path / "karton-1", "scheune", "Scheune")
    _letter(tmp_path / "karton-1", "garage", "Garage")
    _letter(tmp_path / "karton-2", "carport", "Carport")

    with opensearch_node.down():
        report = run_json("ingest", str(tmp_path / "karton-1"), "--data", str(data),
                          api=prefect_api, env=env)  # fmt: skip
        searched = run_eakte("search", "Scheune", "--data", str(data), api=prefect_api,
                             check=False, env=env)  # fmt: skip
    assert report["counts"]["quarantined"] == 0
    assert report["counts"]["archived"] + report["counts"]["needs_review"] == 2
    assert report["search_index"]["behind"] is True
    assert report["search_index"]["not_indexed"] == 2
    assert opensearch_node.url in report["search_index"]["reason"]
    first = {line["document_id"] for line in report["documents"]}
    catalog = Archive(data, index=SearchServerIndex(env["EAKTE_SEARCH_URL"], "unused"))
    for document_id in first:  # catalogued, their audit trail written
        assert catalog.get(document_id).audit[-1].event == "archived"  # type: ignore[union-attr]
    catalog.close()
    # a search meanwhile is refused in one line that names the server
    assert searched.returncode == 2
    assert "unavailable" in searched.stderr and len(searched.stderr.strip().splitlines()) == 1

    # the next batch, with the server back, adds what the index lacks
    report = run_json("ingest", str(tmp_path / "karton-2"), "--data", str(data),
                      api=prefect_api, env=env)  # fmt: skip
    assert report["search_index"]["caught_up"] == 2
    assert "behind" not in report["search_index"]
    assert set(_found("Scheune OR Garage", env)) == first
    assert len(_found("Carport", env)) == 1

    verified = run_eakte("verify", "--data", str(data), api=prefect_api, check=False,
                         env=env)  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _catalogued(catalog: Path) -> int:
    """Documents in the embedded catalog, read as another process would (0 before it exists)."""
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("select count(*) from documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_the_search_server_stopped_in_the_middle_of_a_batch(
    tmp_path: Path, opensearch_node: OpenSearchNode, prefect_api: str
) -> None:
    """The ingest is frozen (SIGSTOP, its whole process group) the moment its first document
    is catalogued, the node is stopped, and the ingest goes on: every document is archived
    and catalogued, the report says how many the index lacks, and after the node is back
    `eakte index repair` adds exactly those."""
    data = tmp_path / "data"
    env = {"EAKTE_SEARCH_URL": f"opensearch+{opensearch_node.url}",
           "EAKTE_SEARCH_INDEX": f"eakte-test-{uuid.uuid4().hex[:8]}"}  # fmt: skip
    words = ["Scheune", "Garage", "Carport", "Gartenhaus", "Wintergarten"]
    for word in words:
        _letter(tmp_path / "karton", word.lower(), word)
    process = start_eakte("ingest", str(tmp_path / "karton"), "--data", str(data), "--json",
                          api=prefect_api, env=env)  # fmt: skip
    try:
        deadline = time.monotonic() + 600
        while _catalogued(data / "catalog.sqlite") == 0:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no document was catalogued"
            time.sleep(0.002)
        os.killpg(process.pid, signal.SIGSTOP)
        try:
            frozen_at = _catalogued(data / "catalog.sqlite")
            opensearch_node.stop()
        finally:
            os.killpg(process.pid, signal.SIGCONT)
        stdout, stderr = process.communicate(timeout=600)
    finally:
        kill_all({process.pid})
        if opensearch_node.process is None:
            opensearch_node.start()
    assert process.returncode == 0, stderr[-3000:]
    report = json.loads(stdout)
    assert frozen_at < len(words), "every document was catalogued before the node stopped"
    assert report["counts"]["quarantined"] == 0
    assert report["counts"]["archived"] + report["counts"]["needs_review"] == len(words)
    assert report["search_index"]["behind"] is True
    assert opensearch_node.url in report["search_index"]["reason"]
    ids = {line["document_id"] for line in report["documents"]}
    index = SearchServerIndex(env["EAKTE_SEARCH_URL"], env["EAKTE_SEARCH_INDEX"])
    try:
        indexed = index.document_ids()
    finally:
        index.close()
    # the report counts exactly what the index lacks: those catalogued after the stop
    assert len(ids - indexed) == report["search_index"]["not_indexed"] >= len(words) - frozen_at

    repaired = run_eakte("index", "repair", "--data", str(data), api=prefect_api, env=env)
    assert f"{len(ids - indexed)} documents added to the search index" in repaired.stdout
    assert set(_found(" OR ".join(words), env)) == ids
    verified = run_eakte("verify", "--data", str(data), api=prefect_api, check=False,
                         env=env)  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
