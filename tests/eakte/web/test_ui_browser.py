"""The clerk's pages in a real browser (Debian's chromium through Playwright).

Sign in, search by keyboard, narrow by a facet, open a document with its page preview,
download the PDF/A, go to its Akte, all under the pages' Content-Security-Policy, with the
session cookie `Secure` (browsers count http://127.0.0.1 as secure); a sign-in form on another
site does not sign the browser in. One screenshot per main page is kept under
`test-artifacts/screenshots/` (or `EAKTE_TEST_ARTIFACTS`).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.support.world import BAU_AZ, World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(
    os.environ.get("EAKTE_TEST_ARTIFACTS", Path(__file__).resolve().parents[3] / "test-artifacts")
)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="no chromium: `bash setup.sh --tests` installs it"
)


@pytest.fixture(scope="module")
def base_url(world: World) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(world.client.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the web server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


def test_sign_in_search_facet_open_download_and_akte(
    browser,  # type: ignore[no-untyped-def]
    base_url: str,
    world: World,
    tmp_path: Path,
) -> None:
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(accept_downloads=True, locale="de-DE")
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{base_url}/ui/")
    assert page.url.endswith("/ui/anmelden")
    assert page.evaluate("document.activeElement.id") == "token"  # type right away
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Anmelden"
    page.get_by_label("Zugangsschlüssel (Token)").fill(world.tokens["registratur"])
    page.screenshot(path=shots / "anmelden.png", full_page=True)
    page.get_by_label("Zugangsschlüssel (Token)").press("Enter")
    page.wait_for_url(f"{base_url}/ui/")
    cookies = {c["name"]: c for c in context.cookies()}
    assert world.tokens["registratur"] not in str(cookies)
    assert cookies["__Host-eakte_session"]["secure"] and cookies["__Host-eakte_session"]["httpOnly"]

    search = page.get_by_label("Suchbegriffe, Aktenzeichen oder Steuernummer")
    search.fill("Musterstadt")
    search.press("Enter")
    page.get_by_role("heading", name="2 Treffer").wait_for()
    assert page.locator(".snippet b").count() >= 1
    page.screenshot(path=shots / "suche.png", full_page=True)

    page.get_by_role("link", name="Baugenehmigung (1)").click()
    page.get_by_role("heading", name="1 Treffer").wait_for()
    page.locator(".treffer a").first.click()
    page.get_by_role("heading", level=1).wait_for()
    preview = page.get_by_role("img", name="Seite 1 von 1")
    preview.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 100", arg=preview.element_handle()
    )
    page.screenshot(path=shots / "dokument.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF/A herunterladen").click()
    saved = tmp_path / "download.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name=BAU_AZ).click()
    page.get_by_role("heading", name=f"Akte {BAU_AZ}").wait_for()
    assert page.get_by_role("table").get_by_role("link").count() == 1
    page.screenshot(path=shots / "akte.png", full_page=True)

    page.get_by_role("link", name="Aufbewahrung").click()
    page.get_by_role("heading", level=1).wait_for()
    assert page.get_by_role("table").count() == 2  # states; files due
    page.screenshot(path=shots / "aufbewahrung.png", full_page=True)

    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(f"{base_url}/ui/anmelden")
    assert "__Host-eakte_session" not in {c["name"] for c in context.cookies()}
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()
    for name in ("anmelden", "suche", "dokument", "akte", "aufbewahrung"):
        assert (shots / f"{name}.png").stat().st_size > 5_000


def test_a_sign_in_form_on_another_site_does_not_sign_the_browser_in(
    browser,  # type: ignore[no-untyped-def]
    base_url: str,
    world: World,
) -> None:
    """Login CSRF: a page of another site posts the attacker's token to our sign-in, so that
    the clerk would work (and search) under the attacker's account."""
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(f"{base_url}/ui/anmelden")  # the clerk even has our sign-in page open
    evil = (
        f'<form method="post" action="{base_url}/ui/anmelden">'
        f'<input name="token" value="{world.tokens["bau"]}">'
        '<input name="csrf" value="geraten"><button>Weiter</button></form>'
    )
    context.route(
        "http://evil.example/**",
        lambda route: route.fulfill(body=evil, content_type="text/html"),
    )
    page.goto("http://evil.example/")
    with page.expect_navigation():
        page.get_by_role("button", name="Weiter").click()
    refused = page.content()
    page.goto(f"{base_url}/ui/")  # the clerk opens the search later
    assert page.url.endswith("/ui/anmelden")  # not signed in
    assert not [c for c in context.cookies() if "session" in c["name"] or "token" in c["name"]]
    assert "Formular abgelehnt" in refused
    context.close()
