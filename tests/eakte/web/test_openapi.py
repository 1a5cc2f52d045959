"""The OpenAPI description says what the API answers: every error a route gives is declared,
and its body is what the description says, `{"detail": "<message>"}`."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.support.world import BAU_AZ, World

NO_SUCH = "00000000-0000-0000-0000-000000000000"


def _spec(world: World) -> dict[str, Any]:
    return world.client.get("/openapi.json").json()


def _api_operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        path: methods["get"] for path, methods in spec["paths"].items() if path.startswith("/api/")
    }


def test_every_api_route_declares_its_errors_with_a_string_detail(world: World) -> None:
    spec = _spec(world)
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["detail"]["type"] == "string" and error["required"] == ["detail"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    operations = _api_operations(spec)
    assert len(operations) >= 7
    for path, operation in operations.items():
        errors = {s: r for s, r in operation["responses"].items() if s.startswith("4")}
        assert {"401", "403"} <= set(errors), path
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (path, status)
    assert "400" in operations["/api/v1/search"]["responses"]
    for path in ("/api/v1/documents/{document_id}", "/api/v1/files/{aktenzeichen}"):
        assert "404" in operations[path]["responses"], path


def _real_errors(world: World, polyglot: str = NO_SUCH) -> list[tuple[str, Any]]:
    doc = world.ids["baugenehmigung"]
    return [
        ("/api/v1/search", world.get("/api/v1/search", q="Baugenehmigung AND (")),
        ("/api/v1/search", world.get("/api/v1/search", None)),
        ("/api/v1/search", world.get("/api/v1/search", "revoked")),
        ("/api/v1/search", world.get("/api/v1/search", "scanstelle")),
        ("/api/v1/search", world.get("/api/v1/search", date_from="2024-13-45")),
        ("/api/v1/search", world.get("/api/v1/search", cursor="kaputt", sort="date_asc")),
        ("/api/v1/search", world.get("/api/v1/search", limit=0)),
        ("/api/v1/documents/{document_id}", world.get(f"/api/v1/documents/{NO_SUCH}")),
        ("/api/v1/documents/{document_id}", world.get(f"/api/v1/documents/{doc}", None)),
        ("/api/v1/documents/{document_id}/original", world.get(f"/api/v1/documents/{NO_SUCH}/original")),
        ("/api/v1/documents/{document_id}/pages/{number}.png", world.get(f"/api/v1/documents/{doc}/pages/x.png")),
        ("/api/v1/documents/{document_id}/pages/{number}.png", world.get(f"/api/v1/documents/{doc}/pages/9.png")),
        ("/api/v1/files/{aktenzeichen}", world.get("/api/v1/files/00-XX-0000-0000")),
        ("/api/v1/files/{aktenzeichen}", world.get(f"/api/v1/files/{BAU_AZ}", "scanstelle")),
        ("/api/v1/access-log", world.get("/api/v1/access-log", "bau")),
        ("/api/v1/access-log", world.get("/api/v1/access-log", "registratur", limit=0)),
    ]  # fmt: skip


def test_real_error_answers_are_declared_and_match_the_description(world: World) -> None:
    spec = _spec(world)
    operations = _api_operations(spec)
    seen = set()
    for path, answer in _real_errors(world):
        status = str(answer.status_code)
        assert status.startswith("4"), (path, status)
        declared = operations[path]["responses"]
        assert status in declared, f"{path} answers {status}, which it does not declare"
        schema = declared[status]["content"]["application/json"]["schema"]
        jsonschema.validate(answer.json(), {**schema, "components": spec["components"]})
        assert isinstance(answer.json()["detail"], str) and answer.json()["detail"]
        seen.add(status)
    assert seen == {"400", "401", "403", "404", "422"}


@pytest.mark.parametrize("limit", ["0", "viele"])
def test_a_validation_error_names_the_parameter_in_words(world: World, limit: str) -> None:
    answer = world.get("/api/v1/search", limit=limit)
    assert answer.status_code == 422
    assert "limit" in answer.json()["detail"]


def test_every_route_that_can_answer_503_declares_it_with_retry_after(world: World) -> None:
    """Every API route reads the catalog (a token is looked up there), which on a database
    server can be unreachable, and /readyz and search ask the search index: each can
    answer 503, and says when to try again."""
    spec = _spec(world)
    routes = {**_api_operations(spec), "/readyz": spec["paths"]["/readyz"]["get"]}
    for path, operation in routes.items():
        declared = operation["responses"].get("503")
        assert declared is not None, f"{path} can answer 503 but does not declare it"
        assert "Retry-After" in declared.get("headers", {}), path
    readyz = routes["/readyz"]["responses"]["503"]["content"]["application/json"]["schema"]
    unready = spec["components"]["schemas"][readyz["$ref"].rsplit("/", 1)[1]]
    assert set(unready["properties"]) == {"status", "reason"}
    assert "503" not in spec["paths"]["/healthz"]["get"]["responses"]  # answers while up
