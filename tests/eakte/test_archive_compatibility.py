"""An archive written by an earlier eakte opens, verifies and reads back unchanged."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eakte.cli.app import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOCUMENT = "786d130a-6dc4-5c32-a5e8-9108520d4762"
runner = CliRunner()


@pytest.fixture
def old_archive(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    with tarfile.open(FIXTURES / "archive-b8a1a6e.tar.gz") as archive:
        archive.extractall(data, filter="data")
    return data


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
