"""The catalog and search servers for the benchmarks, started as the tests start them.

The throw-away PostgreSQL cluster and the OpenSearch node come from `tests.support` (one
code path for both, so a benchmark measures the servers the test suite checks): Debian's
PostgreSQL binaries, and the OpenSearch 2.19 launcher that `bash setup.sh --tests` builds
into ~/.cache/eakte. Unlike the tests' cluster, the benchmarks' PostgreSQL is durable
(fsync and synchronous commits on), as a production server is and as the embedded SQLite
catalog is (synchronous=FULL): a comparison with the tests' fsync-free cluster would flatter
PostgreSQL.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.memory import tree_rss
from tests.support.opensearch import HEAP, VERSION, OpenSearchNode, start_node
from tests.support.postgres import PostgresCluster, start_cluster

__all__ = ["HEAP", "VERSION", "OpenSearchNode", "PostgresCluster"]


@contextmanager
def postgres() -> Iterator[PostgresCluster]:
    """A durable throw-away cluster on a free port, removed on leaving."""
    cluster, _ = start_cluster(durable=True)
    try:
        yield cluster
    finally:
        cluster.destroy()


def postgres_database(cluster: PostgresCluster) -> str:
    """The URL of a new, empty database (the archive migrates it when it opens it)."""
    return cluster.url(cluster.create_database(template=None))


def postgres_rss(cluster: PostgresCluster) -> int:
    """Summed RSS (bytes) of the postmaster and every process it forked (a backend per
    connection, the checkpointer, the WAL writer, ...)."""
    pid_file = cluster.data / "postmaster.pid"
    try:
        postmaster = int(pid_file.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return 0
    return tree_rss(postmaster)


@contextmanager
def opensearch() -> Iterator[OpenSearchNode]:
    """An OpenSearch node (the tests' launcher and heap) with its data in a temporary
    folder, stopped and removed on leaving."""
    with tempfile.TemporaryDirectory(prefix="eakte-bench-opensearch-") as home:
        node = start_node(Path(home))
        try:
            yield node
        finally:
            node.stop()


def opensearch_rss(node: OpenSearchNode) -> int:
    """Summed RSS (bytes) of the node's JVM and any process below it."""
    process = node.process
    return 0 if process is None else tree_rss(process.pid)
