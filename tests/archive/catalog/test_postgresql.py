"""The catalog on a PostgreSQL server: the migrations build and take down its schema, and
several writer processes (as on several machines) keep one unbroken audit chain, which
`eakte audit verify` finds clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from archive.catalog import catalog_engine, downgrade, upgrade
from archive.catalog.models import AuditEvent, Base
from archive.store import Archive
from tests.support.commands import invoke_eakte
from tests.support.postgres import PostgresCluster

ROOT = Path(__file__).resolve().parents[3]
WRITERS, EVENTS = 4, 200
# One writer: its own archive object (own connections) on the shared catalog, appending events
# one transaction each, as an ingest or a records command on another machine would.
WRITER = """
import sys
from pathlib import Path
from archive.store import Archive
archive = Archive(Path(sys.argv[1]), catalog_url=sys.argv[2])
for n in range(int(sys.argv[4])):
    archive.audit("test_event", None, sys.argv[3], {"n": n, "writer": sys.argv[3]})
archive.close()
"""


def test_four_writer_processes_keep_one_unbroken_chain(tmp_path: Path, postgres_url: str) -> None:
    Archive(tmp_path / "made", catalog_url=postgres_url).close()
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(tmp_path / f"machine-{i}"),
                postgres_url,
                f"w{i}",
                str(EVENTS),
            ],
            cwd=ROOT,
        )
        for i in range(WRITERS)
    ]
    assert [w.wait(300) for w in writers] == [0] * WRITERS
    archive = Archive(tmp_path / "made", catalog_url=postgres_url)
    try:
        assert archive.verify_audit() is None
        with archive.transaction() as session:
            ids = session.scalars(
                select(AuditEvent.id).where(AuditEvent.event == "test_event")
            ).all()
            per_writer = dict(
                session.execute(
                    select(AuditEvent.batch_id, func.count())
                    .where(AuditEvent.event == "test_event")
                    .group_by(AuditEvent.batch_id)
                ).all()
            )
        assert len(ids) == WRITERS * EVENTS == len(set(ids))
        assert per_writer == {f"w{i}": EVENTS for i in range(WRITERS)}
    finally:
        archive.close()
    verified = invoke_eakte(
        "audit", "verify", "--data", str(tmp_path / "made"),
        env={"EAKTE_DATABASE_URL": postgres_url, "EAKTE_CONFIG": str(tmp_path / "none.toml")},
    )  # fmt: skip
    assert verified.exit_code == 0, verified.output
    assert "audit trail intact" in " ".join(verified.output.split()), verified.output


def test_the_migrations_build_the_schema_the_models_declare_and_go_down_and_up_again(
    postgres: PostgresCluster,
) -> None:
    name = postgres.create_database(template=None)  # empty
    engine = catalog_engine(postgres.url(name))
    try:
        upgrade(engine)
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            length = connection.execute(
                text("SELECT character_maximum_length FROM information_schema.columns "
                     "WHERE table_name = 'documents' AND column_name = 'file_plan_version'")
            ).scalar_one()  # fmt: skip
        assert length is None  # text from a file plan has no length limit (0008)
        downgrade(engine, "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}
        upgrade(engine)
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()
        postgres.drop_database(name)
