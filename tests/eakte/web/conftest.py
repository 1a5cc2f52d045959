"""What the web tests share: the query API's world, built once a module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from archive.access import create_token, revoke_token
from archive.store import Archive
from classifiers.fileplan import load_file_plan
from eakte.web.app import create_app
from pipelines.records_plan import filing_plan
from scanmaker import write_scan
from tests.support.documents import store_document
from tests.support.world import BAU_AZ, TAX_AZ, World


def _store(
    archive: Archive, folder: Path, name: str, unit: str, tax: bool, az: str, text: str
) -> str:
    """A document with a real scan and PDF, so downloads and previews are real."""
    original = write_scan([text.split("\n")], folder / f"{name}.png", "png", seed=len(name))
    pdfa = write_scan([text.split("\n")], folder / f"{name}.pdf", "born_digital_pdf")
    return store_document(
        archive, folder, name, name, "archived", text, unit=unit, tax_secret=tax,
        aktenzeichen=az, files=(original, pdfa),
    )  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("api")
    archive = Archive(folder / "data", filing=filing_plan(load_file_plan()))
    archive.start_batch("karton-1", "Karton 1")
    ids = {
        "baugenehmigung": _store(
            archive, folder, "baugenehmigung", "6.1.3", False, BAU_AZ,
            "Baugenehmigung\nDie Baugenehmigung wird erteilt. Musterstadt Neubau",
        ),
        "grundsteuerbescheid": _store(
            archive, folder, "grundsteuerbescheid", "9.2.1", True, TAX_AZ,
            "Grundsteuerbescheid\nDie Grundsteuer wird festgesetzt. Musterstadt Neubau",
        ),
    }  # fmt: skip
    tokens = {}
    with archive.transaction() as s:
        for name, role, scopes in (
            ("bau", "clerk", ["6"]),
            ("steuer", "case_system", ["9.2", "tax"]),
            ("steuer-ohne-tax", "clerk", ["9.2"]),
            ("registratur", "records_manager", ["all", "tax"]),
            ("revoked", "clerk", ["all", "tax"]),
            ("scanstelle", "scanner", ["all", "tax"]),
            ("bauordnungsamt", "clerk", ["org:63"]),
            ("steueramt", "clerk", ["org:22", "tax"]),
        ):
            tokens[name] = create_token(s, name, role, scopes)[1]
        revoke_token(s, "revoked")
    with TestClient(create_app(archive)) as client:
        yield World(client, archive, ids, tokens)
    archive.close()
