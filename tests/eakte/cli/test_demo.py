"""The README's first command: `eakte demo` on the bundled samples, nothing started by hand."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.commands import run_eakte_locally

pytestmark = pytest.mark.slow


def test_demo_ingests_the_samples_and_searches(tmp_path: Path) -> None:
    def eakte(*args: str) -> subprocess.CompletedProcess[str]:
        return run_eakte_locally(*args, prefect_home=tmp_path / "prefect")

    data = tmp_path / "demo"
    try:
        result = eakte("demo", "--data", str(data))
        assert result.returncode == 0, result.stderr[-3000:]
        assert "archived: 7" in result.stdout
        assert "quarantined: 1" in result.stdout
        assert "Search: Baugenehmigungen" in result.stdout
        assert "63-BG-2024-0117" in result.stdout
        assert (data / "catalog.sqlite").exists()
        # a demo replaces its own directory, but never one it did not create
        other = tmp_path / "not-a-demo"
        other.mkdir()
        assert eakte("demo", "--data", str(other)).returncode == 2
    finally:
        eakte("server", "stop")
