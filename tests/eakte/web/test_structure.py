"""The web layer's modules: the API and the clerk's pages share eakte.web.service, not each other."""

from __future__ import annotations

import ast
from pathlib import Path

import eakte.web

WEB = Path(eakte.web.__file__).parent


def _imported(module: str) -> set[str]:
    """Every module `eakte/web/<module>.py` imports, wherever in the file the import stands."""
    tree = ast.parse((WEB / f"{module}.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


def test_api_and_ui_do_not_import_each_other() -> None:
    assert not {"eakte.web.ui", "eakte.web.app"} & _imported("api")
    assert not {"eakte.web.api", "eakte.web.app"} & _imported("ui")
    assert not {"eakte.web.api", "eakte.web.ui", "eakte.web.app"} & _imported("service")
