"""Who a browser is signed in as, and whether a form it sends came from these pages.

Signing in opens a session in the catalog (`archive.web_sessions`); the browser gets only its
random id, in a cookie that is HttpOnly (no script reads it), SameSite=Strict and, by default,
Secure under the `__Host-` prefix (sent over https only, and no other host of the domain can
set it). Strict rather than Lax: opening a page writes the access log in the clerk's name, so
a link on another site must not open one as the clerk; a clerk who follows such a link signs
in once more. `eakte serve` on plain http (development) needs `secure_cookies = false`
(EAKTE_SECURE_COOKIES=0); browsers treat http://127.0.0.1 and http://localhost as secure.

Forms (CSRF): every POST form carries a token derived from the browser's cookie, the session
cookie once signed in and, before that, a pre-session cookie that the sign-in page sets (so a
sign-in posted from another site, "login CSRF", is refused too). Another site can read neither
the cookie nor our pages, so it cannot send the matching token. The Origin and Sec-Fetch-Site
headers browsers add are checked as well: a form they say comes from elsewhere is refused
whatever it carries. Behind a reverse proxy the Host header must reach `eakte serve`
unchanged (nginx: `proxy_set_header Host $host`), since Origin is compared with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from fastapi import Request, Response

from archive.access import Principal
from archive.web_sessions import (
    end_stale_web_sessions,
    end_web_session,
    live_session,
    open_web_session,
    touch_web_session,
)
from eakte.web.service import Service
from pipelines.settings import Settings

LEGACY_COOKIE = "eakte_token"  # held the token itself before sessions; cleared when seen
_SAME_SITE = frozenset({"same-origin", "none"})  # Sec-Fetch-Site of our own pages, or typed


@dataclass(frozen=True)
class SessionPolicy:
    """How the session cookie is sent, and how long a session lives."""

    secure: bool = True  # the cookie goes over https only
    idle: timedelta = timedelta(minutes=30)  # unused this long: signed out
    lifetime: timedelta = timedelta(hours=10)  # a working day; then sign in again

    @classmethod
    def of(cls, settings: Settings) -> SessionPolicy:
        return cls(
            secure=settings.secure_cookies,
            idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_hours),
        )

    @property
    def cookie(self) -> str:
        """The session cookie's name; `__Host-` needs Secure, so plain http goes without."""
        return self._name("eakte_session")

    @property
    def pre_cookie(self) -> str:
        """The sign-in page's cookie, which binds the sign-in form's token to this browser."""
        return self._name("eakte_anmeldung")

    def _name(self, name: str) -> str:
        return f"__Host-{name}" if self.secure else name

    def give(self, response: Response, name: str, value: str) -> None:
        """Set a cookie for the browser's session (no expiry date: the server decides)."""
        response.set_cookie(
            name, value, path="/", httponly=True, samesite="strict", secure=self.secure
        )

    def take_back(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", httponly=True, samesite="strict", secure=self.secure)


def _policy(request: Request) -> SessionPolicy:
    return request.app.state.sessions


def form_token(bound_to: str) -> str:
    """The token a form carries: derived from a cookie's value, which another site cannot
    read; it reveals nothing of that value (a one-way hash, apart from the stored one)."""
    return hashlib.sha256(b"eakte form token\0" + bound_to.encode("utf-8")).hexdigest()


def from_another_site(request: Request) -> bool:
    """Whether the browser says the request comes from a page of another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in _SAME_SITE:
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not every client sends it; the form token still has to match
    host = request.headers.get("host", "")
    return origin == "null" or urlsplit(origin).netloc.lower() != host.lower()


def form_is_ours(request: Request, token: str, *, before_sign_in: bool = False) -> bool:
    """Whether a POSTed form came from our page in this browser: same site, and its token
    matches the browser's session cookie (or, for the sign-in form, its pre-session cookie)."""
    policy = _policy(request)
    cookie = request.cookies.get(policy.pre_cookie if before_sign_in else policy.cookie)
    if not cookie or not token or from_another_site(request):
        return False
    return hmac.compare_digest(form_token(cookie), token)


def with_sign_in_token(request: Request, render: Callable[[str], Response]) -> Response:
    """The sign-in page, rendered with its form's token; gives the browser the pre-session
    cookie the token is bound to when it has none (several open sign-in tabs share one)."""
    policy = _policy(request)
    pre = request.cookies.get(policy.pre_cookie)
    fresh = secrets.token_urlsafe(32) if not pre else None
    page = render(form_token(pre or fresh or ""))
    if fresh:
        policy.give(page, policy.pre_cookie, fresh)
    return page


def page_form_token(request: Request) -> str | None:
    """The token for the forms of a signed-in page (sign-out)."""
    cookie = request.cookies.get(_policy(request).cookie)
    return form_token(cookie) if cookie else None


def signed_in(request: Request, service: Service) -> Principal | None:
    """The holder of the browser's live session (scopes resolved); notes its use."""
    policy = _policy(request)
    session_id = request.cookies.get(policy.cookie)
    if not session_id:
        return None
    with service.archive.reading() as connection:
        found = live_session(connection, session_id, idle=policy.idle, lifetime=policy.lifetime)
    if found is None:
        return None
    if found.needs_touch(datetime.now(UTC)):
        with service.archive.transaction() as session:
            touch_web_session(session, session_id)
    return found.principal.with_organisations(service.org_units)


def start(request: Request, response: Response, service: Service, who: Principal) -> None:
    """Open a session for `who` and give the browser its id, ending the one it had."""
    policy = _policy(request)
    with service.archive.transaction() as session:
        old = request.cookies.get(policy.cookie)
        if old:
            end_web_session(session, old)
        end_stale_web_sessions(session, idle=policy.idle, lifetime=policy.lifetime)
        session_id = open_web_session(session, who.token_id)
    policy.give(response, policy.cookie, session_id)
    policy.take_back(response, policy.pre_cookie)
    response.delete_cookie(LEGACY_COOKIE)


def end(request: Request, response: Response, service: Service) -> None:
    """Sign out: the session is deleted in the catalog, and the browser's cookie cleared."""
    policy = _policy(request)
    session_id = request.cookies.get(policy.cookie)
    if session_id:
        with service.archive.transaction() as session:
            end_web_session(session, session_id)
    policy.take_back(response, policy.cookie)
    response.delete_cookie(LEGACY_COOKIE)
