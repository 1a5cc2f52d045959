"""Before and after a batch: bring the search index up to the catalog, and compact it once
it has more segments than searches like.

A search server may be down while a batch runs: its documents are archived and catalogued
all the same (`Archive.unindexed`), the report says the index is behind, and the next
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


def index_the_rest(archive: Archive) -> list[str]:
    """Index the documents the batch catalogued while another process held the index writer
    (`Archive.unindexed`); a warning for the report if it still cannot. A search server
    that is away raises SearchUnavailableError (`after_batch` reports it)."""
    if not archive.unindexed:
        return []
    waiting = len(archive.unindexed)
    try:
        archive.reindex_missing()
    except IndexBusyError as exc:
        return [
            f"{waiting} archived document(s) are not yet in the search index ({exc}); "
            "the next ingest adds them"
        ]
    return []


def catch_up(archive: Archive) -> dict[str, Any]:
    """Index what the catalog holds and the index lacks (a batch's start, `eakte index
    repair`): `{"caught_up": n}` when it added some, `{"unavailable": why}` when the search
    server cannot be reached."""
    try:
        added = archive.reindex_missing()
    except SearchUnavailableError as exc:
        return {"unavailable": str(exc)}
    return {"caught_up": added} if added else {}


def after_batch(archive: Archive, at_start: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The report's `search_index` at a batch's end, and warnings: what waited for the index
    is added (`index_the_rest`), or everything it lacks when the server was away at the
    start (`caught_up` counts what was added then and now), then it is compacted as `tidy`
    does. While the search server is still away: `behind`: true, `not_indexed` (this
    batch's documents the index lacks) and the `reason`."""
    caught_up = at_start.get("caught_up", 0)
    waiting = len(archive.unindexed)
    try:
        if "unavailable" in at_start:  # the server may be back
            caught_up += archive.reindex_missing()
            warnings: list[str] = []
        else:
            warnings = index_the_rest(archive)
    except SearchUnavailableError as exc:
        return {"behind": True, "not_indexed": waiting, "reason": str(exc)}, []
    done = tidy(archive.index)
    return ({**done, "caught_up": caught_up} if caught_up else done), warnings
