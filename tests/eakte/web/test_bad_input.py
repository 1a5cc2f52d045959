"""Input that once made a 500: the API answers 400/422 with the reason, the clerk's pages a
page in German. Never a 500, which would say the fault is eakte's."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from tests.support.web import browser, sign_in
from tests.support.world import World


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _signed_in(world: World, token: str = "registratur") -> TestClient:
    client = browser(world.client.app)
    assert sign_in(client, world.tokens[token]).status_code == 200
    return client


@pytest.mark.parametrize(
    "query",
    ["title:*", "label:*", "body:*", "tax:*", "Bauantrag OR title:*",
     "year: IN [2024]"],  # parsed, but not run: the field is not indexed
)  # fmt: skip
def test_a_query_the_index_cannot_run_is_a_400(world: World, query: str) -> None:
    response = world.get("/api/v1/search", "registratur", q=query)
    assert response.status_code == 400, response.text
    assert "cannot read the query" in response.json()["detail"]
    page = _signed_in(world).get("/ui/", params={"q": query})
    assert page.status_code == 400 and "nicht lesbar" in page.text


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor(f"date_desc:{2**64}"),
        _cursor(f"date_desc:{2**63}"),
        _cursor(f"date_desc:{-(2**70)}"),
        _cursor("date_desc:-1"),
        _cursor("date_desc:" + "9" * 100),
    ],
)
def test_a_cursor_beyond_the_orders_range_is_refused(world: World, cursor: str) -> None:
    response = world.get("/api/v1/search", "registratur", cursor=cursor, sort="date_desc")
    assert response.status_code == 422, response.text
    assert "cursor" in response.json()["detail"]
    page = _signed_in(world).get("/ui/", params={"q": "x", "sortierung": "date_desc",
                                                 "weiter": cursor})  # fmt: skip
    assert page.status_code == 422 and "Ungültige Angabe" in page.text


@pytest.mark.parametrize("jahr", ["²³⁴⁵", "٢٠٢٤", "0000", "20244", "abcd"])
def test_a_year_that_is_no_year_is_a_german_error_page(world: World, jahr: str) -> None:
    """Superscript and Arabic-Indic digits pass str.isdigit() but not int()."""
    page = _signed_in(world).get("/ui/", params={"jahr": jahr})
    assert page.status_code == 422, page.text
    assert "Ungültige Angabe" in page.text and 'lang="de"' in page.text


def test_a_real_year_still_narrows_the_search(world: World) -> None:
    page = _signed_in(world).get("/ui/", params={"q": "Musterstadt", "jahr": "2024"})
    assert page.status_code == 200 and "2 Treffer" in page.text
