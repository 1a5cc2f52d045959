"""Where the HTTP API meets the errors eakte raises: a user's error is a 4xx with its message.

The statuses are the web layer's to choose, so they are named here and not in the libraries.
An `EakteError` not named here, like any other exception, is not the caller's fault: it stays
a 500 without details (the server logs the traceback).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from archive.search import SearchQueryError
from common.errors import EakteError

USER_ERRORS: dict[type[EakteError], int] = {
    SearchQueryError: 400,  # a query the search index cannot read
}


def user_error(_request: Request, exc: Exception) -> JSONResponse:
    """`{"detail": message}` with the status `USER_ERRORS` gives the error's class."""
    status = next(USER_ERRORS[c] for c in type(exc).__mro__ if c in USER_ERRORS)
    return JSONResponse({"detail": str(exc)}, status_code=status)


def handle_user_errors(app: FastAPI) -> None:
    """Answer every error of `USER_ERRORS` (and its subclasses) with `user_error`."""
    for error in USER_ERRORS:
        app.add_exception_handler(error, user_error)
