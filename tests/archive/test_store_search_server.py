"""The archive with its index on a search server that is away: what is stored is archived
and catalogued all the same, and the index catches up once the server is back."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

from archive.search import SearchFilters
from archive.search.elastic import SearchServerIndex
from archive.store import Archive
from tests.support.documents import store_document
from tests.support.opensearch import OpenSearchNode


def _unreachable() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"opensearch+http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_document_stored_while_the_server_is_away_is_archived_and_indexed_later(
    tmp_path: Path, opensearch_node: OpenSearchNode
) -> None:
    name = f"eakte-test-{uuid.uuid4().hex[:8]}"
    archive = Archive(tmp_path / "data", index=SearchServerIndex(_unreachable(), name))
    archive.start_batch("karton-1", "Karton 1")
    doc_id = store_document(archive, tmp_path, "bauantrag", "bauantrag", "archived",
                            "Der Bauantrag für die Scheune")  # fmt: skip
    assert archive.get(doc_id) is not None  # catalogued
    assert archive.unindexed == {doc_id}
    assert any(e.event == "archived" for e in archive.get(doc_id).audit)  # type: ignore[union-attr]
    archive.close()

    # the next process that opens the archive, with the server back
    index = SearchServerIndex(f"opensearch+{opensearch_node.url}", name)
    again = Archive(tmp_path / "data", index=index)
    assert again.reindex_missing() == 1
    assert [h.document_id for h in again.search("Scheune", SearchFilters())] == [doc_id]
    assert again.verify() == []
    index.client.indices.delete(index=name)
    again.close()
