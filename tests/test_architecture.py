"""The layers of docs/architecture.md hold for the code as it is (import-linter's contracts in
pyproject.toml), and the three libraries read no configuration from the environment."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("scanners", "classifiers", "archive")


def test_every_import_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    kept = re.findall(r"^(.+) KEPT$", result.stdout, re.MULTILINE)
    assert len(kept) >= 4 and "BROKEN" not in result.stdout


@pytest.mark.parametrize("library", LIBRARIES)
def test_libraries_read_no_environment(library: str) -> None:
    """Configuration reaches a library as values; passing the environment on to a child
    process (tesseract's thread limit) is not reading it."""
    for path in sorted((ROOT / library).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"environ\[|environ\.get|getenv|environb", source), path


def test_default_plan_is_package_data() -> None:
    assert (ROOT / "classifiers" / "default_fileplan.toml").is_file()
