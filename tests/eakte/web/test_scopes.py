"""Scopes everywhere: no page, report or log shows a token what search would not show it.

The archive (tests/support/scoped.py) holds a building file and a tax file (§ 30 AO) that is
due for disposal and was read by a tax clerk; tokens without the scope "tax" must learn
nothing of it: not from the retention view, the access log, the Akte pages, the readiness
check, the scores of their hits or the time a 404 takes.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from eakte.web.app import create_app
from tests.support.documents import store_document
from tests.support.scoped import (
    BAU_AZ,
    TAX_AZ,
    TAX_MARKER,
    WITHOUT_TAX,
    ScopedWorld,
    build_scoped_archive,
    read_as_tax_clerk,
    tax_file_secrets,
)

MISSING_ID = "00000000-0000-4000-8000-000000000000"


def _world(folder: Path) -> Iterator[ScopedWorld]:
    archive, ids, tokens = build_scoped_archive(folder)
    with TestClient(create_app(archive)) as client:
        world = ScopedWorld(client, archive, ids, tokens, tax_file_secrets(archive, ids["steuer"]))
        read_as_tax_clerk(world)
        yield world
    archive.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScopedWorld]:
    yield from _world(tmp_path_factory.mktemp("scoped"))


@pytest.fixture
def own_world(tmp_path: Path) -> Iterator[ScopedWorld]:
    """A world of its own, for a test that adds documents."""
    yield from _world(tmp_path)


def _leaks(world: ScopedWorld, content: bytes) -> list[str]:
    return [s for s in world.secrets if s.encode() in content]


# --- the retention view -----------------------------------------------------------------


def _state_counts(page: str) -> list[int]:
    row = re.search(r"<caption>Akten nach Status</caption>.*?</tr>\s*<tr>(.*?)</tr>", page, re.S)
    assert row, page
    return [int(n) for n in re.findall(r"<td>(\d+)</td>", row.group(1))]


def test_retention_view_shows_a_records_manager_only_the_files_he_may_see(
    world: ScopedWorld,
) -> None:
    full = world.signed_in("registratur").get("/ui/aufbewahrung")
    assert full.status_code == 200 and TAX_AZ in full.text  # due: closed in 2010
    assert sum(_state_counts(full.text)) == 2
    scoped = world.signed_in("registratur-ohne-steuer").get("/ui/aufbewahrung")
    assert scoped.status_code == 200
    assert _leaks(world, scoped.content) == []
    assert sum(_state_counts(scoped.text)) == 1  # the building file only, not even counted
    # the API agrees: the same file is not there for this token
    assert world.get(f"/api/v1/files/{TAX_AZ}", "registratur-ohne-steuer").status_code == 404


# --- the access log ---------------------------------------------------------------------


def test_access_log_withholds_what_its_reader_may_not_see(world: ScopedWorld) -> None:
    full = world.get("/api/v1/access-log", "registratur").json()["entries"]
    tax_clerks = [e for e in full if e["token"] == "steuer-sb"]
    assert {e["action"] for e in tax_clerks} == {"search", "view", "download", "file"}
    assert any(e["detail"].get("q") == TAX_MARKER for e in tax_clerks)

    response = world.get("/api/v1/access-log", "registratur-ohne-steuer")
    assert response.status_code == 200
    assert _leaks(world, response.content) == []
    entries = response.json()["entries"]
    withheld = [e for e in entries if e["token"] == "steuer-sb"]
    # the accesses happened and the log says so, but not what they were about
    assert [e["action"] for e in withheld] == [e["action"] for e in tax_clerks]
    assert all(e["withheld"] and e["document_id"] is None and e["detail"] == {}
               for e in withheld)  # fmt: skip
    by_id = world.get(
        "/api/v1/access-log", "registratur-ohne-steuer", document_id=world.ids["steuer"]
    )
    missing = world.get("/api/v1/access-log", "registratur-ohne-steuer", document_id=MISSING_ID)
    assert by_id.json() == missing.json() == {"entries": []}


def test_access_log_shows_in_full_what_its_reader_may_see(world: ScopedWorld) -> None:
    world.get(f"/api/v1/documents/{world.ids['bau']}", "alle-ohne-steuer")
    world.get("/api/v1/search", "alle-ohne-steuer", q="Baugenehmigung")
    entries = world.get("/api/v1/access-log", "registratur-ohne-steuer").json()["entries"]
    mine = [e for e in entries if e["token"] == "alle-ohne-steuer"]
    assert {"view", "search"} <= {e["action"] for e in mine}
    assert not any(e["withheld"] for e in mine)
    assert any(e["document_id"] == world.ids["bau"] for e in mine)
    assert any(e["detail"].get("q") == "Baugenehmigung" for e in mine)


# --- Akten are found by their filing ----------------------------------------------------


def test_a_file_is_found_by_its_filing_not_by_a_document_that_mentions_it(
    own_world: ScopedWorld, tmp_path: Path
) -> None:
    world = own_world
    letter = store_document(
        world.archive, tmp_path, "anfrage-nachbar", "schriftverkehr", "archived",
        f"Anfrage zur Baugenehmigung {BAU_AZ}. Siehe auch {TAX_AZ}.",
        unit="6.1.3", aktenzeichen=BAU_AZ, mentions=(TAX_AZ,),
    )  # fmt: skip
    # the letter is filed in the building file and names the tax file: search finds it
    assert world.get("/api/v1/search", "alle-ohne-steuer", aktenzeichen=TAX_AZ).json()["total"]

    for token in WITHOUT_TAX:
        hidden = world.get(f"/api/v1/files/{TAX_AZ}", token)
        missing = world.get("/api/v1/files/22-GS-2009-99999", token)
        assert hidden.status_code == missing.status_code == 404, hidden.text
        assert hidden.json() == missing.json()
        page = world.signed_in(token).get(f"/ui/akten/{TAX_AZ}")
        assert page.status_code == 404 and _leaks(world, page.content) == []
    # the file lists what is filed in it, not what mentions it
    tax_file = world.get(f"/api/v1/files/{TAX_AZ}", "registratur").json()
    assert [d["document_id"] for d in tax_file["documents"]] == [world.ids["steuer"]]
    building = world.get(f"/api/v1/files/{BAU_AZ}", "alle-ohne-steuer").json()
    assert {d["document_id"] for d in building["documents"]} == {world.ids["bau"], letter}


def test_a_file_of_a_tax_unit_needs_the_tax_scope_whatever_it_holds(
    own_world: ScopedWorld, tmp_path: Path
) -> None:
    """That a person has a tax file is itself tax-secret (§ 30 AO): a Steuerakte holding only
    a letter that is not (a Widerspruch, filed there) is still seen with "tax" alone."""
    world, number = own_world, "22-GS-2024-00077"
    store_document(
        world.archive, tmp_path, "widerspruch-steuer", "widerspruch", "archived",
        "Widerspruch", unit="0.3.1", aktenzeichen=number,
    )  # fmt: skip
    for token in WITHOUT_TAX:
        assert world.get(f"/api/v1/files/{number}", token).status_code == 404
    assert world.get(f"/api/v1/files/{number}", "registratur").json()["aktenplan_unit"] == "9.2.1"


# --- readiness --------------------------------------------------------------------------


def test_readiness_gives_counts_only_to_a_token_that_sees_every_document(
    world: ScopedWorld,
) -> None:
    anonymous = world.client.get("/readyz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ready"}
    for token in WITHOUT_TAX:
        assert world.get("/readyz", token).json() == {"status": "ready"}
    counted = world.get("/readyz", "registratur").json()
    assert counted["status"] == "ready" and counted["indexed_documents"] == 2


# --- every route, every token without the tax scope ---------------------------------------

_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def _urls(path: str, values: dict[str, list[str]]) -> list[str]:
    names = _PARAMETER.findall(path)
    urls = []
    for chosen in itertools.product(*(values[n] for n in names)):
        url = path
        for name, value in zip(names, chosen, strict=True):
            url = re.sub(r"\{" + name + r"(?::\w+)?\}", value, url)
        urls.append(url)
    return urls


def _probes(world: ScopedWorld) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    tax_id, bau_id = world.ids["steuer"], world.ids["bau"]
    in_path = {"document_id": [tax_id, bau_id], "aktenzeichen": [TAX_AZ, BAU_AZ], "number": ["1"]}
    in_query = {
        "q": [TAX_MARKER, "Grundsteuer", "Musterstadt", TAX_AZ, tax_id],
        "document_id": [tax_id],
        "aktenzeichen": [TAX_AZ],
        "type": ["grundsteuerbescheid"],
        "typ": ["grundsteuerbescheid"],
        "unit": ["9.2.1"],
        "einheit": ["9.2.1"],
        "jahr": ["2009"],
    }
    return in_path, in_query


def _requests(paths: dict[str, list[str]], world: ScopedWorld) -> list[tuple[str, dict[str, Any]]]:
    """(url, query) for every path: without a query and with each probe of its parameters."""
    in_path, in_query = _probes(world)
    wanted = []
    for path, parameters in paths.items():
        for url in _urls(path, in_path):
            wanted.append((url, {}))
            wanted += [(url, {p: v}) for p in parameters if p in in_query for v in in_query[p]]
    return wanted


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(path, route) of every APIRoute, also inside included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif (router := getattr(route, "original_router", None)) is not None:
            yield from _routes(router.routes, prefix + route.include_context.prefix)


def _without_searches_of_tokens_without_tax(content: bytes) -> bytes:
    """The access log without the entries of the walking tokens themselves: their searches
    for the tax file's words are theirs (and found nothing), not a leak of the tax file."""
    try:
        entries = json.loads(content)["entries"]
    except (ValueError, KeyError, TypeError):
        return content
    return json.dumps([e for e in entries if e["token"] not in WITHOUT_TAX]).encode()


@pytest.mark.parametrize("token", WITHOUT_TAX)
def test_no_route_names_the_tax_file_to_a_token_without_the_tax_scope(
    world: ScopedWorld, token: str
) -> None:
    app = world.client.app
    spec = app.openapi()["paths"]  # type: ignore[attr-defined]
    api_paths = {
        path: [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for path, operations in spec.items()
        for method, operation in operations.items()
        if method == "get"
    }
    ui_paths = {
        path: [q.alias for q in route.dependant.query_params]
        for path, route in _routes(app.routes)  # type: ignore[attr-defined]
        if not route.include_in_schema and "GET" in route.methods
    }
    assert "/api/v1/files/{aktenzeichen}" in api_paths and "/ui/aufbewahrung" in ui_paths
    headers = {"Authorization": f"Bearer {world.tokens[token]}"}
    browser = world.signed_in(token)
    answered, leaks = 0, []
    for client, paths, extra in ((world.client, api_paths, headers), (browser, ui_paths, {})):
        for url, query in _requests(paths, world):
            response = client.get(url, params=query, headers=extra)
            assert response.status_code < 500, (url, query, response.text)
            answered += response.status_code == 200
            # what the caller typed comes back (the query above the hits): not a leak
            content = _without_searches_of_tokens_without_tax(response.content)
            if found := [s for s in _leaks(world, content) if s not in query.values()]:
                leaks.append((url, query, response.status_code, found))
    assert leaks == [], "\n".join(map(str, leaks))
    assert answered > 20  # the walk reached pages that show something


# --- 404 timing -------------------------------------------------------------------------


def test_an_id_out_of_scope_answers_404_as_fast_as_a_missing_one(world: ScopedWorld) -> None:
    """Ids are derived from a scan's SHA-256: who has a copy of a scan could otherwise tell
    by the time of the 404 that the archive holds it. Medians of 200 interleaved requests.

    The bound is relative (a quarter of the missing id's median, at least 0.5 ms), so that
    a slow or loaded machine, which slows both alike, does not fail it: the unchanged code
    took 40-65 % longer for the hidden id (in process, 1.6-4.8 ms more), equal work differs
    by a few per cent either way. A fixed 2 ms would not have caught the unchanged code on
    an idle machine."""
    headers = {"Authorization": f"Bearer {world.tokens['alle-ohne-steuer']}"}

    def timed(document_id: str) -> float:
        start = time.perf_counter()
        response = world.client.get(f"/api/v1/documents/{document_id}", headers=headers)
        elapsed = time.perf_counter() - start
        assert response.status_code == 404
        return elapsed

    hidden, missing = world.ids["steuer"], str(uuid.uuid4())
    for _ in range(20):  # warm up
        timed(hidden), timed(missing)
    times: dict[str, list[float]] = {"hidden": [], "missing": []}
    for _ in range(200):
        times["hidden"].append(timed(hidden))
        times["missing"].append(timed(missing))
    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    difference = medians["hidden"] - medians["missing"]
    bound = max(0.5, 0.25 * medians["missing"])
    print(f"404 medians (ms): {medians}, difference {difference:.2f} ms")
    assert abs(difference) < bound, medians


# --- hidden documents change no score ---------------------------------------------------


def test_a_hidden_document_changes_nothing_in_a_visible_answer(
    own_world: ScopedWorld, tmp_path: Path
) -> None:
    world = own_world
    queries = ["Neubau", "Musterstadt Neubau", "Baugenehmigung OR Neubau"]
    before = {q: world.get("/api/v1/search", "alle-ohne-steuer", q=q).content for q in queries}
    assert all(b'"total":1' in b for b in before.values())
    store_document(
        world.archive, tmp_path, "zweiter-steuerfall", "grundsteuerbescheid", "archived",
        "Grundsteuerbescheid Neubau Neubau Musterstadt Neubau", unit="9.2.1", tax_secret=True,
    )  # fmt: skip
    after = {q: world.get("/api/v1/search", "alle-ohne-steuer", q=q).content for q in queries}
    assert after == before


def test_the_scope_changes_no_score(world: ScopedWorld) -> None:
    """The permission filter decides what is found, not how it ranks."""
    for q in ("Neubau", "Baugenehmigung Musterstadt"):
        seen = {}
        for token in ("alle-ohne-steuer", "registratur", "registratur-ohne-steuer"):
            hits = world.get("/api/v1/search", token, q=q).json()["hits"]
            seen[token] = {h["document_id"]: h["score"] for h in hits}[world.ids["bau"]]
        assert len(set(seen.values())) == 1, seen
