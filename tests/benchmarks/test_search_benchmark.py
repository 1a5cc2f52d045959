"""The search benchmark end to end on a small archive: both index layouts through real servers."""

from __future__ import annotations

import pytest

from benchmarks.search import run

pytestmark = pytest.mark.slow  # builds an archive and starts `eakte serve` twice


def test_measures_the_index_as_written_and_compacted() -> None:
    said: list[str] = []

    result = run(documents=400, clients=4, requests=60, say=said.append)

    assert result["as_written"]["segments"] > 1
    assert result["compacted"]["segments"] == 1
    for layout in ("as_written", "compacted"):
        measured = result[layout]
        assert measured["indexed"] == 400  # compaction kept every document
        http = measured["http"]
        # every request was answered with a search page (status 200 and hits), none lost
        assert http["answered"] == 60 and http["errors"] == 0
        assert http["p50"] <= http["p90"] <= http["p99"]
    assert said.index("eakte index compact") < said.index("deep paging")
