"""Settings and fixtures for the whole test suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from pipelines.orchestrator import ensure_local_server, stop_local_server
from tests.support import catalogs
from tests.support.opensearch import VERSION as OPENSEARCH_VERSION
from tests.support.opensearch import NodeUnavailable, OpenSearchNode, start_node
from tests.support.postgres import PostgresCluster, start_cluster
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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--catalog",
        choices=(catalogs.EMBEDDED, catalogs.POSTGRESQL),
        default=os.environ.get("EAKTE_TEST_CATALOG", catalogs.EMBEDDED),
        help="the catalog database of every archive the tests make (tests.support.catalogs)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--catalog") == catalogs.EMBEDDED:
        return
    skip = pytest.mark.skip(reason="holds for the embedded SQLite catalog only")
    for item in items:
        if "embedded" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    return f"eakte catalog: {config.getoption('--catalog')}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A throw-away PostgreSQL cluster for the session, with a migrated template database
    (tests.support.postgres); started only when a test asks for it."""
    from archive.catalog import open_catalog
    from tests.support.postgres import TEMPLATE

    cluster, seconds = start_cluster()
    _SERVERS.append(
        f"PostgreSQL cluster ({cluster.bin.parent.name}): initdb and start {seconds:.1f} s"
    )
    try:
        with cluster.admin() as db:
            db.execute(f"CREATE DATABASE {TEMPLATE}")
        open_catalog(cluster.url(TEMPLATE)).kw["bind"].dispose()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def _catalog_router(request: pytest.FixtureRequest) -> Iterator[catalogs.CatalogRouter | None]:
    if request.config.getoption("--catalog") != catalogs.POSTGRESQL:
        yield None
        return
    cluster = request.getfixturevalue("postgres")
    with catalogs.routed(catalogs.CatalogRouter(cluster)) as router:
        yield router


@pytest.fixture(scope="module", autouse=True)
def _catalogs_of_module(_catalog_router: catalogs.CatalogRouter | None) -> Iterator[None]:
    """With --catalog=postgresql: the databases a module's archives used go when it ends."""
    yield
    if _catalog_router is not None:
        _catalog_router.drop_under(None)


@pytest.fixture(autouse=True)
def _catalogs_of_test(
    _catalog_router: catalogs.CatalogRouter | None, request: pytest.FixtureRequest
) -> Iterator[None]:
    """With --catalog=postgresql: the databases of the archives in the test's own tmp_path
    go when the test ends (a module's shared archive lives elsewhere and stays)."""
    if _catalog_router is None or "tmp_path" not in request.fixturenames:
        yield
        return
    folder = request.getfixturevalue("tmp_path")
    yield
    _catalog_router.drop_under(folder)


@pytest.fixture
def postgres_url(postgres: PostgresCluster) -> Iterator[str]:
    """The URL of a fresh, migrated catalog database on the session's PostgreSQL cluster,
    dropped after the test: for tests that are about PostgreSQL whatever --catalog says."""
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)
