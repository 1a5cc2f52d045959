"""The catalog writes benchmark: what counts as a lock error, and one small case end to end."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from benchmarks.catalog_writes import is_lock_error, run_case


def test_sqlites_database_is_locked_is_a_lock_error_and_a_unique_clash_is_not(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    holder.execute("INSERT INTO t VALUES (1)")
    holder.execute("BEGIN IMMEDIATE")  # holds the write lock
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with pytest.raises(OperationalError) as locked, engine.begin() as db:
            db.execute(text("INSERT INTO t VALUES (2)"))
        holder.execute("ROLLBACK")
        with pytest.raises(IntegrityError) as clash, engine.begin() as db:
            db.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        engine.dispose()
        holder.close()

    assert is_lock_error(locked.value)
    assert not is_lock_error(clash.value)


def test_postgresqls_serialization_failure_is_a_lock_error(postgres_url: str) -> None:
    url = postgres_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url, autocommit=True) as setup:
        setup.execute("CREATE TABLE t (id int PRIMARY KEY, n int)")
        setup.execute("INSERT INTO t VALUES (1, 0)")
    first = psycopg.connect(url)
    second = psycopg.connect(url)
    try:
        for db in (first, second):
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            db.execute("SELECT n FROM t").fetchall()  # both see the same snapshot
        first.execute("UPDATE t SET n = 1 WHERE id = 1")
        first.commit()
        with pytest.raises(psycopg.Error) as failed:
            second.execute("UPDATE t SET n = 2 WHERE id = 1")
    finally:
        first.close()
        second.close()

    assert failed.value.sqlstate == "40001"
    assert is_lock_error(failed.value)


@pytest.mark.slow  # starts two writer processes
def test_two_writer_processes_on_sqlite_keep_every_write_in_one_chain(tmp_path: Path) -> None:
    case = run_case(tmp_path / "data", None, "event", writers=2, writes=15)

    assert case["succeeded"] == 15 and case["lock_errors"] == 0 and case["other_errors"] == []
    assert case["audit_events"] == 15
    assert case["chain_intact"] and case["events_complete"]
    assert case["writes_per_second"] > 0
