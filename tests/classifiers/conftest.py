"""Shared fixtures for the classifiers tests."""

from __future__ import annotations

import pytest

from classifiers.fileplan import FilePlan, load_file_plan


@pytest.fixture(scope="session")
def plan() -> FilePlan:
    """The bundled default file plan (loaded once: it is immutable)."""
    return load_file_plan()
