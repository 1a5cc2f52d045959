"""Forms of the clerk's pages act only when sent from those pages: a sign-in or sign-out posted
from another site is refused (login CSRF), a form from the page itself works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import eakte.web
from tests.support.web import ORIGIN, browser, form_token, sign_in, sign_out
from tests.support.world import World

EVIL = "https://evil.example"


def _signed_in_cookies(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v for k, v in client.cookies.items() if "session" in k or "token" in k}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {},  # a client that sends neither header: the missing token alone refuses it
    ],
)
def test_a_sign_in_posted_from_another_site_is_refused(world: World, headers: dict) -> None:
    victim = browser(world.client.app)
    answer = victim.post(
        "/ui/anmelden", data={"token": world.tokens["registratur"]}, headers=headers
    )
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers or "session" not in answer.headers["set-cookie"]
    assert _signed_in_cookies(victim) == {}
    assert victim.get("/ui/", follow_redirects=False).headers["location"] == "/ui/anmelden"


def test_a_sign_in_with_a_guessed_or_foreign_token_is_refused(world: World) -> None:
    attacker = browser(world.client.app)
    attackers_token = form_token(attacker.get("/ui/anmelden").text)
    victim = browser(world.client.app)
    victim.get("/ui/anmelden")  # the victim has a sign-in page open: a pre-session of its own
    for csrf in (attackers_token, "x" * 64, ""):
        answer = victim.post(
            "/ui/anmelden",
            data={"token": world.tokens["registratur"], "csrf": csrf},
            headers={"Origin": ORIGIN},
        )
        assert answer.status_code == 403, csrf
        assert _signed_in_cookies(victim) == {}


def test_the_sign_in_form_from_the_page_works(world: World) -> None:
    clerk = browser(world.client.app)
    answer = sign_in(clerk, world.tokens["bau"])
    assert answer.status_code == 200 and "Dokumente suchen" in answer.text
    assert answer.history[0].status_code == 303


def test_the_pages_own_token_is_refused_with_a_cross_site_origin(world: World) -> None:
    """The right token but a cross-site Origin: refused all the same."""
    clerk = browser(world.client.app)
    csrf = form_token(clerk.get("/ui/anmelden").text)
    answer = clerk.post(
        "/ui/anmelden",
        data={"token": world.tokens["bau"], "csrf": csrf},
        headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403 and _signed_in_cookies(clerk) == {}


def test_a_sign_out_posted_from_another_site_is_refused(world: World) -> None:
    clerk = browser(world.client.app)
    sign_in(clerk, world.tokens["bau"])
    forged = clerk.post("/ui/abmelden", headers={"Origin": EVIL}, follow_redirects=False)
    assert forged.status_code == 403
    assert clerk.get("/ui/", follow_redirects=False).status_code == 200  # still signed in
    assert sign_out(clerk).url.path == "/ui/anmelden"
    assert clerk.get("/ui/", follow_redirects=False).status_code == 303


def test_every_post_form_of_the_pages_carries_the_token(world: World) -> None:
    templates = Path(eakte.web.__file__).parent / "templates"
    forms = 0
    for template in templates.glob("*.html"):
        html = template.read_text("utf-8")
        for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
            if 'method="post"' in form:
                forms += 1
                assert "{{ csrf_field() }}" in form, template.name
    assert forms >= 2  # sign-in and sign-out
    clerk = browser(world.client.app)
    sign_in(clerk, world.tokens["registratur"])
    for page in ("/ui/", "/ui/aufbewahrung"):
        html = clerk.get(page).text
        for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
            if 'method="post"' in form:
                assert form_token(form)
