"""The query API over an archive whose index is on a real OpenSearch node, and that node
stopped and started again: /readyz says 503 and why, a search 503, a document stored
meanwhile is archived, and the index catches up when the node is back."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import jsonschema
import pytest
from fastapi.testclient import TestClient

from archive.access import create_token
from archive.search.elastic import SearchServerIndex
from archive.store import Archive
from eakte.web.app import create_app
from tests.support.documents import store_document
from tests.support.opensearch import OpenSearchNode
from tests.support.web import browser, sign_in

pytestmark = pytest.mark.slow  # stops and starts the node: 10-20 s


def _matches_declared(client: TestClient, path: str, answer: httpx.Response) -> None:
    """The answer's body is what the OpenAPI description declares for its status."""
    spec = client.get("/openapi.json").json()
    declared = spec["paths"][path]["get"]["responses"][str(answer.status_code)]
    schema = declared["content"]["application/json"]["schema"]
    jsonschema.validate(answer.json(), {**schema, "components": spec["components"]})


def test_the_api_while_the_search_server_is_down_and_after(
    tmp_path: Path, opensearch_node: OpenSearchNode
) -> None:
    name = f"eakte-test-{uuid.uuid4().hex[:8]}"
    index = SearchServerIndex(f"opensearch+{opensearch_node.url}", name)
    archive = Archive(tmp_path / "data", index=index)
    archive.start_batch("karton-1", "Karton 1")
    first = store_document(archive, tmp_path, "scheune", "bauantrag", "archived",
                           "Bauantrag für eine Scheune", unit="6.1.3")  # fmt: skip
    with archive.transaction() as session:
        everything = create_token(session, "registratur", "records_manager", ["all", "tax"])[1]
    auth = {"Authorization": f"Bearer {everything}"}
    with TestClient(create_app(archive)) as client:
        ready = client.get("/readyz", headers=auth)
        assert ready.status_code == 200 and ready.json()["indexed_documents"] == 1
        found = client.get("/api/v1/search", params={"q": "Scheune"}, headers=auth)
        assert [h["document_id"] for h in found.json()["hits"]] == [first]

        with opensearch_node.down():
            down = client.get("/readyz", headers=auth)
            assert down.status_code == 503
            assert down.json()["status"] == "unavailable"
            assert (
                "unavailable" in down.json()["reason"]
                and opensearch_node.url in (down.json()["reason"])
            )
            anonymous = client.get("/readyz")
            assert anonymous.status_code == 503
            assert anonymous.json()["reason"] == "the search server cannot be reached"
            searched = client.get("/api/v1/search", params={"q": "Scheune"}, headers=auth)
            assert searched.status_code == 503 and searched.headers["Retry-After"] == "30"
            assert opensearch_node.url not in searched.json()["detail"]
            _matches_declared(client, "/api/v1/search", searched)
            _matches_declared(client, "/readyz", down)
            second = store_document(archive, tmp_path, "stall", "bauantrag", "archived",
                                    "Bauantrag für einen Stall", unit="6.1.3")  # fmt: skip
            assert archive.get(second) is not None
            assert archive.unindexed == {second}

        assert client.get("/readyz", headers=auth).json()["indexed_documents"] == 1
        assert archive.reindex_missing() == 1
        found = client.get("/api/v1/search", params={"q": "Stall"}, headers=auth)
        assert [h["document_id"] for h in found.json()["hits"]] == [second]
        assert client.get("/readyz", headers=auth).json()["indexed_documents"] == 2
    index.client.indices.delete(index=name)
    archive.close()


def test_the_clerks_search_page_while_the_search_server_is_down(
    tmp_path: Path, opensearch_node: OpenSearchNode
) -> None:
    """A page in German with 503 and Retry-After, not the API's JSON, and no server address;
    the empty search form, which asks nothing of the index, still opens."""
    name = f"eakte-test-{uuid.uuid4().hex[:8]}"
    index = SearchServerIndex(f"opensearch+{opensearch_node.url}", name)
    archive = Archive(tmp_path / "data", index=index)
    archive.start_batch("karton-1", "Karton 1")
    store_document(archive, tmp_path, "scheune", "bauantrag", "archived",
                   "Bauantrag für eine Scheune", unit="6.1.3")  # fmt: skip
    with archive.transaction() as session:
        clerk = create_token(session, "bauamt", "clerk", ["6"])[1]
    with browser(create_app(archive)) as client:
        assert sign_in(client, clerk).status_code == 200
        assert "Scheune" in client.get("/ui/", params={"q": "Scheune"}).text
        with opensearch_node.down():
            page = client.get("/ui/", params={"q": "Scheune"})
            assert page.status_code == 503 and page.headers["Retry-After"] == "30"
            assert page.headers["content-type"].startswith("text/html")
            assert "Suche nicht erreichbar" in page.text and "später" in page.text
            assert (
                opensearch_node.url not in page.text and str(opensearch_node.port) not in page.text
            )
            assert client.get("/ui/").status_code == 200
        assert "Scheune" in client.get("/ui/", params={"q": "Scheune"}).text
    index.client.indices.delete(index=name)
    archive.close()
