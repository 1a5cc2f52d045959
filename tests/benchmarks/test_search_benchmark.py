"""The search benchmark end to end on a small archive: both index layouts through real servers."""

from __future__ import annotations

from benchmarks.search import run


def test_measures_the_index_as_written_and_compacted() -> None:
    said: list[str] = []

    result = run(documents=400, clients=4, requests=60, say=said.append)

    assert result["as_written"]["segments"] > 1
    assert result["compacted"]["segments"] == 1
    for layout in ("as_written", "compacted"):
        http = result[layout]["http"]
        assert http["errors"] == 0 and http["requests_per_second"] > 0
        assert 0 < http["p50"] <= http["p90"] <= http["p99"]
        assert result[layout]["index_direct"]["sequential"]["p50"] > 0
    assert "eakte index compact" in said
