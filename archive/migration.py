"""Moving a pilot into production: an embedded catalog copied into PostgreSQL, row for row,
and the search index made anew on a search server from the copy.

Why rows verbatim (same ids, same times, same JSON): the audit trail's hashes cover every
field of every event, so only an exact copy still verifies, with the same head hash, and the
records state the trail records is the one the copied tables hold. Nothing is re-derived.

Why a copy can be resumed: tables are copied in foreign-key order, a chunk of rows per
transaction. A table with one integer key continues after the highest key the target has
(its high-water mark); any other table is read in key order and each chunk inserts only the
keys the target lacks. Rerunning after a kill therefore ends as an uninterrupted run does,
and rerunning after a finished run copies nothing.

Whose archive the target is: the audit events are copied first, so a target that holds any
row holds the first events of the trail it came from. The target is the source's (an
interrupted or finished copy of it) when its newest event is an event of the source's chain,
with the same id and the same hash; every hash covers the one before it, so this compares
the whole trail up to there. Any other non-empty target is refused. (`archive.identity` is
about people's names; an archive has no id of its own, and its chain is the one thing two
copies of it share and no other archive has.)

The search index is derived from the catalog and is rebuilt from the copy, a chunk of
documents per request (the embedded Tantivy index is not read). Blobs, sidecars, timestamps
and evidence records stay where they are: the target archive uses the same data directory
(or `blob_dir`). The source is only read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Table, func, inspect, select, text, tuple_
from sqlalchemy.orm import Session, selectinload

from archive.catalog import (
    catalog_engine,
    head_revision,
    is_embedded,
    masked,
    revision_of,
    upgrade,
)
from archive.catalog.models import AuditEvent, AuditHead, Base, Document
from archive.documents import DocumentStatus
from archive.errors import ArchiveError
from archive.fields import index_doc, record_from_row
from archive.search import SearchIndex

CHUNK_ROWS = 1000  # rows per transaction of the copy
CHUNK_DOCUMENTS = 200  # documents per request to the search server
INDEX_STAGE = "search index"

_HEAD = Base.metadata.tables[AuditHead.__tablename__]
# stage (a table's name or INDEX_STAGE), done, total: called after each committed chunk
Progress = Callable[[str, int, int], None]


class MigrationError(ArchiveError):
    """A migration that cannot start or go on; the message says why and what to do."""


class SourceNotCurrentError(MigrationError):
    """The source catalog's schema is older (or newer) than this eakte's."""


class ForeignTargetError(MigrationError):
    """The target already holds something that is not (a copy of) the source archive."""


@dataclass(frozen=True)
class TableCopy:
    """One table: rows in the source, rows this run copied, rows the target had already."""

    name: str
    rows: int
    copied: int
    present: int


@dataclass(frozen=True)
class CatalogCopy:
    tables: list[TableCopy] = field(default_factory=list)
    resumed: bool = False  # the target held part (or all) of the archive already

    @property
    def copied(self) -> int:
        return sum(t.copied for t in self.tables)


def copy_order() -> list[Table]:
    """The catalog's tables in the order they are copied: the audit events first (they tell
    whose archive a partly filled target is), the head of the chain last, the rest in
    foreign-key order."""
    first = Base.metadata.tables[AuditEvent.__tablename__]
    middle = [t for t in Base.metadata.sorted_tables if t not in (first, _HEAD)]
    return [first, *middle, _HEAD]


def copy_catalog(
    source_url: str,
    target_url: str,
    *,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
) -> CatalogCopy:
    """Copy every row of the catalog at `source_url` into the PostgreSQL database at
    `target_url` (schema made by the migrations), resuming a copy begun before."""
    if is_embedded(target_url):
        raise MigrationError(
            f"{masked(target_url)}: the target must be a PostgreSQL database "
            "(postgresql+psycopg://user@host/database)"
        )
    source = catalog_engine(source_url, pooled=False)
    target = catalog_engine(target_url, pooled=False)
    try:
        _require_current(source, source_url)
        _refuse_foreign_tables(target, target_url)
        upgrade(target)
        with source.connect() as src, target.connect() as dst:
            resumed = _same_archive(src, dst, target_url)
        tables = [
            _copy_table(source, target, table, chunk_rows, progress) for table in copy_order()
        ]
        return CatalogCopy(tables, resumed)
    finally:
        source.dispose()
        target.dispose()


def _require_current(source: Engine, url: str) -> None:
    found, head = revision_of(source), head_revision()
    if found != head:
        raise SourceNotCurrentError(
            f"{masked(url)}: the catalog's schema is at revision {found or 'none'}, this eakte's "
            f"is {head}: upgrade it first with this eakte (any command on the archive does, "
            "e.g. `eakte audit verify --data DIR`), then migrate"
        )


def _refuse_foreign_tables(target: Engine, url: str) -> None:
    """A database with tables but no eakte schema is someone else's."""
    with target.connect() as connection:
        names = set(inspect(connection).get_table_names())
    if names and "alembic_version" not in names:
        raise ForeignTargetError(
            f"{masked(url)} is not empty and holds no eakte catalog "
            f"({len(names)} table(s)): migrate into an empty database"
        )


def _same_archive(source: Connection, target: Connection, url: str) -> bool:
    """Whether the target holds part of the source already (False: it is empty); refuses
    any other non-empty target (module docstring)."""
    rows = [t for t in copy_order() if t is not _HEAD]
    filled = [t.name for t in rows if target.execute(select(t).limit(1)).first()]
    if target.scalar(select(_HEAD.c.last_id)):  # a new catalog's head: event 0, the genesis
        filled.append(_HEAD.name)
    if not filled:
        return False
    newest = target.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if newest is None:
        raise ForeignTargetError(
            f"{masked(url)} already holds catalog rows ({', '.join(filled)}) but no audit "
            "trail: not a copy of this archive; migrate into an empty database"
        )
    mine = source.scalar(select(AuditEvent.hash).where(AuditEvent.id == newest.id))
    if mine != newest.hash:
        said = (
            "has audit events this archive does not have (it was written to since)"
            if mine is None
            else "holds another archive (its audit trail differs)"
        )
        raise ForeignTargetError(
            f"{masked(url)} {said}: refusing to mix two archives; migrate into an empty database"
        )
    return True


def _copy_table(
    source: Engine, target: Engine, table: Table, chunk_rows: int, progress: Progress | None
) -> TableCopy:
    with source.connect() as src:
        rows = src.scalar(select(func.count()).select_from(table)) or 0
    with target.connect() as dst:
        present = dst.scalar(select(func.count()).select_from(table)) or 0
    if table is _HEAD:
        return _copy_head(source, target, rows, present, progress)
    copied, done = 0, present
    if progress is not None:
        progress(table.name, done, rows)
    for chunk in _chunks(source, target, table, chunk_rows):
        with target.begin() as dst:
            missing = chunk if _integer(table) else _missing(dst, table, chunk)
            if missing:
                dst.execute(table.insert(), missing)
            _reset_sequence(dst, table)
        copied += len(missing)
        done += len(missing)
        if progress is not None:
            progress(table.name, done, rows)
    return TableCopy(table.name, rows, copied, present)


def _copy_head(
    source: Engine, target: Engine, rows: int, present: int, progress: Progress | None
) -> TableCopy:
    """The chain's head row, as the source has it once every event is in."""
    table = _HEAD
    with source.connect() as src:
        head = [dict(r._mapping) for r in src.execute(select(table))]
    with target.begin() as dst:
        before = [dict(r._mapping) for r in dst.execute(select(table))]
        if before != head:
            dst.execute(table.delete())
            if head:
                dst.execute(table.insert(), head)
    if progress is not None:
        progress(table.name, rows, rows)
    return TableCopy(table.name, rows, 0 if before == head else len(head), present)


def _integer(table: Table) -> bool:
    keys = list(table.primary_key.columns)
    return len(keys) == 1 and keys[0].type.python_type is int


def _chunks(
    source: Engine, target: Engine, table: Table, size: int
) -> Iterator[list[dict[str, object]]]:
    """The source's rows the target may lack, in key order, a chunk at a time (keyset
    paging: each chunk is one short read, and the source is not held open meanwhile)."""
    keys = list(table.primary_key.columns)
    after: tuple[object, ...] | None = None
    if _integer(table):  # the high-water mark: rows are copied in key order, so none below it
        with target.connect() as dst:
            mark = dst.scalar(select(func.max(keys[0])))
        after = (mark,) if mark is not None else None
    while True:
        query = select(table).order_by(*keys).limit(size)
        if after is not None:
            query = query.where(tuple_(*keys) > tuple_(*after))
        with source.connect() as src:
            chunk = [dict(row._mapping) for row in src.execute(query)]
        if not chunk:
            return
        yield chunk
        after = tuple(chunk[-1][k.name] for k in keys)


def _missing(
    target: Connection, table: Table, chunk: list[dict[str, object]]
) -> list[dict[str, object]]:
    """The rows of `chunk` whose keys the target does not hold yet."""
    keys = list(table.primary_key.columns)
    wanted = [tuple(row[k.name] for k in keys) for row in chunk]
    found = {tuple(r) for r in target.execute(select(*keys).where(tuple_(*keys).in_(wanted)))}
    return [row for row, key in zip(chunk, wanted, strict=True) if key not in found]


def _reset_sequence(target: Connection, table: Table) -> None:
    """After explicit ids, the next id the database hands out follows the highest copied."""
    if not _integer(table) or target.dialect.name != "postgresql":
        return
    key = next(iter(table.primary_key.columns)).name
    target.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence(:table, :key), "
            f'COALESCE((SELECT MAX("{key}") FROM "{table.name}"), 0) + 1, false)'
        ),
        {"table": f'"{table.name}"', "key": key},
    )


def refuse_foreign_index(source_url: str, index: SearchIndex, where: str) -> None:
    """A search index that holds documents the source does not know is another archive's
    (or another test's): refused, like a foreign catalog. `where` names it in the message."""
    if index.count() == 0:
        return
    indexed = index.document_ids()
    engine = catalog_engine(source_url, pooled=False)
    try:
        with engine.connect() as connection:
            known = set(connection.scalars(select(Document.id)))
    finally:
        engine.dispose()
    foreign = indexed - known
    if foreign:
        raise ForeignTargetError(
            f"search index {where} holds {len(foreign)} document(s) this archive does not "
            "have: refusing to mix two archives; use an empty index (another index name)"
        )


def rebuild_index(
    catalog_url: str,
    index: SearchIndex,
    *,
    chunk_documents: int = CHUNK_DOCUMENTS,
    progress: Progress | None = None,
) -> int:
    """Index every live document of the catalog at `catalog_url` the index lacks (and take
    out disposed ones it holds), a chunk at a time; returns how many were added. What
    `Archive.reindex_missing` does, in chunks and with progress, for a whole archive."""
    indexed = index.document_ids()
    engine = catalog_engine(catalog_url, pooled=False)
    live = Document.status != DocumentStatus.DISPOSED
    try:
        with Session(engine) as session:
            catalogued = session.scalars(select(Document.id).where(live).order_by(Document.id))
            missing = [doc_id for doc_id in catalogued if doc_id not in indexed]
            destroyed = session.scalars(select(Document.id).where(~live)).all()
        done = len(indexed - set(destroyed))
        total = done + len(missing)
        if progress is not None:
            progress(INDEX_STAGE, done, total)
        for start in range(0, len(missing), chunk_documents):
            ids = missing[start : start + chunk_documents]
            with Session(engine) as session:
                rows = session.scalars(
                    select(Document)
                    .where(Document.id.in_(ids))
                    .options(selectinload(Document.pages), selectinload(Document.identifiers))
                ).all()
                docs = [index_doc(record_from_row(row)) for row in rows]
            index.add_many(docs)
            done += len(ids)
            if progress is not None:
                progress(INDEX_STAGE, done, total)
    finally:
        engine.dispose()
    for doc_id in set(destroyed) & indexed:
        index.delete(doc_id)
    return len(missing)


__all__ = [
    "CatalogCopy",
    "ForeignTargetError",
    "MigrationError",
    "SourceNotCurrentError",
    "TableCopy",
    "copy_catalog",
    "rebuild_index",
    "refuse_foreign_index",
]
