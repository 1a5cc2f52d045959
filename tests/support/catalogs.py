"""Which catalog database the tests' archives use: the embedded SQLite file, or PostgreSQL.

`pytest --catalog=postgresql` (or EAKTE_TEST_CATALOG=postgresql) runs the same tests with
every archive's catalog on the session's PostgreSQL cluster: each data directory a test
makes gets a database of its own, a copy of the migrated template, dropped when the test
(or the module, for a module's shared archive) ends. The archive is told nothing: the one
function that names an archive's embedded catalog, `archive.catalog.embedded_url`, answers
with that database instead, so the code under test runs unchanged, exactly as with
`EAKTE_DATABASE_URL`. Commands run in a subprocess get the URL in EAKTE_DATABASE_URL.

`connect(data_dir)` opens the catalog of a test's archive wherever it is, for the tests
that read or alter rows behind the archive's back.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, TextClause, text

from archive import catalog
from tests.support.postgres import TEMPLATE, PostgresCluster

EMBEDDED = "embedded"
POSTGRESQL = "postgresql"
_ABSENT = "eakte_no_archive_here"  # a database that is never made: "no archive in this directory"


class CatalogRouter:
    """Data directory -> its own PostgreSQL database, made on first use."""

    def __init__(self, cluster: PostgresCluster) -> None:
        self.cluster = cluster
        self._databases: dict[Path, str] = {}

    def url(self, data_dir: Path, *, empty: bool = False) -> str:
        """The database of `data_dir`: a migrated one (`empty`: one without any table)."""
        key = data_dir.absolute()
        name = self._databases.get(key)
        if name is None:
            if not data_dir.is_dir():  # as the embedded catalog: no directory, no archive
                return self.cluster.url(_ABSENT)
            template = None if empty else TEMPLATE
            name = self._databases[key] = self.cluster.create_database(template)
        return self.cluster.url(name)

    def copy(self, source: Path, target: Path) -> None:
        """`target`'s database becomes a copy of `source`'s (whose connections are ended)."""
        original = self._databases[source.absolute()]
        with self.cluster.admin() as db:
            db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (original,),
            )
        self._databases[target.absolute()] = self.cluster.create_database(original)

    def drop_under(self, folder: Path | None = None) -> None:
        """Drop the databases of the data directories in `folder` (None: all)."""
        for key in list(self._databases):
            if folder is None or key.is_relative_to(folder.absolute()):
                self.cluster.drop_database(self._databases.pop(key))


_router: CatalogRouter | None = None


def active_router() -> CatalogRouter | None:
    return _router


@contextmanager
def routed(router: CatalogRouter) -> Iterator[CatalogRouter]:
    """While inside: every archive's embedded catalog is a database of `router`."""
    global _router
    original = catalog.embedded_url
    catalog.embedded_url = router.url  # type: ignore[assignment]
    _router = router
    try:
        yield router
    finally:
        catalog.embedded_url = original  # type: ignore[assignment]
        _router = None
        router.drop_under(None)


def url_of(data_dir: Path) -> str:
    """The catalog URL of the test archive in `data_dir`, on whichever database it lives."""
    return catalog.catalog_url(data_dir)


def empty_catalog_url(data_dir: Path) -> str:
    """A catalog URL for the archive in `data_dir` (which must exist) without any table yet,
    for tests that build an archive of an older schema."""
    return _router.url(data_dir, empty=True) if _router is not None else url_of(data_dir)


@contextmanager
def connect(data_dir: Path) -> Iterator[Connection]:
    """A connection to the catalog of the archive in `data_dir`, committed on leaving."""
    engine = catalog.catalog_engine(url_of(data_dir), pooled=False)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def dump(data_dir: Path) -> bytes:
    """Every row of every table of the archive's catalog, as text: what anyone who reads
    the database would see (the embedded catalog's files, free pages and log included)."""
    from sqlalchemy import MetaData, select

    files = b"".join(p.read_bytes() for p in sorted(data_dir.glob(f"{catalog.CATALOG_FILE}*")))
    with connect(data_dir) as connection:
        tables = MetaData()
        tables.reflect(connection)
        rows = [repr(row) for t in tables.sorted_tables for row in connection.execute(select(t))]
    return files + "\n".join(rows).encode("utf-8")


def copy_archive(source: Path, target: Path) -> None:
    """A copy of the archive in `source` (data directory and catalog) in `target`."""
    shutil.copytree(source, target)
    if _router is not None:
        _router.copy(source, target)


def _named(statement: str, params: tuple[object, ...]) -> tuple[TextClause, dict[str, object]]:
    parts = statement.split("?")
    sql = parts[0] + "".join(f":p{i}{part}" for i, part in enumerate(parts[1:]))
    return text(sql), {f"p{i}": value for i, value in enumerate(params)}


def execute(data_dir: Path, statement: str, *params: object) -> int:
    """One SQL statement (`?` for each of `params`) on the archive's catalog, as someone with
    access to the database would run it; returns the number of rows it changed."""
    with connect(data_dir) as db:
        return db.execute(*_named(statement, params)).rowcount


def query(data_dir: Path, statement: str, *params: object) -> list[tuple[Any, ...]]:
    """The rows of one SELECT (`?` for each of `params`) on the archive's catalog."""
    with connect(data_dir) as db:
        return [tuple(row) for row in db.execute(*_named(statement, params))]


def from_json(value: object) -> Any:
    """A JSON column's value as read with plain SQL: text from SQLite, parsed from PostgreSQL."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def from_time(value: object) -> datetime:
    """A time column's value as read with plain SQL (text from SQLite), as an aware UTC time."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(when, datetime)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
