"""Settings and fixtures for the whole test suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from pipelines.orchestrator import ensure_local_server, stop_local_server
from tests.support.opensearch import VERSION as OPENSEARCH_VERSION
from tests.support.opensearch import NodeUnavailable, OpenSearchNode, start_node
from tests.support.tsa import LocalTsa, start_tsa

# Property tests check what the code does, not how fast this machine is: a loaded CI machine
# must not fail them for slow example generation or a slow example.
settings.register_profile(
    "eakte", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile("eakte")


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Prefect server for the whole session, as in a scaled-out deployment.

    Started the way eakte starts its local server, in a Prefect home of its own; each
    `eakte ingest` then costs a flow run, not a server start.
    """
    saved = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    try:
        yield ensure_local_server()
    finally:
        stop_local_server()
        if saved is None:
            os.environ.pop("PREFECT_HOME", None)
        else:
            os.environ["PREFECT_HOME"] = saved


@pytest.fixture(scope="session")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    """A real RFC 3161 Time-Stamp Authority on a local port (openssl ts), for the session."""
    server = start_tsa(tmp_path_factory.mktemp("tsa"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def opensearch_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchNode]:
    """A real OpenSearch 2.19 node for the session (tests/support/opensearch.py), started on
    first use and stopped at the end. Without Java or Maven (no `setup.sh --tests`) its tests
    are skipped, but in CI, where they must run, they fail."""
    try:
        node = start_node(tmp_path_factory.mktemp("opensearch"))
    except NodeUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"no OpenSearch node: {exc}")
        pytest.skip(f"no OpenSearch node: {exc}")
    _SERVERS.append(
        f"OpenSearch {OPENSEARCH_VERSION} node: green {node.started_in:.1f} s after start"
    )
    try:
        yield node
    finally:
        node.stop()


_SERVERS: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how long the servers the tests started took to start."""
    for line in _SERVERS:
        terminalreporter.write_line(line)
