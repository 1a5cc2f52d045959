"""Keep-alive connections end after a number of requests, each connection counted alone."""

from __future__ import annotations

import asyncio
from typing import Any

from eakte.web.connections import RecycleConnections


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _headers(app: RecycleConnections, client: tuple[str, int] | None, kind: str = "http") -> dict:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request"}

    asyncio.run(app({"type": kind, "client": client}, receive, send))
    return dict(sent[0]["headers"]) if sent else {}


def test_every_third_response_on_a_connection_closes_it() -> None:
    app = RecycleConnections(_answer, every=3)
    first, second = ("10.0.0.1", 50001), ("10.0.0.1", 50002)
    closes = []
    for client in (first, first, second, first, first, second, second, first):
        headers = _headers(app, client)
        assert headers[b"x-app"] == b"1"  # the application's own headers stay
        closes.append(headers.get(b"connection"))
    # first: 1 2 . [3] 1 . . 2; second: . . 1 . . 2 [3] .
    assert closes == [None, None, None, b"close", None, None, b"close", None]


def test_requests_without_a_known_client_are_left_alone() -> None:
    app = RecycleConnections(_answer, every=1)
    assert b"connection" not in _headers(app, None)
