"""After a batch, compact the search index once it has more segments than searches like.

An ingest commits the index once per document and leaves a small segment each time; the
index merges them as it goes but keeps a dozen or more, and every search and facet count
walks each one (at 100,000 documents one segment instead of six takes the median search
through the API from about 20 to 16 ms on two cores). So a batch that leaves more than
`COMPACT_ABOVE` segments ends with `eakte index compact`: about 20 s per 100,000 documents.
"""

from __future__ import annotations

from typing import Any

from archive.search import IndexBusyError, SearchIndex
from archive.store import Archive

COMPACT_ABOVE = 4  # segments: at 100,000 documents each costs a search about 0.06 ms of CPU


def tidy(index: SearchIndex, above: int = COMPACT_ABOVE) -> dict[str, Any]:
    """Compact `index` if it has more than `above` segments; what was done, for the report.

    A compaction another writer prevents (a second ingest running) is skipped and said so:
    the next batch, or `eakte index compact`, does it.
    """
    segments = index.segments()
    if segments <= above:
        return {"segments": segments}
    try:
        before, after = index.compact()
    except IndexBusyError as exc:
        return {"segments": segments, "compaction_skipped": str(exc)}
    return {"segments": after, "compacted_from": before}


def index_the_rest(archive: Archive) -> list[str]:
    """Index the documents the batch catalogued while another process held the index writer
    (`Archive.unindexed`); a warning for the report if it still cannot."""
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
