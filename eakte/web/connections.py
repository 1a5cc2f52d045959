"""Keep-alive connections are closed after a number of requests, to spread over the workers.

`eakte serve` runs a process per core on one listening socket; a connection stays with the
process that accepted it. A case system's connection pool, opened at once, can land mostly
on one process, which then answers slowly while another core idles. Ending each connection
after `every` requests ("Connection: close", as nginx's keepalive_requests does) makes the
client connect again, and the next connection goes to the process that is free to accept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUESTS_PER_CONNECTION = 25
_TRACKED = 10_000  # connections a process counts at most (forgotten ones: cleared)


class RecycleConnections:
    """ASGI middleware: the `every`-th response on a connection closes it."""

    def __init__(self, app: ASGIApp, every: int = REQUESTS_PER_CONNECTION) -> None:
        self.app = app
        self.every = every
        self._served: dict[tuple[Any, ...], int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or client is None:
            await self.app(scope, receive, send)
            return
        key = tuple(client)  # (address, port): one open connection
        served = self._served.pop(key, 0) + 1
        if served < self.every:
            if len(self._served) >= _TRACKED:
                self._served.clear()
            self._served[key] = served
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, closing)
