"""The catalog database: opened through SQLAlchemy, brought to the newest schema by Alembic.

Two kinds of catalog, one schema: the embedded SQLite file in the data directory (the default,
nothing to install) or a PostgreSQL server that several machines share, selected by URL
(`postgresql+psycopg://user@host/eakte`). What differs between them is kept here and in the
few places that must take a lock (`archive.audit`): the rest of the archive speaks SQLAlchemy.

A server that cannot be reached, at the start or in the middle of a command, raises
`CatalogUnreachableError` naming the URL with its password masked; the transaction that was
open is rolled back by the server, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from archive.errors import ArchiveError

CATALOG_FILE = "catalog.sqlite"
_MIGRATIONS = Path(__file__).parent / "migrations"


class CatalogUnreachableError(ArchiveError):
    """The catalog server cannot be reached (down, wrong address, refused the login)."""

    PREFIX = "catalog database unreachable: "

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason)
        self.url = masked(url)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.PREFIX}{self.url} ({self.reason})"

    @classmethod
    def as_said(cls, message: str) -> CatalogUnreachableError:
        """The error again from its message (as it crossed a thread or a Prefect state)."""
        url, _, reason = message.removeprefix(cls.PREFIX).partition(" (")
        error = cls.__new__(cls)
        ArchiveError.__init__(error, url, reason)
        error.url, error.reason = url, reason.removesuffix(")")
        return error


class CatalogUrlError(ArchiveError):
    """The catalog URL is not one eakte can open."""


def open_catalog(url: str) -> sessionmaker:
    """Open (creating or upgrading) the catalog at `url` and return a session factory."""
    engine = catalog_engine(url)
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


def catalog_engine(url: str, *, pooled: bool = True) -> Engine:
    """An engine for the catalog at `url`, set up for its kind of database, without
    migrating it. `pooled=False` for one short look (no connections kept)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CatalogUrlError(f"not a database URL: {masked(url)!r}") from exc
    embedded = is_embedded(url)
    if not embedded and not parsed.drivername.startswith("postgresql"):
        raise CatalogUrlError(
            f"unsupported catalog database {masked(url)}: use SQLite (the default) or "
            "PostgreSQL (postgresql+psycopg://user@host/database)"
        )
    options: dict[str, object] = {}
    if not pooled:
        options["poolclass"] = NullPool
    if embedded:
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        # a connection the server dropped (a restart) is noticed before it is used
        options["pool_pre_ping"] = True
        options["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(url, **options)
    except ArgumentError as exc:
        raise CatalogUrlError(f"{masked(url)}: {exc}") from exc
    except ModuleNotFoundError as exc:  # e.g. a driver other than psycopg named in the URL
        raise CatalogUrlError(f"{masked(url)}: driver not installed ({exc.name})") from exc
    if embedded:
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine, "connect", _postgresql_session)
        event.listen(engine, "handle_error", _unreachable(url))
    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; older archives are upgraded each time they are opened."""
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` ("base": no tables); for tests and recoveries."""
    _migrate(engine, command.downgrade, revision)


def head_revision() -> str:
    """The newest schema revision this version of eakte knows (its migrations' head)."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return str(ScriptDirectory.from_config(config).get_current_head())


def revision_of(engine: Engine) -> str | None:
    """The schema revision of the catalog behind `engine` (None: no eakte schema), read
    without migrating anything."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def catalog_exists(url: str) -> bool:
    """Whether an archive's catalog is at `url` (the file, or the schema on the server),
    without creating or migrating anything."""
    if is_embedded(url):
        database = make_url(url).database
        return bool(database) and Path(str(database)).is_file()
    engine = catalog_engine(url, pooled=False)
    try:
        with engine.connect() as connection:
            return inspect(connection).has_table("alembic_version")
    except CatalogUnreachableError as exc:
        if "does not exist" in exc.reason:  # the server is there, the database is not
            return False
        raise
    finally:
        engine.dispose()


def is_embedded(url: str) -> bool:
    return url.startswith("sqlite")


def masked(url: str) -> str:
    """`url` with its password shown as ***, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a database URL>"


def catalog_url(data_dir: Path, configured: str | None = None) -> str:
    """An archive's catalog: the configured database server's, else the embedded file in
    its data directory."""
    return configured or embedded_url(data_dir)


def embedded_url(data_dir: Path) -> str:
    """The embedded catalog of the archive in `data_dir`."""
    return sqlite_url(data_dir / CATALOG_FILE)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _postgresql_session(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Times come back in UTC, as the embedded catalog stores them, whatever the server's
    own time zone: what is hashed and compared must not depend on the server."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.close()
    dbapi_connection.commit()


def _unreachable(url: str):  # type: ignore[no-untyped-def]
    """A `handle_error` hook: a lost or refused connection becomes CatalogUnreachableError."""

    def handle(context: ExceptionContext) -> None:
        error = context.sqlalchemy_exception
        if context.is_disconnect or (
            isinstance(error, OperationalError) and context.connection is None
        ):
            raise CatalogUnreachableError(url, _first_line(context.original_exception))
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            raise CatalogUnreachableError(url, _first_line(context.original_exception))

    return handle


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
