"""A pilot archive to move into production, and the catalog's rows to compare after the move.

`ingested_pilot` is the real thing: the bundled sample scans through a real `eakte ingest`
(OCR, Prefect), a token and access-log entries. `small_pilot` is the records tests' archive
filed directly (no OCR), with the same token and log entries, for tests that move it often.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from archive.access import Access, Tokens, log_accesses, open_sessions, principal_for
from archive.catalog import catalog_engine
from archive.catalog.models import ApiToken, Base
from tests.support.commands import copy_samples, run_json
from tests.support.records import fill_records_archive


def ingested_pilot(root: Path, prefect_api: str) -> tuple[Path, dict[str, Any]]:
    """A data directory filled by a real ingest of the sample scans; and the batch report."""
    data = root / "data"
    inbox = copy_samples(root / "inbox")
    report = run_json("ingest", str(inbox), "--data", str(data), "--batch", "Karton 1",
                      api=prefect_api, env={"EAKTE_WORKERS": "2"})  # fmt: skip
    _use_tokens(data)
    return data, report


def small_pilot(data: Path, folder: Path) -> Path:
    """The records tests' archive (four documents, three Akten), a token and its accesses."""
    fill_records_archive(data, folder)
    _use_tokens(data)
    return data


def _use_tokens(data: Path) -> None:
    """A clerk's token that searched and viewed, so that tokens and the access log have rows."""
    tokens = Tokens(data)
    try:
        tokens.create("sachbearbeitung", "clerk", ["all"])
    finally:
        tokens.close()
    sessions = open_sessions(data)
    try:
        with sessions.begin() as session:
            token = session.scalars(select(ApiToken)).one()
            clerk = principal_for(token)
            log_accesses(session, [Access(clerk, "search", None, {"q": "Grundsteuer"}),
                                   Access(clerk, "search", None, {"q": "Bauantrag"})])  # fmt: skip
    finally:
        sessions.kw["bind"].dispose()


def catalog_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every catalog table at `url`, in key order, as comparable values (times
    as aware UTC: SQLite gives them back naive, PostgreSQL aware)."""
    engine = catalog_engine(url, pooled=False)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    tuple(_comparable(value) for value in row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _comparable(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value
