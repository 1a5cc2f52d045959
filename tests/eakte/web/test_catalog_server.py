"""The API while its PostgreSQL catalog is down: 503, the server's address kept out of the
answer; and answering again once the server is back (`server`, `url`: tests/eakte/conftest.py)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from archive.access import create_token
from archive.store import Archive
from eakte.web.app import create_app
from tests.support.postgres import PostgresCluster
from tests.support.web import browser, sign_in


def _archive_with_clerk(tmp_path: Path, url: str) -> tuple[Archive, str]:
    """An archive on the server's catalog and the secret of a clerk who sees everything."""
    archive = Archive(tmp_path / "data", catalog_url=url)
    with archive.transaction() as session:
        return archive, create_token(session, "bauamt", "clerk", ["all"])[1]


def test_the_api_answers_503_while_the_server_is_down(
    tmp_path: Path, url: str, server: PostgresCluster
) -> None:
    archive, secret = _archive_with_clerk(tmp_path, url)
    try:
        with TestClient(create_app(archive)) as client:
            server.stop()
            assert client.get("/readyz").status_code == 503
            found = client.get(
                "/api/v1/search", params={"q": "Bauantrag"},
                headers={"Authorization": f"Bearer {secret}"},
            )  # fmt: skip
            assert found.status_code == 503
            assert found.json() == {
                "detail": "the catalog database is unreachable; try again later"
            }
            server.start()
            assert client.get("/readyz").status_code == 200
    finally:
        archive.close()


def test_the_clerks_pages_say_in_german_that_the_archive_is_away(
    tmp_path: Path, url: str, server: PostgresCluster
) -> None:
    archive, secret = _archive_with_clerk(tmp_path, url)
    try:
        with browser(create_app(archive)) as client:
            assert sign_in(client, secret).status_code == 200
            server.stop()
            try:
                page = client.get("/ui/", params={"q": "Bauantrag"})
            finally:
                server.start()
            assert page.status_code == 503 and page.headers["Retry-After"] == "30"
            assert page.headers["content-type"].startswith("text/html")
            assert "Archiv nicht erreichbar" in page.text and "später" in page.text
            assert str(server.port) not in page.text
            assert client.get("/ui/", params={"q": "Bauantrag"}).status_code == 200
    finally:
        archive.close()
