"""The search backends benchmark end to end on a small archive: Tantivy and a real OpenSearch
node, one PostgreSQL catalog, both loaded through real `eakte serve` processes."""

from __future__ import annotations

import os

import pytest

from benchmarks.search_backends import compare
from tests.support.opensearch import NodeUnavailable, build

pytestmark = pytest.mark.slow  # starts PostgreSQL, an OpenSearch node and two servers


def test_both_backends_hold_every_document_and_answer_every_request() -> None:
    try:
        build()
    except NodeUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"no OpenSearch node: {exc}")
        pytest.skip(f"no OpenSearch node: {exc}")
    said: list[str] = []

    result = compare(
        ["tantivy", "opensearch"], 300, clients=4, requests=40, say=said.append,
        warmup=10, rounds=2,
    )  # fmt: skip

    assert list(result["backends"]) == ["tantivy", "opensearch"]
    for measured in result["backends"].values():
        assert measured["indexed"] == 300 and measured["segments"] == 1
        assert measured["documents_per_second"] > 0
        http = measured["http"]
        assert http["answered"] == 40 and http["errors"] == 0  # every answer a search page
        assert http["p50"] <= http["p99"]
        assert measured["peak_rss_mib"]["eakte_serve"] > 0
    assert result["backends"]["opensearch"]["peak_rss_mib"]["opensearch"] > 100  # a JVM
    assert result["postgresql_peak_rss_mib"] > 0
    # the turns alternate: A B, then B A
    turns = [s.split(":")[0] for s in said if "HTTP, round" in s]
    assert turns == ["tantivy", "opensearch", "opensearch", "tantivy"]
