"""The catalog on a PostgreSQL server: several writer processes (as on several machines) keep
one unbroken audit chain, and `eakte audit verify` finds it clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from archive.catalog.models import AuditEvent
from archive.store import Archive
from tests.support.commands import invoke_eakte

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
