"""The API while its PostgreSQL catalog is down: 503, the server's address kept out of the
answer; and answering again once the server is back (`server`, `url`: tests/eakte/conftest.py)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from archive.access import create_token
from archive.store import Archive
from eakte.web.app import create_app
from tests.support.postgres import PostgresCluster


def test_the_api_answers_503_while_the_server_is_down(
    tmp_path: Path, url: str, server: PostgresCluster
) -> None:
    archive = Archive(tmp_path / "data", catalog_url=url)
    with archive.transaction() as session:
        secret = create_token(session, "bauamt", "clerk", ["all"])[1]
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
