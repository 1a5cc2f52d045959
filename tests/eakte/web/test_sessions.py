"""Signed-in browsers hold a random session id, never the token; the catalog keeps the
session, so signing out, idling, a long day and a revoked token each end it for good."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from archive.access import create_token
from archive.catalog.models import WebSession
from eakte.config import load_settings
from eakte.web.app import create_app
from eakte.web.sessions import SessionPolicy
from tests.support.commands import invoke_eakte
from tests.support.web import browser, sign_in, sign_out
from tests.support.world import World

DEFAULT = SessionPolicy()


def _session_cookie(client: TestClient) -> str:
    return client.cookies[DEFAULT.cookie]


def _new_clerk(world: World, name: str) -> str:
    with world.archive.transaction() as s:
        world.tokens[name] = create_token(s, name, "clerk", ["all", "tax"])[1]
    return world.tokens[name]


def test_the_cookie_holds_a_session_id_never_the_token(world: World) -> None:
    clerk = browser(world.client.app)
    secret = world.tokens["bau"]
    answer = sign_in(clerk, secret)
    set_cookies = " ".join(r.headers.get("set-cookie", "") for r in (*answer.history, answer))
    assert secret not in set_cookies and secret not in str(dict(clerk.cookies))
    session_id = _session_cookie(clerk)
    with world.archive.transaction() as s:
        row = s.scalar(
            select(WebSession).where(
                WebSession.id_hash == hashlib.sha256(session_id.encode()).hexdigest()
            )
        )
        assert row is not None  # only the id's hash is stored
        assert session_id not in {row.id_hash, row.token_id}


def test_signing_out_ends_the_session_and_its_cookie_is_refused_afterwards(world: World) -> None:
    clerk = browser(world.client.app)
    sign_in(clerk, world.tokens["bau"])
    stolen = dict(clerk.cookies)
    sign_out(clerk)
    replay = browser(world.client.app)
    replay.cookies.update(stolen)
    answer = replay.get("/ui/", params={"q": "Musterstadt"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/anmelden"


def test_revoking_the_token_ends_its_sessions(world: World) -> None:
    secret = _new_clerk(world, "bald-gesperrt")
    clerk = browser(world.client.app)
    sign_in(clerk, secret)
    assert clerk.get("/ui/", follow_redirects=False).status_code == 200
    revoked = invoke_eakte(
        "token", "revoke", "bald-gesperrt", "--data", str(world.archive.data_dir)
    )
    assert revoked.exit_code == 0, revoked.output
    assert clerk.get("/ui/", follow_redirects=False).headers["location"] == "/ui/anmelden"


def _age(world: World, session_id: str, **values: datetime) -> None:
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    with world.archive.transaction() as s:
        s.execute(update(WebSession).where(WebSession.id_hash == digest).values(**values))


def test_an_idle_session_ends(world: World) -> None:
    clerk = browser(world.client.app)
    sign_in(clerk, world.tokens["bau"])
    now = datetime.now(UTC)
    _age(world, _session_cookie(clerk), last_seen_at=now - DEFAULT.idle + timedelta(minutes=2))
    assert clerk.get("/ui/", follow_redirects=False).status_code == 200  # not idle long enough
    _age(world, _session_cookie(clerk), last_seen_at=now - DEFAULT.idle - timedelta(minutes=1))
    assert clerk.get("/ui/", follow_redirects=False).status_code == 303


def test_a_busy_session_ends_after_its_lifetime(world: World) -> None:
    clerk = browser(world.client.app)
    sign_in(clerk, world.tokens["bau"])
    now = datetime.now(UTC)
    _age(world, _session_cookie(clerk), created_at=now - DEFAULT.lifetime + timedelta(minutes=5))
    assert clerk.get("/ui/", follow_redirects=False).status_code == 200
    _age(world, _session_cookie(clerk), created_at=now - DEFAULT.lifetime - timedelta(minutes=1))
    assert clerk.get("/ui/", follow_redirects=False).status_code == 303


def test_using_a_session_keeps_it_alive(world: World) -> None:
    clerk = browser(world.client.app)
    sign_in(clerk, world.tokens["bau"])
    long_ago = datetime.now(UTC) - DEFAULT.idle + timedelta(minutes=2)
    _age(world, _session_cookie(clerk), last_seen_at=long_ago)
    assert clerk.get("/ui/", follow_redirects=False).status_code == 200
    digest = hashlib.sha256(_session_cookie(clerk).encode()).hexdigest()
    with world.archive.transaction() as s:
        seen = s.scalar(select(WebSession.last_seen_at).where(WebSession.id_hash == digest))
    assert seen is not None and seen.replace(tzinfo=UTC) > long_ago + timedelta(minutes=1)


def _attributes(response: httpx.Response, name: str) -> set[str]:
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(name + "="))
    return {a.strip().lower() for a in cookie.split(";")[1:]}


def test_the_session_cookie_is_httponly_strict_and_secure_by_default(world: World) -> None:
    clerk = browser(world.client.app)
    answer = sign_in(clerk, world.tokens["bau"])
    assert {"httponly", "samesite=strict", "secure", "path=/"} <= _attributes(
        answer.history[0], DEFAULT.cookie
    )
    assert DEFAULT.cookie.startswith("__Host-")  # no other host of the domain can set it
    # Secure even when the request came over plain http (behind a proxy, or by mistake)
    plain = browser(world.client.app, "http://testserver").get("/ui/anmelden")
    assert {"httponly", "samesite=strict", "secure"} <= _attributes(plain, DEFAULT.pre_cookie)


def test_plain_http_development_switches_secure_off(world: World) -> None:
    settings = load_settings({"EAKTE_SECURE_COOKIES": "0", "EAKTE_CONFIG": "/nonexistent"})
    policy = SessionPolicy.of(settings)
    assert policy.secure is False and not policy.cookie.startswith("__Host-")
    with TestClient(create_app(world.archive, sessions=policy)) as plain:  # http://testserver
        answer = sign_in(plain, world.tokens["bau"])
        assert answer.status_code == 200 and "Dokumente suchen" in answer.text
        cookie = answer.history[0].headers["set-cookie"]
        assert "secure" not in cookie.lower() and "httponly" in cookie.lower()
        assert plain.get("/ui/", follow_redirects=False).status_code == 200


def test_session_lengths_are_settings(world: World) -> None:
    settings = load_settings(
        {
            "EAKTE_SESSION_IDLE_MINUTES": "5",
            "EAKTE_SESSION_HOURS": "2",
            "EAKTE_CONFIG": "/nonexistent",
        }
    )
    policy = SessionPolicy.of(settings)
    assert (policy.idle, policy.lifetime) == (timedelta(minutes=5), timedelta(hours=2))
    assert (DEFAULT.idle, DEFAULT.lifetime, DEFAULT.secure) == (
        timedelta(minutes=30),
        timedelta(hours=10),
        True,
    )
