"""What the command-line tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.store import Archive
from eakte.cli import common as cli_common


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real, empty archive in tmp_path/data; no EAKTE_* variables, no eakte.toml."""
    for variable in ("EAKTE_DATA", "EAKTE_FILE_PLAN", "EAKTE_ES_URL", "EAKTE_USER", "EAKTE_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)  # no eakte.toml of the developer's
    monkeypatch.setattr(cli_common.out, "_width", 200)  # tables as in a wide terminal
    Archive(tmp_path / "data").close()
    yield tmp_path / "data"
