"""The classifiers package stays a plain library (see DESIGN.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import classifiers

FORBIDDEN = {"scanners", "archive", "pipelines", "prefect"}


def _sources() -> list[Path]:
    return sorted(Path(classifiers.__file__).parent.glob("*.py"))


def test_no_forbidden_imports() -> None:
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_no_environment_reads() -> None:
    for path in _sources():
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\benviron\b|\bgetenv\b|\benvironb\b", source), path.name


def test_default_plan_is_package_data() -> None:
    assert (Path(classifiers.__file__).parent / "default_fileplan.toml").is_file()
