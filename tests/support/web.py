"""The clerk's pages as a browser uses them: over https (the session cookie is `Secure`),
signed in through the form with the CSRF token the form carries."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

ORIGIN = "https://testserver"


def browser(app: FastAPI, base_url: str = ORIGIN) -> TestClient:
    """A client with its own cookie jar, like one browser."""
    return TestClient(app, base_url=base_url)


def form_token(html: str) -> str:
    """The CSRF token a page's form carries."""
    found = re.search(r'<input type="hidden" name="csrf" value="([^"]+)">', html)
    assert found is not None, "the form carries no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, secret: str) -> httpx.Response:
    """Open the sign-in page and send its form, as the browser does (same origin)."""
    form = client.get("/ui/anmelden")
    return client.post(
        "/ui/anmelden",
        data={"token": secret, "csrf": form_token(form.text)},
        headers={"Origin": str(client.base_url).rstrip("/")},
    )


def sign_out(client: TestClient, page: str = "/ui/") -> httpx.Response:
    """Press "Abmelden" on a page."""
    return client.post(
        "/ui/abmelden",
        data={"csrf": form_token(client.get(page).text)},
        headers={"Origin": str(client.base_url).rstrip("/")},
    )
