"""What the command-line tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.store import Archive
from eakte.cli import common as cli_common
from tests.support.documents import store_document
from tests.support.records import fill_records_archive


def _plain_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    """No EAKTE_* variables, no eakte.toml of the developer's, tables as in a wide terminal."""
    for variable in ("EAKTE_DATA", "EAKTE_FILE_PLAN", "EAKTE_ES_URL", "EAKTE_USER", "EAKTE_CONFIG",
                     "EAKTE_TOKEN", "EAKTE_TSA_URL", "EAKTE_TSA_CERTIFICATE", "EAKTE_SEARCH_URL",
                     "EAKTE_SEARCH_INDEX"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_common.out, "_width", width)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real, empty archive in tmp_path/data; no EAKTE_* variables, no eakte.toml."""
    _plain_environment(tmp_path, monkeypatch, width=200)
    Archive(tmp_path / "data").close()
    yield tmp_path / "data"


@pytest.fixture
def records_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real archive in tmp_path/data with a tax, a letters and a building file
    (`tests.support.records`); no EAKTE_* variables, no eakte.toml."""
    _plain_environment(tmp_path, monkeypatch, width=200)
    return fill_records_archive(tmp_path / "data", tmp_path / "in")


@pytest.fixture
def review_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, list[str]]]:
    """A data directory with two documents in the queue and one archived, one commit each."""
    _plain_environment(tmp_path, monkeypatch, width=160)
    folder = tmp_path / "scans"
    folder.mkdir()
    archive = Archive(tmp_path / "data")
    archive.start_batch("karton-1", "Karton 1")
    ids = [
        store_document(archive, folder, "eins", "schriftverkehr", "needs_review"),
        store_document(archive, folder, "zwei", "widerspruch", "needs_review"),
        store_document(archive, folder, "drei", "bauantrag", "archived"),
    ]
    archive.close()  # the command opens the index writer itself
    yield tmp_path / "data", ids
