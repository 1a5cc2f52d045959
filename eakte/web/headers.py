"""Security headers on every answer: what a browser may do with the pages and documents.

The documents are confidential and the pages are plain HTML with one stylesheet, so every
answer says: run and load nothing but our own files (Content-Security-Policy, no inline
script or style), never inside a frame (X-Frame-Options, frame-ancestors: no clickjacking),
never guess a type other than the one sent (nosniff), send no address to other sites (the
addresses carry search words such as a Steuernummer; "same-origin" rather than "no-referrer",
which would make browsers send our own forms with `Origin: null`), and keep no copy
(no-store: not on a shared PC's disk, not in a proxy). Only the stylesheet and other static assets may be cached.
A route that needs another policy (the API description page) sets its own, which is kept.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders

from eakte.web.connections import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
CACHEABLE = "/static/"  # path prefix of the assets that carry no records


def policy_for(html: str, sources: Iterable[str]) -> str:
    """A policy for a page that loads from `sources` and runs inline scripts: exactly those
    scripts, named by their SHA-256, so no injected one would run."""
    allowed = " ".join(sources)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", html, re.S)
    )
    return (
        f"default-src 'self'; script-src {allowed} {hashes}; "
        f"style-src 'self' {allowed} 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        confidential = not str(scope.get("path", "")).startswith(CACHEABLE)

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", ()))
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", PAGE_POLICY)
                headers["x-frame-options"] = "DENY"
                headers["x-content-type-options"] = "nosniff"
                headers["referrer-policy"] = "same-origin"
                if confidential:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, secured)
