"""Search on Tantivy and on OpenSearch in one run: the same documents, queries and tokens.

`python -m benchmarks.search --backends tantivy,opensearch` comes here. One archive catalog
(on PostgreSQL by default, `--catalog sqlite` for the embedded file) holds the tokens; each
backend gets the same generated documents in the same batches, is compacted (Tantivy's
rewrite into one segment, OpenSearch's force merge), and is then measured through `eakte
serve` with that catalog (EAKTE_DATABASE_URL) and that index (EAKTE_SEARCH_URL for
OpenSearch) and in this process, as `benchmarks.search` measures Tantivy alone. Since the
catalog, the API server and the queries are shared, the ratio of the two is the index's.

Memory is the peak RSS while the backend is filled and measured: the `eakte serve` tree
(which holds the Tantivy index in its workers), the OpenSearch JVM, and PostgreSQL's
processes summed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from archive.search import SearchIndex
from archive.store import Archive
from benchmarks import servers
from benchmarks.memory import PeakRss, mib
from benchmarks.search import _percentiles, batches, direct, index_docs, make_tokens, serving

BACKENDS = ("tantivy", "opensearch")
CATALOGS = ("postgresql", "sqlite")
INDEX_NAME = "bench-documents"

Say = Callable[[str], None]


def fill(index: SearchIndex, corpus: list[list[Any]], say: Say, name: str) -> float:
    """Index every batch of `corpus` with `add_many` (a commit, or a bulk request with a
    refresh, per 500); returns the seconds spent in `add_many` alone."""
    spent, done, total = 0.0, 0, sum(len(b) for b in corpus)
    for batch in corpus:
        say(f"{name}: indexing {done:,}/{total:,}")
        start = time.perf_counter()
        index.add_many(batch)
        spent += time.perf_counter() - start
        done += len(batch)
    return spent


@contextlib.contextmanager
def _peak(measure: Callable[[], int] | None) -> Iterator[PeakRss | None]:
    if measure is None:
        yield None
        return
    with PeakRss(measure) as monitor:
        yield monitor


def compare(  # type: ignore[no-untyped-def]
    backends: list[str],
    documents: int,
    clients: int,
    requests: int,
    say: Say,
    *,
    catalog: str = "postgresql",
    workers: int = 0,
    warmup: int = 500,
    rounds: int = 4,
) -> dict[str, Any]:
    """Fill and compact every backend, then load their `eakte serve`s in turns, then
    query each index in this process. A shared, noisy machine changes speed within minutes:
    `rounds` turns of `requests / rounds` each, in the order A B B A A B ..., spread that
    over the backends evenly, so their ratio holds although the absolute figures move."""
    unknown = set(backends) - set(BACKENDS)
    if unknown or not backends:
        raise ValueError(f"backends are {', '.join(BACKENDS)}, not {', '.join(sorted(unknown))}")
    if catalog not in CATALOGS:
        raise ValueError(f"the catalog is {' or '.join(CATALOGS)}, not {catalog}")
    result: dict[str, Any] = {
        "documents": documents,
        "clients": clients,
        "requests": requests,
        "warmup": warmup,
        "rounds": rounds,
        "catalog": catalog,
        "cpus": os.cpu_count(),
        "backends": {b: {} for b in backends},
    }
    say("generating the documents")
    corpus = [index_docs(start, count) for start, count in batches(documents)]
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="eakte-bench-")))
        data_dir = tmp / "data"
        env: dict[str, str] = {"EAKTE_CONFIG": str(tmp / "none.toml")}
        pg = node = None
        catalog_url = None
        if catalog == "postgresql":
            say("starting PostgreSQL")
            pg = stack.enter_context(servers.postgres())
            catalog_url = servers.postgres_database(pg)
            env["EAKTE_DATABASE_URL"] = catalog_url
        pg_memory = stack.enter_context(
            _peak(None if pg is None else lambda: servers.postgres_rss(pg))
        )
        if "opensearch" in backends:
            say("starting OpenSearch")
            node = stack.enter_context(servers.opensearch())
            result["opensearch"] = {
                "version": servers.VERSION,
                "heap": servers.HEAP,
                "start_seconds": round(node.started_in, 1),
            }
        node_memory = stack.enter_context(
            _peak(None if node is None else lambda: servers.opensearch_rss(node))  # type: ignore[arg-type]
        )
        archive = Archive(data_dir, catalog_url=catalog_url)
        tokens = make_tokens(archive)
        archive.close()
        for backend in backends:
            result["backends"][backend] |= _fill(backend, data_dir, node, corpus, say)
        served = {}
        for backend in backends:
            serve_env = dict(env)
            if backend == "opensearch":
                assert node is not None
                serve_env |= {"EAKTE_SEARCH_URL": node.url, "EAKTE_SEARCH_INDEX": INDEX_NAME}
            served[backend] = stack.enter_context(serving(data_dir, workers, serve_env))
            say(f"{backend}: warming up ({warmup} requests)")
            served[backend].load(tokens, clients, warmup)
        latencies: dict[str, list[float]] = {b: [] for b in backends}
        errors = dict.fromkeys(backends, 0)
        seconds = dict.fromkeys(backends, 0.0)
        for turn in range(rounds):
            order = backends if turn % 2 == 0 else backends[::-1]
            for backend in order:
                say(f"{backend}: HTTP, round {turn + 1}/{rounds}, {clients} clients")
                done = served[backend].load(tokens, clients, requests // rounds)
                latencies[backend] += done["latencies"]
                errors[backend] += done["errors"]
                seconds[backend] += len(done["latencies"]) / done["requests_per_second"]
        for backend in backends:
            result["backends"][backend]["http"] = _percentiles(latencies[backend]) | {
                "answered": len(latencies[backend]),
                "errors": errors[backend],
                "requests_per_second": round(len(latencies[backend]) / seconds[backend], 1),
            }
            result["backends"][backend]["peak_rss_mib"] = {
                "eakte_serve": mib(served[backend].memory.peak)
            }
        for backend in backends:
            say(f"{backend}: the index in this process")
            index = _open(backend, data_dir, node)
            try:
                result["backends"][backend]["index_direct"] = direct(index, clients, requests)
            finally:
                index.close()
        if node_memory is not None:
            result["backends"]["opensearch"]["peak_rss_mib"]["opensearch"] = mib(node_memory.peak)
        if pg_memory is not None:
            result["postgresql_peak_rss_mib"] = mib(pg_memory.peak)
    return result


def _open(backend: str, data_dir: Path, node: servers.OpenSearchNode | None) -> SearchIndex:
    if backend == "tantivy":
        from archive.search.tantivy import TantivyIndex

        return TantivyIndex(data_dir / "index")
    from archive.search.elastic import SearchServerIndex

    assert node is not None
    return SearchServerIndex(node.url, INDEX_NAME)


def _fill(
    backend: str,
    data_dir: Path,
    node: servers.OpenSearchNode | None,
    corpus: list[list[Any]],
    say: Say,
) -> dict[str, Any]:
    """Index the corpus into one backend and compact it; rate, segments and times."""
    documents = sum(len(b) for b in corpus)
    index = _open(backend, data_dir, node)
    try:
        index_s = fill(index, corpus, say, backend)
        segments_written = index.segments()
        say(f"{backend}: compacting {segments_written} segment(s)")
        start = time.perf_counter()
        index.compact()
        compact_s = time.perf_counter() - start
        segments, indexed = index.segments(), index.count()
    finally:
        index.close()
    return {
        "indexed": indexed,
        "index_seconds": round(index_s, 1),
        "documents_per_second": round(documents / index_s, 1),
        "segments_as_written": segments_written,
        "compact_seconds": round(compact_s, 1),
        "segments": segments,
    }


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if not a or not b else f"{b / a:.2f}x"


def print_table(result: dict[str, Any], console: Any) -> None:
    """The comparison as a table; the last column is the second backend over the first."""
    from rich.table import Table

    measured = result["backends"]
    names = list(measured)
    table = Table(
        title=f"{result['documents']:,} documents, {result['clients']} clients, catalog on "
        f"{result['catalog']} ({result['cpus']} CPUs)"
    )
    table.add_column("")
    for name in names:
        table.add_column(name, justify="right")
    if len(names) == 2:
        table.add_column(f"{names[1]}/{names[0]}", justify="right")

    def row(label: str, values: list[float | None], unit: str = "") -> None:
        cells = ["-" if v is None else f"{v:,.1f}{unit}" for v in values]
        table.add_row(label, *cells, *([_ratio(*values)] if len(values) == 2 else []))

    def each(*path: str) -> list[float | None]:
        found = []
        for name in names:
            value: Any = measured[name]
            for key in path:
                value = value[key]
            found.append(value)
        return found

    row("bulk indexing, documents/s", each("documents_per_second"))
    row("compaction, s", each("compact_seconds"))
    for key in ("p50", "p90", "p99", "mean"):
        row(f"HTTP API {key}, ms", each("http", key))
    row("HTTP API requests/s", each("http", "requests_per_second"))
    row("HTTP errors", each("http", "errors"))
    for key in ("p50", "p99"):
        row(f"index in-process, {result['clients']} threads, {key} ms",
            each("index_direct", "concurrent", key))  # fmt: skip
    for key in ("p50", "p99"):
        row(f"index in-process, one at a time, {key} ms", each("index_direct", "sequential", key))
    row("peak RSS eakte serve, MiB", each("peak_rss_mib", "eakte_serve"))
    table.add_row(
        "peak RSS OpenSearch node, MiB",
        *(f"{measured[n]['peak_rss_mib'].get('opensearch') or '-'}" for n in names),
        *([""] if len(names) == 2 else []),
    )
    console.print(table)
    if "postgresql_peak_rss_mib" in result:
        console.print(
            f"PostgreSQL (the catalog both share): peak RSS {result['postgresql_peak_rss_mib']} MiB"
        )
    if "opensearch" in result:
        o = result["opensearch"]
        console.print(
            f"OpenSearch {o['version']}, heap {o['heap']}, green after {o['start_seconds']} s"
        )
