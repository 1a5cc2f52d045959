"""eakte with its catalog on a PostgreSQL server (EAKTE_DATABASE_URL): the commands work as on
the embedded catalog, and a server that is down is one clear line naming it (password
masked), exit status 2, with nothing half-written; once it is back, all goes on.

These tests stop and start a server, so they have a cluster of their own, not the session's
(`server` and `url`, tests/eakte/conftest.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from archive.store import Archive
from classifiers.fileplan import load_file_plan
from pipelines.records_plan import filing_plan
from scanmaker import write_scan
from tests.support.commands import EAKTE, ROOT, invoke_eakte
from tests.support.documents import store_document
from tests.support.postgres import SERVER_PASSWORD, PostgresCluster
from tests.support.records import records_manager_token

PASSWORD = SERVER_PASSWORD


def _environment(tmp_path: Path, url: str) -> dict[str, str | None]:
    return {"EAKTE_DATABASE_URL": url, "EAKTE_CONFIG": str(tmp_path / "none.toml"),
            "EAKTE_TOKEN": None, "EAKTE_ES_URL": None, "EAKTE_BLOB_DIR": None}  # fmt: skip


def _masked(server: PostgresCluster) -> str:
    return f"postgresql+psycopg://eakte:***@127.0.0.1:{server.port}/eakte"


def _events(url: str) -> int:
    plain = url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain) as db:
        return int(db.execute("SELECT count(*) FROM audit_events").fetchone()[0])


def test_records_commands_work_on_the_server(tmp_path: Path, url: str) -> None:
    env = _environment(tmp_path, url)
    data = tmp_path / "data"
    archive = Archive(data, catalog_url=url, filing=filing_plan(load_file_plan()))
    archive.start_batch("karton-1", "Karton 1")
    store_document(archive, tmp_path, "bau-1", "baugenehmigung", "archived",
                   unit="6.1.3", aktenzeichen="63-BG-1978-0042")  # fmt: skip
    archive.close()
    assert not (data / "catalog.sqlite").exists()  # the catalog is the server's

    def eakte(*args: str) -> str:
        result = invoke_eakte(*args, "--data", str(data), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    token = records_manager_token("registratur-a", data, env=env)
    decided = {**env, "EAKTE_TOKEN": token}
    held = invoke_eakte("hold", "add", "--akte", "63-BG-1978-0042", "--reason", "Klage",
                        "--data", str(data), env=decided)  # fmt: skip
    assert held.exit_code == 0, held.output
    assert "63-BG-1978-0042" in eakte("akte", "list", "--json")
    assert "Klage" in eakte("hold", "list", "--json")
    assert "audit trail intact" in " ".join(eakte("audit", "verify").split())
    assert "archive verified" in eakte("verify")


def test_a_stopped_server_is_one_line_naming_it_and_nothing_is_written(
    tmp_path: Path, url: str, server: PostgresCluster
) -> None:
    env = _environment(tmp_path, url)
    data = tmp_path / "data"
    archive = Archive(data, catalog_url=url)
    archive.start_batch("karton-1", "Karton 1")
    document = store_document(archive, tmp_path, "eins", "schriftverkehr", "needs_review")
    archive.close()
    before = _events(url)

    server.stop()
    for args in (
        ("verify",),
        ("audit", "verify"),
        ("review", "accept", document, "--by", "pruefer"),
        ("review", "list"),
        ("token", "create", "--name", "bauamt", "--role", "clerk", "--scope", "6"),
        ("akte", "list"),
        ("show", document),
    ):
        result = invoke_eakte(*args, "--data", str(data), env=env)
        said = result.output.strip()
        assert result.exit_code == 2, (args, said)
        assert said.startswith(f"catalog database unreachable: {_masked(server)} ("), (args, said)
        assert len(said.splitlines()) == 1 and PASSWORD not in said, (args, said)

    server.start()
    assert _events(url) == before  # the refused review wrote nothing
    listed = invoke_eakte("review", "list", "--data", str(data), env=env)
    assert document in listed.output  # still waiting for review
    verified = invoke_eakte("verify", "--data", str(data), env=env)
    assert verified.exit_code == 0, verified.output


def test_a_database_without_an_archive_is_named(tmp_path: Path, url: str) -> None:
    result = invoke_eakte("review", "list", "--data", str(tmp_path / "data"),
                          env=_environment(tmp_path, url))  # fmt: skip
    assert result.exit_code == 2
    assert "no archive in this database" in result.output and PASSWORD not in result.output


PAGE = [
    "Stadt Musterstadt - Bauaufsicht",
    "Musterstadt, den 0{n}.04.2024",
    "Bauantrag Nummer {n}",
    "Hiermit beantrage ich die Baugenehmigung für das Vorhaben {n}.",
]


def _archived(url: str) -> int:
    try:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except psycopg.Error:
        return 0  # not migrated yet


@pytest.mark.slow
def test_the_server_stopped_mid_batch_stops_the_batch_and_the_rerun_completes_it(
    tmp_path: Path, url: str, server: PostgresCluster, prefect_api: str
) -> None:
    inbox, data, count = tmp_path / "inbox", tmp_path / "data", 6
    inbox.mkdir()
    for n in range(1, count + 1):
        write_scan([[line.format(n=n) for line in PAGE]], inbox / f"antrag-{n}.png", "png", seed=n)
    args = ["ingest", str(inbox), "--data", str(data), "--batch", "karton-pg", "--json"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EAKTE_")},
        "EAKTE_DATABASE_URL": url,
        "EAKTE_CONFIG": str(tmp_path / "none.toml"),
        "PREFECT_API_URL": prefect_api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "COLUMNS": "200",
    }
    batch = subprocess.Popen([*EAKTE, *args], cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 600
        while _archived(url) < 2 and time.monotonic() < deadline:
            assert batch.poll() is None, "the batch ended before the server could be stopped"
            time.sleep(0.1)
        server.stop("immediate")  # as a crash or a lost network would
        _, stderr = batch.communicate(timeout=600)
    finally:
        if batch.poll() is None:
            os.killpg(batch.pid, signal.SIGKILL)
    lines = [line for line in stderr.splitlines() if "catalog database unreachable" in line]
    assert batch.returncode == 2, stderr[-3000:]
    assert len(lines) == 1, stderr[-3000:]  # one line, no traceback
    assert lines[0].startswith("batch karton-pg stopped: catalog database unreachable: "
                               f"{_masked(server)} ("), lines  # fmt: skip
    assert "run the same command again with --batch karton-pg" in lines[0]
    assert PASSWORD not in stderr
    assert not list((data / "quarantine").rglob("*.*")), "documents were quarantined"

    server.start()
    done_before = _archived(url)
    assert 2 <= done_before < count, "the server stopped too late to test resuming"
    rerun = subprocess.run([*EAKTE, *args], cwd=ROOT, env=env, text=True, capture_output=True,
                           timeout=900)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    report = json.loads(rerun.stdout)
    assert [d["status"] for d in report["documents"]] == ["archived"] * count
    assert _archived(url) == count
    verified = subprocess.run([*EAKTE, "verify", "--data", str(data)], cwd=ROOT, env=env,
                              text=True, capture_output=True, timeout=600)  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
