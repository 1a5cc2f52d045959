"""The audit trail in the catalog: one chain, also when several processes write at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from archive.audit import append_event
from archive.store import Archive
from tests.support.catalogs import url_of

ROOT = Path(__file__).resolve().parents[3]
WRITER = """
import sys
from pathlib import Path
from archive.store import Archive
archive = Archive(Path(sys.argv[1]), catalog_url=sys.argv[4])
for n in range(int(sys.argv[3])):
    archive.audit("test_event", None, sys.argv[2], {"n": n, "writer": sys.argv[2]})
"""


def test_processes_writing_at_once_keep_one_unbroken_chain(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Archive(data).close()
    url = url_of(data)  # the embedded file, or the test's PostgreSQL database
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(data), f"w{i}", "150", url], cwd=ROOT)
        for i in range(3)
    ]
    assert [w.wait(120) for w in writers] == [0, 0, 0]
    archive = Archive(data)
    try:
        assert archive.verify_audit() is None
        with archive.transaction() as session:
            from sqlalchemy import func, select

            from archive.catalog.models import AuditEvent

            count = session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "test_event")
            )
        assert count == 450
    finally:
        archive.close()


def test_a_serialised_transaction_waits_for_every_other_writer_and_then_sees_its_commit(
    tmp_path: Path,
) -> None:
    """A records decision (a serialised archive) checks what it decides on only after every
    writer before it has committed, on SQLite and on PostgreSQL alike."""
    import threading

    from archive.audit import head

    data = tmp_path / "data"
    writer = Archive(data)
    decider = Archive(data, catalog_url=url_of(data), serialised=True)
    entered, seen = threading.Event(), []

    def decide() -> None:
        with decider.transaction() as session:
            entered.set()
            seen.append(head(session)[0])

    try:
        with writer.transaction() as session:
            append_event(session, "hold_added", None, None, {"reason": "Klage"})
            written = head(session)[0]
            deciding = threading.Thread(target=decide)
            deciding.start()
            assert not entered.wait(1)  # it may not start while the writer has not committed
        deciding.join(60)
        assert entered.is_set() and seen == [written]  # then it sees what the writer wrote
    finally:
        writer.close()
        decider.close()
