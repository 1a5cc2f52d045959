"""Where the HTTP API meets the errors eakte raises: a user's error is a 4xx with its message.

The statuses are the web layer's to choose, so they are named here and not in the libraries.
An `EakteError` not named here, like any other exception, is not the caller's fault: it stays
a 500 without details (the server logs the traceback).

Every error answer of the API has one shape, `Error`: `{"detail": "<what went wrong>"}`, a
parameter that fails validation included (422, its message naming the parameter), and the
OpenAPI description declares exactly that, per route, for the statuses the route gives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from archive.catalog import CatalogUnreachableError
from archive.search import SearchQueryError, SearchUnavailableError
from common.errors import EakteError

_log = logging.getLogger("eakte.web")

RETRY_AFTER = "30"  # seconds a caller waits after a 503 (a server away) before asking again

USER_ERRORS: dict[type[EakteError], int] = {
    SearchQueryError: 400,  # a query the search index cannot read
}


def user_error(_request: Request, exc: Exception) -> JSONResponse:
    """`{"detail": message}` with the status `USER_ERRORS` gives the error's class."""
    status = next(USER_ERRORS[c] for c in type(exc).__mro__ if c in USER_ERRORS)
    return JSONResponse({"detail": str(exc)}, status_code=status)


def search_unavailable(_request: Request, _exc: Exception) -> JSONResponse:
    """503 while the search server is away; its address and error stay in the server's
    log and /readyz (for a token that sees everything), not in every caller's answer."""
    return JSONResponse(
        {"detail": "the search index cannot be reached at the moment; try again later"},
        status_code=503,
        headers={"Retry-After": RETRY_AFTER},
    )


def catalog_unreachable(_request: Request, exc: Exception) -> JSONResponse:
    """503: the catalog database server is down or unreachable; not the caller's fault, and
    over soon. The server's address stays in the log, not in the answer."""
    _log.error("%s", exc)
    return JSONResponse(
        {"detail": "the catalog database is unreachable; try again later"},
        status_code=503,
        headers={"Retry-After": RETRY_AFTER},
    )


# What answers 503, for the clerk's pages to answer in their own way (eakte.web.ui).
UNAVAILABLE: dict[type[Exception], Callable[[Request, Exception], JSONResponse]] = {
    SearchUnavailableError: search_unavailable,
    CatalogUnreachableError: catalog_unreachable,
}


def handle_user_errors(app: FastAPI) -> None:
    """Answer every error of `USER_ERRORS` (and its subclasses) with `user_error`, and a
    search server that is away or an unreachable catalog with 503."""
    for error in USER_ERRORS:
        app.add_exception_handler(error, user_error)
    for unavailable, handler in UNAVAILABLE.items():
        app.add_exception_handler(unavailable, handler)


class Error(BaseModel):
    """What every error answer of the API is."""

    detail: str


_MEANINGS = {
    400: "The query cannot be read (the detail says why).",
    401: "No token, or an unknown or revoked one.",
    403: "The token's role may not do this (a scanner token reads no documents).",
    404: "No such document or file, or one outside the token's scopes (answered alike).",
    422: "A parameter is invalid (the detail names it).",
    503: "The catalog database or the search index cannot be reached at the moment (a "
    "server is away); Retry-After says when to ask again.",
}
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again.",
        "schema": {"type": "integer"},
    }
}


class Unready(BaseModel):
    """/readyz while the archive cannot serve: why, for a token that sees everything."""

    status: str  # "unavailable"
    reason: str | None = None


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route: the error statuses it gives, each with the `Error` body
    (503, which every route reading the catalog can give, with its Retry-After)."""
    return {
        status: {
            "model": Error,
            "description": _MEANINGS[status],
            **({"headers": RETRY_AFTER_HEADER} if status == 503 else {}),
        }
        for status in statuses
    }


def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with the reasons in one sentence: `query.limit: Input should be ...`."""
    reasons = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
        for error in exc.errors()
    )
    return JSONResponse({"detail": reasons or "invalid request"}, status_code=422)


def describe_errors_as_answered(app: FastAPI) -> None:
    """The OpenAPI description without FastAPI's own 422 entry (an array of validation errors,
    added to every route with a parameter): 422 is declared by `errors` where it can happen."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()  # kept by FastAPI as app.openapi_schema
            for methods in spec.get("paths", {}).values():
                for operation in methods.values():
                    responses = operation.get("responses", {})
                    if "HTTPValidationError" in str(responses.get("422", "")):
                        del responses["422"]
            schemas = spec.get("components", {}).get("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
