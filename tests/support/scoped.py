"""An archive for the scope tests: a building file a clerk may see and a tax file (§ 30 AO)
that only tokens with the scope "tax" may, due for disposal, and read by a tax clerk, so that
the access log and the retention view have something to leak.

Everything that names the tax file is collected in `ScopedWorld.secrets`: no answer to a
token without the scope "tax" may contain any of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from archive.access import create_token
from archive.actors import authenticate_actor
from archive.records.akten import akte_by_number, close_akte
from archive.store import Archive
from classifiers.fileplan import load_file_plan
from pipelines.records_plan import filing_plan
from scanmaker import write_scan
from tests.support.documents import store_document
from tests.support.web import browser, sign_in

BAU_AZ = "63-BG-2024-0117"
TAX_AZ = "22-GS-2009-00017"
# A word only the tax document holds: a taxpayer's name, say
TAX_MARKER = "Quastenflosser"
# name -> (role, scopes); the first four see no tax file
TOKENS = {
    "alle-ohne-steuer": ("clerk", ["all"]),
    "steuer-ohne-tax": ("clerk", ["9.2"]),
    "registratur-ohne-steuer": ("records_manager", ["all"]),
    "admin-ohne-steuer": ("admin", ["all"]),
    "steuer-sb": ("clerk", ["9.2", "tax"]),
    "registratur": ("records_manager", ["all", "tax"]),
}
WITHOUT_TAX = ("alle-ohne-steuer", "steuer-ohne-tax", "registratur-ohne-steuer",
               "admin-ohne-steuer")  # fmt: skip


@dataclass
class ScopedWorld:
    client: TestClient
    archive: Archive
    ids: dict[str, str]  # "bau", "steuer"
    tokens: dict[str, str]  # name -> secret
    secrets: tuple[str, ...]  # what names the tax file: ids, title, Aktenzeichen, its words

    def get(self, path: str, token: str, **params: object):  # type: ignore[no-untyped-def]
        return self.client.get(
            path, params=params, headers={"Authorization": f"Bearer {self.tokens[token]}"}
        )

    def signed_in(self, token: str) -> TestClient:
        """A browser signed in to the clerk's pages with the token."""
        client = browser(self.client.app)
        response = sign_in(client, self.tokens[token])
        assert response.status_code == 200, response.text
        return client


def _store(archive: Archive, folder: Path, name: str, unit: str, tax: bool, az: str,
           text: str, day: date) -> str:  # fmt: skip
    original = write_scan([text.split("\n")], folder / f"{name}.png", "png", seed=len(name))
    pdfa = write_scan([text.split("\n")], folder / f"{name}.pdf", "born_digital_pdf")
    return store_document(
        archive, folder, name, name, "archived", text, unit=unit, tax_secret=tax,
        aktenzeichen=az, files=(original, pdfa), document_date=day,
    )  # fmt: skip


def build_scoped_archive(folder: Path) -> tuple[Archive, dict[str, str], dict[str, str]]:
    """The archive, its documents' ids and the tokens' secrets; the tax file is closed in
    2010, so it is due (10 years from closing)."""
    plan = load_file_plan()
    filing = filing_plan(plan)
    archive = Archive(folder / "data", filing=filing)
    archive.start_batch("karton-1", "Karton 1")
    ids = {
        "bau": _store(
            archive, folder, "baugenehmigung", "6.1.3", False, BAU_AZ,
            "Baugenehmigung\nDie Baugenehmigung wird erteilt. Musterstadt Neubau",
            date(2024, 6, 1),
        ),
        "steuer": _store(
            archive, folder, "grundsteuer-fall", "9.2.1", True, TAX_AZ,
            f"Grundsteuerbescheid\nDie Grundsteuer für {TAX_MARKER} wird festgesetzt. "
            "Musterstadt Neubau",
            date(2009, 2, 1),
        ),
    }  # fmt: skip
    tokens = {}
    with archive.transaction() as s:
        for name, (role, scopes) in TOKENS.items():
            tokens[name] = create_token(s, name, role, scopes)[1]
    with archive.transaction() as s:
        actor = authenticate_actor(s, tokens["registratur"])
        close_akte(s, TAX_AZ, date(2010, 6, 30), filing.rules["9.2.1"], by=actor)
    return archive, ids, tokens


def tax_file_secrets(archive: Archive, tax_id: str) -> tuple[str, ...]:
    """What names the tax file: the document's id, title and marker word, the Akte's
    Aktenzeichen and id."""
    doc = archive.get(tax_id)
    assert doc is not None
    with archive.transaction() as s:
        akte = akte_by_number(s, TAX_AZ)
        assert akte is not None
        akte_id = akte.id
    return (tax_id, doc.title, TAX_AZ, TAX_MARKER, akte_id)


def read_as_tax_clerk(world: ScopedWorld) -> None:
    """What a tax clerk does in a day: search a taxpayer's name, open the bill, its PDF and
    its file. The access log now holds all of it."""
    for path, params in (
        ("/api/v1/search", {"q": TAX_MARKER}),
        (f"/api/v1/documents/{world.ids['steuer']}", {}),
        (f"/api/v1/documents/{world.ids['steuer']}/pdf", {}),
        (f"/api/v1/files/{TAX_AZ}", {}),
    ):
        assert world.get(path, "steuer-sb", **params).status_code == 200, path
