"""`eakte archive migrate`: a pilot made by a real ingest moved onto a real PostgreSQL server
and a real OpenSearch node by the real command; killed with SIGKILL mid-copy and run again;
refused onto a database that holds another archive; run again onto its finished target."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from archive.catalog import open_catalog
from archive.migration import copy_catalog
from archive.search import SearchFilters
from archive.search.elastic import SearchServerIndex
from archive.search.tantivy import TantivyIndex
from tests.support.catalogs import url_of
from tests.support.commands import EAKTE, ROOT, run_eakte
from tests.support.opensearch import OpenSearchNode
from tests.support.pilot import catalog_rows, ingested_pilot, small_pilot
from tests.support.postgres import SERVER_PASSWORD, PostgresCluster

pytestmark = [pytest.mark.slow, pytest.mark.embedded]  # the pilot is an embedded archive


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory, prefect_api: str) -> Path:
    """One real pilot for the module: every migration only reads it."""
    data, _ = ingested_pilot(tmp_path_factory.mktemp("pilot"), prefect_api)
    return data


@pytest.fixture
def search(opensearch_node: OpenSearchNode) -> Iterator[tuple[str, str]]:
    """The node's URL and an index name of this test's own."""
    name = f"eakte-mig-{uuid.uuid4().hex[:8]}"
    yield f"opensearch+{opensearch_node.url}", name
    cleanup = SearchServerIndex(f"opensearch+{opensearch_node.url}", name)
    cleanup.client.indices.delete(index=name, ignore_unavailable=True)
    cleanup.close()


def _migrate_args(pilot: Path, url: str, search: tuple[str, str]) -> list[str]:
    return ["archive", "migrate", "--to-database", url, "--to-search", search[0],
            "--to-search-index", search[1], "--data", str(pilot), "--json"]  # fmt: skip


def _on_target(url: str, search: tuple[str, str]) -> dict[str, str]:
    return {"EAKTE_DATABASE_URL": url, "EAKTE_SEARCH_URL": search[0],
            "EAKTE_SEARCH_INDEX": search[1]}  # fmt: skip


def _found(index: TantivyIndex | SearchServerIndex, query: str) -> list[str]:
    try:
        return sorted(h.document_id for h in index.search(query, SearchFilters(), limit=100))
    finally:
        index.close()


def test_the_pilot_moves_onto_the_servers_and_verifies_there(
    pilot: Path, url: str, search: tuple[str, str]
) -> None:
    before = catalog_rows(url_of(pilot))

    done = run_eakte(*_migrate_args(pilot, url, search), api=None)

    summary = json.loads(done.stdout)
    assert summary["clean"] is True and summary["resumed"] is False
    assert all(c["exit"] == 0 for c in summary["checks"].values()), summary["checks"]
    assert "audit trail intact" in summary["checks"]["audit verify"]["output"]
    assert "archive verified" in summary["checks"]["verify"]["output"]
    assert SERVER_PASSWORD not in done.stdout + done.stderr
    assert summary["configure"]["database_url"].startswith("postgresql+psycopg://eakte:***@")
    after = catalog_rows(url)
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
    assert after == before
    assert after["audit_head"] == before["audit_head"]  # the same head hash
    assert summary["index"]["documents"] == len(before["documents"]) > 0
    for query in ("Grundsteuer", "Bauantrag", "Hundesteuer"):
        found = _found(SearchServerIndex(*search), query)
        assert found == _found(TantivyIndex(pilot / "index"), query), query
    assert _found(SearchServerIndex(*search), "Bauantrag")
    # the commands a clerk and a records manager run afterwards, configured for the target
    for command in (("verify",), ("audit", "verify")):
        run_eakte(*command, "--data", str(pilot), api=None, env=_on_target(url, search))
    assert catalog_rows(url_of(pilot)) == before  # the pilot was only read


def _waiting_on_a_lock(server: PostgresCluster) -> bool:
    with server.admin() as db:
        row = db.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = 'eakte' AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


def test_a_migration_killed_mid_copy_ends_as_an_uninterrupted_one_when_run_again(
    pilot: Path, url: str, search: tuple[str, str], server: PostgresCluster
) -> None:
    open_catalog(url).kw["bind"].dispose()  # the empty schema, so that a table can be locked
    blocker = psycopg.connect(server.url("eakte", driver="postgresql"))
    blocker.execute("LOCK TABLE documents IN SHARE MODE")  # reads go on, inserts wait
    env = dict(os.environ, COLUMNS="200")
    migrating = subprocess.Popen(
        [*EAKTE, *_migrate_args(pilot, url, search), "--chunk-size", "5"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not _waiting_on_a_lock(server):
            assert migrating.poll() is None, migrating.communicate()
            assert time.monotonic() < deadline, "the migration never reached the documents"
            time.sleep(0.1)
        os.killpg(migrating.pid, signal.SIGKILL)
        migrating.wait()
    finally:
        blocker.rollback()
        blocker.close()
    partial = catalog_rows(url)
    source = catalog_rows(url_of(pilot))
    assert len(partial["audit_events"]) == len(source["audit_events"])  # chunks committed
    assert partial["documents"] == [] and partial["audit_head"][0][1] == 0  # the rest is not

    done = run_eakte(*_migrate_args(pilot, url, search), "--chunk-size", "5", api=None)

    summary = json.loads(done.stdout)
    assert summary["resumed"] is True and summary["clean"] is True
    assert catalog_rows(url) == source
    tables = {t["name"]: t for t in summary["tables"]}
    assert tables["audit_events"]["copied"] == 0
    assert tables["documents"]["copied"] == len(source["documents"])


def test_a_database_holding_another_archive_is_refused_and_a_finished_one_accepted(
    pilot: Path, url: str, search: tuple[str, str], tmp_path: Path, server: PostgresCluster
) -> None:
    other = small_pilot(tmp_path / "andere" / "data", tmp_path / "andere" / "in")
    copy_catalog(url_of(other), url)
    before = catalog_rows(url)

    refused = run_eakte(*_migrate_args(pilot, url, search), api=None, check=False)

    assert refused.returncode == 2, refused.stderr
    masked = f"postgresql+psycopg://eakte:***@127.0.0.1:{server.port}/eakte"
    message = refused.stderr.strip().splitlines()[-1]
    assert masked in message and "holds another archive" in message
    assert SERVER_PASSWORD not in refused.stdout + refused.stderr
    assert catalog_rows(url) == before

    with server.admin() as db:  # an empty database again, and the pilot moved into it
        db.execute("DROP DATABASE eakte WITH (FORCE)")
        db.execute("CREATE DATABASE eakte OWNER eakte")
    run_eakte(*_migrate_args(pilot, url, search), api=None)
    moved = catalog_rows(url)

    again = json.loads(run_eakte(*_migrate_args(pilot, url, search), api=None).stdout)

    assert again["resumed"] is True and again["clean"] is True
    assert again["rows_copied"] == 0 and again["index"]["added"] == 0
    assert catalog_rows(url) == moved
