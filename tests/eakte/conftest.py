"""What the application's tests share: a PostgreSQL server of their own that they may stop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres import SERVER_PASSWORD, PostgresCluster, start_cluster


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresCluster]:
    """A cluster of its own (tests stop and crash it; the session's is never stopped), with
    the role `eakte` as deploy/README.md has it made."""
    cluster, _ = start_cluster(durable=True)  # it is crashed: what was committed must stay
    try:
        with cluster.admin() as db:
            db.execute(f"CREATE ROLE eakte LOGIN PASSWORD '{SERVER_PASSWORD}'")
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def url(server: PostgresCluster) -> Iterator[str]:
    """A fresh database `eakte` owned by `eakte` on `server`, and the URL that names it,
    password and all; the server runs again after the test."""
    if not server.is_running():
        server.start()
    with server.admin() as db:
        db.execute("DROP DATABASE IF EXISTS eakte WITH (FORCE)")
        db.execute("CREATE DATABASE eakte OWNER eakte")
    yield f"postgresql+psycopg://eakte:{SERVER_PASSWORD}@127.0.0.1:{server.port}/eakte"
    if not server.is_running():
        server.start()
