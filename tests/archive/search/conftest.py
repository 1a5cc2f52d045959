"""Fixtures of the search tests that use the session's real OpenSearch node."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from archive.search.elastic import SearchServerIndex
from tests.support.opensearch import OpenSearchNode


@pytest.fixture
def index_name(opensearch_node: OpenSearchNode) -> Iterator[str]:
    """A fresh index name on the session's node, deleted afterwards."""
    name = f"eakte-test-{uuid.uuid4().hex[:8]}"
    yield name
    cleanup = SearchServerIndex(f"opensearch+{opensearch_node.url}", name)
    cleanup._server.client.indices.delete(index=name, ignore_unavailable=True)
    cleanup.close()
