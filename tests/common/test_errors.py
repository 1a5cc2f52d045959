"""One error hierarchy: every error the product defines is an EakteError through its package's base.

The errors are found by importing every module of the product packages, so an error class added
without its package's base fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from archive.errors import ArchiveError
from classifiers.errors import ClassifierError
from common.errors import EakteError
from eakte.errors import ApplicationError
from pipelines.errors import PipelineError
from scanners.errors import ScanError

PACKAGE_BASES: dict[str, type[EakteError]] = {
    "scanners": ScanError,
    "classifiers": ClassifierError,
    "archive": ArchiveError,
    "pipelines": PipelineError,
    "eakte": ApplicationError,
}
NOT_ERRORS = {
    # control flow inside the clerk's pages: answered with a redirect, never shown as an error
    "eakte.web.ui.SignIn",
    # a stop signal arriving, raised like KeyboardInterrupt so that no `except Exception` keeps it
    "pipelines.stopping.Stopped",
}


def _modules(package: str) -> list[str]:
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if info.name.rsplit(".", 1)[-1] != "__main__":  # `python -m eakte` runs the command
            names.append(info.name)
    return names


def _defined_exceptions(package: str) -> list[type[BaseException]]:
    found = []
    for name in _modules(package):
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == name:
                found.append(value)
    return found


@pytest.mark.parametrize("package", sorted(PACKAGE_BASES))
def test_every_error_derives_from_its_package_base(package: str) -> None:
    base = PACKAGE_BASES[package]
    assert base.__bases__ == (EakteError,), f"{base.__name__} is not directly an EakteError"
    errors = [
        e for e in _defined_exceptions(package) if f"{e.__module__}.{e.__name__}" not in NOT_ERRORS
    ]
    assert base in errors
    stray = [f"{e.__module__}.{e.__name__}" for e in errors if not issubclass(e, base)]
    assert not stray, f"errors of {package} that are not {base.__name__}s: {stray}"


def test_the_known_errors_are_found() -> None:
    """The walk reaches subpackages and modules imported by no one else."""
    found = {e.__name__ for p in PACKAGE_BASES for e in _defined_exceptions(p)}
    assert {
        "RejectedInput",
        "FilePlanError",
        "ModelFileError",
        "ModelMismatch",
        "TrainingError",
        "RecordsError",
        "XdomeaError",
        "AccessError",
        "SearchQueryError",
        "IndexBusyError",
        "SearchIndexError",
        "SearchUnavailableError",
        "UnknownDocumentError",
        "ReviewError",
        "ManifestError",
        "ConfigError",
    } <= found
