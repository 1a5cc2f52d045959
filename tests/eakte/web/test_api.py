"""The query API: every endpoint, scoping down to counts, bad input, revoked tokens, access log."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl

import pytest
from fastapi.testclient import TestClient

from archive.access import create_token, revoke_token
from eakte.web.api import MAX_LIMIT
from tests.support.commands import invoke_eakte
from tests.support.web import browser, sign_in
from tests.support.world import BAU_AZ, TAX_AZ, World


def test_health_and_readiness(world: World) -> None:
    assert world.client.get("/healthz").json() == {"status": "ok"}
    ready = world.get("/readyz", "registratur")  # counts: for a token that sees everything
    assert ready.status_code == 200 and ready.json()["indexed_documents"] == 2
    assert ready.json()["index_segments"] == 2  # a commit per document, not merged yet


def test_openapi_description_lists_the_endpoints(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/search",
        "/api/v1/documents/{document_id}",
        "/api/v1/documents/{document_id}/pdf",
        "/api/v1/documents/{document_id}/original",
        "/api/v1/documents/{document_id}/pages/{number}.png",
        "/api/v1/files/{aktenzeichen}",
    ):
        assert path in paths
    search = paths["/api/v1/search"]["get"]["responses"]["200"]["content"]["application/json"]
    assert search["schema"]["$ref"].endswith("/SearchPage")


@pytest.mark.parametrize("token", [None, "revoked"])
def test_no_token_or_revoked_token_is_401(world: World, token: str | None) -> None:
    response = world.get("/api/v1/search", token, q="Musterstadt")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bogus = world.client.get("/api/v1/search", headers={"Authorization": "Bearer eakte_nonsense"})
    assert bogus.status_code == 401


def _new_token(world: World, name: str) -> str:
    with world.archive.transaction() as s:
        world.tokens[name] = create_token(s, name, "clerk", ["all", "tax"])[1]
    return name


def test_a_token_revoked_on_the_command_line_is_refused_at_once(world: World) -> None:
    token = _new_token(world, "gleich-widerrufen")
    assert world.get("/api/v1/search", token, q="Musterstadt").status_code == 200  # remembered
    revoked = invoke_eakte(
        "token", "revoke", "gleich-widerrufen", "--data", str(world.archive.data_dir)
    )
    assert revoked.exit_code == 0, revoked.output
    assert world.get("/api/v1/search", token, q="Musterstadt").status_code == 401


def test_a_token_revoked_in_the_catalog_is_refused_within_a_second(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eakte.web.service

    monkeypatch.setattr(eakte.web.service, "_REMEMBER_TOKEN", 0.3)
    token = _new_token(world, "spaeter-widerrufen")
    assert world.get("/api/v1/search", token, q="Musterstadt").status_code == 200
    with world.archive.transaction() as s:
        revoke_token(s, "spaeter-widerrufen")  # not through `eakte token revoke`
    assert world.get("/api/v1/search", token, q="Musterstadt").status_code == 200  # remembered
    time.sleep(0.35)
    assert world.get("/api/v1/search", token, q="Musterstadt").status_code == 401


def test_scanner_tokens_do_not_read_documents(world: World) -> None:
    doc_id = world.ids["baugenehmigung"]
    for path in ("/api/v1/search", f"/api/v1/documents/{doc_id}", f"/api/v1/files/{BAU_AZ}"):
        response = world.get(path, "scanstelle")
        assert response.status_code == 403 and "scanner" in response.json()["detail"]
    refused = sign_in(browser(world.client.app), world.tokens["scanstelle"])
    assert refused.status_code == 403 and "Scannen" in refused.text


def test_building_token_sees_no_tax_document_not_even_in_counts(world: World) -> None:
    body = world.get("/api/v1/search", "bau", q="Musterstadt").json()
    assert [h["document_id"] for h in body["hits"]] == [world.ids["baugenehmigung"]]
    assert body["total"] == 1
    assert body["facets"]["doc_type"] == {"baugenehmigung": 1}
    assert "grundsteuer" not in str(body).lower()
    by_az = world.get("/api/v1/search", "bau", q=TAX_AZ).json()
    assert by_az["total"] == 0 and by_az["hits"] == []


def test_tax_documents_need_the_tax_scope(world: World) -> None:
    assert world.get("/api/v1/search", "steuer-ohne-tax", q="Musterstadt").json()["total"] == 0
    body = world.get("/api/v1/search", "steuer", q="Grundsteuer").json()
    assert [h["document_id"] for h in body["hits"]] == [world.ids["grundsteuerbescheid"]]
    assert "<b>" in body["hits"][0]["snippet"]
    everything = world.get("/api/v1/search", "registratur", q="Musterstadt").json()
    assert everything["total"] == 2
    assert everything["facets"]["unit"] == {"6.1.3": 1, "9.2.1": 1}


def test_organisation_scopes_follow_the_file_plan(world: World) -> None:
    bau = world.get("/api/v1/search", "bauordnungsamt", q="Musterstadt").json()
    assert [h["document_id"] for h in bau["hits"]] == [world.ids["baugenehmigung"]]
    assert bau["facets"]["unit"] == {"6.1.3": 1}
    steuer = world.get("/api/v1/search", "steueramt", q="Musterstadt").json()
    assert [h["document_id"] for h in steuer["hits"]] == [world.ids["grundsteuerbescheid"]]
    tax_id = world.ids["grundsteuerbescheid"]
    assert world.get(f"/api/v1/documents/{tax_id}", "bauordnungsamt").status_code == 404
    assert world.get(f"/api/v1/documents/{tax_id}", "steueramt").status_code == 200


def test_filters_by_type_and_unit(world: World) -> None:
    body = world.get("/api/v1/search", "registratur", type="grundsteuerbescheid").json()
    assert [h["doc_type"] for h in body["hits"]] == ["grundsteuerbescheid"]
    assert world.get("/api/v1/search", "registratur", unit="6.1").json()["total"] == 1


def test_document_out_of_scope_is_404_like_a_missing_one(world: World) -> None:
    tax_id = world.ids["grundsteuerbescheid"]
    for suffix in ("", "/pdf", "/original", "/pages/1.png"):
        hidden = world.get(f"/api/v1/documents/{tax_id}{suffix}", "bau")
        missing = world.get(f"/api/v1/documents/00000000-0000-0000-0000-000000000000{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


def test_document_metadata_pdf_with_ranges_original_and_preview(world: World) -> None:
    doc_id = world.ids["baugenehmigung"]
    meta = world.get(f"/api/v1/documents/{doc_id}").json()
    assert meta["doc_type"] == "baugenehmigung" and meta["aktenzeichen"] == BAU_AZ
    assert "pdfa_path" not in meta and "text" not in meta
    pdf = world.get(f"/api/v1/documents/{doc_id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    part = world.client.get(
        f"/api/v1/documents/{doc_id}/pdf",
        headers={"Authorization": f"Bearer {world.tokens['bau']}", "Range": "bytes=0-3"},
    )
    assert part.status_code == 206 and part.content == b"%PDF"
    original = world.get(f"/api/v1/documents/{doc_id}/original")
    assert original.content.startswith(b"\x89PNG")
    preview = world.get(f"/api/v1/documents/{doc_id}/pages/1.png")
    assert preview.headers["content-type"] == "image/png"
    assert preview.content.startswith(b"\x89PNG")
    assert world.get(f"/api/v1/documents/{doc_id}/pages/2.png").status_code == 404


def test_akte_lists_its_documents_within_scope(world: World) -> None:
    body = world.get(f"/api/v1/files/{BAU_AZ}").json()
    assert [d["document_id"] for d in body["documents"]] == [world.ids["baugenehmigung"]]
    assert (body["aktenplan_unit"], body["retention_state"], body["closed"]) == (
        "6.1.3",
        "active",
        None,
    )
    assert world.get(f"/api/v1/files/{TAX_AZ}", "bau").status_code == 404
    assert world.get(f"/api/v1/files/{TAX_AZ}", "steuer").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents/..%2F..%2Fcatalog.sqlite",
        "/api/v1/documents/../../etc/passwd",
        "/api/v1/documents/%2e%2e/pdf",
        "/api/v1/files/..%2F..%2Fetc",
    ],
)
def test_path_tricks_in_ids_are_rejected(world: World, path: str) -> None:
    response = world.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.content and b"SQLite" not in response.content


def test_bad_input_is_a_400_with_a_message_never_a_500(world: World) -> None:
    broken = world.get("/api/v1/search", q="Baugenehmigung AND (")
    assert broken.status_code == 400 and "query" in broken.json()["detail"]
    assert world.get("/api/v1/search", date_from="2024-13-45").status_code == 422
    assert world.get("/api/v1/search", unit="../9").status_code == 422
    capped = world.get("/api/v1/search", "registratur", limit=10**9).json()
    assert capped["limit"] == MAX_LIMIT
    assert world.get("/api/v1/search", offset=10**9).status_code == 422


def test_date_order_pages_with_a_cursor_to_the_end(world: World) -> None:
    first = world.get("/api/v1/search", "registratur", limit=1).json()
    assert first["sort"] == "date_desc"  # no words: newest first
    seen = [h["document_id"] for h in first["hits"]]
    cursor = first["next_cursor"]
    while cursor:
        page = world.get("/api/v1/search", "registratur", limit=1, cursor=cursor).json()
        seen.extend(h["document_id"] for h in page["hits"])
        cursor = page["next_cursor"]
    whole = world.get("/api/v1/search", "registratur", limit=10).json()["hits"]
    assert seen == [h["document_id"] for h in whole] and len(seen) == 2
    oldest = world.get("/api/v1/search", "registratur", sort="date_asc").json()["hits"]
    assert [h["document_id"] for h in oldest] == seen[::-1]
    assert world.get("/api/v1/search", "registratur", q="Musterstadt").json()["sort"] == "relevance"


def test_bad_cursors_are_422(world: World) -> None:
    cursor = world.get("/api/v1/search", "registratur", limit=1).json()["next_cursor"]
    assert cursor
    for params in (
        {"cursor": cursor, "sort": "date_asc"},  # given out for another order
        {"cursor": cursor, "q": "Musterstadt"},  # relevance pages by offset
        {"cursor": cursor, "offset": 1},
        {"cursor": "not-a-cursor"},
        {"sort": "title"},
    ):
        response = world.get("/api/v1/search", "registratur", **params)
        assert response.status_code == 422, params


def test_access_log_records_views_and_downloads_for_records_managers_only(world: World) -> None:
    doc_id = world.ids["baugenehmigung"]
    world.get(f"/api/v1/documents/{doc_id}/pdf", "bau")
    assert world.get("/api/v1/access-log", "bau").status_code == 403
    entries = world.get("/api/v1/access-log", "registratur", document_id=doc_id).json()["entries"]
    assert entries[0]["token"] == "bau" and entries[0]["action"] == "download"
    assert {e["action"] for e in entries} >= {"view", "download"}


# --- the clerk's pages ------------------------------------------------------------------


def _signed_in(world: World, token: str) -> TestClient:
    client = browser(world.client.app)
    response = sign_in(client, world.tokens[token])
    assert response.status_code == 200 and "Dokumente suchen" in response.text  # redirected
    return client


def test_pages_need_sign_in_and_a_wrong_token_is_refused(world: World) -> None:
    client = browser(world.client.app)
    assert client.get("/ui/", follow_redirects=False).headers["location"] == "/ui/anmelden"
    wrong = sign_in(client, world.tokens["revoked"])
    assert wrong.status_code == 401 and "unbekannt oder gesperrt" in wrong.text
    assert '<label for="token">' in client.get("/ui/anmelden").text


def test_search_page_with_facets_snippets_and_scope(world: World) -> None:
    bau = _signed_in(world, "bau")
    page = bau.get("/ui/", params={"q": "Musterstadt"}).text
    assert "1 Treffer" in page and "Baugenehmigung" in page
    assert "Grundsteuer" not in page  # not even as a facet
    assert "<b>" in page and 'lang="de"' in page
    registratur = _signed_in(world, "registratur")
    page = registratur.get("/ui/", params={"q": "Musterstadt", "typ": "grundsteuerbescheid"}).text
    assert "Grundsteuerbescheid (1)" in page and "Baugenehmigung (1)" in page
    assert page.count('class="snippet"') == 1
    broken = registratur.get("/ui/", params={"q": "Baugenehmigung AND ("})
    assert broken.status_code == 400 and "nicht lesbar" in broken.text


def test_document_page_previews_pdf_and_akte(world: World) -> None:
    bau = _signed_in(world, "bau")
    doc_id = world.ids["baugenehmigung"]
    page = bau.get(f"/ui/dokumente/{doc_id}").text
    assert BAU_AZ in page and f"/ui/dokumente/{doc_id}/seiten/1.png" in page
    assert 'alt="Seite 1 von 1"' in page
    assert "01.06.2024" in page and "archiviert" in page
    assert bau.get(f"/ui/dokumente/{doc_id}/seiten/1.png").content.startswith(b"\x89PNG")
    assert bau.get(f"/ui/dokumente/{doc_id}/pdf").content.startswith(b"%PDF")
    akte = bau.get(f"/ui/akten/{BAU_AZ}").text
    assert f'href="/ui/dokumente/{doc_id}"' in akte
    assert bau.get(f"/ui/dokumente/{world.ids['grundsteuerbescheid']}").status_code == 404
    assert bau.get("/static/eakte.css").status_code == 200


def test_unit_and_year_facets_sort_and_paging_on_the_search_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    registratur = _signed_in(world, "registratur")
    page = registratur.get("/ui/", params={"q": "Musterstadt"}).text
    assert "6.1.3 Baugenehmigungsverfahren (1)" in page and "9.2.1 Grundsteuer (1)" in page
    year = world.archive.get(world.ids["baugenehmigung"]).document_date.isoformat()[:4]
    assert f">{year} (2)<" in page
    narrowed = registratur.get("/ui/", params={"q": "Musterstadt", "einheit": "6.1.3"}).text
    assert "1 Treffer" in narrowed and 'aria-current="true">6.1.3' in narrowed
    assert registratur.get("/ui/", params={"jahr": "1999"}).text.count("0 Treffer") == 1

    import eakte.web.ui

    monkeypatch.setattr(eakte.web.ui, "PAGE_SIZE", 1)
    for sortierung in ("date_desc", "relevance"):
        seen, params = [], {"q": "Musterstadt", "sortierung": sortierung}
        while True:
            html = registratur.get("/ui/", params=params).text
            seen += re.findall(r'href="/ui/dokumente/([0-9a-f-]{36})"', html)
            more = re.search(r'href="\?([^"]+)" rel="next"', html)
            if not more:
                break
            params = dict(parse_qsl(more.group(1).replace("&amp;", "&")))
        assert sorted(seen) == sorted(world.ids.values()), sortierung


def test_errors_on_the_clerks_pages_are_german_pages(world: World) -> None:
    bau = _signed_in(world, "bau")
    hidden = bau.get(f"/ui/dokumente/{world.ids['grundsteuerbescheid']}")
    missing = bau.get("/ui/dokumente/00000000-0000-0000-0000-000000000000")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text == missing.text and "Nicht gefunden" in hidden.text
    assert hidden.headers["content-type"].startswith("text/html")
    bad = bau.get("/ui/", params={"q": "x", "seite": "zwei"})
    assert bad.status_code == 422 and "Ungültige Angabe" in bad.text
    cursor = bau.get("/ui/", params={"weiter": "kaputt", "sortierung": "date_desc", "q": "x"})
    assert cursor.status_code == 422 and "Ungültige Angabe" in cursor.text


def test_retention_view_for_records_managers_only(world: World) -> None:
    registratur = _signed_in(world, "registratur")
    page = registratur.get("/ui/aufbewahrung")
    assert page.status_code == 200 and "Akten nach Status" in page.text
    assert "aktiv" in page.text and 'href="/ui/aufbewahrung"' in page.text
    bau = _signed_in(world, "bau")
    refused = bau.get("/ui/aufbewahrung")
    assert refused.status_code == 403 and "Kein Zugriff" in refused.text
    assert 'href="/ui/aufbewahrung"' not in bau.get("/ui/").text
