"""An archive written by an earlier eakte opens, verifies and reads back unchanged; one whose
events carry no document seals yet is sealed once, as found, and checked from then on."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eakte.cli.app import app

# the archives under test are data directories of earlier versions, their catalog a SQLite file
pytestmark = pytest.mark.embedded

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCUMENT = "786d130a-6dc4-5c32-a5e8-9108520d4762"
SEALED = "3d419a78-ab5c-564f-8b66-c103850db484"  # a Grundsteuerbescheid in archive-ae6afa2
runner = CliRunner()


def _extracted(commit: str, data: Path) -> Path:
    with tarfile.open(FIXTURES / f"archive-{commit}.tar.gz") as archive:
        archive.extractall(data, filter="data")
    return data


@pytest.fixture
def old_archive(tmp_path: Path) -> Path:
    return _extracted("b8a1a6e", tmp_path / "data")


def _expected(name: str, data: Path) -> dict:
    text = (FIXTURES / f"archive-b8a1a6e-{name}.json").read_text("utf-8")
    return json.loads(text.replace("{DATA}", str(data)))


def _json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_archive_of_the_earlier_layout_verifies(old_archive: Path) -> None:
    result = runner.invoke(app, ["verify", "--data", str(old_archive)])
    assert result.exit_code == 0, result.output
    assert "archive verified" in result.output


def test_show_and_search_print_what_the_earlier_version_printed(old_archive: Path) -> None:
    shown = _json("show", DOCUMENT, "--data", str(old_archive))
    assert shown == _expected("show", old_archive)
    found = _json("search", "Grundsteuer", "--data", str(old_archive))
    assert found == _expected("search", old_archive)


@pytest.fixture
def unsealed_archive(tmp_path: Path) -> Path:
    """An archive of eakte ae6afa2, whose events record records state but no document seals."""
    return _extracted("ae6afa2", tmp_path / "unsealed")


def _events(data: Path, name: str) -> list[dict]:
    with sqlite3.connect(data / "catalog.sqlite") as db:
        rows = db.execute("SELECT detail FROM audit_events WHERE event = ?", (name,)).fetchall()
    return [json.loads(detail) for (detail,) in rows]


def test_an_archive_without_seals_is_sealed_once_as_found_then_checked(
    unsealed_archive: Path,
) -> None:
    data = str(unsealed_archive)
    first = runner.invoke(app, ["audit", "verify", "--data", data])
    said = " ".join(first.output.split())
    assert first.exit_code == 0, said
    assert "records sealed as found (4 documents)" in said
    (sealed,) = _events(unsealed_archive, "records_sealed")
    assert (
        "sealed as found in the catalog at the first verification after the upgrade"
        in (sealed["note"])
    )
    assert all("title" in facts["seal"] for facts in sealed["state"]["documents"].values())
    again = runner.invoke(app, ["audit", "verify", "--data", data])
    assert again.exit_code == 0 and "sealed" not in again.output
    assert runner.invoke(app, ["verify", "--data", data]).exit_code == 0
    assert len(_events(unsealed_archive, "records_sealed")) == 1
    with sqlite3.connect(unsealed_archive / "catalog.sqlite") as db:
        db.execute("UPDATE documents SET title = 'Erlass der Grundsteuer' WHERE id = ?", (SEALED,))
    checked = runner.invoke(app, ["verify", "--data", data])
    assert checked.exit_code == 1
    assert f"records state: document {SEALED}: title differs from what the audit trail sealed" in (
        " ".join(checked.output.split())
    )


def test_sealing_on_upgrade_does_not_override_what_the_trail_recorded(
    unsealed_archive: Path,
) -> None:
    with sqlite3.connect(unsealed_archive / "catalog.sqlite") as db:
        db.execute("UPDATE documents SET tax_secret = 0 WHERE id = ?", (SEALED,))
    result = runner.invoke(app, ["verify", "--data", str(unsealed_archive)])
    assert result.exit_code == 1
    assert (
        f"document {SEALED}: tax_secret is False in the catalog but True in the audit trail"
        in " ".join(result.output.split())
    )
