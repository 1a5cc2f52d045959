"""Moving a pilot into production (archive.migration): the embedded catalog copied into a real
PostgreSQL database row for row, the index rebuilt on a real OpenSearch node, the copy resumed
after an interruption, and targets that hold another archive refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from archive.access import Access, log_accesses, open_sessions, principal_for
from archive.catalog import catalog_engine, downgrade, revision_of
from archive.catalog.models import ApiToken
from archive.migration import (
    INDEX_STAGE,
    ForeignTargetError,
    MigrationError,
    SourceNotCurrentError,
    copy_catalog,
    copy_order,
    rebuild_index,
    refuse_foreign_index,
)
from archive.search import SearchFilters
from archive.search.elastic import SearchServerIndex
from archive.search.tantivy import TantivyIndex
from archive.store import Archive
from tests.support.catalogs import copy_archive, url_of
from tests.support.opensearch import OpenSearchNode
from tests.support.pilot import catalog_rows, ingested_pilot, small_pilot
from tests.support.postgres import PostgresCluster


class Interrupted(Exception):
    """Stands for a kill: raised by the progress callback after a committed chunk."""


@pytest.fixture
def target(postgres: PostgresCluster) -> Iterator[str]:
    """A new, empty database (no tables) on the session's cluster."""
    name = postgres.create_database(template=None)
    yield postgres.url(name)
    postgres.drop_database(name)


@pytest.fixture
def index(opensearch_node: OpenSearchNode) -> Iterator[SearchServerIndex]:
    """An index of its own on the session's OpenSearch node."""
    server = SearchServerIndex(
        f"opensearch+{opensearch_node.url}", f"eakte-mig-{uuid.uuid4().hex[:8]}"
    )
    yield server
    server.client.indices.delete(index=server.name, ignore_unavailable=True)
    server.close()


@pytest.fixture
def pilot(tmp_path: Path) -> Path:
    return small_pilot(tmp_path / "data", tmp_path / "in")


def _server_archive(data: Path, catalog: str, index: SearchServerIndex) -> Archive:
    return Archive(data, catalog_url=catalog, index=index)


def _found(archive: Archive, query: str) -> set[str]:
    return {hit.document_id for hit in archive.search(query, SearchFilters(), limit=100)}


@pytest.mark.slow
def test_a_pilot_made_by_a_real_ingest_is_the_same_archive_on_the_servers(
    tmp_path: Path, prefect_api: str, target: str, index: SearchServerIndex
) -> None:
    data, report = ingested_pilot(tmp_path, prefect_api)
    assert report["counts"]["archived"] + report["counts"]["needs_review"] >= 5
    source = url_of(data)
    before = catalog_rows(source)
    stages: dict[str, tuple[int, int]] = {}

    copied = copy_catalog(source, target, progress=lambda s, d, t: stages.update({s: (d, t)}))
    added = rebuild_index(target, index, progress=lambda s, d, t: stages.update({s: (d, t)}))

    after = catalog_rows(target)
    assert after == before  # every row of every table, ids, hashes, times and JSON alike
    assert catalog_rows(source) == before  # the source only read
    assert {t.name: t.rows for t in copied.tables} == {k: len(v) for k, v in before.items()}
    assert len(before["api_tokens"]) == 1 and len(before["access_log"]) == 2
    documents = len(before["documents"])
    assert added == documents and index.count() == documents
    assert stages[INDEX_STAGE] == (documents, documents)
    assert all(stages[t.name] == (t.rows, t.rows) for t in copied.tables)

    embedded = Archive(data)
    moved = _server_archive(data, target, index)
    try:
        assert moved.verify_audit() is None
        with moved.transaction() as session:
            head = session.execute(text("SELECT last_id, last_hash FROM audit_head")).one()
        assert tuple(head) == (before["audit_head"][0][1], before["audit_head"][0][2])
        assert moved.verify() == []
        for query in ("Grundsteuer", "Bauantrag", "Widerspruch", "Steuerbescheid 2024"):
            assert _found(moved, query) == _found(embedded, query), query
        assert _found(moved, "Bauantrag")  # the comparison is not between two empty answers
    finally:
        embedded.close()
        moved.close()


def test_the_copy_takes_up_new_ids_where_the_pilot_left_off(pilot: Path, target: str) -> None:
    copy_catalog(url_of(pilot), target)
    head = catalog_rows(target)["audit_head"][0]
    moved = Archive(pilot, catalog_url=target, index=TantivyIndex(pilot.parent / "index"))
    try:
        moved.audit("migrated_check", None, None, {})  # the chain goes on from the copied head
        assert moved.verify_audit() is None
        sessions = open_sessions(pilot, target)
        with sessions.begin() as session:  # the access log's own sequence follows the copy
            clerk = principal_for(session.query(ApiToken).one())
            log_accesses(session, [Access(clerk, "view", None, {})])
        sessions.kw["bind"].dispose()
    finally:
        moved.close()
    rows = catalog_rows(target)
    assert rows["audit_events"][-1][0] == head[1] + 1
    assert [r[0] for r in rows["access_log"]] == [1, 2, 3]


def test_an_interrupted_copy_resumes_and_ends_as_an_uninterrupted_one(
    pilot: Path, target: str, postgres: PostgresCluster
) -> None:
    source = url_of(pilot)

    def kill_after_some_chunks(stage: str, done: int, total: int) -> None:
        if stage == "pages" and done >= 2:  # mid-table, with keyed tables done before it
            raise Interrupted

    with pytest.raises(Interrupted):
        copy_catalog(source, target, chunk_rows=2, progress=kill_after_some_chunks)
    partial = catalog_rows(target)
    assert 0 < len(partial["pages"]) < len(catalog_rows(source)["pages"])
    assert partial["audit_head"][0][1] == 0  # the head is copied last: still the genesis

    resumed = copy_catalog(source, target, chunk_rows=2)

    assert resumed.resumed
    assert catalog_rows(target) == catalog_rows(source)
    pages = next(t for t in resumed.tables if t.name == "pages")
    assert pages.present == len(partial["pages"]) and pages.copied == pages.rows - pages.present
    assert next(t for t in resumed.tables if t.name == "audit_events").copied == 0
    again = copy_catalog(source, target, chunk_rows=2)
    assert again.resumed and again.copied == 0


def test_the_audit_events_are_copied_first_and_the_chain_head_last() -> None:
    order = [t.name for t in copy_order()]
    assert order[0] == "audit_events" and order[-1] == "audit_head"
    assert order.index("documents") < order.index("pages")
    assert order.index("akten") < order.index("vorgaenge") < order.index("documents")


def test_a_target_holding_another_archive_is_refused_with_its_url_masked(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    first = small_pilot(tmp_path / "eins" / "data", tmp_path / "eins" / "in")
    other = small_pilot(tmp_path / "zwei" / "data", tmp_path / "zwei" / "in")
    name = postgres.create_database(template=None)
    with postgres.admin() as db:
        db.execute("CREATE ROLE mig LOGIN PASSWORD 'streng-geheim-9'")
        db.execute(f'ALTER DATABASE "{name}" OWNER TO mig')
    url = f"postgresql+psycopg://mig:streng-geheim-9@127.0.0.1:{postgres.port}/{name}"
    try:
        copy_catalog(url_of(first), url)
        before = catalog_rows(url)
        with pytest.raises(ForeignTargetError) as refused:
            copy_catalog(url_of(other), url)
        assert "holds another archive" in str(refused.value)
        assert "mig:***@" in str(refused.value) and "streng-geheim-9" not in str(refused.value)
        assert catalog_rows(url) == before
    finally:
        postgres.drop_database(name)
        with postgres.admin() as db:
            db.execute("DROP ROLE mig")


def test_a_target_written_to_after_the_copy_is_refused(pilot: Path, target: str) -> None:
    copy_catalog(url_of(pilot), target)
    moved = Archive(pilot, catalog_url=target, index=TantivyIndex(pilot.parent / "index"))
    moved.audit("production_began", None, None, {})
    moved.close()
    with pytest.raises(ForeignTargetError, match="has audit events this archive does not have"):
        copy_catalog(url_of(pilot), target)


def test_a_database_with_other_tables_is_refused(pilot: Path, target: str) -> None:
    engine = catalog_engine(target, pooled=False)
    with engine.begin() as db:
        db.execute(text("CREATE TABLE kunden (id integer primary key)"))
    engine.dispose()
    with pytest.raises(ForeignTargetError, match="holds no eakte catalog"):
        copy_catalog(url_of(pilot), target)


def test_a_source_of_an_older_schema_is_refused_with_how_to_upgrade(
    pilot: Path, target: str, tmp_path: Path
) -> None:
    old = tmp_path / "old" / "data"
    copy_archive(pilot, old)
    engine = catalog_engine(url_of(old), pooled=False)
    downgrade(engine, "0007")
    engine.dispose()
    with pytest.raises(SourceNotCurrentError, match="eakte audit verify --data DIR"):
        copy_catalog(url_of(old), target)
    engine = catalog_engine(target, pooled=False)
    assert revision_of(engine) is None  # refused before anything was made in the target
    engine.dispose()


def test_an_embedded_target_is_refused(pilot: Path, tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="must be a PostgreSQL database"):
        copy_catalog(url_of(pilot), f"sqlite:///{tmp_path / 'ziel.sqlite'}")


def test_an_index_holding_another_archives_documents_is_refused(
    tmp_path: Path, target: str, index: SearchServerIndex
) -> None:
    first = tmp_path / "eins" / "data"
    Archive(first).close()  # an archive without documents
    other = small_pilot(tmp_path / "zwei" / "data", tmp_path / "zwei" / "in")
    copy_catalog(url_of(other), target)
    rebuild_index(target, index)
    refuse_foreign_index(url_of(other), index, "x")  # its own: accepted
    with pytest.raises(ForeignTargetError, match="search index x holds 4 document"):
        refuse_foreign_index(url_of(first), index, "x")


def test_a_rebuild_resumed_adds_only_what_the_index_lacks(
    pilot: Path, target: str, index: SearchServerIndex
) -> None:
    copy_catalog(url_of(pilot), target)

    def stop(stage: str, done: int, total: int) -> None:
        if done >= 1:
            raise Interrupted

    with pytest.raises(Interrupted):
        rebuild_index(target, index, chunk_documents=1, progress=stop)
    assert index.count() == 1
    assert rebuild_index(target, index, chunk_documents=1) == 3
    assert index.count() == 4
    assert rebuild_index(target, index) == 0
