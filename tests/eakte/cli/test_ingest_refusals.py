"""`eakte ingest` refuses at the start, before any work, when it cannot run as asked."""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest_lock import ingest_lock
from tests.support.commands import invoke_eakte


def test_no_wait_refuses_while_another_ingest_holds_the_data_directory(
    data: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with ingest_lock(data, "batch karton-1"):
        result = invoke_eakte("ingest", str(inbox), "--data", str(data), "--no-wait")
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "batch karton-1 (pid" in message and "is writing into this data directory" in message
    assert not (data / "work").exists()  # nothing was begun
