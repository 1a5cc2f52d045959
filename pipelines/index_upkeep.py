"""Before and after a batch: bring the search index up to the catalog, and compact it once
it has more segments than searches like.

A search server may be down while a batch runs: its documents are archived and catalogued
all the same (`Archive.index_behind`), the report says the index is behind, and the next
batch (or `eakte index repair`) adds what it lacks (`catch_up`).

An ingest commits the index once per document and leaves a small segment each time; the
index merges them as it goes but keeps a dozen or more, and every search and facet count
walks each one (at 100,000 documents one segment instead of six takes the median search
through the API from about 20 to 16 ms on two cores). So a batch that leaves more than
`COMPACT_ABOVE` segments ends with `eakte index compact`: about 20 s per 100,000 documents.
"""

from __future__ import annotations

from typing import Any

from archive.search import IndexBusyError, SearchIndex, SearchUnavailableError
from archive.store import Archive

COMPACT_ABOVE = 4  # segments: at 100,000 documents each costs a search about 0.06 ms of CPU


def tidy(index: SearchIndex, above: int = COMPACT_ABOVE) -> dict[str, Any]:
    """Compact `index` if it has more than `above` segments; what was done, for the report.

    A compaction another writer prevents (a second ingest running) is skipped and said so:
    the next batch, or `eakte index compact`, does it.
    """
    try:
        segments = index.segments()
    except SearchUnavailableError as exc:
        return {"compaction_skipped": str(exc)}
    if segments <= above:
        return {"segments": segments}
    try:
        before, after = index.compact()
    except (IndexBusyError, SearchUnavailableError) as exc:
        return {"segments": segments, "compaction_skipped": str(exc)}
    return {"segments": after, "compacted_from": before}


def catch_up(archive: Archive) -> dict[str, Any]:
    """Index what the catalog holds and the index lacks: `{"caught_up": n}` when it added
    some, `{"unavailable": why}` when the search server cannot be reached."""
    try:
        added = archive.reindex_missing()
    except SearchUnavailableError as exc:
        return {"unavailable": str(exc)}
    archive.index_behind.clear()
    return {"caught_up": added} if added else {}


def after_batch(archive: Archive, at_start: dict[str, Any]) -> dict[str, Any]:
    """The report's `search_index`: caught up (`caught_up`: documents of earlier batches
    added), compacted as `tidy` does; or, while the search server is away, `behind`: true
    with `not_indexed` (this batch's documents it lacks) and the `reason`."""
    caught_up = at_start.get("caught_up", 0)
    if "unavailable" in at_start or archive.index_behind:
        behind = len(archive.index_behind)
        again = catch_up(archive)  # the server may be back
        if "unavailable" in again:
            return {"behind": True, "not_indexed": behind, "reason": again["unavailable"]}
        caught_up += again.get("caught_up", 0)
    done = tidy(archive.index)
    return {**done, "caught_up": caught_up} if caught_up else done
